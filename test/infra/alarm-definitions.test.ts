import fc from 'fast-check';
import { parseConfig } from '../../failover/config/load';
import { classifyAlarmName, namesFor } from '../../failover/config/names';
import {
  advancedTenantAlarm,
  metricMathOf,
  probeAlarm,
  queryValue,
  regionAlarms,
  tenantAlarms,
} from '../../infra/alarms/definitions';

const config = parseConfig(
  'tenants: [{ id: acme, tier: premium }, { id: initech, tier: advanced }, { id: hooli, tier: basic }]',
);
const names = namesFor(config);
const lb = { loadBalancerFullName: 'app/shared/1', targetGroupFullNames: ['targetgroup/a/1', 'targetgroup/b/1'] };
const region = regionAlarms(config, 'us-east-1', lb);
const byKind = (kind: string) => region.metricAlarms.find((a) => a.kind === kind)!;
const values =
  (v: Record<string, number | undefined>) =>
  (m: { metricName: string; dimensions: Readonly<Record<string, string>> }) =>
    v[`${m.metricName}${m.dimensions.TargetGroup ? `@${m.dimensions.TargetGroup}` : ''}`];

describe('the alarm definitions', () => {
  it('GIVEN the Region alarms WHEN listed THEN request volume is monitoring only: not a child of the composite', () => {
    expect(region.monitorAlarms.map((a) => a.name)).toEqual([names.monitorAlarm('us-east-1', 'request-volume')]);
    expect(region.composite.children).not.toContain(names.monitorAlarm('us-east-1', 'request-volume'));
    expect(region.metricAlarms.every((a) => a.role === 'failover-trigger')).toBe(true);
  });

  it('GIVEN a handful of requests that all fail WHEN the 5xx rate is computed THEN the guard reads 0 %; with enough traffic it reads the rate', () => {
    const q = byKind('alb-5xx-rate').query;
    expect(queryValue(q, values({ RequestCount: 3, HTTPCode_Target_5XX_Count: 3 }))).toBe(0);
    expect(queryValue(q, values({ RequestCount: 100, HTTPCode_ELB_5XX_Count: 10 }))).toBe(10);
    expect(queryValue(q, values({}))).toBeUndefined();
  });

  it('GIVEN one target group at half capacity WHEN healthy hosts are computed THEN the minimum share over target groups counts', () => {
    const q = byKind('healthy-hosts').query;
    const v = values({
      'HealthyHostCount@targetgroup/a/1': 6,
      'UnHealthyHostCount@targetgroup/a/1': 0,
      'HealthyHostCount@targetgroup/b/1': 1,
      'UnHealthyHostCount@targetgroup/b/1': 1,
    });
    expect(queryValue(q, v)).toBe(50);
    expect(queryValue(q, values({}))).toBeUndefined();
    expect(metricMathOf(q)?.result.expression).toBe('MIN([p0, p1])');
  });

  it("GIVEN 18 targets over the pool's target groups (at least 2 each) WHEN one is unhealthy THEN healthy-hosts does not breach", () => {
    const def = byKind('healthy-hosts');
    const groups = ['targetgroup/a/1', 'targetgroup/b/1', 'targetgroup/c/1'];
    const three = regionAlarms(config, 'us-east-1', { ...lb, targetGroupFullNames: groups }).metricAlarms.find(
      (a) => a.kind === 'healthy-hosts',
    )!;
    expect(def.comparison).toBe('LessThanThreshold');
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 14 }), fc.integer({ min: 2, max: 14 }), fc.nat(2), (a, b, sick) => {
        fc.pre(a + b <= 16);
        const sizes = [a, b, 18 - a - b];
        const v: Record<string, number> = {};
        groups.forEach((tg, i) => {
          v[`HealthyHostCount@${tg}`] = sizes[i]! - (i === sick ? 1 : 0);
          v[`UnHealthyHostCount@${tg}`] = i === sick ? 1 : 0;
        });
        expect(queryValue(three.query, values(v))!).toBeGreaterThanOrEqual(three.threshold);
      }),
    );
  });

  it('GIVEN more target groups than CloudWatch allows metrics WHEN defined THEN the error names the count and the fix', () => {
    const many = { ...lb, targetGroupFullNames: ['1', '2', '3', '4', '5', '6'].map((i) => `targetgroup/${i}/1`) };
    expect(() => regionAlarms(config, 'us-east-1', many)).toThrow(/6 target groups need 12 metrics.*pass at most 5/);
  });

  it('GIVEN the probes of us-east-1 WHEN defined THEN the alarm is about us-east-1, fed by canaries per tier, and missing data breaches', () => {
    const def = probeAlarm(config, 'us-east-1');
    expect(def.name).toBe(names.probeAlarm('us-east-1'));
    expect(def.treatMissingData).toBe('breaching');
    expect(def.description).toContain('seen from us-west-2');
    const canaries = ['basic', 'advanced', 'premium'].map((t) => names.probeCanary('us-east-1', t));
    const v = (ok: string[]) => (m: { dimensions: Readonly<Record<string, string>> }) =>
      canaries.includes(m.dimensions.CanaryName!) ? (ok.includes(m.dimensions.CanaryName!) ? 100 : 0) : undefined;
    // One tier failing is a cell's problem; every tier failing is the Region.
    expect(queryValue(def.query, v([canaries[0]!]))).toBe(100);
    expect(queryValue(def.query, v([]))).toBe(0);
  });

  it('GIVEN a premium tenant WHEN its alarms are defined THEN the children stay outside the managed prefix and the composite names the tenant', () => {
    const t = tenantAlarms(config, 'us-west-2', 'acme', lb);
    expect(t.composite.name).toBe(names.tenantAlarm('us-west-2', 'acme'));
    expect(t.composite.description).toContain('acme');
    for (const child of t.composite.children) expect(child.startsWith(names.alarmPrefix)).toBe(false);
  });

  it('GIVEN an advanced tenant on shard 2 WHEN its healthy-hosts alarm is defined THEN it is a Region signal the Lambda and the health reader recognise, on the tenant target groups', () => {
    const def = advancedTenantAlarm(config, 'us-east-1', 'initech', 'shared-2', {
      loadBalancerFullName: 'app/shared-2/1',
      targetGroupFullNames: ['targetgroup/i-order/1', 'targetgroup/i-product/1', 'targetgroup/i-user/1'],
    });
    expect(def).toMatchObject({ kind: 'healthy-hosts', role: 'failover-trigger', shard: 'shared-2' });
    expect(classifyAlarmName(config, def.name)).toMatchObject({ kind: 'component', region: 'us-east-1' });
    expect(names.isAdvancedHealthyAlarm('us-east-1', def.name)).toBe(true);
    expect(def.description).toContain('initech');
    const v = values({
      'HealthyHostCount@targetgroup/i-order/1': 2,
      'UnHealthyHostCount@targetgroup/i-order/1': 0,
      'HealthyHostCount@targetgroup/i-product/1': 0,
      'UnHealthyHostCount@targetgroup/i-product/1': 2,
      'HealthyHostCount@targetgroup/i-user/1': 2,
      'UnHealthyHostCount@targetgroup/i-user/1': 0,
    });
    expect(queryValue(def.query, v)).toBe(0);
    expect(queryValue(def.query, v)! < def.threshold).toBe(true);
  });
});
