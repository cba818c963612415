import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { clientConfig, ROUTE53_CONTROL_PLANE_REGION } from '../../failover/aws/clients';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { normaliseDnsName, provisionRecords, zoneRecords } from '../../failover/switch/records';
import { type Route53RecordsSwitch, route53SwitchFor } from '../../failover/switch/route53-switch';
import { motoTarget } from '../support/moto';
import { createTestZone, localBalancer, switchConfig } from './fixtures';

const route53 = new Route53Client(clientConfig(ROUTE53_CONTROL_PLANE_REGION, motoTarget(), 1));

async function cnames(hostedZoneId: string): Promise<Map<string, string>> {
  const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }));
  return new Map(
    (out.ResourceRecordSets ?? [])
      .filter((r) => r.Type === 'CNAME')
      .map((r) => [normaliseDnsName(r.Name!), normaliseDnsName(r.ResourceRecords![0]!.Value!)]),
  );
}

describe('Route53RecordsSwitch against moto', () => {
  let config: RegionFlipConfig;
  let hostedZoneId: string;
  let sw: Route53RecordsSwitch;

  beforeEach(async () => {
    const zone = await createTestZone(route53);
    hostedZoneId = zone.hostedZoneId;
    config = switchConfig(zone.zoneName, [
      { id: 'acme', tier: 'premium' },
      { id: 'globex', tier: 'premium' },
      { id: 'initech', tier: 'advanced' },
      { id: 'hooli', tier: 'basic' },
    ]);
    await provisionRecords(route53, hostedZoneId, zoneRecords(config, 'us-east-1', localBalancer));
    sw = route53SwitchFor(config, route53, hostedZoneId, { inSyncPollMs: 10 });
  });

  it('GIVEN a zone routed to us-east-1 WHEN the Region is switched THEN routing records move and static ones stay', async () => {
    const before = await cnames(hostedZoneId);
    const plan = await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    expect(plan.changes.map((c) => c.name)).toEqual([
      `acme.${config.dns.zoneName}`,
      `globex.${config.dns.zoneName}`,
      `shared.${config.dns.zoneName}`,
    ]);
    const outcome = await sw.apply(plan);
    expect(outcome).toMatchObject({ recordsChanged: 3, changeCalls: 1, retries: 0 });

    const after = await cnames(hostedZoneId);
    const routing = zoneRecords(config, 'us-west-2', localBalancer).filter((r) => r.role === 'routing');
    for (const record of routing) expect(after.get(record.name)).toBe(record.value);
    const statics = zoneRecords(config, 'us-east-1', localBalancer).filter((r) => r.role !== 'routing');
    expect(statics).toHaveLength(8);
    for (const record of statics) {
      expect(after.get(record.name)).toBe(record.value);
      expect(before.get(record.name)).toBe(record.value);
    }
  });

  it('GIVEN a switch already applied WHEN planned again THEN the plan is empty and applying it changes nothing', async () => {
    await sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }));
    const again = await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } });
    expect(again.changes).toEqual([]);
    expect([...again.unchanged].sort()).toEqual(
      ['acme', 'globex', 'shared'].map((label) => `${label}.${config.dns.zoneName}`),
    );
    expect(await sw.apply(again)).toMatchObject({ recordsChanged: 0, changeCalls: 0 });

    // A rerun that must confirm INSYNC re-applies the same values: one UPSERT batch, waited on and read back.
    const reassert = await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }, { reassert: true });
    expect(reassert.unchanged).toEqual([]);
    expect(reassert.changes.every((c) => c.from === c.to)).toBe(true);
    expect(await sw.apply(reassert)).toMatchObject({
      recordsChanged: 3,
      changeCalls: 1,
      changeIds: [expect.any(String)],
    });
    expect(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } })).toMatchObject({ changes: [] });
  });

  it('GIVEN a Region switch WHEN one premium tenant is moved back THEN only its record changes', async () => {
    await sw.apply(await sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'region' } }));
    const plan = await sw.plan({ targetRegion: 'us-east-1', scope: { kind: 'tenants', tenantIds: ['acme'] } });
    expect(plan.changes).toEqual([
      {
        name: `acme.${config.dns.zoneName}`,
        from: `acme.us-west-2.${config.dns.zoneName}`,
        to: `acme.us-east-1.${config.dns.zoneName}`,
        ttl: 30,
        priority: 'premium',
      },
    ]);
    await sw.apply(plan);
    const routing = await sw.readRoutingRecords();
    expect(Object.fromEntries(routing.map((r) => [r.label, r.region]))).toEqual({
      acme: 'us-east-1',
      globex: 'us-west-2',
      shared: 'us-west-2',
    });
  });

  it('GIVEN a basic tenant WHEN a tenants switch is planned against moto THEN the error says it is not premium', async () => {
    await expect(
      sw.plan({ targetRegion: 'us-west-2', scope: { kind: 'tenants', tenantIds: ['hooli', 'nosuch'] } }),
    ).rejects.toThrow(/tenant "hooli" is not premium.*unknown tenant "nosuch"/);
  });
});
