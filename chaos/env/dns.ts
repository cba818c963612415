import type { Route53Client } from '@aws-sdk/client-route-53';
import { normaliseDnsName } from '../../failover/switch/records';
import { type Route53Propagation, readCnameRecords } from './route53-propagation';
import type { DnsAnswer, DnsClient } from './types';

/**
 * DNS for clients of the local environment, answered from the Route 53 records in moto: a name is followed through
 * its CNAME chain to a local load balancer name (`<label>.<region>.lb.local`), which maps to that Region's load
 * balancer URL. Each DnsClient caches its answers like a stub resolver: an answer lives for the smallest TTL of the
 * records followed, so after a switch clients move only once their cached answer expires. With a Route53Propagation
 * (route53-propagation.ts), a changed record is answered only once the change has propagated.
 */

export const LOCAL_LB_SUFFIX = 'lb.local';

/** The name a Region's endpoint record points at locally (in AWS: the load balancer's DNS name). */
export function localLoadBalancerName(region: string, premiumTenantId?: string): string {
  return `${premiumTenantId ?? 'shared'}.${region}.${LOCAL_LB_SUFFIX}`;
}

/** `<label>.<region>.lb.local` → the Region; undefined for any other name. */
export function regionOfLoadBalancerName(name: string): string | undefined {
  const parts = normaliseDnsName(name).split('.');
  if (parts.length !== 4 || `${parts[2]}.${parts[3]}` !== LOCAL_LB_SUFFIX) return undefined;
  return parts[1];
}

const MAX_CHAIN = 8;

export interface Route53DnsClientOptions {
  readonly route53: Route53Client;
  readonly hostedZoneId: string;
  /** The load balancer URL of a Region (undefined if the Region has none). */
  readonly loadBalancerUrl: (region: string) => string | undefined;
  readonly clock?: () => number;
  /**
   * How old this client's cache already is when it starts (ms): its first answer for each name expires that much
   * sooner, as if it had been cached before. Clients of a real population do not all re-resolve in lockstep.
   */
  readonly initialCacheAgeMs?: number;
  /** Route 53 propagation: changes not yet propagated are answered as before them. Without it, changes show at once. */
  readonly propagation?: Route53Propagation;
}

export class Route53DnsClient implements DnsClient {
  private readonly cache = new Map<string, DnsAnswer>();
  /** Names answered once already: the initial cache age applies to the first answer of each name only. */
  private readonly answered = new Set<string>();
  private readonly clock: () => number;

  constructor(private readonly opts: Route53DnsClientOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  async resolve(name: string): Promise<DnsAnswer> {
    const asked = normaliseDnsName(name);
    const now = this.clock();
    const cached = this.cache.get(asked);
    if (cached && cached.expiresAt > now) return cached;
    const records = await this.readZone();
    const chain = [asked];
    let ttl = Number.POSITIVE_INFINITY;
    let current = asked;
    for (let hop = 0; hop < MAX_CHAIN; hop++) {
      const region = regionOfLoadBalancerName(current);
      if (region) {
        const url = this.opts.loadBalancerUrl(region);
        if (!url) throw new Error(`${asked} resolves to ${current}, but Region ${region} has no local load balancer`);
        const age = this.answered.has(asked) ? 0 : (this.opts.initialCacheAgeMs ?? 0);
        this.answered.add(asked);
        const ttlMs = Number.isFinite(ttl) ? ttl * 1000 : 0;
        const answer: DnsAnswer = { chain, region, url, expiresAt: now + Math.max(0, ttlMs - age) };
        this.cache.set(asked, answer);
        return answer;
      }
      const record = records.get(current);
      if (!record) {
        throw new Error(
          `${asked} does not resolve: no CNAME for ${current} in hosted zone ${this.opts.hostedZoneId} (NXDOMAIN)`,
        );
      }
      ttl = Math.min(ttl, record.ttl);
      current = record.value;
      chain.push(current);
    }
    throw new Error(
      `${asked}: CNAME chain longer than ${MAX_CHAIN} (${chain.join(' -> ')}): check the records for a loop`,
    );
  }

  private async readZone(): Promise<ReadonlyMap<string, { value: string; ttl: number }>> {
    const records = await readCnameRecords(this.opts.route53, this.opts.hostedZoneId);
    return this.opts.propagation?.served(this.opts.hostedZoneId, records) ?? records;
  }
}
