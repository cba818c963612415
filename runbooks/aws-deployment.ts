import { Resolver } from 'node:dns/promises';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { NameAnswer, OncallInbox, OncallReceived, TenantResolver } from './ports';

/** The runbook ports (runbooks/ports.ts) for a deployment on AWS: real DNS, and the on-call topic's subscriptions. */

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
 * On AWS the messages are not readable back from SNS (it keeps none): this says where the on-call topic delivers
 * them (its subscriptions), which is where to look.
 */
export class SnsSubscriptionsInbox implements OncallInbox {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: () => Promise<string>,
  ) {}

  async received(): Promise<OncallReceived> {
    const topicArn = await this.topicArn();
    const where: string[] = [];
    let next: string | undefined;
    do {
      const out = await this.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: next }));
      for (const s of out.Subscriptions ?? []) {
        const pending = s.SubscriptionArn === 'PendingConfirmation' ? ' (pending confirmation: receives nothing)' : '';
        where.push(`${s.Protocol}: ${s.Endpoint}${pending}`);
      }
      next = out.NextToken;
    } while (next);
    if (where.length === 0) where.push(`nothing: ${topicArn} has no subscription, so nobody is told`);
    return { where };
  }
}
