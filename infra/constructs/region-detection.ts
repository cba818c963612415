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
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { namesFor } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import {
  type AlarmQuery,
  type MetricAlarmDefinition,
  type MetricRef,
  type RegionAlarms,
  regionAlarms,
} from '../alarms/definitions';

export interface RegionDetectionProps {
  readonly config: RegionFlipConfig;
  /** The shared load balancer (`app/<name>/<id>`) whose metrics tenants feel. */
  readonly loadBalancerFullName: string;
  /** Every target group behind it: unhealthy targets in any of them count. */
  readonly targetGroupFullNames: readonly string[];
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
 * The alarm's metric. The definitions (infra/alarms/definitions.ts) watch one target group; in AWS the shared load
 * balancer has one per pooled and advanced service, so unhealthy targets become the maximum over all of them — a
 * Metrics Insights query, because a metric math alarm may name at most 10 metrics and the advanced tier grows.
 * 5xx counts are only published when non-zero, hence FILL(…, 0) so a healthy period reads 0 % rather than missing.
 */
function toAlarmMetric(query: AlarmQuery, period: Duration, targetGroups: readonly string[]): IMetric {
  if (query.kind === 'percent') {
    const numerators = Object.fromEntries(query.numerators.map((m, i) => [`n${i}`, toMetric(m, period)]));
    const sum = Object.keys(numerators)
      .map((k) => `FILL(${k}, 0)`)
      .join(' + ');
    return new MathExpression({
      expression: `100 * (${sum}) / d`,
      usingMetrics: { ...numerators, d: toMetric(query.denominator, period) },
      period,
      label: 'percent',
    });
  }
  const { metric } = query;
  const loadBalancer = metric.dimensions.LoadBalancer;
  if (metric.dimensions.TargetGroup === undefined || targetGroups.length <= 1 || loadBalancer === undefined) {
    return toMetric(metric, period);
  }
  const aggregate = { Maximum: 'MAX', Sum: 'SUM', Average: 'AVG', p99: undefined }[metric.stat];
  if (aggregate === undefined) throw new Error(`no Metrics Insights aggregate for statistic "${metric.stat}"`);
  return new MathExpression({
    expression:
      `SELECT ${aggregate}(${metric.metricName}) FROM SCHEMA("${metric.namespace}", LoadBalancer, TargetGroup) ` +
      `WHERE LoadBalancer = '${loadBalancer}'`,
    usingMetrics: {},
    period,
    label: metric.metricName,
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
  readonly composite: CompositeAlarm;

  constructor(scope: Construct, id: string, props: RegionDetectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = namesFor(props.config);
    this.definitions = regionAlarms(props.config, stack.region, {
      loadBalancerFullName: props.loadBalancerFullName,
      targetGroupFullName: props.targetGroupFullNames[0]!,
    });

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

    this.alarms = this.definitions.metricAlarms.map((def) => {
      const period = Duration.seconds(def.periodSeconds);
      return new Alarm(this, def.kind, {
        alarmName: def.name,
        alarmDescription: def.description,
        metric: toAlarmMetric(def.query, period, props.targetGroupFullNames),
        threshold: def.threshold,
        comparisonOperator: COMPARISON[def.comparison],
        evaluationPeriods: def.evaluationPeriods,
        datapointsToAlarm: def.datapointsToAlarm,
        treatMissingData: TREAT_MISSING[def.treatMissingData],
      });
    });

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
