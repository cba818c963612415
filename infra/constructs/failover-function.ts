import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaFunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FAILOVER_METRIC, namesFor, routingRecordNames } from '../../failover/config/names';
import { runtimeSettingsFromConfig, toEnvironment } from '../../failover/config/runtime-settings';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { FAILOVER_LAMBDA_BUNDLING, FAILOVER_LAMBDA_ENTRY } from '../../failover/handler/bundling';
import { acknowledge } from '../nag';
import { allowAlarmsToPublish } from './region-detection';

const PROJECT_ROOT = resolve(__dirname, '../..');
/** The Lambda entry point (failover/handler); `*.lambda.ts` marks Lambda entries in this project. */
export const FAILOVER_ENTRY = resolve(PROJECT_ROOT, FAILOVER_LAMBDA_ENTRY);
/** Namespace and dimension of the metrics the handler emits (Powertools, embedded metric format). */
export const FAILOVER_METRICS_NAMESPACE = 'RegionFlip';
export const failoverMetricsService = (app: string) => `${app}-failover`;
/**
 * Reserved concurrency of the failover Lambda. Reserved, so other functions in the account cannot use up its concurrency
 * during an incident; a bound, so a runaway cannot flood Route 53 (10 requests/s per account). 10: a reconcile run
 * (every minute) may last up to the 5-minute timeout while it waits on the lease, so up to 5 overlap, and 5 more are
 * left for alarm deliveries from both Regions' topics (only the lease holder switches; the rest wait or acknowledge).
 * A delivery past the bound is throttled and retried by Lambda's async queue (up to maxEventAge), not lost.
 */
export const FAILOVER_RESERVED_CONCURRENCY = 10;

export interface FailoverFunctionProps {
  readonly config: RegionFlipConfig;
  readonly hostedZoneId: string;
  /** Encrypts the on-call topic; CloudWatch may use it, so alarms about the failover path can page too. */
  readonly topicKey: IKey;
}

/**
 * The failover Lambda of one Region, with what it needs and nothing more:
 * - its environment from the one configuration (failover/config/runtime-settings.ts);
 * - Route 53: change only the zone's routing records (UPSERT of CNAMEs, by name), list records, follow changes;
 * - CloudWatch: read alarms (both Regions' health); DynamoDB: the control table replica holding the lease;
 * - SNS: publish to this Region's on-call topic;
 * - failed asynchronous invocations (after Lambda's retries) land in a queue; errors and that queue page on-call.
 */
export class FailoverFunction extends Construct {
  readonly function: NodejsFunction;
  readonly oncallTopic: Topic;
  readonly failedInvocations: Queue;
  readonly operationalAlarms: readonly Alarm[];
  readonly reconcileRule: Rule;

