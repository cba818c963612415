import { request as httpRequest } from 'node:http';
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { otherRegion } from '../../failover/config/names';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { type ProbeTarget, probeTargets } from '../../infra/alarms/definitions';
import type { DnsClient } from './types';

/**
 * What CloudWatch Synthetics canaries do on AWS (infra/constructs/region-probes.ts), modelled locally because moto runs
 * no canaries: from each Region, once per period, probe the PEER Region through the same public tenant name and path a
 * tenant uses (one stable tenant per tier, infra/alarms/definitions.ts `probeTargets`), resolving the peer's regional
 * endpoint through the environment's DNS model, and publish what a canary publishes — `CloudWatchSynthetics`
 * `SuccessPercent` (0 or 100 per run), dimension `CanaryName` — into the PROBING Region's CloudWatch (moto). That
 * Region's alarm evaluator then evaluates names.probeAlarm(peer) and publishes to its own alarm topic: a Region that
 * goes dark, publishing nothing itself, is still seen.
 *
 * Figures: one run per period (canary schedule rate(1 minute) on AWS, S1 in /work/shared/aws-facts.md, compressed like
 * every local period); success = an HTTP answer below 500 within the timeout (a canary step fails on a thrown error or
 * timeout; an unauthenticated 401 proves DNS → load balancer → rule → service answered).
 */

export interface ProberOptions {
  readonly config: Pick<RegionFlipConfig, 'app' | 'dns' | 'tenants' | 'regions'>;
  /** The CloudWatch of each Region (the probes of X are published into otherRegion(X)'s). */
  readonly cloudwatch: Readonly<Record<string, CloudWatchClient>>;
  /** A resolver over the zone's records (a probe resolves like any client, honouring TTL). */
  readonly dns: () => DnsClient;
  readonly periodSeconds: number;
  readonly timeoutMs: number;
  /** A Region that is down runs no canaries: nothing is probed from it (default: every Region is up). */
  readonly regionDown?: (region: string) => boolean;
  readonly onError?: (err: unknown) => void;
}

export interface ProbeResult {
  readonly probedRegion: string;
  readonly from: string;
  readonly target: ProbeTarget;
  readonly ok: boolean;
  readonly detail: string;
}

/** One HTTP GET with the tenant's name as Host; resolves the outcome, never rejects. */
function probeOnce(url: string, target: ProbeTarget, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const base = new URL(url);
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, detail: string) => {
      if (done) return;
      done = true;
      resolve({ ok, detail });
    };
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: 'GET',
        path: target.path,
        headers: { host: target.hostHeader, 'user-agent': 'regionflip-local-canary' },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        finish(status > 0 && status < 500, `HTTP ${status}`);
      },
    );
    req.on('timeout', () => {
      req.destroy();
      finish(false, `no answer within ${timeoutMs} ms`);
    });
    req.on('error', (err) => finish(false, err.message));
    req.end();
  });
}

export class RegionProber {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<unknown>;
  private readonly dns: DnsClient;

  constructor(private readonly opts: ProberOptions) {
    this.dns = opts.dns();
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const period = this.opts.periodSeconds * 1000;
    const now = Date.now();
    // A little after the period starts, so the result lands in that period and is published before it is evaluated.
    const next = Math.floor(now / period) * period + period + Math.min(50, period / 10);
    this.timer = setTimeout(() => {
      const periodStart = Math.floor(Date.now() / period) * period;
      this.running = this.probeAll(new Date(periodStart))
        .catch((err) => this.opts.onError?.(err))
        .finally(() => this.schedule());
    }, next - now);
  }

  /** Probes each Region from its peer (unless the peer is down) and publishes one SuccessPercent per canary, stamped `at`. */
  async probeAll(at: Date): Promise<ProbeResult[]> {
    const { primary, secondary } = this.opts.config.regions;
    const probing = [primary, secondary].filter(
      (probedRegion) => !this.opts.regionDown?.(otherRegion(this.opts.config, probedRegion)),
    );
    const results = await Promise.all(
      probing.flatMap((probedRegion) =>
        probeTargets(this.opts.config, probedRegion).map(async (target): Promise<ProbeResult> => {
          const from = otherRegion(this.opts.config, probedRegion);
          try {
            const answer = await this.dns.resolve(target.endpoint);
            const outcome = await probeOnce(answer.url, target, this.opts.timeoutMs);
            return { probedRegion, from, target, ...outcome };
          } catch (err) {
            return { probedRegion, from, target, ok: false, detail: err instanceof Error ? err.message : String(err) };
          }
        }),
      ),
    );
    const byRegion = new Map<string, MetricDatum[]>();
    for (const r of results) {
      const data = byRegion.get(r.from) ?? [];
      data.push({
        MetricName: 'SuccessPercent',
        Dimensions: [{ Name: 'CanaryName', Value: r.target.canaryName }],
        Timestamp: at,
        Value: r.ok ? 100 : 0,
        Unit: 'Percent',
        StorageResolution: 1,
      });
      byRegion.set(r.from, data);
    }
    await Promise.all(
      [...byRegion].map(([region, data]) =>
        this.opts.cloudwatch[region]!.send(
          new PutMetricDataCommand({ Namespace: 'CloudWatchSynthetics', MetricData: data }),
        ),
      ),
    );
    return results;
  }
}
