import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { OncallMessage } from '../../runbooks/ports';

/**
 * What on-call received, locally: an HTTP subscriber on 127.0.0.1 to each Region's on-call topic (moto server POSTs
 * SNS's HTTP/S notification JSON to it, as SNS does to a paging tool's webhook) that keeps every message, and answers
 * `GET /messages` with them, oldest first, so `regionflip notifications` can show them from another process.
 */
export class OncallInbox {
  private server: Server | undefined;
  private readonly messages: OncallMessage[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/messages') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.messages));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200).end();
        try {
          const n = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            Type?: string;
            TopicArn?: string;
            Subject?: string;
            Message?: string;
            Timestamp?: string;
          };
          if (n.Type !== 'Notification' || typeof n.Message !== 'string') return;
          this.messages.push({
            at: n.Timestamp ?? new Date().toISOString(),
            topicArn: n.TopicArn ?? '',
            ...(n.Subject ? { subject: n.Subject } : {}),
            message: n.Message,
          });
        } catch {
          // Not an SNS notification: nothing on-call would have received.
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async subscribe(sns: SNSClient, topicArn: string): Promise<void> {
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `${this.url}/sns` }));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
  }
}
