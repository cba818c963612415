import fc from 'fast-check';
import { policySchema } from '../../failover/config/schema';
import { decide } from '../../failover/core/decide';
import type { Decision, DecisionInput, RegionHealth, RoutingState } from '../../failover/core/types';
import {
  anAlarm,
  anInput,
  aRouting,
  health,
  NOW,
  PREFIX,
  PRIMARY,
  SECONDARY,
  secondsBefore,
} from './decision-fixtures';

/** The cell scope (issue #11): a premium tenant's silo alarmed; that tenant alone may move, under the same rules. */

const ACME = 'acme';
const PREMIUM = [ACME, 'globex'];
const tenantAlarm = (region: string, tenantId = ACME) =>
  anAlarm({ region, alarmName: `${PREFIX}${region}-tenant-${tenantId}-unhealthy` });
const silos = (primary: RegionHealth['status'], secondary: RegionHealth['status'], healthySeconds = 3600) => ({
  [PRIMARY]: health(PRIMARY, primary, healthySeconds),
  [SECONDARY]: health(SECONDARY, secondary, healthySeconds),
});
const healthyRegions = { [PRIMARY]: health(PRIMARY, 'healthy'), [SECONDARY]: health(SECONDARY, 'healthy') };

function cellInput(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return anInput({
    alarm: tenantAlarm(PRIMARY),
    health: healthyRegions,
    tenantHealth: silos('unhealthy', 'healthy'),
    premiumTenants: PREMIUM,
    ...overrides,
  });
}

const codeOf = (d: Decision) => ('code' in d ? d.code : d.kind);

