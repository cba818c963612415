import {
  ALARM_KINDS,
  type AlarmKind,
  namesFor,
  otherRegion,
  TENANT_ALARM_KINDS,
  type TenantAlarmKind,
} from '../../failover/config/names';
import type { RegionFlipConfig, Tier } from '../../failover/config/schema';

/**
 * Every alarm of RegionFlip, defined once as data. The CDK app turns them into CloudWatch alarms; the local two-Region
 * environment puts the same alarms into moto and evaluates them (moto stores alarms but never evaluates them).
 *
 * What triggers a Region failover — signals of tenant harm, each with its reason (infra/README.md, "Alarms"):
 *   alb-5xx-rate    tenants get errors: 5xx over requests, counted only with enough requests in the period
 *   healthy-hosts   a unit lost its capacity: the lowest healthy share of any one of its target groups (the pool's
 *                   in the composite; each advanced tenant's in its own stack, a Region signal of its own)
 *   p99-latency     tenants wait: p99 target response time of the shared load balancer (basic and advanced tiers)
 *   probe           the Region is dark seen from outside: evaluated in the PEER Region from canaries (missing = breaching)
 * Monitoring only (on-call, never failover): request-volume (the source design's request count).
 * Cell scope: each premium tenant's own load balancer has the same three signals and its own composite.
 */

export interface LoadBalancerRef {
  /** The `LoadBalancer` dimension: "app/<name>/<id>". */
  readonly loadBalancerFullName: string;
  /** The `TargetGroup` dimensions ("targetgroup/<name>/<id>") whose healthy share is watched (at most 5: 10 metrics). */
  readonly targetGroupFullNames: readonly string[];
}

export interface MetricRef {
  readonly namespace: 'AWS/ApplicationELB' | 'CloudWatchSynthetics';
  readonly metricName:
    | 'RequestCount'
    | 'HTTPCode_Target_5XX_Count'
    | 'HTTPCode_ELB_5XX_Count'
    | 'TargetResponseTime'
    | 'HealthyHostCount'
    | 'UnHealthyHostCount'
    | 'SuccessPercent';
  readonly dimensions: Readonly<Record<string, string>>;
  /** CloudWatch statistic: Sum, Average, Maximum, Minimum, or a percentile such as p99. */
  readonly stat: 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'p99';
}

/**
 * What an alarm evaluates, per period:
 *   metric          one metric's statistic
 *   percent         100 × (sum of numerators, missing = 0) / denominator; 0 when the denominator is below
 *                   `minDenominator` (the minimum-traffic guard)
 *   healthy-percent the lowest of 100 × healthy / (healthy + unhealthy) over the target groups
 *   max             the highest of several metrics (the best probed tier)
 */
export type AlarmQuery =
  | { readonly kind: 'metric'; readonly metric: MetricRef }
  | {
      readonly kind: 'percent';
      readonly numerators: readonly MetricRef[];
      readonly denominator: MetricRef;
      readonly minDenominator?: number;
    }
  | {
      readonly kind: 'healthy-percent';
      readonly targetGroups: readonly { readonly healthy: MetricRef; readonly unhealthy: MetricRef }[];
    }
  | { readonly kind: 'max'; readonly metrics: readonly MetricRef[] };

export type AlarmRole = 'failover-trigger' | 'probe' | 'tenant' | 'monitor';

export interface MetricAlarmDefinition {
  readonly name: string;
  readonly kind: AlarmKind | TenantAlarmKind | 'probe' | 'request-volume';
  /** Set on the alarms of a further shared load balancer (`shared-2`, …); absent for shard 1 (`shared`). */
  readonly shard?: string;
  /** What a transition of this alarm is for (README alarm table). */
  readonly role: AlarmRole;
  readonly description: string;
  readonly query: AlarmQuery;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
}

