import type { AlarmState } from '../../failover/core/types';
import {
  alarmMetricQueries,
  type CompositeAlarmDefinition,
  type MetricAlarmDefinition,
  type MetricRef,
} from '../../infra/alarms/definitions';

/**
 * The SNS message CloudWatch publishes when an alarm with actions changes state (the JSON in `Message`), and its
 * Subject. Metric alarms carry `Trigger` (`Metrics` for metric math such as the 5xx rate, else MetricName/Statistic);
 * composite alarms carry `AlarmRule` and `TriggeringChildren`. `Region` is the display name; the Region code is only
 * in the AlarmArn.
 */

const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
};

export function regionDisplayName(region: string): string {
  return REGION_NAMES[region] ?? region;
}

/** CloudWatch's notification time format: 2025-11-22T01:23:45.678+0000. */
export function notificationTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

export interface AlarmTransition {
  readonly region: string;
  readonly accountId: string;
  readonly alarmArn: string;
  readonly oldState: AlarmState;
  readonly newState: AlarmState;
  readonly reason: string;
  readonly reasonData?: Record<string, unknown>;
  readonly at: Date;
  readonly actions: {
    readonly ok: readonly string[];
    readonly alarm: readonly string[];
    readonly insufficientData: readonly string[];
  };
  readonly configUpdatedAt: Date;
}

const STATISTIC_NAMES: Record<MetricRef['stat'], string> = {
  Sum: 'SUM',
  Average: 'AVERAGE',
  Maximum: 'MAXIMUM',
  Minimum: 'MINIMUM',
  p99: 'p99',
};

function dimensionsOf(metric: MetricRef) {
  return Object.entries(metric.dimensions).map(([name, value]) => ({ value, name }));
}

function triggerOf(def: MetricAlarmDefinition): Record<string, unknown> {
  const common = {
    Period: def.periodSeconds,
    EvaluationPeriods: def.evaluationPeriods,
    DatapointsToAlarm: def.datapointsToAlarm,
    ComparisonOperator: def.comparison,
    Threshold: def.threshold,
    TreatMissingData: def.treatMissingData,
    EvaluateLowSampleCountPercentile: '',
  };
  if (def.query.kind === 'metric') {
    const m = def.query.metric;
    return {
      MetricName: m.metricName,
      Namespace: m.namespace,
      StatisticType: m.stat.startsWith('p') ? 'ExtendedStatistic' : 'Statistic',
      Statistic: STATISTIC_NAMES[m.stat],
      Unit: null,
      Dimensions: dimensionsOf(m),
      ...common,
    };
  }
  const queries = alarmMetricQueries(def) ?? [];
  return {
    Metrics: queries.map((q) => ({
      Id: q.Id,
      ...(q.MetricStat
        ? {
            MetricStat: {
              Metric: {
                Dimensions: q.MetricStat.Metric.Dimensions.map((d) => ({ value: d.Value, name: d.Name })),
                MetricName: q.MetricStat.Metric.MetricName,
                Namespace: q.MetricStat.Metric.Namespace,
              },
              Period: q.MetricStat.Period,
              Stat: q.MetricStat.Stat,
            },
          }
        : {}),
      ...(q.Expression ? { Expression: q.Expression } : {}),
      ...(q.Label ? { Label: q.Label } : {}),
      ReturnData: q.ReturnData,
    })),
    ...common,
  };
}

function base(name: string, description: string, t: AlarmTransition): Record<string, unknown> {
  return {
    AlarmName: name,
    AlarmDescription: description,
    AWSAccountId: t.accountId,
    AlarmConfigurationUpdatedTimestamp: notificationTime(t.configUpdatedAt),
    NewStateValue: t.newState,
    NewStateReason: t.reason,
    StateChangeTime: notificationTime(t.at),
    Region: regionDisplayName(t.region),
    AlarmArn: t.alarmArn,
    OldStateValue: t.oldState,
    OKActions: t.actions.ok,
    AlarmActions: t.actions.alarm,
    InsufficientDataActions: t.actions.insufficientData,
  };
}

export function metricAlarmMessage(def: MetricAlarmDefinition, t: AlarmTransition): Record<string, unknown> {
  return { ...base(def.name, def.description, t), Trigger: triggerOf(def) };
}

export function compositeAlarmMessage(
  def: CompositeAlarmDefinition,
  t: AlarmTransition,
  children: readonly { readonly arn: string; readonly state: AlarmState; readonly since: Date }[],
): Record<string, unknown> {
  return {
    ...base(def.name, def.description, t),
    AlarmRule: def.rule,
    TriggeringChildren: children.map((c) => ({
      Arn: c.arn,
      State: { Value: c.state, Timestamp: notificationTime(c.since) },
    })),
  };
}

/** `ALARM: "name" in US East (N. Virginia)`, cut to SNS's 100 characters as CloudWatch does. */
export function notificationSubject(state: AlarmState, alarmName: string, region: string): string {
  return `${state}: "${alarmName}" in ${regionDisplayName(region)}`.slice(0, 100);
}
