import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import type { EnvEvent } from './types';

/**
 * SNS → Lambda, locally. moto server delivers topic messages to HTTP subscriptions (it POSTs the HTTP/S notification
 * JSON and auto-confirms the subscription), so the environment subscribes an endpoint on 127.0.0.1 to each alarm
 * topic and, for each notification, invokes the real failover handler as Lambda's asynchronous invocation would:
 * with the SNS event shape (`Records[].Sns`, `SigningCertUrl`/`UnsubscribeUrl` spelled as Lambda spells them), and
 * on an error, two retries after the profile's delays.
 *
 * SNS standard topics deliver at least once, and a retried message keeps its MessageId (SNS2 and L1 in
 * /work/shared/aws-facts.md): moto delivers exactly once, so `duplicates` delivers each notification again, the
 * same event with the same MessageId, as separate invocations. The handler's delivery ledger must make them no-ops.
 */

export type SnsLambdaHandler = (event: SNSEvent) => Promise<unknown>;

export interface SnsDeliveryOptions {
  readonly handler: SnsLambdaHandler;
  readonly retryDelaysMs: readonly number[];
  /** Extra deliveries of each notification: `copies` more invocations, the k-th `k × delayMs` after the first. */
  readonly duplicates?: { readonly copies: number; readonly delayMs: number };
  readonly record: (event: EnvEvent) => void;
}

/** The HTTP/S notification body moto (and SNS) POSTs. */
interface HttpNotification {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: string;
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly UnsubscribeURL: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** The Lambda SNS event for one HTTP notification. */
export function lambdaEventOf(n: HttpNotification, subscriptionArn: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: n.Type,
          MessageId: n.MessageId,
          TopicArn: n.TopicArn,
          ...(n.Subject !== undefined ? { Subject: n.Subject } : {}),
          Message: n.Message,
          Timestamp: n.Timestamp,
          SignatureVersion: n.SignatureVersion,
          Signature: n.Signature,
          SigningCertUrl: n.SigningCertURL,
          UnsubscribeUrl: n.UnsubscribeURL,
          MessageAttributes: n.MessageAttributes ?? {},
        },
      },
    ],
  };
}

export class SnsLambdaDelivery {
  private server?: Server;
  private url = '';
  private readonly subscriptions = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Pending sleeps (retry delays, duplicate copies), each with its resolver: stop() wakes them with "do not go". */
  private readonly timers = new Map<NodeJS.Timeout, (go: boolean) => void>();
  private stopped = false;

  constructor(private readonly opts: SnsDeliveryOptions) {
    const d = opts.duplicates;
    if (d && !(Number.isInteger(d.copies) && d.copies >= 0 && Number.isFinite(d.delayMs) && d.delayMs >= 0)) {
      throw new Error(
        `SNS duplicates ${JSON.stringify(d)}: copies must be a whole number ≥ 0 and delayMs a number ≥ 0 (0 copies turns them off)`,
      );
    }
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Acknowledge at once, as Lambda's async invocation does: the handler runs after the 200.
        res.writeHead(200).end();
        let body: HttpNotification;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HttpNotification;
        } catch {
          return;
        }
        if (body.Type !== 'Notification' || this.stopped) return;
        const subscriptionArn = this.subscriptions.get(body.TopicArn) ?? `${body.TopicArn}:local`;
        const event = lambdaEventOf(body, subscriptionArn);
        const { copies, delayMs } = this.opts.duplicates ?? { copies: 0, delayMs: 0 };
        for (let copy = 0; copy <= copies; copy++) {
          const run = (copy === 0 ? Promise.resolve(true) : this.sleep(copy * delayMs)).then((go) =>
            go ? this.invoke(event, body.MessageId) : undefined,
          );
          this.inFlight.add(run);
          void run.finally(() => this.inFlight.delete(run));
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sns`;
  }

  /** Subscribes the handler to a topic (in the topic's Region, through the given client). */
  async subscribe(sns: SNSClient, topicArn: string): Promise<string> {
    const out = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: this.url, ReturnSubscriptionArn: true }),
    );
    const arn = out.SubscriptionArn ?? `${topicArn}:local`;
    this.subscriptions.set(topicArn, arn);
    return arn;
  }

  /**
   * Stops accepting notifications, cancels pending retries and waits for the handler invocations under way (and so for
   * any switch they started). Safe to call twice: a drill stops delivery before its rollback, the environment again.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    // A cleared timer never fires: resolve its sleep here, or stop() would wait forever for the invocation behind it.
    for (const [t, wake] of this.timers) {
      clearTimeout(t);
      wake(false);
    }
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve(false);
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(!this.stopped);
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  private async invoke(event: SNSEvent, messageId: string): Promise<void> {
    const attempts = 1 + this.opts.retryDelaysMs.length;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1 && !(await this.sleep(this.opts.retryDelaysMs[attempt - 2]!))) return;
      this.opts.record({ at: Date.now(), type: 'notification-delivered', messageId, attempt });
      try {
        const result = await this.opts.handler(event);
        this.opts.record({ at: Date.now(), type: 'handler-result', messageId, result });
        return;
      } catch (err) {
        this.opts.record({
          at: Date.now(),
          type: 'handler-result',
          messageId,
          result: undefined,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
}
