import type { DnsClient } from '../chaos/env/types';
import { HEALTH_PATH } from '../infra/tenant-service/routes';

/**
 * "Which Region actually serves this tenant name?", asked from the outside: GET /health (HEALTH_PATH, the route the
 * load balancers forward) through the name's DNS answer
 * and read the `x-served-by-region` header that every tenant service response carries.
 */

export interface ProbeResult {
  readonly name: string;
  /** The `x-served-by-region` header, when the service answered. */
  readonly servedBy?: string;
  readonly status?: number;
  readonly error?: string;
}

export interface ServedByProbe {
  probe(names: readonly string[]): Promise<ProbeResult[]>;
}

const PROBE_TIMEOUT_MS = 5000;

async function getHealth(name: string, url: string): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.arrayBuffer();
    const servedBy = res.headers.get('x-served-by-region') ?? undefined;
    return { name, status: res.status, ...(servedBy ? { servedBy } : {}) };
  } catch (err) {
    return { name, error: `GET ${url} failed: ${(err as Error).message}` };
  }
}

/** In AWS: HTTPS to the tenant's own name, through the resolver of this machine (TTL caching included). */
export class HttpsServedByProbe implements ServedByProbe {
  async probe(names: readonly string[]): Promise<ProbeResult[]> {
    return Promise.all(names.map((name) => getHealth(name, `https://${name}${HEALTH_PATH}`)));
  }
}

/**
 * On the local two-Region environment: resolve the name with the environment's DNS (the Route 53 records in moto,
 * followed to a Region's load balancer), then GET /health there. A new resolver per round: no stale cached answer.
 */
export class DnsServedByProbe implements ServedByProbe {
  constructor(private readonly dnsClient: () => DnsClient) {}

  async probe(names: readonly string[]): Promise<ProbeResult[]> {
    const dns = this.dnsClient();
    return Promise.all(
      names.map(async (name) => {
        let url: string;
        try {
          url = (await dns.resolve(name)).url;
        } catch (err) {
          return { name, error: `DNS: ${(err as Error).message}` };
        }
        return getHealth(name, `${url}${HEALTH_PATH}`);
      }),
    );
  }
}