describe('decide: the cell scope (a premium tenant alarm)', () => {
  it("GIVEN acme's silo unhealthy in the active Region and healthy in the other WHEN deciding THEN acme alone fails over, the Region stays", () => {
    const d = decide(cellInput());
    expect(d).toMatchObject({
      kind: 'failover',
      from: PRIMARY,
      to: SECONDARY,
      scope: { kind: 'tenants', tenantIds: [ACME] },
    });
    expect(d.reason).toContain('every other tenant stays');
  });

  it('GIVEN acme already moved to us-west-2 on its own WHEN its us-west-2 silo alarms THEN it moves back to us-east-1 alone', () => {
    const d = decide(
      cellInput({
        alarm: tenantAlarm(SECONDARY),
        routing: aRouting({ tenantOverrides: { [ACME]: SECONDARY } }),
        tenantHealth: silos('healthy', 'unhealthy'),
      }),
    );
    expect(d).toMatchObject({ kind: 'failover', from: SECONDARY, to: PRIMARY, scope: { tenantIds: [ACME] } });
  });

  it.each<[string, Partial<DecisionInput>, string]>([
    ['an unknown tenant', { alarm: tenantAlarm(PRIMARY, 'initech') }, 'unknown-tenant'],
    ['no premium tenants known', { premiumTenants: [] }, 'unknown-tenant'],
    ['its standby silo', { alarm: tenantAlarm(SECONDARY) }, 'standby-tenant-alarm'],
    ['the silo reads healthy again', { tenantHealth: silos('healthy', 'healthy') }, 'tenant-recovered'],
    ['silo health unreadable', { tenantHealth: undefined }, 'tenant-alarm'],
    ['the serving silo unknown', { tenantHealth: silos('unknown', 'healthy') }, 'tenant-alarm'],
    ['both silos unhealthy', { tenantHealth: silos('unhealthy', 'unhealthy') }, 'both-silos-unhealthy'],
    ['the target silo unknown', { tenantHealth: silos('unhealthy', 'unknown') }, 'target-region-unhealthy'],
    [
      'the target Region unhealthy',
      { health: { ...healthyRegions, [SECONDARY]: health(SECONDARY, 'unhealthy') } },
      'target-region-unhealthy',
    ],
    [
      'the target silo healthy too briefly',
      { tenantHealth: silos('unhealthy', 'healthy', 30), policy: policySchema.parse({ targetHealthySeconds: 300 }) },
      'target-not-healthy-long-enough',
    ],
    [
      'its whole serving Region unhealthy (the Region alarm decides)',
      { health: { ...healthyRegions, [PRIMARY]: health(PRIMARY, 'unhealthy') } },
      'region-scope-applies',
    ],
    [
      'acme on its own in the standby Region, which is down',
      {
        alarm: tenantAlarm(SECONDARY),
        routing: aRouting({ tenantOverrides: { [ACME]: SECONDARY } }),
        health: { ...healthyRegions, [SECONDARY]: health(SECONDARY, 'unhealthy') },
        tenantHealth: silos('healthy', 'unhealthy'),
      },
      'standby-region-alarm',
    ],
    [
      'the target Region healthy too briefly (its silo for an hour)',
      {
        health: { ...healthyRegions, [SECONDARY]: health(SECONDARY, 'healthy', 5) },
        policy: policySchema.parse({ targetHealthySeconds: 300 }),
      },
      'target-not-healthy-long-enough',
    ],
    [
      'a Region failover already moved acme in the window',
      {
        routing: aRouting({ recentAutoFailovers: [secondsBefore(NOW, 1000)] }),
        policy: policySchema.parse({ maxAutoFailovers: 1, windowSeconds: 3600, cooldownSeconds: 900 }),
      },
      'too-many-failovers',
    ],
    ['automation off', { routing: aRouting({ automation: { enabled: false } }) }, 'automation-disabled'],
    [
      'acme moved 10 s ago',
      {
        routing: aRouting({
          tenantScopes: { [ACME]: { lastSwitchAt: secondsBefore(NOW, 10), recentAutoFailovers: [] } },
        }),
      },
      'cooldown',
    ],
    [
      'the Region switched 10 s ago (it moved acme too)',
      { routing: aRouting({ lastSwitchAt: secondsBefore(NOW, 10) }) },
      'cooldown',
    ],
    [
      'acme used its automatic failovers',
      {
        routing: aRouting({
          tenantScopes: { [ACME]: { recentAutoFailovers: [secondsBefore(NOW, 3000)] } },
        }),
        policy: policySchema.parse({ maxAutoFailovers: 1, windowSeconds: 3600 }),
      },
      'too-many-failovers',
    ],
  ])('GIVEN %s WHEN a tenant alarm is decided THEN nothing moves (%s)', (_, overrides, code) => {
    const d = decide(cellInput(overrides));
    expect(d.kind === 'page' || d.kind === 'noop').toBe(true);
    expect(codeOf(d)).toBe(code);
  });

  it("GIVEN globex moved 10 s ago WHEN acme's silo alarms THEN acme still moves: cooldown is per tenant", () => {
    const d = decide(
      cellInput({
        routing: aRouting({
          tenantScopes: {
            globex: { lastSwitchAt: secondsBefore(NOW, 10), recentAutoFailovers: [secondsBefore(NOW, 10)] },
          },
        }),
        policy: policySchema.parse({ maxAutoFailovers: 1 }),
      }),
    );
    expect(d).toMatchObject({ kind: 'failover', scope: { tenantIds: [ACME] } });
  });

  it('GIVEN acme moved on its own 10 s ago WHEN the Region alarms THEN the Region still fails over: a tenant move never starts the Region cooldown', () => {
    const d = decide(
      anInput({
        routing: aRouting({
          tenantOverrides: { [ACME]: SECONDARY },
          tenantScopes: {
            [ACME]: { lastSwitchAt: secondsBefore(NOW, 10), recentAutoFailovers: [secondsBefore(NOW, 10)] },
          },
        }),
        premiumTenants: PREMIUM,
        policy: policySchema.parse({ maxAutoFailovers: 1 }),
      }),
    );
    expect(d).toMatchObject({ kind: 'failover', from: PRIMARY, to: SECONDARY });
    expect(d.kind === 'failover' && d.scope).toBeFalsy();
  });
});

