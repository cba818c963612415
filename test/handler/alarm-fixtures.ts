import { randomUUID } from 'node:crypto';
import type { RuntimeSettings } from '../../failover/config/runtime-settings';
import { policySchema } from '../../failover/config/schema';

/**
 * CloudWatch alarm notifications as SNS delivers them to Lambda. The shapes follow AWS's published examples: the
 * Lambda SNS sample event (docs.aws.amazon.com/lambda/latest/dg/with-sns.html), the CloudWatch alarm notification
 * used in aws-lambda-go's test data (events/testdata/cloudwatch-alarm-sns-payload-single-metric.json), and the
 * composite alarm notification (AlarmRule + TriggeringChildren instead of Trigger).
 */

/** A metric alarm notification (Trigger), from us-east-1; `Region` is the display name CloudWatch writes. */
export function metricAlarmMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: 'regionflip-us-east-1-alb-5xx-rate',
    AlarmDescription: 'HTTP 5xx rate of the shared load balancer in us-east-1',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-03-01T02:00:00.000+0000',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 2 out of the last 3 datapoints [12.5 (01/03/26 02:58:00), 9.1 (01/03/26 02:57:00)] were ' +
      'greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).',
    StateChangeTime: '2026-03-01T03:00:12.345+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:regionflip-us-east-1-alb-5xx-rate',
    OldStateValue: 'OK',
    OKActions: [],
    AlarmActions: ['arn:aws:sns:us-east-1:123456789012:regionflip-region-alarms'],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Namespace: 'AWS/ApplicationELB',
      StatisticType: 'Statistic',
      Statistic: 'SUM',
      Unit: null,
      Dimensions: [{ value: 'app/regionflip-shared/50dc6c495c0c9188', name: 'LoadBalancer' }],
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5.0,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
    ...overrides,
  };
}

/** A composite alarm notification (AlarmRule, TriggeringChildren): the Region's "unhealthy" verdict. */
export function compositeAlarmMessage(
  region = 'us-east-1',
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const name = `regionflip-${region}-region-unhealthy`;
  return {
    AlarmName: name,
    AlarmDescription: `${region} is unhealthy: fail over`,
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-03-01T02:00:00.000+0000',
    NewStateValue: 'ALARM',
    NewStateReason: `arn:aws:cloudwatch:${region}:123456789012:alarm:regionflip-${region}-alb-5xx-rate transitioned to ALARM at Sunday 01 March, 2026 03:00:12 UTC`,
    StateChangeTime: '2026-03-01T03:00:13.001+0000',
    Region: region === 'us-west-2' ? 'US West (Oregon)' : 'US East (N. Virginia)',
    AlarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:${name}`,
    OldStateValue: 'OK',
    OKActions: [],
    AlarmActions: [`arn:aws:sns:${region}:123456789012:regionflip-region-alarms`],
    InsufficientDataActions: [],
    AlarmRule: `ALARM("regionflip-${region}-alb-5xx-rate") OR ALARM("regionflip-${region}-unhealthy-targets")`,
    TriggeringChildren: [
      {
        Arn: `arn:aws:cloudwatch:${region}:123456789012:alarm:regionflip-${region}-alb-5xx-rate`,
        State: { Value: 'ALARM', Timestamp: '2026-03-01T03:00:12.345+0000' },
      },
    ],
    ...overrides,
  };
}

/** The SNS → Lambda event carrying one message (the Lambda SNS sample event's shape). */
export function snsEvent(
  message: Record<string, unknown> | string,
  messageId: string = randomUUID(),
  topicArn = 'arn:aws:sns:us-east-1:123456789012:regionflip-region-alarms',
) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: 'ALARM: "regionflip-us-east-1-region-unhealthy" in US East (N. Virginia)',
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: '2026-03-01T03:00:13.100Z',
          SignatureVersion: '1',
          Signature: 'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** The failover Lambda's settings for handler tests (the sample deployment); override what a test is about. */
export function handlerSettings(overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  return {
    app: 'regionflip',
    regions: { primary: 'us-east-1', secondary: 'us-west-2' },
    hostedZoneId: 'Z123',
    zoneName: 'tenants.example.com',
    ttlSeconds: 60,
    controlTable: 'regionflip-control',
    controlRegion: 'us-east-1',
    oncallTopicArn: 'arn:aws:sns:us-east-1:123456789012:regionflip-oncall',
    policy: policySchema.parse({}),
    ...overrides,
  };
}
