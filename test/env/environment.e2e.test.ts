import { existsSync } from 'node:fs';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { isAlive, stateFile } from '../../chaos/env/env-state';
import { startLocalEnvironment } from '../../chaos/env/environment';
import type { EnvEvent, LocalEnvironment } from '../../chaos/env/types';
import { parseConfig } from '../../failover/config/load';
import { uniqueName } from '../support/moto';

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local two-Region environment, end to end', () => {
  it('GIVEN the environment WHEN the primary has an outage THEN alarm → SNS → handler → records switched → clients move after the TTL, and stop leaves nothing', async () => {
    const app = uniqueName('e2e')
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 21);
    const config = parseConfig(
      `app: ${app}\ndns: { zoneName: ${app}.example.com }\ntenants: [{ id: acme, tier: premium }, { id: hooli, tier: basic }]`,
    );
    const env: LocalEnvironment = await startLocalEnvironment({ config, motoEndpoint: process.env.MOTO_ENDPOINT });
    const { primary, secondary } = env.config.regions;
    const zone = env.config.dns.zoneName;
    const seen = (match: (e: EnvEvent) => boolean) => () => env.events().find(match);
    try {
      // Steady state: both Regions' composite alarms evaluated OK.
      for (const region of [primary, secondary]) {
        await waitFor(
          `${region} composite OK`,
          seen((e) => e.type === 'alarm-state' && e.composite && e.region === region && e.state === 'OK'),
        );
      }
      const dns = env.dnsClient();
      const before = await dns.resolve(`hooli.${zone}`);
      expect(before.region).toBe(primary);
      const served = await fetch(`${before.url}/orders`, {
        headers: { authorization: `Bearer ${env.tenantToken('hooli')}` },
      });
      expect(served.status).toBe(200);
      expect(served.headers.get('x-served-by-region')).toBe(primary);

      const faultAt = Date.now();
      await env.setFault(primary, { kind: 'outage' });

      const alarm = await waitFor(
        'composite ALARM',
        seen(
          (e) =>
            e.type === 'alarm-state' && e.composite && e.region === primary && e.state === 'ALARM' && e.at >= faultAt,
        ),
      );
      const published = await waitFor(
        'notification',
        seen((e) => e.type === 'notification-published' && e.region === primary && e.at >= alarm.at),
      );
      const messageId = published.type === 'notification-published' ? published.messageId : '';
      await waitFor(
        'delivery',
        seen((e) => e.type === 'notification-delivered' && e.messageId === messageId),
      );
      const result = await waitFor(
        'handler result',
        seen((e) => e.type === 'handler-result' && e.messageId === messageId),
      );
      expect(JSON.stringify(result)).toContain(`"kind":"failover","from":"${primary}","to":"${secondary}"`);

      const records = await env.clients.route53.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: env.hostedZoneId }),
      );
      const recordValue = (name: string) =>
        records.ResourceRecordSets?.find((r) => r.Name === `${name}.`)?.ResourceRecords?.[0]?.Value?.replace(/\.$/, '');
      expect(recordValue(`shared.${zone}`)).toBe(`shared.${secondary}.${zone}`);
      expect(recordValue(`acme.${zone}`)).toBe(`acme.${secondary}.${zone}`);

      // The cached answer holds until its TTL; then the client follows the switch.
      if (Date.now() < before.expiresAt) expect((await dns.resolve(`hooli.${zone}`)).region).toBe(primary);
      const after = await waitFor('DNS answer to move', async () => {
        const answer = await dns.resolve(`hooli.${zone}`);
        return answer.region === secondary ? answer : undefined;
      });
      expect(Date.now()).toBeGreaterThanOrEqual(before.expiresAt);
      const recovered = await fetch(`${after.url}/orders`, {
        headers: { authorization: `Bearer ${env.tenantToken('hooli')}` },
      });
      expect(recovered.status).toBe(200);
      expect(recovered.headers.get('x-served-by-region')).toBe(secondary);
    } finally {
      await env.stop();
    }
    for (const region of Object.values(env.regions)) expect(isAlive(region.servicePid)).toBe(false);
    expect(existsSync(stateFile(env.id))).toBe(false);
  });
});
