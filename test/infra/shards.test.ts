import fc from 'fast-check';
import { isSharedLabel, routingRecordNames, sharedShards } from '../../failover/config/names';
import { configSchema, type Tier } from '../../failover/config/schema';
import { parseRoutingRecord, zoneRecords } from '../../failover/switch/records';

/** The shard derivation (names.ts `sharedShards`) as a pure function: what the CDK app and the switch both rely on. */

const configOf = (tiers: readonly Tier[], perShard: number) =>
  configSchema.parse({
    tenants: tiers.map((tier, i) => ({ id: `t${i}`, tier })),
    sharding: { advancedTenantsPerLoadBalancer: perShard },
  });

describe('sharedShards', () => {
  it('GIVEN any tenants and shard size WHEN sharded THEN every basic and advanced tenant is on exactly one shard, none over the size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Tier>('basic', 'advanced', 'premium'), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 32 }),
        (tiers, perShard) => {
          const config = configOf(tiers, perShard);
          const shards = sharedShards(config);
          const placed = shards.flatMap((s) => [...s.basicTenantIds, ...s.advancedTenantIds]).sort();
          const pooled = config.tenants.filter((t) => t.tier !== 'premium').map((t) => t.id);
          expect(placed).toEqual([...pooled].sort());
          expect(shards[0]!.label).toBe('shared');
          expect(shards.every((s) => s.advancedTenantIds.length <= perShard)).toBe(true);
          expect(shards.slice(1).every((s) => s.basicTenantIds.length === 0 && s.advancedTenantIds.length > 0)).toBe(
            true,
          );
          expect(shards.every((s) => isSharedLabel(s.label))).toBe(true);
        },
      ),
    );
  });

  it('GIVEN any tenants WHEN the zone records are read back THEN the switch recognises exactly the routing records the Lambda may change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Tier>('basic', 'advanced', 'premium'), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 32 }),
        (tiers, perShard) => {
          const config = configOf(tiers, perShard);
          const listed = zoneRecords(config, 'us-east-1', () => 'lb.example.com').map((r) => ({
            Name: `${r.name}.`,
            Type: 'CNAME' as const,
            TTL: r.ttl,
            ResourceRecords: [{ Value: r.value }],
          }));
          const routing = listed.flatMap((rrset) => parseRoutingRecord(rrset, config.dns.zoneName) ?? []);
          expect(routing.map((r) => r.name)).toEqual(routingRecordNames(config));
          for (const record of routing) {
            expect(record.priority).toBe(isSharedLabel(record.label) ? 'shared' : 'premium');
          }
        },
      ),
    );
  });

  it('GIVEN a tenant id that names a shard WHEN the config is parsed THEN it is refused, naming the id', () => {
    const result = configSchema.safeParse({ tenants: [{ id: 'shared-2', tier: 'basic' }] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('tenant id \\"shared-2\\" is reserved');
  });

  it('GIVEN a shard size above what one load balancer holds WHEN parsed THEN it is refused', () => {
    const result = configSchema.safeParse({
      tenants: [{ id: 'a', tier: 'basic' }],
      sharding: { advancedTenantsPerLoadBalancer: 33 },
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('advancedTenantsPerLoadBalancer');
  });
});
