import fc from 'fast-check';
import type { Policy } from '../../failover/config/schema';
import { decide } from '../../failover/core/decide';
import type { AlarmEvent, AlarmState, DecisionInput, RegionHealth, RoutingState } from '../../failover/core/types';
import { applyDecision, NOW, PREFIX, PRIMARY, SECONDARY } from './decision-fixtures';

const REGIONS = { primary: PRIMARY, secondary: SECONDARY };

const ago = (now: Date, ms: number) => new Date(now.getTime() - ms);

const policyArb: fc.Arbitrary<Policy> = fc.record({
  automationEnabled: fc.boolean(),
  cooldownSeconds: fc.integer({ min: 0, max: 3600 }),
  targetHealthySeconds: fc.integer({ min: 0, max: 900 }),
  maxAutoFailovers: fc.integer({ min: 1, max: 3 }),
  windowSeconds: fc.integer({ min: 1, max: 7200 }),
  maxAlarmAgeSeconds: fc.integer({ min: 1, max: 900 }),
  leaseSeconds: fc.integer({ min: 5, max: 300 }),
  autoFailback: fc.constant(false as const),
});

const nowArb = fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }).map((ms) => new Date(NOW.getTime() + ms));

const weighted = <T>(...choices: [T, number][]): fc.Arbitrary<T> =>
  fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));

/**
 * Mostly the pair, sometimes a stranger; names mostly managed; transitions into ALARM are frequent so that the
 * properties about failovers are exercised, not vacuously true.
 */
