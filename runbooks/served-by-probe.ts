import { HEALTH_PATH } from '../infra/tenant-service/routes';
import type { TenantResolver } from './ports';

/**
 * "Which Region actually serves this tenant name?", asked from the outside: resolve the name through the deployment's
 * DNS (runbooks/ports.ts), GET HEALTH_PATH (the route the load balancers forward) where it points, and read the `x-served-by-region` header that every tenant
 * service response carries.
 */

export interface ProbeResult {
  readonly name: string;
  /** The DNS chain followed, first the name asked. */
  readonly chain?: readonly string[];
  /** The Region the DNS answer points at. */
  readonly dnsRegion?: string;
  /** The `x-served-by-region` header, when the service answered. */
  readonly servedBy?: string;
  readonly status?: number;
  readonly error?: string;
}

export interface ServedByProbe {
  probe(names: readonly string[]): Promise<ProbeResult[]>;
}

const PROBE_TIMEOUT_MS = 5000;

/** A new resolver per round: no stale cached answer from an earlier round. */
export class DnsServedByProbe implements ServedByProbe {
  constructor(private readonly resolver: () => TenantResolver) {}

  async probe(names: readonly string[]): Promise<ProbeResult[]> {
    const dns = this.resolver();
    return Promise.all(
      names.map(async (name): Promise<ProbeResult> => {
        let answer: Awaited<ReturnType<TenantResolver['resolve']>>;
        try {
          answer = await dns.resolve(name);
        } catch (err) {
          return { name, error: `DNS: ${(err as Error).message}` };
        }
        const seen = { name, chain: answer.chain, ...(answer.region ? { dnsRegion: answer.region } : {}) };
        const url = `${answer.url}${HEALTH_PATH}`;
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
          await res.arrayBuffer();
          const servedBy = res.headers.get('x-served-by-region') ?? undefined;
          return { ...seen, status: res.status, ...(servedBy ? { servedBy } : {}) };
        } catch (err) {
          return { ...seen, error: `GET ${url} failed: ${(err as Error).message}` };
        }
      }),
    );
  }
}
