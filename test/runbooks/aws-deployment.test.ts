import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchReplicationLag,
  describeOncallRoute,
  REPLICATION_METRIC_WINDOW_MINUTES,
  SnsOncallRoute,
  SnsSubscriptionsInbox,
} from '../../runbooks/aws-deployment';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:regionflip-oncall';

describe('the on-call route on AWS (SNS ListSubscriptionsByTopic)', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('GIVEN subscriptions over two pages, one pending WHEN read THEN every page is read and the pending one is not confirmed', async () => {
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: undefined })
      .resolves({
        Subscriptions: [{ Protocol: 'email', Endpoint: 'oncall@example.com', SubscriptionArn: `${TOPIC}:a1` }],
        NextToken: 'page-2',
      })
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: 'page-2' })
      .resolves({
        Subscriptions: [
          { Protocol: 'https', Endpoint: 'https://pager.example.com/hook', SubscriptionArn: 'PendingConfirmation' },
        ],
      });

    const route = await new SnsOncallRoute(new SNSClient({}), async () => TOPIC).read();

    expect(route).toEqual({
      topicArn: TOPIC,
      destinations: [
        { protocol: 'email', endpoint: 'oncall@example.com', confirmed: true },
        { protocol: 'https', endpoint: 'https://pager.example.com/hook', confirmed: false },
      ],
    });
    // Each page was answered only for its own token (the mocks above), so both tokens were sent; the SDK's paginator
    // reuses one input object, so the recorded inputs cannot show the first token any more.
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(2);
    expect(describeOncallRoute(route)).toEqual([
      'email: oncall@example.com',
      'https: https://pager.example.com/hook (pending confirmation: receives nothing)',
    ]);
  });

  it('GIVEN only pending subscriptions, or none WHEN described THEN it says nobody is told', async () => {
    expect(
      describeOncallRoute({
        topicArn: TOPIC,
        destinations: [{ protocol: 'email', endpoint: 'a@example.com', confirmed: false }],
      }).at(-1),
    ).toBe(`nobody is told yet: no subscription of ${TOPIC} is confirmed`);
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    const inbox = new SnsSubscriptionsInbox(new SnsOncallRoute(new SNSClient({}), async () => TOPIC));
    expect(await inbox.received()).toEqual({
      where: [`nothing: ${TOPIC} has no subscription, so nobody is told`],
    });
  });

  it('GIVEN SNS refuses the call WHEN read THEN the error reaches the caller (status shows it as unknown)', async () => {
    sns
      .on(ListSubscriptionsByTopicCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AuthorizationError' }));
    await expect(new SnsOncallRoute(new SNSClient({}), async () => TOPIC).read()).rejects.toThrow('not allowed');
  });
});

describe('replication lag on AWS (CloudWatch ReplicationLatency)', () => {
  const cw = mockClient(CloudWatchClient);
  afterEach(() => cw.reset());
  const now = new Date('2026-03-01T03:00:00Z');

  it('GIVEN a datapoint each way WHEN read THEN each source Region is asked for its pair (table, receiving Region) and the newest datapoint is the figure', async () => {
    cw.on(GetMetricDataCommand).callsFake((input) => {
      const dims = input.MetricDataQueries[0].MetricStat.Metric.Dimensions as { Name: string; Value: string }[];
      const receiving = dims.find((d) => d.Name === 'ReceivingRegion')!.Value;
      return {
        MetricDataResults: [
          {
            Id: 'lag',
            Values: receiving === 'us-west-2' ? [1250, 900] : [35],
            Timestamps:
              receiving === 'us-west-2'
                ? [new Date('2026-03-01T02:58:00Z'), new Date('2026-03-01T02:57:00Z')]
                : [new Date('2026-03-01T02:59:00Z')],
          },
        ],
      };
    });
    const clients = { 'us-east-1': new CloudWatchClient({}), 'us-west-2': new CloudWatchClient({}) };

    const samples = await new CloudWatchReplicationLag(clients, 'regionflip-data', ['us-east-1', 'us-west-2']).read(
      now,
    );

    expect(samples).toEqual([
      { sourceRegion: 'us-east-1', receivingRegion: 'us-west-2', lagMs: 1250, at: '2026-03-01T02:58:00.000Z' },
      { sourceRegion: 'us-west-2', receivingRegion: 'us-east-1', lagMs: 35, at: '2026-03-01T02:59:00.000Z' },
    ]);
    const inputs = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(2);
    for (const input of inputs) {
      expect(input).toMatchObject({
        EndTime: now,
        StartTime: new Date(now.getTime() - REPLICATION_METRIC_WINDOW_MINUTES * 60_000),
        ScanBy: 'TimestampDescending',
      });
      expect(input.MetricDataQueries![0]!.MetricStat).toMatchObject({
        Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ReplicationLatency' },
        Period: 60,
        Stat: 'Maximum',
      });
    }
    expect(inputs.map((i) => i.MetricDataQueries![0]!.MetricStat!.Metric!.Dimensions)).toEqual([
      [
        { Name: 'TableName', Value: 'regionflip-data' },
        { Name: 'ReceivingRegion', Value: 'us-west-2' },
      ],
      [
        { Name: 'TableName', Value: 'regionflip-data' },
        { Name: 'ReceivingRegion', Value: 'us-east-1' },
      ],
    ]);
  });

  it('GIVEN no datapoint in the window WHEN read THEN there is no figure and the sample says why', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [], Timestamps: [] }] });
    const clients = { 'us-east-1': new CloudWatchClient({}), 'us-west-2': new CloudWatchClient({}) };

    const samples = await new CloudWatchReplicationLag(clients, 't', ['us-east-1', 'us-west-2']).read(now);

    expect(samples.map((s) => [s.lagMs, s.detail])).toEqual([
      [undefined, expect.stringContaining('no ReplicationLatency datapoint in the last 15 min')],
      [undefined, expect.stringContaining('no ReplicationLatency datapoint in the last 15 min')],
    ]);
  });
});