export interface CompositeAlarmDefinition {
  readonly name: string;
  readonly description: string;
  /** CloudWatch AlarmRule syntax: ALARM("a") OR ALARM("b") … */
  readonly rule: string;
  readonly children: readonly string[];
}

export interface RegionAlarms {
  readonly region: string;
  /** The failover triggers: children of the composite. */
  readonly metricAlarms: readonly MetricAlarmDefinition[];
  /** The "Region unhealthy" composite alarm: its actions publish to the alarm topic that triggers the failover Lambda. */
  readonly composite: CompositeAlarmDefinition;
  /** Monitoring only: notify the on-call topic, never in the composite, never on the alarm topic. */
  readonly monitorAlarms: readonly MetricAlarmDefinition[];
}

export interface TenantAlarms {
  readonly region: string;
  readonly tenantId: string;
  readonly metricAlarms: readonly MetricAlarmDefinition[];
  /** names.tenantAlarm(region, tenantId): publishes to the alarm topic; its description names the tenant. */
  readonly composite: CompositeAlarmDefinition;
}

/** CloudWatch allows at most 10 metrics in a metric math alarm. */
export const MAX_ALARM_METRICS = 10;

type Config = Pick<RegionFlipConfig, 'app' | 'dns' | 'detection'>;

function elbMetric(
  metricName: MetricRef['metricName'],
  stat: MetricRef['stat'],
  dims: Record<string, string>,
): MetricRef {
  return { namespace: 'AWS/ApplicationELB', metricName, dimensions: dims, stat };
}

function healthyQuery(lb: LoadBalancerRef, where: string): AlarmQuery {
  if (lb.targetGroupFullNames.length === 0) {
    throw new Error(`healthy-hosts alarm of ${where}: no target group given; pass the unit's target groups`);
  }
  if (lb.targetGroupFullNames.length * 2 > MAX_ALARM_METRICS) {
    throw new Error(
      `healthy-hosts alarm of ${where}: ${lb.targetGroupFullNames.length} target groups need ` +
        `${lb.targetGroupFullNames.length * 2} metrics, CloudWatch allows ${MAX_ALARM_METRICS} per alarm; pass at most 5`,
    );
  }
  return {
    kind: 'healthy-percent',
    targetGroups: lb.targetGroupFullNames.map((tg) => {
      const dims = { LoadBalancer: lb.loadBalancerFullName, TargetGroup: tg };
      return {
        healthy: elbMetric('HealthyHostCount', 'Minimum', dims),
        unhealthy: elbMetric('UnHealthyHostCount', 'Maximum', dims),
      };
    }),
  };
}

/** The three harm signals of one load balancer (the shared one, or a premium tenant's), without names. */
function harmSignals(config: Config, lb: LoadBalancerRef, where: string) {
  const d = config.detection;
  const lbDims = { LoadBalancer: lb.loadBalancerFullName };
  const base = {
    periodSeconds: d.periodSeconds,
    evaluationPeriods: d.evaluationPeriods,
    datapointsToAlarm: d.datapointsToAlarm,
  } as const;
  // Built on demand: a shard's load balancer has no target groups of its own to watch (healthy-hosts needs some).
  const signals: Record<AlarmKind, () => Omit<MetricAlarmDefinition, 'name' | 'kind' | 'role'>> = {
    'alb-5xx-rate': () => ({
      ...base,
      description:
        `${where}: 5xx responses above ${d.thresholds.http5xxRatePercent}% of requests, counted only in periods with ` +
        `at least ${d.thresholds.minRequestsPerPeriod} requests (fewer read as 0 %: a handful of requests cannot trip it)`,
      query: {
        kind: 'percent',
        numerators: [
          elbMetric('HTTPCode_Target_5XX_Count', 'Sum', lbDims),
          elbMetric('HTTPCode_ELB_5XX_Count', 'Sum', lbDims),
        ],
        denominator: elbMetric('RequestCount', 'Sum', lbDims),
        minDenominator: d.thresholds.minRequestsPerPeriod,
      },
      threshold: d.thresholds.http5xxRatePercent,
      comparison: 'GreaterThanThreshold',
      // No requests, no data: not a verdict either way (the probes watch availability).
      treatMissingData: d.treatMissingData,
    }),
    'healthy-hosts': () => ({
      ...base,
      description:
        `${where}: fewer than ${d.thresholds.healthyHostPercent}% of the targets of some target group are healthy ` +
        '(min over target groups; one unhealthy task of many does not trip it)',
      query: healthyQuery(lb, where),
      threshold: d.thresholds.healthyHostPercent,
      comparison: 'LessThanThreshold',
      // Published by the Region itself: when the Region goes dark it vanishes with it (and breaching would fire on
      // every deploy before the first datapoint). "Gone dark" is the peer's probe alarm, whose missing data breaches.
      treatMissingData: d.treatMissingData,
    }),
    'p99-latency': () => ({
      ...base,
      description: `${where}: p99 target response time above ${d.thresholds.p99LatencyMs} ms`,
      query: { kind: 'metric', metric: elbMetric('TargetResponseTime', 'p99', lbDims) },
      // TargetResponseTime is reported in seconds.
      threshold: d.thresholds.p99LatencyMs / 1000,
      comparison: 'GreaterThanThreshold',
      treatMissingData: d.treatMissingData,
    }),
  };
  return signals;
}

