import fc from 'fast-check';
import { type ServiceHarness, startService } from './harness';

/** One tenant can never read or change another tenant's items, whatever ids, bodies or paths it sends. */
describe('tenant isolation', () => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startService();
  });
  afterAll(async () => {
    await h.stop();
  });

  const tenantArb = fc.constantFrom('acme', 'globex', 'hooli');
  const idArb = fc.constantFrom('x1', 'x2', 'shared-id');
  const opArb = fc.record({ tenant: tenantArb, id: idArb, quantity: fc.integer({ min: 1, max: 9 }) });

  it('GIVEN any sequence of writes by several tenants to the same ids WHEN each tenant reads THEN it sees only its own last writes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), async (ops) => {
        run += 1;
        // A product id unique to this run, so earlier runs' items do not count.
        const productId = `run${run}-${Date.now()}`;
        const expected = new Map<string, number>();
        for (const op of ops) {
          const res = await h.call('PUT', `/orders/${op.id}`, {
            token: h.token(op.tenant),
            body: { productId, quantity: op.quantity },
          });
          expect(res.status).toBe(200);
          expected.set(`${op.tenant}/${op.id}`, op.quantity);
        }
        for (const tenant of ['acme', 'globex', 'hooli']) {
          const token = h.token(tenant);
          for (const id of ['x1', 'x2', 'shared-id']) {
            const got = await h.call('GET', `/orders/${id}`, { token });
            const want = expected.get(`${tenant}/${id}`);
            if (want !== undefined) {
              expect(got.status).toBe(200);
              expect(got.body).toMatchObject({ productId, quantity: want });
            } else if (got.status === 200) {
              // Written by this tenant in an earlier run, never by another tenant in this one.
              expect(got.body.productId).not.toBe(productId);
            } else {
              expect(got.status).toBe(404);
            }
          }
          const list = await h.call('GET', '/orders?limit=100', { token });
          const mine = (list.body.items as { id: string; productId: string }[]).filter(
            (i) => i.productId === productId,
          );
          expect(mine.map((i) => i.id).sort()).toEqual(
            [...expected.keys()]
              .filter((k) => k.startsWith(`${tenant}/`))
              .map((k) => k.split('/')[1])
              .sort(),
          );
        }
      }),
      { numRuns: 8 },
    );
  });

  it.each([
    ['a tenantId field in the body', 'POST', '/orders', { productId: 'p', quantity: 1, tenantId: 'globex' }],
    ['a pk field in the body', 'PUT', '/orders/o1', { productId: 'p', quantity: 1, pk: 'globex' }],
    ['a path naming the other tenant', 'GET', '/globex/orders', undefined],
  ])(
    'GIVEN %s WHEN tenant acme calls THEN it is refused and globex is untouched',
    async (_what, method, path, body) => {
      const globex = h.token('globex');
      await h.call('PUT', '/orders/o1', { token: globex, body: { productId: 'gx', quantity: 7 } });
      const res = await h.call(method, path, { token: h.token('acme'), body });
      expect([400, 404]).toContain(res.status);
      expect((await h.call('GET', '/orders/o1', { token: globex })).body).toMatchObject({
        productId: 'gx',
        quantity: 7,
      });
    },
  );

  it("GIVEN another tenant's page token WHEN listing THEN the list stays in the caller's partition", async () => {
    const globex = h.token('globex');
    for (const id of ['p1', 'p2', 'p3'])
      await h.call('PUT', `/products/${id}`, { token: globex, body: { name: id, priceCents: 1 } });
    const page = await h.call('GET', '/products?limit=1', { token: globex });
    const next = page.body.next as string;
    expect(next).toBeDefined();
    const acme = await h.call('GET', `/products?limit=100&next=${next}`, { token: h.token('acme') });
    expect(acme.status).toBe(200);
    expect((acme.body.items as { name: string }[]).map((i) => i.name)).not.toContain('p2');
  });
});
