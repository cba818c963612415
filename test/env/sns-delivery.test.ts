import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { SnsLambdaDelivery } from '../../chaos/env/sns-delivery';
import type { EnvEvent } from '../../chaos/env/types';
import { clientConfig } from '../../failover/aws/clients';
import { motoTarget, uniqueName } from '../support/moto';

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

describe('SNS → Lambda delivery at least once (duplicates injected)', () => {
  const sns = new SNSClient(clientConfig('us-east-1', motoTarget()));
  afterAll(() => sns.destroy());

  it('GIVEN 2 duplicate copies WHEN one notification is published through moto THEN the handler runs 3 times with the same MessageId', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('dup') }));
    const invocations: SNSEvent[] = [];
    const events: EnvEvent[] = [];
    const delivery = new SnsLambdaDelivery({
      handler: async (event) => {
        invocations.push(event);
        return { ok: true };
      },
      retryDelaysMs: [10, 10],
      duplicates: { copies: 2, delayMs: 20 },
      record: (e) => events.push(e),
    });
    await delivery.start();
    try {
      await delivery.subscribe(sns, TopicArn!);
      const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: '{"n":1}' }));
      await until('three invocations', () => invocations.length === 3);
      expect(invocations.map((e) => e.Records[0]!.Sns.MessageId)).toEqual([MessageId, MessageId, MessageId]);
      expect(invocations.map((e) => e.Records[0]!.Sns.Message)).toEqual(['{"n":1}', '{"n":1}', '{"n":1}']);
      const delivered = events.filter((e) => e.type === 'notification-delivered');
      expect(delivered).toHaveLength(3);
    } finally {
      await delivery.stop();
    }
  });

  it('GIVEN no duplicates configured WHEN a notification is published THEN the handler runs once', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('once') }));
    const invocations: SNSEvent[] = [];
    const delivery = new SnsLambdaDelivery({
      handler: async (event) => {
        invocations.push(event);
      },
      retryDelaysMs: [],
      record: () => undefined,
    });
    await delivery.start();
    try {
      await delivery.subscribe(sns, TopicArn!);
      await sns.send(new PublishCommand({ TopicArn, Message: 'x' }));
      await until('one invocation', () => invocations.length === 1);
      // A second publish is delivered too: the first was not followed by a copy in between.
      await sns.send(new PublishCommand({ TopicArn, Message: 'y' }));
      await until('two invocations', () => invocations.length === 2);
      expect(invocations.map((e) => e.Records[0]!.Sns.Message)).toEqual(['x', 'y']);
    } finally {
      await delivery.stop();
    }
  });

  it('GIVEN a duplicate copy and a retry still waiting WHEN the delivery stops THEN stop() returns and neither runs', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('stop') }));
    const invocations: SNSEvent[] = [];
    const delivery = new SnsLambdaDelivery({
      handler: async (event) => {
        invocations.push(event);
        throw new Error('fails, so a retry is scheduled');
      },
      retryDelaysMs: [60_000],
      duplicates: { copies: 1, delayMs: 60_000 },
      record: () => undefined,
    });
    await delivery.start();
    await delivery.subscribe(sns, TopicArn!);
    await sns.send(new PublishCommand({ TopicArn, Message: 'x' }));
    await until('the first invocation', () => invocations.length === 1);
    // Before the fix the cleared timers' sleeps never resolved, and stop() waited for them forever.
    const outcome = await Promise.race([
      delivery.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5_000).unref()),
    ]);
    expect(outcome).toBe('stopped');
    expect(invocations).toHaveLength(1);
  });

  it.each([[{ copies: -1, delayMs: 0 }], [{ copies: 1.5, delayMs: 0 }], [{ copies: 1, delayMs: Number.NaN }]])(
    'GIVEN duplicates %p WHEN the delivery is built THEN the error names the value and the fix',
    (duplicates) => {
      expect(
        () =>
          new SnsLambdaDelivery({ handler: async () => undefined, retryDelaysMs: [], duplicates, record: () => {} }),
      ).toThrow(/SNS duplicates .*copies must be a whole number ≥ 0 and delayMs a number ≥ 0/);
    },
  );
});