/** A further shared load balancer of the Region (shard `shared-2`, …: names.ts `sharedShards`). */
export interface ShardLoadBalancerRef {
  readonly label: string;
  readonly loadBalancerFullName: string;
}

/** The signals watched on a further shard: its advanced tenants' services live in their own stacks. */
export const SHARD_ALARM_KINDS: readonly AlarmKind[] = ['alb-5xx-rate', 'p99-latency'];

/**
 * The Region's failover triggers on its shared load balancer(s), their composite, and the monitoring alarms. Each
 * further shard adds its 5xx rate and p99 latency as children of the same composite: its tenants' harm is the
 * Region's, exactly as when they shared one load balancer (a composite takes up to 100 children, CW4).
 */
export function regionAlarms(
  config: Config,
  region: string,
  lb: LoadBalancerRef,
  extraShards: readonly ShardLoadBalancerRef[] = [],
): RegionAlarms {
  const names = namesFor(config);
  const d = config.detection;
  const signals = harmSignals(config, lb, `the shared load balancer (basic and advanced tiers) in ${region}`);
  const metricAlarms = [
    ...ALARM_KINDS.map(
      (kind): MetricAlarmDefinition => ({
        name: names.componentAlarm(region, kind),
        kind,
        role: 'failover-trigger',
        ...signals[kind](),
      }),
    ),
    ...extraShards.flatMap((shard) => {
      const shardSignals = harmSignals(
        config,
        { loadBalancerFullName: shard.loadBalancerFullName, targetGroupFullNames: [] },
        `the shared load balancer ${shard.label} (advanced tier) in ${region}`,
      );
      return SHARD_ALARM_KINDS.map(
        (kind): MetricAlarmDefinition => ({
          name: names.shardComponentAlarm(region, shard.label, kind),
          kind,
          shard: shard.label,
          role: 'failover-trigger',
          ...shardSignals[kind](),
        }),
      );
    }),
  ];
  const children = metricAlarms.map((a) => a.name);
  const requestVolume: MetricAlarmDefinition = {
    name: names.monitorAlarm(region, 'request-volume'),
    kind: 'request-volume',
    role: 'monitor',
    description:
      `more than ${d.thresholds.requestsPerPeriod} requests per ${d.periodSeconds} s on the shared load balancer in ` +
      `${region} (the source design's signal). Monitoring only: volume is not harm (and an outage lowers it); it ` +
      'notifies on-call and never triggers failover',
    query: { kind: 'metric', metric: elbMetric('RequestCount', 'Sum', { LoadBalancer: lb.loadBalancerFullName }) },
    threshold: d.thresholds.requestsPerPeriod,
    comparison: 'GreaterThanThreshold',
    periodSeconds: d.periodSeconds,
    evaluationPeriods: d.evaluationPeriods,
    datapointsToAlarm: d.datapointsToAlarm,
    treatMissingData: 'notBreaching',
  };
  return {
    region,
    metricAlarms,
    monitorAlarms: [requestVolume],
    composite: {
      name: names.regionAlarm(region),
      description: `Region ${region} is unhealthy for tenants: any of ${children.length} alarms. Triggers automatic failover.`,
      rule: children.map((c) => `ALARM("${c}")`).join(' OR '),
      children,
    },
  };
}

