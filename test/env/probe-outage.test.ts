import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { startLocalEnvironment } from '../../chaos/env/environment';
import type { EnvEvent, LocalEnvironment } from '../../chaos/env/types';
import { namesFor } from '../../failover/config/names';
import { localEnvConfig, waitFor } from '../support/env';

/**
 * A Region that goes dark publishes nothing: its load balancer stops answering and no metric of it reaches CloudWatch.
 * Only the peer's probes (chaos/env/prober.ts) can see it, and the alarm about it must live, and notify, in the peer.
 */
describe('outside-in detection of a Region gone dark', () => {
  it('GIVEN the primary load balancer stops answering and publishing WHEN the secondary probes it THEN the probe alarm about the primary goes to ALARM in the secondary and is published to the secondary topic', async () => {
    const config = localEnvConfig(
      'dark',
      '[{ id: acme, tier: premium }, { id: initech, tier: advanced }, { id: hooli, tier: basic }]',
    );
    const env: LocalEnvironment = await startLocalEnvironment({ config, motoEndpoint: process.env.MOTO_ENDPOINT });
    const { primary, secondary } = env.config.regions;
    const names = namesFor(env.config);
    const probeAlarm = names.probeAlarm(primary);
    const seen = (match: (e: EnvEvent) => boolean) => () => env.events().find(match);
    try {
      // Steady state: the primary answers its probes, so the alarm about it (in the secondary) is OK.
      await waitFor(
        'probe alarm OK',
        seen((e) => e.type === 'alarm-state' && e.alarm === probeAlarm && e.region === secondary && e.state === 'OK'),
      );
      const darkAt = Date.now();
      env.setLoadBalancerDark(primary, true);

      const alarm = await waitFor(
        'probe alarm ALARM in the secondary',
        seen(
          (e) =>
            e.type === 'alarm-state' &&
            e.alarm === probeAlarm &&
            e.region === secondary &&
            e.state === 'ALARM' &&
            e.at >= darkAt,
        ),
      );
      const published = await waitFor(
        'probe alarm notification published in the secondary',
        seen(
          (e) =>
            e.type === 'notification-published' && e.alarm === probeAlarm && e.region === secondary && e.at >= alarm.at,
        ),
      );
      expect(published.type === 'notification-published' && published.messageId).toBeTruthy();
      // It went to the secondary's own alarm topic, which the failover handler is subscribed to, and was delivered.
      const described = await env.clients.cloudwatch[secondary]!.send(
        new DescribeAlarmsCommand({ AlarmNames: [probeAlarm] }),
      );
      const stored = described.MetricAlarms?.[0];
      expect(stored?.StateValue).toBe('ALARM');
      expect(stored?.AlarmActions).toEqual([
        expect.stringMatching(`^arn:aws:sns:${secondary}:\\d+:${names.alarmTopic}$`),
      ]);
      const messageId = published.type === 'notification-published' ? published.messageId : '';
      await waitFor(
        'delivery to the failover handler',
        seen((e) => e.type === 'notification-delivered' && e.messageId === messageId),
      );
      // Nothing about the primary's availability is alarmed or published in the primary itself.
      expect(
        env.events().some((e) => e.type === 'notification-published' && e.alarm === probeAlarm && e.region === primary),
      ).toBe(false);
    } finally {
      await env.stop();
    }
  }, 90_000);
});
