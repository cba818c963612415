import { existsSync, readFileSync } from 'node:fs';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { isAlive, stateFile } from '../../chaos/env/env-state';
import { startLocalEnvironment } from '../../chaos/env/environment';
import type { EnvEvent, LocalEnvironment } from '../../chaos/env/types';
import { controlRegionOf, namesFor } from '../../failover/config/names';
import { localEnvConfig, waitFor } from '../support/env';

describe('local two-Region environment, end to end', () => {
  it('GIVEN the environment WHEN the primary has an outage THEN alarm → SNS (delivered more than once) → one failover and one audit record → records switched → clients move after the TTL, and stop leaves nothing', async () => {
    const config = localEnvConfig('e2e', '[{ id: acme, tier: premium }, { id: hooli, tier: basic }]');
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
      // SNS delivers at least once: the profile injects duplicate deliveries of the same MessageId.
      const deliveries = 1 + env.profile.snsDuplicates.copies;
      expect(deliveries).toBeGreaterThan(1);
      const results = await waitFor('a handler result per delivery', () => {
        const r = env.events().filter((e) => e.type === 'handler-result' && e.messageId === messageId);
        return r.length >= deliveries ? r : undefined;
      });
      const failovers = results.filter((r) =>
        JSON.stringify(r).includes(`"kind":"failover","from":"${primary}","to":"${secondary}"`),
      );
      expect(failovers).toHaveLength(1);
      // Observed from outside: one audit record of a switch for this alarm transition in the control table.
      const audit = await env.clients.dynamodb[controlRegionOf(env.config)]!.send(
        new QueryCommand({
          TableName: namesFor(env.config).controlTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'audit' } },
          ConsistentRead: true,
        }),
      );
      const forMessage = (audit.Items ?? []).filter((i) => JSON.stringify(i).includes(`sns:${messageId}`));
      expect(forMessage.map((i) => i.outcome?.S)).toEqual(['switched']);
      // The other deliveries were seen by the delivery ledger as what they are.
      expect(results.filter((r) => JSON.stringify(r).includes('"status":"duplicate"'))).toHaveLength(deliveries - 1);

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

    // One timeline of both Regions (the local central log): both tenant services, the failover handler, the models.
    const lines = readFileSync(env.combinedLogFile, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { time: string; component: string; region?: string; msg: string; tenantId?: string },
      );
    const has = (component: string, region?: string) =>
      lines.some((l) => l.component === component && (region === undefined || l.region === region));
    expect([primary, secondary].map((r) => has('tenant-service', r))).toEqual([true, true]);
    expect(lines.some((l) => l.component === 'tenant-service' && l.msg === 'request' && l.tenantId === 'hooli')).toBe(
      true,
    );
    expect(lines.some((l) => l.component === 'failover-handler' && l.msg === 'alarm notification processed')).toBe(
      true,
    );
    expect(has('cloudwatch', primary) && has('sns')).toBe(true);
    const times = lines.map((l) => Date.parse(l.time));
    expect(times.every((t, i) => !Number.isNaN(t) && (i === 0 || t >= times[i - 1]!))).toBe(true);
  });
});