/**
 * An advanced tenant's healthy-host alarm: the lowest healthy share of its own target groups (its tenant stack) behind
 * its shard's load balancer. Not a child of the Region composite (a child must exist before the composite names it,
 * so each onboarding would edit the Region stack); it publishes to the alarm topic itself under a Region-scope name
 * (names.advancedHealthyAlarm) and the health reader counts it in the Region's verdict.
 */
export function advancedTenantAlarm(
  config: Config,
  region: string,
  tenantId: string,
  shard: string,
  lb: LoadBalancerRef,
): MetricAlarmDefinition {
  const signals = harmSignals(
    config,
    lb,
    `advanced tenant ${tenantId}'s services on the shared load balancer ${shard} in ${region}`,
  );
  return {
    name: namesFor(config).advancedHealthyAlarm(region, tenantId),
    kind: 'healthy-hosts',
    shard,
    role: 'failover-trigger',
    ...signals['healthy-hosts'](),
  };
}

/** A premium tenant's silo: the same three signals on its own load balancer, and its composite (the cell scope). */
export function tenantAlarms(config: Config, region: string, tenantId: string, lb: LoadBalancerRef): TenantAlarms {
  const names = namesFor(config);
  const signals = harmSignals(config, lb, `premium tenant ${tenantId}'s load balancer in ${region}`);
  const metricAlarms = TENANT_ALARM_KINDS.map(
    (kind): MetricAlarmDefinition => ({
      name: names.tenantComponentAlarm(region, tenantId, kind),
      kind,
      role: 'tenant',
      ...signals[kind](),
    }),
  );
  const children = metricAlarms.map((a) => a.name);
  return {
    region,
    tenantId,
    metricAlarms,
    composite: {
      name: names.tenantAlarm(region, tenantId),
      description: `Premium tenant ${tenantId} is unhealthy in ${region} (its own load balancer): any of ${children.length} alarms. Cell scope.`,
      rule: children.map((c) => `ALARM("${c}")`).join(' OR '),
      children,
    },
  };
}

/** The stable tenant the probes use per tier: the first tenant of that tier in the configuration. */
export function probeTenants(config: Pick<RegionFlipConfig, 'tenants'>): { tier: Tier; tenantId: string }[] {
  const tiers: Tier[] = ['basic', 'advanced', 'premium'];
  return tiers.flatMap((tier) => {
    const tenant = config.tenants.find((t) => t.tier === tier);
    return tenant ? [{ tier, tenantId: tenant.id }] : [];
  });
}

/** What one probe of `probedRegion` requests: the Region's endpoint, with the tenant's public name as Host. */
export interface ProbeTarget {
  readonly tier: Tier;
  readonly tenantId: string;
  readonly canaryName: string;
  /** The regional endpoint record of the probed Region (shared.<region>.<zone> or <premium>.<region>.<zone>). */
  readonly endpoint: string;
  /** The tenant's public name, sent as Host so the load balancer routes it exactly as a tenant's request. */
  readonly hostHeader: string;
  /** A path tenants use. Unauthenticated, so an answer below 500 (401 included) proves DNS → LB → rule → service. */
  readonly path: string;
}

