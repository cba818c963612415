import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Tier } from '../../failover/config/schema';
import type { AcknowledgedWrite, RequestSample } from './measure/samples';

/**
 * Multi-tenant synthetic traffic: every tenant of every tier, reads and sequence-numbered writes, throughout the drill.
 * Each client resolves its tenant's name through its own resolver, so it follows a failover only when its cached DNS
 * answer expires — what real clients do, and what makes the "clients recovered" stage of the RTO real.
 */

export interface TrafficTenant {
  readonly id: string;
  readonly tier: Tier;
  /** A signed bearer token carrying the tenant id and tier. */
  readonly token: string;
  /** The DNS name clients of this tenant use. */
  readonly hostname: string;
}

/** One client's resolver: the DNS name → where to send HTTP (base URL), honouring TTL. */
export type Resolve = (hostname: string) => Promise<string>;

export interface TrafficOptions {
  readonly tenants: readonly TrafficTenant[];
  readonly clientsPerTenant: number;
  readonly ratePerClient: number;
  readonly writeShare: number;
  readonly timeoutMs: number;
  /** A new resolver with its own cache, one per client, whose cache is already `cacheAgeMs` old. */
  readonly newResolver: (cacheAgeMs: number) => Resolve;
  /**
   * The DNS TTL: each client starts with a cache age drawn uniformly from [0, TTL), so clients of one tenant re-resolve
   * at independent moments, as a real population does, not in lockstep.
   */
  readonly dnsTtlMs: number;
  /** Ids of written items start with this, so a drill's writes are told apart from anything else. */
  readonly writeIdPrefix: string;
  readonly random?: () => number;
}

export class SyntheticTraffic {
  readonly samples: RequestSample[] = [];
  readonly ledger: AcknowledgedWrite[] = [];
  private readonly nextSeq = new Map<string, number>();
  private running = false;
  private loops: Promise<void>[] = [];
  /** Wakes every client waiting for its next request when the traffic stops (a request under way still finishes). */
  private stopping = new AbortController();
  private readonly random: () => number;

  constructor(private readonly opts: TrafficOptions) {
    this.random = opts.random ?? Math.random;
  }

  get ratePerClient(): number {
    return this.opts.ratePerClient;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    // Every client waits on this one signal at once.
    setMaxListeners(this.clientCount + 1, this.stopping.signal);
    for (const tenant of this.opts.tenants) {
      for (let i = 0; i < this.opts.clientsPerTenant; i++) {
        const cacheAgeMs = Math.floor(this.random() * this.opts.dnsTtlMs);
        this.loops.push(this.clientLoop(tenant, `${tenant.id}#${i}`, this.opts.newResolver(cacheAgeMs)));
      }
    }
  }

  /** Clients that have completed at least one request (a cold start resolves every client's name at once). */
  clientsHeardFrom(): number {
    return new Set(this.samples.map((s) => s.client)).size;
  }

  get clientCount(): number {
    return this.opts.tenants.length * this.opts.clientsPerTenant;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async clientLoop(tenant: TrafficTenant, client: string, resolve: Resolve): Promise<void> {
    const interval = 1000 / this.opts.ratePerClient;
    // Spread clients over the first interval so they do not fire in lockstep.
    await this.pause(this.random() * interval);
    while (this.running) {
      const began = Date.now();
      await this.request(tenant, client, resolve);
      await this.pause(Math.max(0, interval - (Date.now() - began)));
    }
  }

  private async pause(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.stopping.signal });
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  }

  private async request(tenant: TrafficTenant, client: string, resolve: Resolve): Promise<void> {
    const write = this.random() < this.opts.writeShare;
    const startedAt = Date.now();
    const base = { tenantId: tenant.id, tier: tenant.tier, client, kind: write ? 'write' : 'read', startedAt } as const;
    let seq: number | undefined;
    try {
      const url = await resolve(tenant.hostname);
      const headers: Record<string, string> = { authorization: `Bearer ${tenant.token}` };
      let init: RequestInit = { headers, signal: AbortSignal.timeout(this.opts.timeoutMs) };
      if (write) {
        seq = this.nextSeq.get(tenant.id) ?? 1;
        this.nextSeq.set(tenant.id, seq + 1);
        headers['content-type'] = 'application/json';
        headers['x-write-seq'] = String(seq);
        init = {
          ...init,
          method: 'POST',
          body: JSON.stringify({ id: `${this.opts.writeIdPrefix}-${seq}`, productId: 'drill-product', quantity: 1 }),
        };
      }
      const res = await fetch(new URL(write ? '/orders' : '/orders?limit=1', url), init);
      await res.arrayBuffer();
      const endedAt = Date.now();
      const region = res.headers.get('x-served-by-region') ?? undefined;
      this.samples.push({ ...base, endedAt, ok: res.ok, status: res.status, region });
      if (write && res.ok && seq !== undefined && region !== undefined) {
        this.ledger.push({ tenantId: tenant.id, tier: tenant.tier, seq, region, ackAt: endedAt });
      }
    } catch (err) {
      this.samples.push({ ...base, endedAt: Date.now(), ok: false, error: errorText(err) });
    }
  }
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  return cause ?? (err instanceof Error ? err.name : String(err));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
