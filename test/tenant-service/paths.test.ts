import fc from 'fast-check';
import { ADMIN, type ServiceHarness, startService } from './harness';

/** Paths are matched as received: no dot segment, encoding or slash trick turns a tenant route into the admin route. */
describe('tenant service paths as received', () => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startService();
  });
  afterAll(async () => {
    await h.stop();
  });

  const admin = { 'x-admin-token': ADMIN, 'content-type': 'application/json' };

  it.each([
    '/orders/../admin/fault',
    '/orders/%2e%2e/admin/fault',
    '/orders/%2E%2E/admin/fault',
    '/orders/.%2e/admin/fault',
    '/orders/%2e./admin/fault',
    '/orders/..%2fadmin%2ffault',
    '/orders/%2e%2e%2fadmin%2ffault',
    '/orders/..%5cadmin%5cfault',
    '/orders\\..\\admin\\fault',
    '/./admin/fault',
    '/admin/./fault',
    '/admin/%66ault',
    '/%61dmin/fault',
    '//admin/fault',
    '/admin//fault',
    '/admin/fault/',
    '/orders/%252e%252e/admin/fault',
    'http://127.0.0.1/admin/fault',
  ])('GIVEN the admin token WHEN %s is requested THEN 404 and the admin handler never answers', async (path) => {
    const read = await h.callRaw('GET', path, admin);
    expect(read.status).toBe(404);
    expect(read.body).not.toContain('"fault"');
    expect(JSON.parse(read.body)).toMatchObject({ error: 'not-found' });
    const write = await h.callRaw('PUT', path, admin);
    expect(write.status).toBe(404);
    expect(h.service.fault()).toEqual({ kind: 'none' });
  });

  it.each(['/orders/../orders', '/orders/%2e%2e', '/orders/.', '/%6frders', '/orders/'])(
    'GIVEN a tenant token WHEN %s is requested THEN 404, not a resolved tenant route',
    async (path) => {
      const res = await h.callRaw('GET', path, { authorization: `Bearer ${h.token('acme')}` });
      expect(res.status).toBe(404);
    },
  );

  it('GIVEN the exact admin path WHEN requested raw THEN the admin handler answers (the control case)', async () => {
    const res = await h.callRaw('GET', '/admin/fault', admin);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ fault: { kind: 'none' } });
  });

  it('GIVEN a plain tenant path with a query WHEN requested raw THEN it is served', async () => {
    const res = await h.callRaw('GET', '/orders?limit=2', { authorization: `Bearer ${h.token('acme')}` });
    expect(res.status).toBe(200);
  });

  it('GIVEN any path built from dot, slash, encoded and admin pieces WHEN PUT with the admin token THEN only the exact /admin/fault sets the fault', async () => {
    // Segments around "admin" and "fault" that a normalising router would resolve away (dot segments, encodings).
    const noise = fc.constantFrom('orders', 'users', '..', '.', '%2e%2e', '.%2e', '%2E.', '%2e', '', 'x');
    const dots = fc.constantFrom('.', '%2e', '', '..%2fadmin');
    const admin_ = fc.constantFrom('admin', '%61dmin', 'ADMIN');
    await fc.assert(
      fc.asyncProperty(
        fc.array(noise, { maxLength: 3 }),
        admin_,
        fc.array(dots, { maxLength: 2 }),
        fc.constantFrom('', '?x=1', '/'),
        async (prefix, adminSegment, middle, tail) => {
          const path = `/${[...prefix, adminSegment, ...middle, 'fault'].join('/')}${tail}`;
          const res = await h.callRaw('PUT', path, admin, '{"kind":"outage"}');
          if (path.split('?')[0] === '/admin/fault') {
            // The control case: the exact path does set it (so the property is not vacuous); put it back.
            expect(res.status).toBe(200);
            h.service.setFault({ kind: 'none' });
            return;
          }
          expect({ path, set: res.status === 200 }).toEqual({ path, set: false });
          expect(h.service.fault()).toEqual({ kind: 'none' });
        },
      ),
      { numRuns: 200 },
    );
  });
});
