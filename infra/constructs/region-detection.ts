import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  ComparisonOperator,
  CompositeAlarm,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { namesFor } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import {
  type AlarmQuery,
  advancedTenantAlarm,
  type CompositeAlarmDefinition,
  type LoadBalancerRef,
  type MetricAlarmDefinition,
  type MetricRef,
  metricMathOf,
  type RegionAlarms,
  regionAlarms,
  type ShardLoadBalancerRef,
  tenantAlarms,
} from '../alarms/definitions';

export interface RegionDetectionProps {
  readonly config: RegionFlipConfig;
  /** The shared load balancer (`app/<name>/<id>`) whose metrics tenants feel. */
  readonly loadBalancerFullName: string;
  /** The pooled unit's target groups (at most 5): the lowest healthy share among them is a failover trigger. */
  readonly targetGroupFullNames: readonly string[];
  /** The Region's further shared load balancers (`shared-2`, …), each watched by children of the composite. */
  readonly extraShards?: readonly ShardLoadBalancerRef[];
}

const TREAT_MISSING: Record<MetricAlarmDefinition['treatMissingData'], TreatMissingData> = {
  breaching: TreatMissingData.BREACHING,
  notBreaching: TreatMissingData.NOT_BREACHING,
  ignore: TreatMissingData.IGNORE,
  missing: TreatMissingData.MISSING,
};

const COMPARISON: Record<MetricAlarmDefinition['comparison'], ComparisonOperator> = {
  GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LessThanThreshold: ComparisonOperator.LESS_THAN_THRESHOLD,
};

function toMetric(ref: MetricRef, period: Duration): Metric {
  return new Metric({
    namespace: ref.namespace,
    metricName: ref.metricName,
    dimensionsMap: { ...ref.dimensions },
    statistic: ref.stat,
    period,
  });
}

/**
 * The alarm's metric, from the same metric math the local environment provisions (infra/alarms/definitions.ts
 * `metricMathOf`): the guarded 5xx rate, the lowest healthy share over target groups, the best probed tier.
 */
export function toAlarmMetric(query: AlarmQuery, period: Duration): IMetric {
  const math = metricMathOf(query);
  if (!math) {
    if (query.kind !== 'metric') throw new Error(`query kind "${query.kind}" needs metric math`);
    return toMetric(query.metric, period);
  }
  const using: Record<string, IMetric> = Object.fromEntries(
    math.metrics.map((m) => [m.id, toMetric(m.metric, period)]),
  );
  for (const e of math.expressions) {
    const inner = Object.fromEntries(
      math.metrics.filter((m) => new RegExp(`\\b${m.id}\\b`).test(e.expression)).map((m) => [m.id, using[m.id]!]),
    );
    using[e.id] = new MathExpression({ expression: e.expression, usingMetrics: inner, period, label: e.id });
  }
  const top = Object.fromEntries(
    Object.entries(using).filter(([id]) => new RegExp(`\\b${id}\\b`).test(math.result.expression)),
  );
  return new MathExpression({ expression: math.result.expression, usingMetrics: top, period, label: 'value' });
}

/** A CloudWatch alarm exactly as defined (name, description, query, threshold, M of N, missing data). */
export function newAlarm(scope: Construct, id: string, def: MetricAlarmDefinition): Alarm {
  const period = Duration.seconds(def.periodSeconds);
  return new Alarm(scope, id, {
    alarmName: def.name,
    alarmDescription: def.description,
    metric: toAlarmMetric(def.query, period),
    threshold: def.threshold,
    comparisonOperator: COMPARISON[def.comparison],
    evaluationPeriods: def.evaluationPeriods,
    datapointsToAlarm: def.datapointsToAlarm,
    treatMissingData: TREAT_MISSING[def.treatMissingData],
  });
}