  constructor(scope: Construct, id: string, props: FailoverFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const names = namesFor(config);
    if (!existsSync(FAILOVER_ENTRY)) {
      throw new Error(
        `the failover Lambda entry ${FAILOVER_ENTRY} does not exist: it is built from failover/handler; restore that file`,
      );
    }

    this.oncallTopic = new Topic(this, 'OncallTopic', {
      topicName: names.oncallTopic,
      displayName: `${config.app} on-call (${stack.region})`,
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    allowAlarmsToPublish(this.oncallTopic, `${config.app}.ops.*`);
    // Monitoring alarms (names.monitorAlarm) notify on-call; they never reach the alarm topic.
    allowAlarmsToPublish(this.oncallTopic, names.monitorAlarm(stack.region, '*'));

    this.failedInvocations = new Queue(this, 'FailedInvocations', {
      queueName: `${names.failoverFunction}-failed`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.failedInvocations,
      "This queue is the failover Lambda's on-failure destination: a dead-letter queue itself.",
      'AwsSolutions-SQS3',
    );

    const settings = runtimeSettingsFromConfig(config, {
      hostedZoneId: props.hostedZoneId,
      oncallTopicArn: this.oncallTopic.topicArn,
    });

    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS });
    this.function = new NodejsFunction(this, 'Function', {
      functionName: names.failoverFunction,
      description: 'RegionFlip: moves tenant traffic to the healthy Region when a Region-unhealthy alarm fires',
      entry: FAILOVER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      // A switch waits for Route 53 INSYNC and may wait for another holder's lease (handler: 60 s).
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: FAILOVER_RESERVED_CONCURRENCY,
      logGroup,
      environment: {
        ...toEnvironment(settings),
        POWERTOOLS_SERVICE_NAME: failoverMetricsService(config.app),
        POWERTOOLS_METRICS_NAMESPACE: FAILOVER_METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.failedInvocations),
      bundling: {
        // Local esbuild only: synth must never need Docker.
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        // The same options as the bundle-size benchmark (failover/handler/bundling.ts explains them).
        target: FAILOVER_LAMBDA_BUNDLING.target,
        minify: FAILOVER_LAMBDA_BUNDLING.minify,
        mainFields: [...FAILOVER_LAMBDA_BUNDLING.mainFields],
        externalModules: [...FAILOVER_LAMBDA_BUNDLING.externalModules],
        sourceMap: true,
      },
    });

    const zoneArn = `arn:${stack.partition}:route53:::hostedzone/${props.hostedZoneId}`;
    this.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'ChangeOnlyRoutingRecords',
        effect: Effect.ALLOW,
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zoneArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': routingRecordNames(config),
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
          },
        },
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadZoneRecords',
        effect: Effect.ALLOW,
        actions: ['route53:ListResourceRecordSets'],
        resources: [zoneArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'FollowChanges',
        effect: Effect.ALLOW,
        actions: ['route53:GetChange'],
        resources: [`arn:${stack.partition}:route53:::change/*`],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadAlarms',
        effect: Effect.ALLOW,
        actions: ['cloudwatch:DescribeAlarms'],
        resources: ['*'],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'UseControlTable',
        effect: Effect.ALLOW,
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [
          stack.formatArn({
            service: 'dynamodb',
            region: settings.controlRegion,
            resource: 'table',
            resourceName: settings.controlTable,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    this.oncallTopic.grantPublish(this.function);
    acknowledge(
      this.function,
      'AWSLambdaBasicExecutionRole only lets the function write its own logs.',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    );
    acknowledge(
      this.function,
      'cloudwatch:DescribeAlarms must be granted on "*" to return composite alarms (the Region-health alarm is one).',
      'AwsSolutions-IAM5[Resource::*]',
    );
    acknowledge(
      this.function,
      'route53:GetChange: change ids exist only once the switch has made a change.',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
    );
    acknowledge(
      this.function,
      "kms:GenerateDataKey* on the on-call topic's key only (grantPublish): SNS needs a data key per message.",
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    );
    acknowledge(
      this.function,
      'Node.js 22 is the runtime this project targets and tests (the bundle targets node22).',
      'AwsSolutions-L1',
    );

    const page = new SnsAction(this.oncallTopic);
    // Named "<app>.ops.…", outside the "<app>-" prefix: the failover Lambda must not read them as Region health.
    const errors = new Alarm(this, 'ErrorsAlarm', {
      alarmName: `${config.app}.ops.${stack.region}.failover-errors`,
      alarmDescription: `The failover Lambda in ${stack.region} failed; check its logs and the failed-invocations queue.`,
      metric: this.function.metricErrors({ period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const failed = new Alarm(this, 'FailedInvocationsAlarm', {
      alarmName: `${config.app}.ops.${stack.region}.failover-failed-invocations`,
      alarmDescription: `Alarm notifications the failover Lambda in ${stack.region} gave up on: handle them by runbook.`,
      metric: this.failedInvocations.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // The failures the Lambda counts itself (FAILOVER_METRIC): each one is something nobody would otherwise see.
    const own = (
      [
        [
          'rejectedMessages',
          'a notification could not be acted on (malformed, wrong account or topic): it was acknowledged, never retried; read the logs',
        ],
        ['notifyFailures', 'telling on-call failed (the switch or page itself stands): read the audit trail'],
        ['auditFailures', 'writing the audit trail failed after the fact (the switch itself stands)'],
        [
          'unconvergedRouting',
          'routing records split or disagreeing with the control table and not converged: it paged; run `status`',
        ],
      ] as const
    ).map(([key, why]) => {
      const metricName = FAILOVER_METRIC[key];
      return new Alarm(this, `${metricName}Alarm`, {
        alarmName: names.opsAlarm(stack.region, `failover-${metricName}`),
        alarmDescription: `The failover Lambda in ${stack.region}: ${why}.`,
        metric: new Metric({
          namespace: FAILOVER_METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { service: failoverMetricsService(config.app) },
          statistic: 'Sum',
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // Emitted only when it happens: no data is no failure.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    });
    for (const alarm of [errors, failed, ...own]) alarm.addAlarmAction(page);
    this.operationalAlarms = [errors, failed, ...own];

    // Reconcile every minute in both Regions: the handler treats the standard scheduled event as "reconcile now".
    this.reconcileRule = new Rule(this, 'ReconcileSchedule', {
      description: `${config.app}: invokes the failover Lambda in ${stack.region} every minute to reconcile routing`,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunctionTarget(this.function, { retryAttempts: 0 })],
    });
  }
}
