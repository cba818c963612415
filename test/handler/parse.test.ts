import { parseAlarmMessage, parseSnsEvent } from '../../failover/handler/parse';
import { compositeAlarmMessage, metricAlarmMessage, snsEvent } from './alarm-fixtures';

function rejection(event: unknown): string {
  const [result] = parseSnsEvent(event);
  if (!result || result.ok) throw new Error('expected a rejection');
  return result.reason;
}

describe('parseSnsEvent', () => {
  it('GIVEN a metric alarm notification WHEN parsed THEN the Region comes from the AlarmArn, not the display name', () => {
    const [result] = parseSnsEvent(snsEvent(metricAlarmMessage(), 'msg-1'));
    expect(result).toEqual({
      ok: true,
      alarm: {
        messageId: 'msg-1',
        alarmName: 'regionflip-us-east-1-alb-5xx-rate',
        alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:regionflip-us-east-1-alb-5xx-rate',
        region: 'us-east-1',
        accountId: '123456789012',
        newState: 'ALARM',
        oldState: 'OK',
        reason: expect.stringContaining('Threshold Crossed'),
        stateChangeTime: new Date('2026-03-01T03:00:12.345Z'),
        topicArn: 'arn:aws:sns:us-east-1:123456789012:regionflip-region-alarms',
        composite: false,
      },
    });
  });

  it('GIVEN a composite alarm notification (AlarmRule) WHEN parsed THEN it is marked composite', () => {
    const [result] = parseSnsEvent(snsEvent(compositeAlarmMessage('us-west-2')));
    expect(result).toMatchObject({
      ok: true,
      alarm: { region: 'us-west-2', composite: true, alarmName: 'regionflip-us-west-2-region-unhealthy' },
    });
  });

  it('GIVEN the 2012-era notification without AlarmArn WHEN parsed THEN it is rejected naming AlarmArn', () => {
    const { AlarmArn: _arn, ...old } = metricAlarmMessage({ Region: 'US - N. Virginia' });
    expect(rejection(snsEvent(old))).toMatch(/Sns\.Message\.AlarmArn: .*got nothing/);
  });

  it('GIVEN the aws-lambda-go sample with placeholder ARN WHEN parsed THEN the reason shows the bad value', () => {
    const message = metricAlarmMessage({
      AlarmName: 'EXAMPLE',
      AlarmArn: 'arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE',
      StateChangeTime: '2015-06-03T17:43:27.123+0000',
    });
    expect(rejection(snsEvent(message))).toContain('"arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"');
  });

  it('GIVEN an ARN whose account differs from AWSAccountId WHEN parsed THEN it is rejected', () => {
    const message = metricAlarmMessage({ AWSAccountId: '210987654321' });
    expect(rejection(snsEvent(message))).toMatch(/AlarmArn: names account 123456789012 but AWSAccountId/);
  });

  it('GIVEN neither Trigger nor AlarmRule WHEN parsed THEN the reason says it is not an alarm state change', () => {
    const { Trigger: _t, ...message } = metricAlarmMessage();
    expect(rejection(snsEvent(message))).toMatch(/neither "Trigger".*nor "AlarmRule"/);
  });

  it('GIVEN an unknown state value WHEN parsed THEN the reason names NewStateValue and the value', () => {
    expect(rejection(snsEvent(metricAlarmMessage({ NewStateValue: 'FIRE' })))).toMatch(
      /Sns\.Message\.NewStateValue: .*\(got "FIRE"\)/,
    );
  });

  it('GIVEN a message that is not JSON WHEN parsed THEN it is rejected as not JSON', () => {
    expect(rejection(snsEvent('Hello from SNS!'))).toMatch(/Sns\.Message is not JSON \(got "Hello from SNS!"\)/);
  });

  it('GIVEN an event that is not from SNS WHEN parsed THEN the reason names the missing field', () => {
    expect(rejection({ detail: {} })).toMatch(/^not an SNS event: Records: /);
    const event = snsEvent(metricAlarmMessage());
    const { MessageId: _id, ...sns } = event.Records[0]!.Sns;
    expect(rejection({ Records: [{ ...event.Records[0], Sns: sns }] })).toMatch(/Records\.0\.Sns\.MessageId/);
  });

  it('GIVEN a bad StateChangeTime WHEN parsed directly THEN the reason names it', () => {
    const result = parseAlarmMessage('m', JSON.stringify(metricAlarmMessage({ StateChangeTime: 'yesterday' })));
    expect(result).toMatchObject({ ok: false, messageId: 'm', reason: expect.stringContaining('StateChangeTime') });
  });
});
