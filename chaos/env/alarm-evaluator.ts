import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmState } from '../../failover/core/types';
import {
  type MetricAlarmDefinition,
  type MetricRef,
  metricsOf,
  queryValue,
  type RegionAlarms,
} from '../../infra/alarms/definitions';
import {
  type AlarmEvaluation,
  evaluateCompositeAlarm,
  evaluateMetricAlarm,
  evaluationRangePeriods,
  type PeriodValue,
} from './alarm-evaluation';
import {
  type AlarmTransition,
  compositeAlarmMessage,
  metricAlarmMessage,
  notificationSubject,
} from './alarm-notification';
import type { EnvEvent } from './types';

/**
 * Evaluates one Region's alarms the way CloudWatch does, because moto never does: once per period (a little after the
 * period ends, when the load balancer model has published it) it reads the metrics of the evaluation range back from that
 * Region's CloudWatch in moto (GetMetricData), evaluates each metric alarm (alarm-evaluation.ts) and then the composite, records each
 * transition in moto (SetAlarmState) and, when the alarm's actions are enabled and it has actions for the new state,
 * publishes the CloudWatch notification to each SNS topic (alarm-notification.ts).
 *
 * moto computes no percentiles, so a percentile statistic (p99) is read as Maximum: conservative (never alarms later
 * than CloudWatch would; with M-of-N, one slow request does not alarm alone).
 */

export interface AlarmEvaluatorOptions {
  readonly region: string;
  readonly accountId: string;
  readonly alarms: RegionAlarms;
  /**
   * Further metric alarms that live in this Region and notify on their own actions: the probe alarm about the peer
   * Region (names.probeAlarm(peer)). The monitoring alarms of `alarms` are evaluated as well.
   */
  readonly extraAlarms?: readonly MetricAlarmDefinition[];
  readonly cloudwatch: CloudWatchClient;
  readonly sns: SNSClient;
  readonly periodSeconds: number;
  readonly evaluationDelayMs: number;
  readonly record: (event: EnvEvent) => void;
  readonly onError: (err: unknown) => void;
}

type ActionLists = AlarmTransition['actions'];

interface TrackedAlarm {
  state: AlarmState;
  since: Date;
  arn: string;
  actionsEnabled: boolean;
  actions: ActionLists;
  configUpdatedAt: Date;
}

function metricKey(m: MetricRef): string {
  return `${m.metricName}|${Object.entries(m.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}|${m.stat}`;
}

/** The statistic moto can compute for a MetricRef stat. */
function motoStat(stat: MetricRef['stat']): string {
  return stat.startsWith('p') ? 'Maximum' : stat;
}

export class RegionAlarmEvaluator {
  private readonly tracked = new Map<string, TrackedAlarm>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;

  constructor(private readonly opts: AlarmEvaluatorOptions) {}

  /** Every metric alarm evaluated here: the composite's children, monitoring alarms, probe alarms. */
  private metricAlarms(): readonly MetricAlarmDefinition[] {
    return [...this.opts.alarms.metricAlarms, ...this.opts.alarms.monitorAlarms, ...(this.opts.extraAlarms ?? [])];
  }

  /** Current states as this evaluator last set them (alarm name → state). */
  states(): Record<string, AlarmState> {
    return Object.fromEntries([...this.tracked].map(([name, t]) => [name, t.state]));
  }