export const PROBE_PATH = '/orders';

export function probeTargets(
  config: Pick<RegionFlipConfig, 'app' | 'dns' | 'tenants'>,
  probedRegion: string,
): ProbeTarget[] {
  const names = namesFor(config);
  return probeTenants(config).map(({ tier, tenantId }) => ({
    tier,
    tenantId,
    canaryName: names.probeCanary(probedRegion, tier),
    endpoint:
      tier === 'premium'
        ? names.premiumRegionalRecord(tenantId, probedRegion)
        : names.sharedRegionalRecord(probedRegion),
    hostHeader: names.tenantRecord(tenantId),
    path: PROBE_PATH,
  }));
}

/**
 * The outside-in availability alarm ABOUT `probedRegion`. It lives in the peer Region (the canaries run there), is
 * named names.probeAlarm(probedRegion) and publishes to the peer's alarm topic: nothing on its path is in the probed
 * Region. ALARM when even the best probed tier succeeds less than the threshold (the whole Region is dark from
 * outside; one tier failing alone is a cell's problem, seen by the in-Region alarms). A canary that must run every
 * period and has no data is a failure: missing is breaching.
 */
export function probeAlarm(
  config: Pick<RegionFlipConfig, 'app' | 'dns' | 'tenants' | 'detection' | 'regions'>,
  probedRegion: string,
  periodSeconds = config.detection.periodSeconds,
): MetricAlarmDefinition {
  const names = namesFor(config);
  const d = config.detection;
  const targets = probeTargets(config, probedRegion);
  if (targets.length === 0) throw new Error('no tenants to probe: the tenants list is empty');
  const peer = otherRegion(config, probedRegion);
  return {
    name: names.probeAlarm(probedRegion),
    kind: 'probe',
    role: 'probe',
    description:
      `${probedRegion} is unavailable seen from ${peer}: the canaries in ${peer} (${targets
        .map((t) => `${t.tier} tenant ${t.tenantId}`)
        .join(
          ', ',
        )}) succeed less than ${d.thresholds.probeSuccessPercent}% (best tier); no canary data is breaching. ` +
      'Triggers Region failover; lives in the peer Region.',
    query: {
      kind: 'max',
      metrics: targets.map(
        (t): MetricRef => ({
          namespace: 'CloudWatchSynthetics',
          metricName: 'SuccessPercent',
          dimensions: { CanaryName: t.canaryName },
          stat: 'Average',
        }),
      ),
    },
    threshold: d.thresholds.probeSuccessPercent,
    comparison: 'LessThanThreshold',
    periodSeconds,
    evaluationPeriods: d.evaluationPeriods,
    datapointsToAlarm: d.datapointsToAlarm,
    treatMissingData: 'breaching',
  };
}

/** Every metric a query reads. */
export function metricsOf(query: AlarmQuery): MetricRef[] {
  switch (query.kind) {
    case 'metric':
      return [query.metric];
    case 'percent':
      return [...query.numerators, query.denominator];
    case 'healthy-percent':
      return query.targetGroups.flatMap((tg) => [tg.healthy, tg.unhealthy]);
    case 'max':
      return [...query.metrics];
  }
}

/**
 * A query as CloudWatch metric math: the metrics (ids m0…), intermediate expressions, and the result expression.
 * The CDK app and the moto provisioning both build their alarms from this, so they say the same thing.
 * Undefined for a single metric (a plain metric alarm).
 */
export interface MetricMath {
  readonly metrics: readonly { readonly id: string; readonly metric: MetricRef }[];
  readonly expressions: readonly { readonly id: string; readonly expression: string }[];
  readonly result: { readonly id: string; readonly expression: string };
}

