import { Resolver } from 'node:dns/promises';
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { paginateListSubscriptionsByTopic, type SNSClient } from '@aws-sdk/client-sns';
import type {
  NameAnswer,
  OncallDestination,
  OncallInbox,
  OncallReceived,
  OncallRoute,
  OncallRouteReader,
  ReplicationLagReader,
  ReplicationLagSample,
  TenantResolver,
} from './ports';

/**
 * The runbook ports (runbooks/ports.ts) for a deployment on AWS: real DNS, the on-call topic's subscriptions, and
 * CloudWatch's replication latency of the global table.
 */

const MAX_CHAIN = 8;

/**
 * Follows a tenant name's CNAMEs with a resolver of its own (c-ares, no OS cache), up to the Region endpoint
 * `<label>.<region>.<zone>` (an alias A record to the load balancer); HTTP goes to the tenant's own name over HTTPS.
 */
export class DnsTenantResolver implements TenantResolver {
  private readonly resolver = new Resolver();

  constructor(private readonly regions: readonly string[]) {}

  async resolve(name: string): Promise<NameAnswer> {
    const chain = [name.replace(/\.$/, '')];
    for (let i = 0; i < MAX_CHAIN; i++) {
      let next: string[];
      try {
        next = await this.resolver.resolveCname(chain.at(-1)!);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // ENODATA: no CNAME here, the chain ends (an A/alias record); anything else is the answer's failure.
        if (code === 'ENODATA') break;
        throw new Error(`${chain.at(-1)} does not resolve (${code ?? (err as Error).message})`);
      }
      if (!next[0]) break;
      chain.push(next[0]);
    }
    const region = chain
      .flatMap((n) => n.split('.'))
      .reverse()
      .find((label) => this.regions.includes(label));
    return { chain, ...(region ? { region } : {}), url: `https://${chain[0]}` };
  }
}

/**
 * The on-call topic's subscriptions, as SNS reports them (every page of ListSubscriptionsByTopic, through the SDK's
 * paginator). The same code reads moto's topic locally.
 */
export class SnsOncallRoute implements OncallRouteReader {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: () => Promise<string>,
  ) {}

  async read(): Promise<OncallRoute> {
    const topicArn = await this.topicArn();
    const destinations: OncallDestination[] = [];
    for await (const page of paginateListSubscriptionsByTopic({ client: this.sns }, { TopicArn: topicArn })) {
      for (const s of page.Subscriptions ?? []) {
        destinations.push({
          protocol: s.Protocol ?? 'unknown',
          endpoint: s.Endpoint ?? 'unknown',
          // SNS's documented placeholder ARN of a subscription not confirmed yet.
          confirmed: s.SubscriptionArn !== undefined && s.SubscriptionArn !== 'PendingConfirmation',
        });
      }
    }
    return { topicArn, destinations };
  }
}

/** The route as lines for a human: every destination, and whether anybody is paged at all. */
export function describeOncallRoute(route: OncallRoute): string[] {
  const lines = route.destinations.map(
    (d) => `${d.protocol}: ${d.endpoint}${d.confirmed ? '' : ' (pending confirmation: receives nothing)'}`,
  );
  if (route.destinations.length === 0) lines.push(`nothing: ${route.topicArn} has no subscription, so nobody is told`);
  else if (!route.destinations.some((d) => d.confirmed)) {
    lines.push(`nobody is told yet: no subscription of ${route.topicArn} is confirmed`);
  }
  return lines;
}

/**
 * On AWS the messages are not readable back from SNS (it keeps none): this says where the on-call topic delivers
 * them (its subscriptions), which is where to look.
 */
export class SnsSubscriptionsInbox implements OncallInbox {
  constructor(private readonly route: OncallRouteReader) {}

  async received(): Promise<OncallReceived> {
    return { where: describeOncallRoute(await this.route.read()) };
  }
}

/** How far back `status` looks for a ReplicationLatency datapoint, and the period of the datapoints it asks for. */
export const REPLICATION_METRIC_WINDOW_MINUTES = 15;
const REPLICATION_METRIC_PERIOD_SECONDS = 60;

/**
 * Replication lag on AWS: CloudWatch's `ReplicationLatency` of the global table (AWS/DynamoDB, milliseconds, one series
 * per source and receiving Region pair: dimensions TableName and ReceivingRegion, in the source Region's CloudWatch;
 * "Monitoring global tables", D2 in aws-facts.md). The newest one-minute Maximum of the window: the worst of the last
 * minute with data, and how old it is. DynamoDB emits it only while items replicate: no datapoint means no write in the
 * window, or replication stopped; the sample says so rather than inventing a figure.
 */
export class CloudWatchReplicationLag implements ReplicationLagReader {
  constructor(
    private readonly cloudwatch: Readonly<Record<string, CloudWatchClient>>,
    private readonly tableName: string,
    private readonly regions: readonly [string, string],
  ) {}

  async read(now: Date): Promise<readonly ReplicationLagSample[]> {
    const [a, b] = this.regions;
    return Promise.all(
      [
        [a, b],
        [b, a],
      ].map(([from, to]) => this.readPair(from!, to!, now)),
    );
  }

  private async readPair(sourceRegion: string, receivingRegion: string, now: Date): Promise<ReplicationLagSample> {
    const client = this.cloudwatch[sourceRegion];
    if (!client) throw new Error(`no CloudWatch client for Region "${sourceRegion}"`);
    const out = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - REPLICATION_METRIC_WINDOW_MINUTES * 60_000),
        EndTime: now,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'lag',
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/DynamoDB',
                MetricName: 'ReplicationLatency',
                Dimensions: [
                  { Name: 'TableName', Value: this.tableName },
                  { Name: 'ReceivingRegion', Value: receivingRegion },
                ],
              },
              Period: REPLICATION_METRIC_PERIOD_SECONDS,
              Stat: 'Maximum',
              Unit: 'Milliseconds',
            },
          },
        ],
      }),
    );
    const result = out.MetricDataResults?.find((r) => r.Id === 'lag');
    const lagMs = result?.Values?.[0];
    const at = result?.Timestamps?.[0];
    if (lagMs === undefined || at === undefined) {
      return {
        sourceRegion,
        receivingRegion,
        detail: `no ReplicationLatency datapoint in the last ${REPLICATION_METRIC_WINDOW_MINUTES} min (no write replicated, or replication stopped)`,
      };
    }
    return { sourceRegion, receivingRegion, lagMs, at: at.toISOString() };
  }
}