describe('decide: the cell scope (properties)', () => {
  // Weighted toward situations that move a tenant, so the property is exercised often, not vacuously.
  const weighted = <T>(...choices: [T, number][]): fc.Arbitrary<T> =>
    fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));
  const status = weighted<RegionHealth['status']>(['healthy', 2], ['unhealthy', 2], ['unknown', 1]);
  const past = fc.option(
    fc.integer({ min: -60, max: 20_000 }).map((s) => secondsBefore(NOW, s)),
    { nil: undefined },
  );
  const inputArb = fc
    .record({
      alarmOnServing: weighted([true, 4], [false, 1]),
      tenant: weighted([ACME, 3], ['globex', 3], ['initech', 1]),
      active: fc.constantFrom(PRIMARY, SECONDARY),
      override: fc.option(fc.constantFrom(PRIMARY, SECONDARY), { nil: undefined }),
      regionHealth: fc.tuple(status, status),
      siloHealth: fc.option(fc.tuple(status, status, fc.integer({ min: 0, max: 7200 })), { nil: undefined }),
      enabled: weighted([true, 4], [false, 1]),
      regionLast: past,
      tenantLast: past,
      tenantRecent: fc.array(
        fc.integer({ min: -60, max: 20_000 }).map((s) => secondsBefore(NOW, s)),
        { maxLength: 3 },
      ),
      policy: fc.record({
        cooldownSeconds: fc.integer({ min: 0, max: 3600 }),
        targetHealthySeconds: fc.integer({ min: 0, max: 900 }),
        maxAutoFailovers: fc.integer({ min: 1, max: 3 }),
        windowSeconds: fc.integer({ min: 1, max: 7200 }),
      }),
    })
    .map(({ alarmOnServing, ...rest }) => {
      const current = rest.override ?? rest.active;
      const other = current === PRIMARY ? SECONDARY : PRIMARY;
      const g = { ...rest, alarmRegion: alarmOnServing ? current : other };
      const routing: RoutingState = aRouting({
        activeRegion: g.active,
        automation: { enabled: g.enabled },
        ...(g.regionLast ? { lastSwitchAt: g.regionLast } : {}),
        tenantOverrides: g.override ? { [g.tenant]: g.override } : {},
        tenantScopes: {
          [g.tenant]: { ...(g.tenantLast ? { lastSwitchAt: g.tenantLast } : {}), recentAutoFailovers: g.tenantRecent },
        },
      });
      return {
        g,
        input: anInput({
          alarm: tenantAlarm(g.alarmRegion, g.tenant),
          routing,
          truth: { kind: 'consistent', activeRegion: g.active },
          health: {
            [PRIMARY]: health(PRIMARY, g.regionHealth[0]),
            [SECONDARY]: health(SECONDARY, g.regionHealth[1]),
          },
          ...(g.siloHealth ? { tenantHealth: silos(g.siloHealth[0], g.siloHealth[1], g.siloHealth[2]) } : {}),
          premiumTenants: PREMIUM,
          policy: policySchema.parse(g.policy),
        }),
      };
    });

  it("GIVEN any tenant alarm WHEN it moves anything THEN it moves that tenant alone, out of the silo it is served from, into a Region and silo seen healthy long enough, with automation on, outside that tenant's cooldown and budget", () => {
    let moved = 0;
    fc.assert(
      fc.property(inputArb, ({ g, input }) => {
        const d = decide(input);
        expect(d.kind).not.toBe('converge');
        if (d.kind !== 'failover') return;
        moved++;
        const current = g.override ?? g.active;
        const target = current === PRIMARY ? SECONDARY : PRIMARY;
        const idx = target === PRIMARY ? 0 : 1;
        const lastMoved = Math.max(g.regionLast?.getTime() ?? -Infinity, g.tenantLast?.getTime() ?? -Infinity);
        const inWindow = g.tenantRecent.filter((t) => NOW.getTime() - t.getTime() < g.policy.windowSeconds * 1000);
        expect({
          scope: d.scope,
          from: d.from,
          to: d.to,
          alarmAboutServingSilo: g.alarmRegion === current,
          servingRegionUnhealthy: g.regionHealth[1 - idx] === 'unhealthy',
          servingSilo: g.siloHealth?.[1 - idx],
          premium: PREMIUM.includes(g.tenant),
          targetSilo: g.siloHealth?.[idx],
          targetRegion: g.regionHealth[idx],
          healthyLongEnough: (g.siloHealth?.[2] ?? -1) >= g.policy.targetHealthySeconds,
          enabled: g.enabled,
          outsideCooldown: NOW.getTime() - lastMoved >= g.policy.cooldownSeconds * 1000,
          withinBudget: inWindow.length < g.policy.maxAutoFailovers,
        }).toEqual({
          scope: { kind: 'tenants', tenantIds: [g.tenant] },
          from: current,
          to: target,
          alarmAboutServingSilo: true,
          servingRegionUnhealthy: false,
          servingSilo: 'unhealthy',
          premium: true,
          targetSilo: 'healthy',
          targetRegion: 'healthy',
          healthyLongEnough: true,
          enabled: true,
          outsideCooldown: true,
          withinBudget: true,
        });
      }),
      { numRuns: 4000 },
    );
    expect(moved).toBeGreaterThan(10); // the property is exercised, not vacuous
  });
});
