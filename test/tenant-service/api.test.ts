import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LocalIdentityProvider } from '../../chaos/env/identity';
import { REGION, type ServiceHarness, startService } from './harness';

describe('tenant service API (against moto)', () => {
  let h: ServiceHarness;
  let other: LocalIdentityProvider;
  beforeAll(async () => {
    h = await startService();
    other = await LocalIdentityProvider.start({ audience: h.identity.audience });
  });
  afterAll(async () => {
    await h.stop();
    await other.stop();
  });

  it('GIVEN a running service WHEN GET /health THEN 200 and every response names the Region', async () => {
    const res = await h.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', region: REGION });
    expect(res.headers.get('x-served-by-region')).toBe(REGION);
    const notFound = await h.call('GET', '/nope');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-served-by-region')).toBe(REGION);
  });

  it.each([
    ['orders', { productId: 'p-1', quantity: 2 }],
    ['products', { name: 'Widget', priceCents: 1999 }],
    ['users', { email: 'ada@example.com', name: 'Ada' }],
  ])(
    'GIVEN a tenant token WHEN it creates, gets and lists %s THEN it reads back what it wrote',
    async (collection, body) => {
      const token = h.token('acme', 'premium');
      const created = await h.call('POST', `/${collection}`, { token, body });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ ...body, writeRegion: REGION });
      const id = created.body.id as string;
      expect(created.headers.get('location')).toBe(`/${collection}/${id}`);

      const got = await h.call('GET', `/${collection}/${id}`, { token });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(created.body);

      const list = await h.call('GET', `/${collection}`, { token });
      expect(list.status).toBe(200);
      expect((list.body.items as { id: string }[]).map((i) => i.id)).toContain(id);
    },
  );

  it('GIVEN a write with x-write-seq WHEN it is stored THEN the item carries the sequence number and the tenant key', async () => {
    const token = h.token('globex', 'premium');
    const res = await h.call('PUT', '/orders/o-seq', {
      token,
      body: { productId: 'p', quantity: 1 },
      headers: { 'x-write-seq': '42' },
    });
    expect(res.status).toBe(200);
    expect(res.body.writeSeq).toBe(42);
    const row = await h.db.send(new GetCommand({ TableName: h.tableName, Key: { pk: 'globex', sk: 'order#o-seq' } }));
    expect(row.Item).toMatchObject({ writeSeq: 42, writeRegion: REGION, entity: 'order' });
    expect(typeof row.Item?.updatedAt).toBe('number');
  });

  it('GIVEN header and body sequence numbers that differ WHEN writing THEN 400 names both', async () => {
    const res = await h.call('POST', '/orders', {
      token: h.token('acme'),
      body: { productId: 'p', quantity: 1, writeSeq: 3 },
      headers: { 'x-write-seq': '4' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('x-write-seq 4 and body writeSeq 3');
  });

  it('GIVEN an existing id WHEN POST creates it again THEN 409, and PUT replaces it', async () => {
    const token = h.token('initech', 'advanced');
    expect((await h.call('POST', '/products', { token, body: { id: 'dup', name: 'A', priceCents: 1 } })).status).toBe(
      201,
    );
    const again = await h.call('POST', '/products', { token, body: { id: 'dup', name: 'B', priceCents: 2 } });
    expect(again.status).toBe(409);
    const put = await h.call('PUT', '/products/dup', { token, body: { name: 'B', priceCents: 2 } });
    expect(put.status).toBe(200);
    expect((await h.call('GET', '/products/dup', { token })).body.name).toBe('B');
  });

  it('GIVEN a body with an unknown field or a bad value WHEN writing THEN 400 names the field', async () => {
    const token = h.token('acme');
    const unknown = await h.call('POST', '/users', { token, body: { email: 'a@b.co', name: 'A', tenantId: 'globex' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('tenantId');
    const bad = await h.call('POST', '/orders', { token, body: { productId: 'p', quantity: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('quantity');
  });

  it('GIVEN more items than a page WHEN listing with limit THEN next pages through all of them once', async () => {
    const token = h.token('umbrella', 'advanced');
    for (let i = 0; i < 5; i++)
      await h.call('PUT', `/users/u${i}`, { token, body: { email: `u${i}@x.io`, name: `U${i}` } });
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const page = await h.call('GET', `/users?limit=2${next ? `&next=${next}` : ''}`, { token });
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as { id: string }[]).map((i) => i.id));
      next = page.body.next as string | undefined;
    } while (next);
    expect(seen.sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect((await h.call('GET', '/users?limit=0', { token })).status).toBe(400);
  });

  it.each([
    ['no token', () => undefined],
    ['a malformed token', () => 'not-a-jwt'],
    ['a token from an issuer the service does not trust', () => other.issue({ tenantId: 'acme', tier: 'basic' })],
    [
      'an expired token',
      () =>
        h.identity.issue({ tenantId: 'acme', tier: 'basic' }, { now: new Date(Date.now() - 3600_000), ttlSeconds: 60 }),
    ],
    [
      'an unsigned "alg: none" token',
      () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"custom:tenantId":"acme","custom:tier":"basic","iat":0,"exp":9999999999}').toString('base64url')}.`,
    ],
  ])('GIVEN %s WHEN calling a tenant route THEN 401 and nothing is read', async (_what, token) => {
    const res = await h.call('GET', '/orders', { token: token() });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it("GIVEN one tenant's valid token WHEN it reads another tenant's item THEN 404: the token's tenant decides", async () => {
    const put = await h.call('PUT', '/orders/o-private', {
      token: h.token('globex'),
      body: { productId: 'p', quantity: 1 },
    });
    expect(put.status).toBe(200);
    expect((await h.call('GET', '/orders/o-private', { token: h.token('acme') })).status).toBe(404);
    expect((await h.call('GET', '/orders/o-private', { token: h.token('globex') })).status).toBe(200);
  });

  it('GIVEN requests WHEN served THEN one structured log line per request carries status and tenant, never the token', async () => {
    const token = h.token('hooli');
    await h.call('GET', '/orders', { token });
    const line = h.logs.filter((l) => l.msg === 'request' && l.tenantId === 'hooli').at(-1);
    expect(line).toMatchObject({ method: 'GET', path: '/orders', status: 200 });
    expect(JSON.stringify(h.logs)).not.toContain(token);
  });
});
