import { SyntheticTraffic } from '../../chaos/drill/traffic';

describe('synthetic traffic', () => {
  it('GIVEN clients waiting out a 1,000 s interval between requests WHEN the traffic stops THEN stop() returns without waiting it out, and no request follows', async () => {
    let resolved = 0;
    const traffic = new SyntheticTraffic({
      tenants: [{ id: 'acme', tier: 'premium', token: 't', hostname: 'acme.tenants.example.com' }],
      clientsPerTenant: 2,
      ratePerClient: 0.001,
      writeShare: 0,
      timeoutMs: 100,
      // No network: each request fails at resolution, and is still recorded as a sample.
      newResolver: () => async () => {
        resolved += 1;
        throw new Error('no DNS in this test');
      },
      dnsTtlMs: 1000,
      writeIdPrefix: 'test',
      // Every client starts at once: its first wait is 0 of the interval.
      random: () => 0,
    });
    traffic.start();
    while (traffic.clientsHeardFrom() < 2) await new Promise((r) => setImmediate(r));
    await traffic.stop();
    expect(traffic.samples.map((s) => [s.client, s.ok, s.error])).toEqual([
      ['acme#0', false, 'Error'],
      ['acme#1', false, 'Error'],
    ]);
    expect(resolved).toBe(2);
  });
});
