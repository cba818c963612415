import fc from 'fast-check';
import {
  ADVANCED_PRIORITY_MAX,
  advancedPlacements,
  derivedPriority,
  isSharedLabel,
  routingRecordNames,
  sharedShards,
} from '../../failover/config/names';
import { type ConfigInput, configSchema, type Tier } from '../../failover/config/schema';
import { parseRoutingRecord, zoneRecords } from '../../failover/switch/records';

/** The shard derivation (names.ts `sharedShards`) as a pure function: what the CDK app and the switch both rely on. */

/** Advanced tenants pinned to shards in order of `perShard`, with priorities that never collide. */
const configOf = (tiers: readonly Tier[], perShard: number) =>
  configSchema.parse({
    tenants: tiers.map((tier, i) => ({
      id: `t${i}`,
      tier,
      ...(tier === 'advanced' ? { shard: 1 + Math.floor(i / perShard), priority: 10 * (i + 1) } : {}),
    })),
    sharding: { advancedTenantsPerLoadBalancer: perShard },
  });

/** Where each basic and advanced tenant sits: its shard label and (advanced) the priority of its first rule. */
const placementOf = (config: ReturnType<typeof configSchema.parse>) => {
  const priority = new Map(advancedPlacements(config).map((p) => [p.tenantId, p.priority]));
  return new Map(
    sharedShards(config).flatMap((s) =>
      [...s.basicTenantIds, ...s.advancedTenantIds].map((id) => [id, `${s.label}@${priority.get(id) ?? 'pool'}`]),
    ),
  );
};

/** Tenants with random tiers, ids and optional shard pins (priorities derived from the ids unless pinned). */
const tenantsArb = fc
  .uniqueArray(
    fc.record({
      id: fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/).filter((id) => !id.startsWith('shared') && id !== 'us'),
      tier: fc.constantFrom<Tier>('basic', 'advanced', 'premium'),
      shard: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      pinPriority: fc.option(fc.integer({ min: 1, max: ADVANCED_PRIORITY_MAX / 10 }), { nil: undefined }),
    }),
    { minLength: 2, maxLength: 60, selector: (t) => t.id },
  )
  .map((ts) =>
    ts.map(({ id, tier, shard, pinPriority }): ConfigInput['tenants'][number] =>
      tier === 'advanced'
        ? {
            id,
            tier,
            ...(shard === undefined ? {} : { shard }),
            ...(pinPriority === undefined ? {} : { priority: 10 * pinPriority }),
          }
        : { id, tier },
    ),
  );

describe('stable placement of advanced tenants', () => {
  it('GIVEN any valid config WHEN any one tenant is removed THEN the rest stays valid and every other tenant keeps its shard and rule priority', () => {
    fc.assert(
      fc.property(tenantsArb, fc.nat(), fc.integer({ min: 1, max: 32 }), (tenants, pick, perShard) => {
        const sharding = { advancedTenantsPerLoadBalancer: perShard };
        const before = configSchema.safeParse({ tenants, sharding });
        fc.pre(before.success);
        const removed = tenants[pick % tenants.length]!;
        const after = configSchema.safeParse({ tenants: tenants.filter((t) => t !== removed), sharding });
        expect(after.success).toBe(true);
        const was = placementOf(before.data!);
        was.delete(removed.id);
        expect(placementOf(after.data!)).toEqual(was);
      }),
    );
  });

  it('GIVEN an advanced tenant without pins WHEN placed THEN it is on "shared" at the priority its id alone derives', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), (id) => {
        const p = derivedPriority(id);
        expect(p % 10).toBe(0);
        expect(p).toBeGreaterThanOrEqual(10);
        expect(p).toBeLessThanOrEqual(ADVANCED_PRIORITY_MAX);
        const config = configSchema.parse({
          tenants: [
            { id: 'pool', tier: 'basic' },
            { id: `x${id}`, tier: 'advanced' },
          ],
        });
        expect(advancedPlacements(config)).toEqual([
          { tenantId: `x${id}`, shard: 1, priority: derivedPriority(`x${id}`) },
        ]);
      }),
    );
  });

  it('GIVEN two advanced tenants pinned to one priority on one shard WHEN parsed THEN it is refused naming both and a free priority', () => {
    const result = configSchema.safeParse({
      tenants: [
        { id: 'initech', tier: 'advanced', priority: 120 },
        { id: 'umbrella', tier: 'advanced', priority: 120 },
        { id: 'hooli', tier: 'advanced', priority: 130 },
      ],
    });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.') === 'tenants.1.priority');
    expect(issue?.message).toContain('"initech" and "umbrella" both take listener rule priority 120 on shard "shared"');
    expect(issue?.message).toContain('set "priority: 140" on "umbrella"');
  });

  it('GIVEN the same priority on two different shards WHEN parsed THEN it is accepted (priorities are per listener)', () => {
    const config = configSchema.parse({
      tenants: [
        { id: 'hooli', tier: 'basic' },
        { id: 'initech', tier: 'advanced', priority: 120 },
        { id: 'umbrella', tier: 'advanced', priority: 120, shard: 2 },
      ],
    });
    expect(sharedShards(config).map((s) => [s.label, s.advancedTenantIds])).toEqual([
      ['shared', ['initech']],
      ['shared-2', ['umbrella']],
    ]);
  });

  it('GIVEN more advanced tenants on a shard than fit WHEN parsed THEN it is refused naming the shard, the limit and the tenants to move', () => {
    const result = configSchema.safeParse({
      tenants: [
        { id: 'initech', tier: 'advanced', priority: 10 },
        { id: 'umbrella', tier: 'advanced', priority: 20, shard: 1 },
        { id: 'hooli', tier: 'advanced', priority: 30 },
      ],
      sharding: { advancedTenantsPerLoadBalancer: 2 },
    });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.') === 'tenants.2.shard');
    expect(issue?.message).toContain('shard 1 ("shared") carries 3 advanced tenants, at most');
    expect(issue?.message).toContain('on "hooli"');
  });

  it('GIVEN a shard or priority on a basic or premium tenant WHEN parsed THEN it is refused naming the tenant', () => {
    for (const tenant of [
      { id: 'hooli', tier: 'basic', shard: 2 },
      { id: 'acme', tier: 'premium', priority: 10 },
    ]) {
      const result = configSchema.safeParse({ tenants: [tenant] });
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).toContain(`tenant \\"${tenant.id}\\" is ${tenant.tier}`);
    }
  });

  it('GIVEN only shard 3 pinned WHEN sharded THEN no load balancer is made for the empty shard 2', () => {
    const config = configSchema.parse({
      tenants: [
        { id: 'hooli', tier: 'basic' },
        { id: 'umbrella', tier: 'advanced', shard: 3 },
      ],
    });
    expect(sharedShards(config).map((s) => s.label)).toEqual(['shared', 'shared-3']);
  });
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
