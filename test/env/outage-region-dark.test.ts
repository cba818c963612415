import { observedRoutingProblems, writeSeqsIn } from '../../chaos/drill/driver';
import { startLocalEnvironment } from '../../chaos/env/environment';
import type { EnvEvent, LocalEnvironment } from '../../chaos/env/types';
import { namesFor } from '../../failover/config/names';
import { localEnvConfig, waitFor } from '../support/env';

/**
 * A Region outage takes the whole Region down (LocalEnvironment.setRegionDown): nothing runs in it any more, not its
 * load balancer, not its DynamoDB endpoint, not its replication, not its alarm evaluation nor its SNS. The failover
 * must still happen, detected by the peer's probes and decided by the peer's handler, and the writes the Region
 * acknowledged but had not replicated must be missing from the survivor — counted, not assumed away.
 */
describe('a Region outage takes the Region down', () => {
  it('GIVEN writes acknowledged by the primary inside the replication window WHEN the whole primary Region goes down THEN Route 53 moves to the secondary, clients are served by the secondary, and exactly the stranded writes are missing there', async () => {
    const config = localEnvConfig(
      'rdark',
      '[{ id: acme, tier: premium }, { id: initech, tier: advanced }, { id: hooli, tier: basic }]',
    );
    const env: LocalEnvironment = await startLocalEnvironment({ config, motoEndpoint: process.env.MOTO_ENDPOINT });
    const { primary, secondary } = env.config.regions;
    const names = namesFor(env.config);
    const prefix = `outage-${Date.now()}`;
    try {
      // Steady state: the probe alarm about the primary (in the secondary) is OK, so only the outage can fire it.
      await waitFor('probe alarm about the primary OK', () =>
        env.events().find((e) => e.type === 'alarm-state' && e.alarm === names.probeAlarm(primary) && e.state === 'OK'),
      );
      // One write replicated normally, then a long lag so the next writes are still in flight at the fault.
      const write = async (seq: number) => {
        const dns = env.dnsClient();
        const answer = await dns.resolve(names.tenantRecord('acme'));
        const res = await fetch(new URL('/orders', answer.url), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${env.tenantToken('acme')}`,
            'content-type': 'application/json',
            'x-write-seq': String(seq),
          },
          body: JSON.stringify({ id: `${prefix}-${seq}`, productId: 'p', quantity: 1 }),
        });
        await res.arrayBuffer();
        expect([res.status, res.headers.get('x-served-by-region')]).toEqual([201, primary]);
      };
      await write(1);
      await waitFor('write 1 replicated', async () =>
        (await writeSeqsIn(env.clients.dynamodb[secondary]!, names.dataTable, ['acme'], prefix)).get('acme')?.has(1)
          ? true
          : undefined,
      );
      env.replication.setLagMs(5000);
      for (const seq of [2, 3, 4]) await write(seq);
      // Seen by replication (one poll), not yet applied: these are the writes of the last replication window.
      await new Promise((r) => setTimeout(r, 4 * env.profile.replication.pollMs));

      const downAt = Date.now();
      await env.setRegionDown(primary, true);
      const down = env
        .events(downAt)
        .find((e): e is Extract<EnvEvent, { type: 'region-state' }> => e.type === 'region-state');
      expect(down).toMatchObject({ region: primary, state: 'down', strandedWrites: 3 });

      // Clients of the primary's DynamoDB endpoint get connection failures; the secondary's keeps serving.
      await expect(writeSeqsIn(env.clients.dynamodb[primary]!, names.dataTable, ['acme'], prefix)).rejects.toThrow();

      // Detected from outside: the secondary's probe alarm, published to the secondary's topic, handled there.
      await waitFor('a failover to the secondary', async () =>
        (
          await observedRoutingProblems(
            {
              config: env.config,
              route53: env.clients.route53,
              hostedZoneId: env.hostedZoneId,
              probeBaseUrl: (r) => env.regions[r]?.loadBalancerUrl,
            },
            secondary,
          )
        ).length === 0
          ? true
          : undefined,
      );
      const after = env.events(downAt);
      expect(
        after.some(
          (e) => e.type === 'notification-published' && e.alarm === names.probeAlarm(primary) && e.region === secondary,
        ),
      ).toBe(true);
      // Nothing ran in the primary: no alarm evaluated there, nothing published there.
      expect(
        after.filter((e) => (e.type === 'alarm-state' || e.type === 'notification-published') && e.region === primary),
      ).toEqual([]);

      // Once the change has propagated to Route 53's name servers (chaos/env/route53-propagation.ts), a fresh client
      // lands on the secondary and is served there.
      const answer = await waitFor('the change propagated to the resolvers', async () => {
        const resolved = await env.dnsClient().resolve(names.tenantRecord('acme'));
        return resolved.region === secondary ? resolved : undefined;
      });
      const res = await fetch(new URL('/orders?limit=1', answer.url), {
        headers: { authorization: `Bearer ${env.tenantToken('acme')}` },
      });
      await res.arrayBuffer();
      expect([answer.region, res.status, res.headers.get('x-served-by-region')]).toEqual([secondary, 200, secondary]);

      // The writes acknowledged in the last window are lost on the survivor, and only those.
      const present = await writeSeqsIn(env.clients.dynamodb[secondary]!, names.dataTable, ['acme'], prefix);
      expect([...(present.get('acme') ?? [])].sort()).toEqual([1]);

      // The Region comes back: replication picks up where it stopped and the stranded writes reach the secondary.
      env.replication.setLagMs(env.profile.replication.lagMs);
      await env.setRegionDown(primary, false);
      await waitFor('stranded writes replicated after the Region is back', async () => {
        const back = await writeSeqsIn(env.clients.dynamodb[secondary]!, names.dataTable, ['acme'], prefix);
        return back.get('acme')?.size === 4 && env.replication.lagMs() === 0 ? true : undefined;
      });
    } finally {
      await env.stop();
    }
  }, 120_000);
});
