import fc from 'fast-check';
import { clientsRecoveredAt, tenantRecoveredAt } from '../../chaos/drill/measure/client-recovery';
import { rtoBreakdown } from '../../chaos/drill/measure/rto';
import { describeRtoFloor, rtoFloor, rtoFloorPosition } from '../../chaos/drill/measure/rto-floor';
import type { RequestSample } from '../../chaos/drill/measure/samples';
import { LOCAL_PROFILE } from '../../chaos/env/local-profile';

const sample = (client: string, endedAt: number, region: string | undefined, ok = region === 'B'): RequestSample => ({
  tenantId: client.split('#')[0]!,
  tier: 'basic',
  client,
  kind: 'read',
  startedAt: endedAt - 5,
  endedAt,
  ok,
  region,
});

describe('RTO floor', () => {
  it('GIVEN the local profile (M=2 of 1 s periods, 300 ms evaluation delay, 50 ms publish delay, 1 s Route 53 propagation, TTL 2 s, 4 req/s) WHEN the floor is computed THEN it is [2.3 s, 6.6 s]', () => {
    const floor = rtoFloor({
      periodMs: LOCAL_PROFILE.detection.periodSeconds * 1000,
      datapointsToAlarm: LOCAL_PROFILE.detection.datapointsToAlarm,
      evaluationDelayMs: LOCAL_PROFILE.evaluationDelayMs,
      publishDelayMs: LOCAL_PROFILE.loadBalancer.publishDelayMs,
      route53PropagationMs: LOCAL_PROFILE.route53PropagationMs,
      dnsTtlMs: LOCAL_PROFILE.dnsTtlSeconds * 1000,
      requestIntervalMs: 1000 / LOCAL_PROFILE.traffic.requestsPerSecondPerTenant,
    });
    expect([floor.bestMs, floor.worstMs]).toEqual([2300, 6600]);
    expect(rtoFloorPosition(2299, floor)).toBe('below-floor');
    expect(rtoFloorPosition(6600, floor)).toBe('within-floor');
    expect(describeRtoFloor(8000, floor)).toContain('1.40 s above the worst case');
  });

  it('GIVEN a bad input WHEN the floor is computed THEN the error names it', () => {
    const ok = {
      periodMs: 1000,
      datapointsToAlarm: 2,
      evaluationDelayMs: 0,
      publishDelayMs: 0,
      route53PropagationMs: 0,
      dnsTtlMs: 0,
      requestIntervalMs: 1,
    };
    expect(() => rtoFloor({ ...ok, dnsTtlMs: Number.NaN })).toThrow(
      /dnsTtlMs must be a finite number >= 0 \(got NaN\)/,
    );
    expect(() => rtoFloor({ ...ok, datapointsToAlarm: 0 })).toThrow(/datapointsToAlarm must be >= 1/);
    expect(() => rtoFloor({ ...ok, route53PropagationMs: -1 })).toThrow(
      /route53PropagationMs must be a finite number >= 0 \(got -1\)/,
    );
  });
});

describe('client recovery is the LAST client of a tenant', () => {
  it('GIVEN two clients of a tenant on B and a third still failing on A WHEN recovery is measured THEN the tenant has not recovered', () => {
    const samples = [
      sample('t1#0', 100, 'B'),
      sample('t1#1', 110, 'B'),
      sample('t1#2', 120, 'A'),
      sample('t1#0', 130, 'B'),
    ];
    expect(tenantRecoveredAt(samples, 't1', 'B', 0)).toBeUndefined();
    const later = [...samples, sample('t1#2', 400, 'B'), sample('t1#1', 410, 'B')];
    expect(tenantRecoveredAt(later, 't1', 'B', 0)).toBe(400);
    expect(clientsRecoveredAt(later, ['t1'], 'B', 0)).toBe(400);
  });
});

/**
 * The pure measurement over generated drills: a model of CloudWatch's M-of-N on a period grid, a switch that takes some
 * time, and a population of clients with independent cache ages and request phases. Whatever the draw, the measured
 * RTO is never below the floor's best case, and never above its worst case plus the switch's own time.
 */