function alarmArb(now: Date): fc.Arbitrary<AlarmEvent> {
  return fc
    .record({
      region: weighted<string>([PRIMARY, 4], [SECONDARY, 4], ['eu-west-1', 1]),
      managed: weighted([true, 4], [false, 1]),
      kind: fc.constantFrom('region-unhealthy', 'alb-5xx-rate', 'p99-latency'),
      newState: weighted<AlarmState>(['ALARM', 3], ['OK', 1], ['INSUFFICIENT_DATA', 1]),
      oldState: weighted<AlarmState>(['OK', 3], ['INSUFFICIENT_DATA', 1], ['ALARM', 1]),
      composite: fc.boolean(),
      messageId: fc.uuid(),
    })
    .map(({ region, managed, kind, newState, oldState, composite, messageId }) => {
      const alarmName = `${managed ? PREFIX : 'other-'}${region}-${kind}`;
      return {
        messageId,
        alarmName,
        alarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`,
        region,
        accountId: '123456789012',
        newState,
        oldState,
        reason: 'generated',
        stateChangeTime: now,
        composite,
      };
    });
}

/** A Region's health: any status, since anything from a minute in the future (skew) to two hours ago, or absent. */
function healthArb(region: string, now: Date): fc.Arbitrary<RegionHealth> {
  return fc.record({
    region: fc.constant(region),
    status: weighted<RegionHealth['status']>(['healthy', 3], ['unhealthy', 2], ['unknown', 1]),
    since: fc.option(
      fc.integer({ min: -60_000, max: 7_200_000 }).map((ms) => ago(now, ms)),
      { nil: undefined, freq: 8 },
    ),
    alarmsInAlarm: fc.constant([]),
  });
}

function healthMapArb(now: Date): fc.Arbitrary<Record<string, RegionHealth>> {
  return fc
    .record({
      p: fc.option(healthArb(PRIMARY, now), { nil: undefined }),
      s: fc.option(healthArb(SECONDARY, now), { nil: undefined }),
    })
    .map(({ p, s }) => ({ ...(p ? { [PRIMARY]: p } : {}), ...(s ? { [SECONDARY]: s } : {}) }));
}

function routingArb(now: Date): fc.Arbitrary<RoutingState> {
  const past = fc.integer({ min: -60_000, max: 20_000_000 }).map((ms) => ago(now, ms));
  return fc.record({
    activeRegion: fc.constantFrom(PRIMARY, SECONDARY),
    epoch: fc.nat({ max: 1000 }),
    automation: fc.record({ enabled: weighted([true, 4], [false, 1]) }),
    lastSwitchAt: fc.option(past, { nil: undefined }),
    recentAutoFailovers: fc.array(past, { maxLength: 3 }),
    tenantOverrides: fc.constant({}),
  });
}

const inputArb = nowArb.chain((now) =>
  fc
    .record({
      alarm: alarmArb(now),
      routing: routingArb(now),
      health: healthMapArb(now),
      policy: policyArb,
      regions: fc.constant(REGIONS),
      managedAlarmPrefix: fc.constant(PREFIX),
      now: fc.constant(now),
    })
    .map((i) => ({ ...i, truth: consistentTruth(i.routing) })),
);

/** Routing records that agree with the table: the steady state these properties are about (truth.ts has its own). */
function consistentTruth(routing: RoutingState): DecisionInput['truth'] {
  return { kind: 'consistent', activeRegion: routing.activeRegion };
}

/** The alarm is one the core acts on: managed, of the active Region, a transition into ALARM. */
function isActionable(input: DecisionInput & { alarm: AlarmEvent }): boolean {
  const { alarm, routing } = input;
  return (
    alarm.alarmName.startsWith(PREFIX) &&
    alarm.region === routing.activeRegion &&
    alarm.newState === 'ALARM' &&
    alarm.oldState !== 'ALARM'
  );
}

describe('decide (properties)', () => {
  it('GIVEN any input WHEN it fails over THEN the target has been healthy at least targetHealthySeconds', () => {
    let failovers = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        if (d.kind !== 'failover') return;
        failovers++;
        const target = input.health[d.to];
        expect(target?.status).toBe('healthy');
        if (input.policy.targetHealthySeconds > 0) {
          expect(target?.since).toBeDefined();
          const healthyMs = input.now.getTime() - target!.since!.getTime();
          expect(healthyMs).toBeGreaterThanOrEqual(input.policy.targetHealthySeconds * 1000);
        }
      }),
      { numRuns: 5000 },
    );
    expect(failovers).toBeGreaterThan(20);
  });

  it('GIVEN both Regions unhealthy WHEN any alarm arrives THEN it never fails over, and pages when actionable', () => {
    const bothUnhealthy = inputArb.map((input) => ({
      ...input,
      health: Object.fromEntries(
        [PRIMARY, SECONDARY].map((r) => [r, { region: r, status: 'unhealthy' as const, alarmsInAlarm: [] }]),
      ),
    }));
    fc.assert(
      fc.property(bothUnhealthy, (input) => {
        const d = decide(input);
        expect(d.kind).not.toBe('failover');
        if (isActionable(input) && input.alarm.region !== 'eu-west-1') {
          expect(d).toMatchObject({ kind: 'page', code: 'both-regions-unhealthy' });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('GIVEN any input WHEN it fails over THEN it moves away from the alarming active Region (never a failback)', () => {
    let failovers = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        if (d.kind !== 'failover') return;
        failovers++;
        expect(d.from).toBe(input.alarm.region);
        expect(d.from).toBe(input.routing.activeRegion);
        expect(d.to).not.toBe(d.from);
        expect([PRIMARY, SECONDARY]).toContain(d.to);
        expect(isActionable(input)).toBe(true);
      }),
      { numRuns: 5000 },
    );
    expect(failovers).toBeGreaterThan(20);
  });

  it('GIVEN a failover applied to the state WHEN the same delivery arrives again THEN it is not a failover', () => {
    let failovers = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = decide(input);
        if (first.kind === 'failover') failovers++;
        const routing = applyDecision(input.routing, first, input.now);
        const second = decide({ ...input, routing });
        expect(second.kind).not.toBe('failover');
      }),
      { numRuns: 5000 },
    );
    expect(failovers).toBeGreaterThan(20);
  });

  it('GIVEN any interleaving of deliveries WHEN decisions are applied THEN failovers respect cooldown and window', () => {
    const delivery = fc.record({
      stepMs: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 2_000_000 })),
      duplicate: fc.boolean(),
      alarm: alarmArb(NOW),
      primaryHealth: healthArb(PRIMARY, NOW),
      secondaryHealth: healthArb(SECONDARY, NOW),
    });
    let runsWithSeveralFailovers = 0;
    fc.assert(
      fc.property(
        policyArb,
        fc.constantFrom(PRIMARY, SECONDARY),
        fc.array(delivery, { minLength: 1, maxLength: 80, size: 'max' }),
        (policy, activeRegion, deliveries) => {
          let routing: RoutingState = {
            activeRegion,
            epoch: 0,
            automation: { enabled: true },
            recentAutoFailovers: [],
            tenantOverrides: {},
          };
          let now = NOW;
          let previous: AlarmEvent | undefined;
          const failovers: number[] = [];
          for (const step of deliveries) {
            now = new Date(now.getTime() + step.stepMs);
            // Health was generated relative to NOW; shift it so "since" stays relative to this delivery's time.
            const shift = (h: RegionHealth): RegionHealth => ({
              ...h,
              since: h.since ? new Date(h.since.getTime() + (now.getTime() - NOW.getTime())) : undefined,
            });
            const alarm = step.duplicate && previous ? previous : { ...step.alarm, stateChangeTime: now };
            previous = alarm;
            const d = decide({
              alarm,
              routing,
              truth: consistentTruth(routing),
              health: { [PRIMARY]: shift(step.primaryHealth), [SECONDARY]: shift(step.secondaryHealth) },
              policy,
              regions: REGIONS,
              managedAlarmPrefix: PREFIX,
              now,
            });
            if (d.kind === 'failover') failovers.push(now.getTime());
            routing = applyDecision(routing, d, now);
          }
          if (failovers.length >= 2) runsWithSeveralFailovers++;
          for (let i = 1; i < failovers.length; i++) {
            expect(failovers[i]! - failovers[i - 1]!).toBeGreaterThanOrEqual(policy.cooldownSeconds * 1000);
          }
          for (const t of failovers) {
            const inWindow = failovers.filter((s) => s <= t && t - s < policy.windowSeconds * 1000).length;
            expect(inWindow).toBeLessThanOrEqual(policy.maxAutoFailovers);
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(runsWithSeveralFailovers).toBeGreaterThanOrEqual(25);
  });
});