  async start(): Promise<void> {
    await this.refreshConfig();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Reads states, ARNs, actions and ActionsEnabled from moto (a drill may disable alarm actions). */
  private async refreshConfig(): Promise<void> {
    const names = [...this.metricAlarms().map((a) => a.name), this.opts.alarms.composite.name];
    const out = await this.opts.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      if (!a.AlarmName) continue;
      const prev = this.tracked.get(a.AlarmName);
      this.tracked.set(a.AlarmName, {
        state: prev?.state ?? (a.StateValue as AlarmState | undefined) ?? 'INSUFFICIENT_DATA',
        since: prev?.since ?? a.StateUpdatedTimestamp ?? new Date(),
        arn: a.AlarmArn ?? '',
        actionsEnabled: a.ActionsEnabled ?? true,
        actions: {
          ok: a.OKActions ?? [],
          alarm: a.AlarmActions ?? [],
          insufficientData: a.InsufficientDataActions ?? [],
        },
        configUpdatedAt: a.AlarmConfigurationUpdatedTimestamp ?? new Date(),
      });
    }
    const missing = names.filter((n) => !this.tracked.has(n));
    if (missing.length > 0) {
      throw new Error(
        `alarms not found in ${this.opts.region}: ${missing.join(', ')} (provision the environment first)`,
      );
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const period = this.opts.periodSeconds * 1000;
    const now = Date.now();
    const next = Math.floor(now / period) * period + period + this.opts.evaluationDelayMs;
    this.timer = setTimeout(() => {
      this.running = this.tick(next - this.opts.evaluationDelayMs)
        .catch((err) => this.opts.onError(err))
        .finally(() => this.schedule());
    }, next - now);
  }

  /** Evaluates every alarm over the range ending at `end` (a period boundary). */
  async tick(end: number): Promise<void> {
    await this.refreshConfig();
    const period = this.opts.periodSeconds * 1000;
    // CloudWatch reads more periods than the alarm evaluates (its evaluation range), to look back past missing data.
    const n = Math.max(...this.metricAlarms().map((a) => evaluationRangePeriods(a.evaluationPeriods)));
    const start = end - n * period;
    const series = await this.readMetrics(new Date(start), new Date(end));
    const at = new Date();
    for (const def of this.metricAlarms()) {
      const range: PeriodValue[] = [];
      for (let t = end - evaluationRangePeriods(def.evaluationPeriods) * period; t < end; t += period) {
        range.push({ start: new Date(t), value: this.queryValue(def, series, t) });
      }
      const tracked = this.tracked.get(def.name)!;
      const result = evaluateMetricAlarm(def, range, tracked.state);
      await this.transition(def.name, result, at, (t) => metricAlarmMessage(def, t), false);
    }
    const composite = this.opts.alarms.composite;
    const states = this.states();
    const result = evaluateCompositeAlarm(composite.rule, composite.children, states);
    await this.transition(
      composite.name,
      { state: result.state, reason: result.reason, recentDatapoints: [] },
      at,
      (t) =>
        compositeAlarmMessage(
          composite,
          t,
          result.triggeringChildren.map((c) => {
            const child = this.tracked.get(c)!;
            return { arn: child.arn, state: child.state, since: child.since };
          }),
        ),
      true,
    );
  }

  private queryValue(
    def: MetricAlarmDefinition,
    series: Map<string, Map<number, number>>,
    t: number,
  ): number | undefined {
    return queryValue(def.query, (m: MetricRef) => series.get(metricKey(m))?.get(t));
  }

  private async readMetrics(start: Date, end: Date): Promise<Map<string, Map<number, number>>> {
    const refs = new Map<string, MetricRef>();
    for (const def of this.metricAlarms()) {
      for (const m of metricsOf(def.query)) refs.set(metricKey(m), m);
    }
    const keys = [...refs.keys()];
    const queries: MetricDataQuery[] = keys.map((key, i) => {
      const m = refs.get(key)!;
      return {
        Id: `m${i}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: m.namespace,
            MetricName: m.metricName,
            Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: this.opts.periodSeconds,
          Stat: motoStat(m.stat),
        },
      };
    });
    const out = await this.opts.cloudwatch.send(
      new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end }),
    );
    const series = new Map<string, Map<number, number>>();
    for (const r of out.MetricDataResults ?? []) {
      const key = keys[Number(r.Id?.slice(1))];
      if (key === undefined) continue;
      const points = new Map<number, number>();
      (r.Timestamps ?? []).forEach((ts, i) => {
        const v = r.Values?.[i];
        if (v !== undefined && v !== null) points.set(ts.getTime(), v);
      });
      series.set(key, points);
    }
    return series;
  }

  private async transition(
    name: string,
    result: AlarmEvaluation,
    at: Date,
    message: (t: AlarmTransition) => Record<string, unknown>,
    composite: boolean,
  ): Promise<void> {
    const tracked = this.tracked.get(name)!;
    if (result.state === tracked.state) return;
    const oldState = tracked.state;
    tracked.state = result.state;
    tracked.since = at;
    await this.opts.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: result.state,
        StateReason: result.reason.slice(0, 1023),
        StateReasonData: JSON.stringify({ version: '1.0', recentDatapoints: result.recentDatapoints }),
      }),
    );
    this.opts.record({
      at: at.getTime(),
      type: 'alarm-state',
      region: this.opts.region,
      alarm: name,
      state: result.state,
      composite,
    });
    if (!tracked.actionsEnabled) return;
    const topics =
      result.state === 'ALARM'
        ? tracked.actions.alarm
        : result.state === 'OK'
          ? tracked.actions.ok
          : tracked.actions.insufficientData;
    const transition: AlarmTransition = {
      region: this.opts.region,
      accountId: this.opts.accountId,
      alarmArn: tracked.arn,
      oldState,
      newState: result.state,
      reason: result.reason,
      at,
      actions: tracked.actions,
      configUpdatedAt: tracked.configUpdatedAt,
    };
    for (const topicArn of topics.filter((a) => a.startsWith('arn:aws:sns:'))) {
      // moto delivers to HTTP subscribers inside Publish, so the time is taken before the call.
      const publishedAt = Date.now();
      const out = await this.opts.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notificationSubject(result.state, name, this.opts.region),
          Message: JSON.stringify(message(transition)),
        }),
      );
      this.opts.record({
        at: publishedAt,
        type: 'notification-published',
        region: this.opts.region,
        alarm: name,
        messageId: out.MessageId ?? '',
      });
    }
  }
}
