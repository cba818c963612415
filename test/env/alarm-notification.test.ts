import { compositeAlarmMessage, metricAlarmMessage, notificationSubject } from '../../chaos/env/alarm-notification';
import { lambdaEventOf } from '../../chaos/env/sns-delivery';
import { parseConfig } from '../../failover/config/load';
import { parseSnsEvent } from '../../failover/handler/parse';
import { regionAlarms } from '../../infra/alarms/definitions';

const config = parseConfig('tenants: [{ id: acme, tier: premium }]');
const alarms = regionAlarms(config, 'us-west-2', {
  loadBalancerFullName: 'app/regionflip-shared/us-west-2',
  targetGroupFullNames: ['targetgroup/regionflip-shared/us-west-2'],
});
const transition = {
  region: 'us-west-2',
  accountId: '123456789012',
  alarmArn: `arn:aws:cloudwatch:us-west-2:123456789012:alarm:${alarms.composite.name}`,
  oldState: 'OK' as const,
  newState: 'ALARM' as const,
  reason: 'The alarm rule is TRUE: x in ALARM.',
  at: new Date('2026-03-01T03:00:12.345Z'),
  actions: { ok: [], alarm: ['arn:aws:sns:us-west-2:123456789012:regionflip-region-alarms'], insufficientData: [] },
  configUpdatedAt: new Date('2026-03-01T02:00:00Z'),
};
const httpNotification = (message: Record<string, unknown>, subject: string) => ({
  Type: 'Notification',
  MessageId: 'm-1',
  TopicArn: 'arn:aws:sns:us-west-2:123456789012:regionflip-region-alarms',
  Subject: subject,
  Message: JSON.stringify(message),
  Timestamp: '2026-03-01T03:00:12.400Z',
  SignatureVersion: '1',
  Signature: 'c2ln',
  SigningCertURL: 'https://sns.us-west-2.amazonaws.com/cert.pem',
  UnsubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe',
});

describe('CloudWatch alarm notifications and the SNS Lambda event', () => {
  it('GIVEN a composite alarm transition WHEN formatted and wrapped THEN the failover handler parser reads it', () => {
    const message = compositeAlarmMessage(alarms.composite, transition, [
      { arn: 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:x', state: 'ALARM', since: transition.at },
    ]);
    expect(message).toMatchObject({
      AlarmName: alarms.composite.name,
      Region: 'US West (Oregon)',
      StateChangeTime: '2026-03-01T03:00:12.345+0000',
      AlarmRule: alarms.composite.rule,
      TriggeringChildren: [{ Arn: 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:x', State: { Value: 'ALARM' } }],
    });
    const event = lambdaEventOf(
      httpNotification(message, notificationSubject('ALARM', alarms.composite.name, 'us-west-2')),
      'sub-arn',
    );
    expect(event.Records[0]).toMatchObject({ EventSource: 'aws:sns', EventSubscriptionArn: 'sub-arn' });
    expect(event.Records[0]!.Sns).toMatchObject({ SigningCertUrl: 'https://sns.us-west-2.amazonaws.com/cert.pem' });
    const [parsed] = parseSnsEvent(event);
    expect(parsed).toMatchObject({ ok: true });
    expect(JSON.stringify(parsed)).toContain('"region":"us-west-2"');
  });

  it('GIVEN the 5xx-rate metric alarm WHEN formatted THEN Trigger carries the metric math, others the metric', () => {
    const rate = alarms.metricAlarms.find((a) => a.kind === 'alb-5xx-rate')!;
    const latency = alarms.metricAlarms.find((a) => a.kind === 'p99-latency')!;
    const rateTrigger = metricAlarmMessage(rate, transition).Trigger as { Metrics: { Expression?: string }[] };
    expect(rateTrigger.Metrics.at(-1)?.Expression).toBe('IF(m2 >= 50, 100 * (FILL(m0, 0) + FILL(m1, 0)) / m2, 0)');
    expect(metricAlarmMessage(latency, transition).Trigger).toMatchObject({
      MetricName: 'TargetResponseTime',
      StatisticType: 'ExtendedStatistic',
      Statistic: 'p99',
      Dimensions: [{ name: 'LoadBalancer', value: 'app/regionflip-shared/us-west-2' }],
    });
  });

  it('GIVEN a long alarm name WHEN the subject is built THEN it is cut to 100 characters', () => {
    expect(notificationSubject('ALARM', 'a'.repeat(200), 'us-east-1')).toHaveLength(100);
    expect(notificationSubject('OK', 'n', 'us-east-1')).toBe('OK: "n" in US East (N. Virginia)');
  });
});
