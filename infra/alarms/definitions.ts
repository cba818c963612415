import { ALARM_KINDS, type AlarmKind, namesFor } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';

/**
 * The Region-health alarms, defined once as data. The CDK app turns them into CloudWatch alarms; the local two-Region
 * environment puts the same alarms into moto and evaluates them (moto stores alarms but never evaluates them).
 *
 * They watch what an Application Load Balancer publishes (namespace AWS/ApplicationELB), because that is what tenants
 * feel. Locally, the environment's load balancer model publishes the same metrics.
 */

export interface LoadBalancerRef {
  /** The `LoadBalancer` dimension: "app/<name>/<id>". */
  readonly loadBalancerFullName: string;
  /** The `TargetGroup` dimension: "targetgroup/<name>/<id>". */
  readonly targetGroupFullName: string;
}

export interface MetricRef {
  readonly namespace: 'AWS/ApplicationELB';
  readonly metricName:
    | 'RequestCount'
    | 'HTTPCode_Target_5XX_Count'
    | 'HTTPCode_ELB_5XX_Count'
    | 'TargetResponseTime'
    | 'UnHealthyHostCount';
  readonly dimensions: Readonly<Record<string, string>>;
  /** CloudWatch statistic: Sum, Average, Maximum, or a percentile such as p99. */
  readonly stat: 'Sum' | 'Average' | 'Maximum' | 'p99';
}

/** A single metric, or 100 × (sum of numerators) / denominator — the 5xx rate. */
export type AlarmQuery =
  | { readonly kind: 'metric'; readonly metric: MetricRef }
  | { readonly kind: 'percent'; readonly numerators: readonly MetricRef[]; readonly denominator: MetricRef };

export interface MetricAlarmDefinition {
  readonly name: string;
  readonly kind: AlarmKind;
  readonly description: string;
  readonly query: AlarmQuery;
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold';
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
  readonly metricAlarms: readonly MetricAlarmDefinition[];
  /** The "Region unhealthy" composite alarm: its actions publish to the alarm topic that triggers the failover Lambda. */
  readonly composite: CompositeAlarmDefinition;
}

export function regionAlarms(
  config: Pick<RegionFlipConfig, 'app' | 'dns' | 'detection'>,
  region: string,
  lb: LoadBalancerRef,
): RegionAlarms {
  const names = namesFor(config);
  const d = config.detection;
  const lbDims = { LoadBalancer: lb.loadBalancerFullName };
  const tgDims = { LoadBalancer: lb.loadBalancerFullName, TargetGroup: lb.targetGroupFullName };
  const metric = (metricName: MetricRef['metricName'], stat: MetricRef['stat'], dims = lbDims): MetricRef => ({
    namespace: 'AWS/ApplicationELB',
    metricName,
    dimensions: dims,
    stat,
  });
  const base = {
    periodSeconds: d.periodSeconds,
    evaluationPeriods: d.evaluationPeriods,
    datapointsToAlarm: d.datapointsToAlarm,
    treatMissingData: d.treatMissingData,
  } as const;
  const byKind: Record<AlarmKind, Omit<MetricAlarmDefinition, 'name' | 'kind' | keyof typeof base>> = {
    'alb-5xx-rate': {
      description: `5xx responses above ${d.thresholds.http5xxRatePercent}% of requests in ${region}`,
      query: {
        kind: 'percent',
        numerators: [metric('HTTPCode_Target_5XX_Count', 'Sum'), metric('HTTPCode_ELB_5XX_Count', 'Sum')],
        denominator: metric('RequestCount', 'Sum'),
      },
      threshold: d.thresholds.http5xxRatePercent,
      comparison: 'GreaterThanThreshold',
    },
    'unhealthy-targets': {
      description: `at least ${d.thresholds.unhealthyTargets} unhealthy target(s) behind the shared load balancer in ${region}`,
      query: { kind: 'metric', metric: metric('UnHealthyHostCount', 'Maximum', tgDims) },
      threshold: d.thresholds.unhealthyTargets,
      comparison: 'GreaterThanOrEqualToThreshold',
    },
    'p99-latency': {
      description: `p99 target response time above ${d.thresholds.p99LatencyMs} ms in ${region}`,
      query: { kind: 'metric', metric: metric('TargetResponseTime', 'p99') },
      // TargetResponseTime is reported in seconds.
      threshold: d.thresholds.p99LatencyMs / 1000,
      comparison: 'GreaterThanThreshold',
    },
    'request-surge': {
      description: `more than ${d.thresholds.requestsPerPeriod} requests per ${d.periodSeconds} s in ${region} (the source design's signal)`,
      query: { kind: 'metric', metric: metric('RequestCount', 'Sum') },
      threshold: d.thresholds.requestsPerPeriod,
      comparison: 'GreaterThanThreshold',
    },
  };
  const metricAlarms = ALARM_KINDS.map(
    (kind): MetricAlarmDefinition => ({ name: names.componentAlarm(region, kind), kind, ...base, ...byKind[kind] }),
  );
  const children = metricAlarms.map((a) => a.name);
  return {
    region,
    metricAlarms,
    composite: {
      name: names.regionAlarm(region),
      description: `Region ${region} is unhealthy for tenants: any of ${children.length} alarms. Triggers automatic failover.`,
      rule: children.map((c) => `ALARM("${c}")`).join(' OR '),
      children,
    },
  };
}