export function metricMathOf(query: AlarmQuery): MetricMath | undefined {
  if (query.kind === 'metric') return undefined;
  const refs = metricsOf(query);
  if (refs.length > MAX_ALARM_METRICS) {
    throw new Error(`an alarm query reads ${refs.length} metrics; CloudWatch allows ${MAX_ALARM_METRICS} per alarm`);
  }
  const metrics = refs.map((metric, i) => ({ id: `m${i}`, metric }));
  if (query.kind === 'percent') {
    const n = query.numerators.length;
    const sum = metrics
      .slice(0, n)
      .map((m) => `FILL(${m.id}, 0)`)
      .join(' + ');
    const d = metrics[n]!.id;
    const percent = `100 * (${sum}) / ${d}`;
    const expression =
      query.minDenominator === undefined ? percent : `IF(${d} >= ${query.minDenominator}, ${percent}, 0)`;
    return { metrics, expressions: [], result: { id: 'e0', expression } };
  }
  if (query.kind === 'healthy-percent') {
    const expressions = query.targetGroups.map((_, i) => {
      const h = `m${2 * i}`;
      const u = `m${2 * i + 1}`;
      return { id: `p${i}`, expression: `100 * ${h} / (${h} + ${u})` };
    });
    return {
      metrics,
      expressions,
      result: { id: 'e0', expression: `MIN([${expressions.map((e) => e.id).join(', ')}])` },
    };
  }
  return {
    metrics,
    expressions: [],
    result: { id: 'e0', expression: `MAX([${metrics.map((m) => m.id).join(', ')}])` },
  };
}

/**
 * The value of a query for one period from the metrics' values (undefined = missing), as CloudWatch metric math
 * computes it: FILL(…, 0) for the 5xx counts, the guard, a target group with either count missing has no value, MIN
 * and MAX over the values that exist.
 */
export function queryValue(query: AlarmQuery, value: (m: MetricRef) => number | undefined): number | undefined {
  switch (query.kind) {
    case 'metric':
      return value(query.metric);
    case 'percent': {
      const d = value(query.denominator);
      if (d === undefined) return undefined;
      if (query.minDenominator !== undefined && d < query.minDenominator) return 0;
      if (d === 0) return undefined;
      const n = query.numerators.reduce((sum, m) => sum + (value(m) ?? 0), 0);
      return (100 * n) / d;
    }
    case 'healthy-percent': {
      const shares = query.targetGroups.flatMap((tg) => {
        const h = value(tg.healthy);
        const u = value(tg.unhealthy);
        if (h === undefined || u === undefined || h + u === 0) return [];
        return [(100 * h) / (h + u)];
      });
      return shares.length === 0 ? undefined : Math.min(...shares);
    }
    case 'max': {
      const values = query.metrics.map(value).filter((v): v is number => v !== undefined);
      return values.length === 0 ? undefined : Math.max(...values);
    }
  }
}

/** A metric math query in the PutMetricAlarm `Metrics` shape (used for moto, and in CloudWatch's notification). */
export interface AlarmMetricQuery {
  readonly Id: string;
  readonly MetricStat?: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: { readonly Name: string; readonly Value: string }[];
    };
    readonly Period: number;
    readonly Stat: string;
  };
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData: boolean;
}

/** The alarm's `Metrics` for PutMetricAlarm; undefined for a single-metric alarm. */
export function alarmMetricQueries(def: MetricAlarmDefinition): AlarmMetricQuery[] | undefined {
  const math = metricMathOf(def.query);
  if (!math) return undefined;
  return [
    ...math.metrics.map(
      ({ id, metric }): AlarmMetricQuery => ({
        Id: id,
        MetricStat: {
          Metric: {
            Namespace: metric.namespace,
            MetricName: metric.metricName,
            Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: def.periodSeconds,
          Stat: metric.stat,
        },
        ReturnData: false,
      }),
    ),
    ...math.expressions.map((e): AlarmMetricQuery => ({ Id: e.id, Expression: e.expression, ReturnData: false })),
    { Id: math.result.id, Expression: math.result.expression, Label: def.kind, ReturnData: true },
  ];
}
