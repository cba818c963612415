import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier, snsSubject } from '../../failover/notify/sns-notifier';

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('GIVEN a long subject with an arrow and a line break WHEN published THEN SNS gets one ASCII line of at most 100 characters', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const subject = `RegionFlip switched tenants ${'premium-tenant, '.repeat(10)}→ us-west-2\nsecond line`;
    await new SnsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:123456789012:oncall').notify(subject, {
      epoch: 3,
    });

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:oncall');
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
    expect(input.Subject).toMatch(/^[\x20-\x7e]+\.\.\.$/);
    expect(JSON.parse(input.Message!)).toEqual({ subject, epoch: 3 });
  });

  it('GIVEN a short subject WHEN cleaned THEN it is kept, with the arrow spelled in ASCII', () => {
    expect(snsSubject('RegionFlip switched all tenants → us-west-2')).toBe(
      'RegionFlip switched all tenants -> us-west-2',
    );
  });
});
