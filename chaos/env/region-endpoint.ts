import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * One Region's AWS endpoint (DynamoDB and the rest of the regional APIs), modelled as a TCP pass-through on 127.0.0.1
 * in front of the one moto server that serves both Regions. When the Region goes down, live connections are cut and
 * new ones are reset, so every client of that Region (its tenant service, the environment's own clients of it) gets a
 * connection failure, as a client of an unreachable regional endpoint does — while the peer Region's endpoint keeps
 * serving, although both are the same moto underneath.
 */
export class RegionEndpoint {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;
  url = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    const target = new URL(this.upstream);
    this.server = createServer((client) => {
      if (this.down) {
        client.resetAndDestroy();
        return;
      }
      const upstream = connect({ host: target.hostname, port: Number(target.port) });
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Down: every open connection is reset and every new one refused; up: connections pass again. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) for (const s of this.sockets) s.resetAndDestroy();
  }

  get isDown(): boolean {
    return this.down;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
