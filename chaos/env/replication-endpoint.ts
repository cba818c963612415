import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DirectionLag } from './replication';

/** What `GET <url>/replication` answers: the replication model's state as `status` reads it from another process. */
export interface ReplicationView {
  readonly at: string;
  readonly paused: boolean;
  readonly directions: readonly DirectionLag[];
}

/**
 * The replication model's lag, readable from another process (`regionflip status` next to `env up`), on 127.0.0.1:
 * the local stand-in for CloudWatch's ReplicationLatency, which the model does not publish.
 */
export class ReplicationEndpoint {
  private server: Server | undefined;
  url = '';

  constructor(private readonly view: () => ReplicationView) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/replication') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.view()));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
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