/** Lets this Region's CloudWatch alarms whose names match the pattern publish to the topic (and nothing else). */
export function allowAlarmsToPublish(topic: Topic, alarmNamePattern: string): void {
  const stack = Stack.of(topic);
  topic.addToResourcePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: alarmNamePattern,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

/**
 * Detection for one Region: the component alarms of infra/alarms/definitions.ts, the composite "Region unhealthy" alarm
 * over them, and the alarm topic its ALARM and OK actions publish to (the failover Lambdas of both Regions subscribe).
 * The topic is encrypted with a customer managed key because CloudWatch cannot publish to a topic under the AWS managed
 * SNS key.
 */
export class RegionDetection extends Construct {
  readonly definitions: RegionAlarms;
  readonly topic: Topic;
  /** Encrypts the Region's topics; CloudWatch may use it (it cannot use the AWS managed SNS key). */
  readonly topicKey: Key;
  readonly alarms: readonly Alarm[];
  readonly monitorAlarms: readonly Alarm[];
  readonly composite: CompositeAlarm;

  constructor(scope: Construct, id: string, props: RegionDetectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = namesFor(props.config);
    this.definitions = regionAlarms(
      props.config,
      stack.region,
      { loadBalancerFullName: props.loadBalancerFullName, targetGroupFullNames: props.targetGroupFullNames },
      props.extraShards,
    );

    const key = new Key(this, 'TopicKey', {
      description: `${props.config.app}: encrypts the alarm and on-call topics of ${stack.region}`,
      enableKeyRotation: true,
    });
    this.topicKey = key;
    key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: names.alarmTopic,
      displayName: `${props.config.app} Region health alarms (${stack.region})`,
      masterKey: key,
      enforceSSL: true,
    });
    allowAlarmsToPublish(this.topic, `${names.alarmPrefix}*`);

    this.alarms = this.definitions.metricAlarms.map((def) =>
      newAlarm(this, def.shard ? `${def.shard}-${def.kind}` : def.kind, def),
    );
    // Monitoring only: the Region stack adds the on-call topic as their action; never the alarm topic.
    this.monitorAlarms = this.definitions.monitorAlarms.map((def) => newAlarm(this, `monitor-${def.kind}`, def));

    const { composite } = this.definitions;
    this.composite = new CompositeAlarm(this, 'RegionUnhealthy', {
      compositeAlarmName: composite.name,
      alarmDescription: composite.description,
      // The rule names the children exactly as the local environment evaluates it.
      alarmRule: AlarmRule.fromString(composite.rule),
    });
    for (const alarm of this.alarms) this.composite.node.addDependency(alarm);
    // OK transitions too: the Lambda records recovery (a no-op for routing; failback stays a runbook step).
    this.composite.addAlarmAction(new SnsAction(this.topic));
    this.composite.addOkAction(new SnsAction(this.topic));
  }
}

/** A composite alarm exactly as defined, created after its children, whose ALARM and OK actions publish to the topic. */
export function newComposite(
  scope: Construct,
  id: string,
  def: CompositeAlarmDefinition,
  children: readonly Alarm[],
  topic: ITopic,
): CompositeAlarm {
  const composite = new CompositeAlarm(scope, id, {
    compositeAlarmName: def.name,
    alarmDescription: def.description,
    alarmRule: AlarmRule.fromString(def.rule),
  });
  for (const alarm of children) composite.node.addDependency(alarm);
  composite.addAlarmAction(new SnsAction(topic));
  composite.addOkAction(new SnsAction(topic));
  return composite;
}

export interface TenantDetectionProps {
  readonly config: RegionFlipConfig;
  readonly tenantId: string;
  /** The premium tenant's own load balancer and its target groups (at most 5). */
  readonly loadBalancer: LoadBalancerRef;
  /** The Region's alarm topic: the tenant composite publishes there; its description and name say which tenant. */
  readonly topic: ITopic;
}

/**
 * A premium tenant's silo watched on its own: the three harm signals on its load balancer and the composite
 * names.tenantAlarm(region, tenantId) publishing to the alarm topic (the cell scope; the decision is a later issue).
 */
export class TenantDetection extends Construct {
  readonly alarms: readonly Alarm[];
  readonly composite: CompositeAlarm;

  constructor(scope: Construct, id: string, props: TenantDetectionProps) {
    super(scope, id);
    const defs = tenantAlarms(props.config, Stack.of(this).region, props.tenantId, props.loadBalancer);
    this.alarms = defs.metricAlarms.map((def) => newAlarm(this, def.kind, def));
    this.composite = newComposite(this, 'TenantUnhealthy', defs.composite, this.alarms, props.topic);
  }
}

export interface AdvancedTenantDetectionProps {
  readonly config: RegionFlipConfig;
  readonly tenantId: string;
  /** The label of the tenant's shard (`shared`, `shared-2`, …). */
  readonly shard: string;
  /** The shard's load balancer and the tenant's own target groups (at most 5). */
  readonly loadBalancer: LoadBalancerRef;
  /** The Region's alarm topic: the alarm publishes there itself (it is no child of the composite). */
  readonly topic: ITopic;
}

/**
 * An advanced tenant's target groups watched from its own stack: the healthy-hosts alarm of
 * infra/alarms/definitions.ts `advancedTenantAlarm`, whose ALARM and OK publish to the Region's alarm topic.
 */
export class AdvancedTenantDetection extends Construct {
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: AdvancedTenantDetectionProps) {
    super(scope, id);
    const def = advancedTenantAlarm(
      props.config,
      Stack.of(this).region,
      props.tenantId,
      props.shard,
      props.loadBalancer,
    );
    this.alarm = newAlarm(this, def.kind, def);
    this.alarm.addAlarmAction(new SnsAction(props.topic));
    this.alarm.addOkAction(new SnsAction(props.topic));
  }
}