describe('RTO against its floor (fast-check over generated drills)', () => {
  it('GIVEN any fault phase, cache ages and request phases WHEN the RTO is measured THEN best <= RTO <= worst + switch time', () => {
    fc.assert(
      fc.property(
        fc.record({
          periodMs: fc.integer({ min: 200, max: 2000 }),
          m: fc.integer({ min: 1, max: 3 }),
          phase: fc.double({ min: 0, max: 0.999, noNaN: true }),
          containingPeriodBreaches: fc.boolean(),
          evaluationDelayMs: fc.integer({ min: 0, max: 500 }),
          ttlMs: fc.integer({ min: 0, max: 3000 }),
          intervalMs: fc.integer({ min: 50, max: 500 }),
          switchMs: fc.integer({ min: 0, max: 3000 }),
          propagationMs: fc.integer({ min: 0, max: 2000 }),
          tenants: fc.array(
            fc.array(
              fc.record({
                age: fc.double({ min: 0, max: 0.999, noNaN: true }),
                offset: fc.double({ min: 0, max: 0.999, noNaN: true }),
              }),
              {
                minLength: 1,
                maxLength: 5,
              },
            ),
            { minLength: 1, maxLength: 4 },
          ),
        }),
        (d) => {
          const P = d.periodMs;
          const faultAt = 100_000 + d.phase * P;
          const containingEnd = 100_000 + P;
          // The M-th breaching period ends (M-1) periods after the first one; evaluated `evaluationDelayMs` later.
          const firstBreachEnd = d.containingPeriodBreaches ? containingEnd : containingEnd + P;
          const alarmAt = firstBreachEnd + (d.m - 1) * P + d.evaluationDelayMs;
          const dnsInSyncAt = alarmAt + d.switchMs;
          // Resolvers keep the old answer until the change has propagated (chaos/env/route53-propagation.ts).
          const propagatedAt = dnsInSyncAt + d.propagationMs;
          const samples: RequestSample[] = [];
          const tenantIds: string[] = [];
          d.tenants.forEach((clients, ti) => {
            const tenant = `t${ti}`;
            tenantIds.push(tenant);
            clients.forEach((c, ci) => {
              // The client resolved last at `resolvedAt`, caches for TTL, and asks again on its next request after.
              let resolvedAt = faultAt - 5000 - c.age * d.ttlMs;
              let answer = 'A';
              for (
                let t = faultAt - 5000 + c.offset * d.intervalMs;
                t < propagatedAt + 3 * d.ttlMs + 10 * d.intervalMs + 2000;
                t += d.intervalMs
              ) {
                if (t >= resolvedAt + d.ttlMs) {
                  resolvedAt = t;
                  answer = t >= propagatedAt ? 'B' : 'A';
                }
                const end = t + 5;
                samples.push(sample(`${tenant}#${ci}`, end, answer, answer === 'B' || end < faultAt));
              }
            });
          });
          const rto = rtoBreakdown({
            faultAt,
            alarmAt,
            dnsInSyncAt,
            clientsRecoveredAt: clientsRecoveredAt(samples, tenantIds, 'B', faultAt),
          }).rtoMs;
          const floor = rtoFloor({
            periodMs: P,
            datapointsToAlarm: d.m,
            evaluationDelayMs: d.evaluationDelayMs,
            publishDelayMs: 0,
            route53PropagationMs: d.propagationMs,
            dnsTtlMs: d.ttlMs,
            requestIntervalMs: d.intervalMs,
          });
          expect(rto).toBeDefined();
          expect(rto!).toBeGreaterThanOrEqual(floor.bestMs);
          // +5: the sample records the end of the request, which takes 5 ms in the model.
          expect(rto!).toBeLessThanOrEqual(floor.worstMs + d.switchMs + 5);
        },
      ),
      { numRuns: 300 },
    );
  });
});
