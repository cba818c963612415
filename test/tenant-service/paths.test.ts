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
});
