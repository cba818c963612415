import { parseServiceFaultText } from '../../infra/tenant-service/fault';
import { ADMIN, type ServiceHarness, startService } from './harness';

describe('tenant service fault switch', () => {
  let h: ServiceHarness;
  let roll = 0;
  beforeAll(async () => {
    h = await startService({ random: () => roll });
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(async () => {
    await h.call('PUT', '/admin/fault', { headers: { 'x-admin-token': ADMIN }, body: { kind: 'none' } });
  });

  const admin = { 'x-admin-token': ADMIN };

  it('GIVEN no or a wrong admin token WHEN setting a fault THEN 401 and the fault is unchanged', async () => {
    expect((await h.call('PUT', '/admin/fault', { body: { kind: 'outage' } })).status).toBe(401);
    const wrong = await h.call('PUT', '/admin/fault', {
      headers: { 'x-admin-token': 'guess' },
      body: { kind: 'outage' },
    });
    expect(wrong.status).toBe(401);
    expect(h.service.fault()).toEqual({ kind: 'none' });
  });

  it('GIVEN an outage fault WHEN tenants and the health check call THEN 503, and admin still answers', async () => {
    const set = await h.call('PUT', '/admin/fault', { headers: admin, body: { kind: 'outage' } });
    expect(set.status).toBe(200);
    expect((await h.call('GET', '/health')).status).toBe(503);
    const tenant = await h.call('GET', '/orders', { token: h.token('acme') });
    expect(tenant.status).toBe(503);
    expect(tenant.headers.get('x-served-by-region')).toBe('us-east-1');
    expect((await h.call('GET', '/admin/fault', { headers: admin })).body).toEqual({ fault: { kind: 'outage' } });
  });

  it('GIVEN an error-rate fault WHEN a request draws under the rate THEN 500, over it 200, health stays 200', async () => {
    await h.call('PUT', '/admin/fault', { headers: admin, body: { kind: 'error-rate', percent: 50 } });
    roll = 0.2;
    expect((await h.call('GET', '/orders', { token: h.token('acme') })).status).toBe(500);
    expect((await h.call('GET', '/health')).status).toBe(200);
    roll = 0.8;
    expect((await h.call('GET', '/orders', { token: h.token('acme') })).status).toBe(200);
  });

  it('GIVEN a latency fault WHEN a request is served THEN it is served, and the fault is logged', async () => {
    await h.call('PUT', '/admin/fault', { headers: admin, body: { kind: 'latency', ms: 30 } });
    expect((await h.call('GET', '/health')).status).toBe(200);
    expect(h.logs.some((l) => l.msg === 'fault-set' && JSON.stringify(l.fault) === '{"kind":"latency","ms":30}')).toBe(
      true,
    );
  });

  it('GIVEN a bad fault body WHEN setting it THEN 400 names the value and the fix', async () => {
    const res = await h.call('PUT', '/admin/fault', { headers: admin, body: { kind: 'error-rate', percent: 150 } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('percent');
    expect(res.body.message).toContain('{"kind":"outage"}');
  });

  it('GIVEN SERVICE_FAULT text WHEN parsed THEN valid JSON faults pass and others name the variable', () => {
    expect(parseServiceFaultText('{"kind":"latency","ms":5}', 'SERVICE_FAULT')).toEqual({ kind: 'latency', ms: 5 });
    expect(() => parseServiceFaultText('outage', 'SERVICE_FAULT')).toThrow(/SERVICE_FAULT: "outage" is not JSON/);
  });
});

describe('tenant service without a fault switch (AWS: no ADMIN_TOKEN)', () => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startService({ adminToken: undefined });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('GIVEN no admin token configured WHEN anyone reads or sets the fault THEN 404 and the fault stays none', async () => {
    for (const headers of [{}, { 'x-admin-token': ADMIN }, { 'x-admin-token': '' }] as Record<string, string>[]) {
      expect((await h.call('GET', '/admin/fault', { headers })).status).toBe(404);
      expect((await h.call('PUT', '/admin/fault', { headers, body: { kind: 'outage' } })).status).toBe(404);
    }
    expect(h.service.fault()).toEqual({ kind: 'none' });
    expect((await h.call('GET', '/health')).status).toBe(200);
  });
});
