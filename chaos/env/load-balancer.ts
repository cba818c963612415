import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { LoadBalancerRef } from '../../infra/alarms/definitions';
import type { LocalProfile } from './local-profile';

/**
 * A model of one Region's Application Load Balancer in front of the tenant service: clients send HTTP to it (the DNS
 * answers point here), it forwards to the target, health-checks the target on /health, and publishes the
 * AWS/ApplicationELB metrics the Region alarms watch to that Region's CloudWatch (moto) once per period.
 *
 * Modelled on documented ALB behaviour:
 * - one target, "fail open": with every target unhealthy, the ALB still routes to them, so an outage shows as target
 *   5xx as well as UnHealthyHostCount;
 * - target refused the connection → ELB 502; no answer within the timeout → ELB 504 (HTTPCode_ELB_5XX_Count);
 * - RequestCount, 5XX counts and TargetResponseTime (seconds) are published only for periods with requests;
 *   UnHealthyHostCount / HealthyHostCount every period (the worst value seen in it).
 * Difference: real AWS refuses PutMetricData into "AWS/" namespaces; moto accepts it, which is what lets the alarms
 * watch the same metric names locally and in AWS.
 */

export interface LoadBalancerOptions {
  readonly region: string;
  readonly targetUrl: string;
  readonly ref: LoadBalancerRef;
  readonly cloudwatch: CloudWatchClient;
  readonly periodSeconds: number;
  readonly settings: LocalProfile['loadBalancer'];
  readonly onError?: (err: unknown) => void;
}

interface PeriodStats {
  requests: number;
  target5xx: number;
  elb5xx: number;
  responseTimesS: number[];
  unhealthyMax: number;
}

const emptyStats = (unhealthy: number): PeriodStats => ({
  requests: 0,
  target5xx: 0,
  elb5xx: 0,
  responseTimesS: [],
  unhealthyMax: unhealthy,
});

export class LocalLoadBalancer {
  private server?: Server;
  private readonly periods = new Map<number, PeriodStats>();
  private healthy = true;
  private consecutive = 0;
  private healthTimer?: NodeJS.Timeout;
  private publishTimer?: NodeJS.Timeout;
  private stopped = false;
  private dark = false;
  url = '';

  constructor(private readonly opts: LoadBalancerOptions) {}

  get targetHealthy(): boolean {
    return this.healthy;
  }

  /**
   * A Region gone dark (the whole load balancer and its Region's monitoring with it): connections are dropped
   * unanswered and nothing is published — no metrics at all, so only the peer Region's probes can see it.
   */
  setDark(dark: boolean): void {
    this.dark = dark;
    if (dark) {
      this.periods.clear();
      this.server?.closeAllConnections();
    }
  }

  get isDark(): boolean {
    return this.dark;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (this.dark) {
        req.socket.destroy();
        return;
      }
      this.forward(req, res);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.scheduleHealthCheck();
    this.schedulePublish();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.healthTimer);
    clearTimeout(this.publishTimer);
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise((r) => this.server!.close(r));
    }
  }

  private periodMs(): number {
    return this.opts.periodSeconds * 1000;
  }

  private statsAt(time: number): PeriodStats {
    const start = Math.floor(time / this.periodMs()) * this.periodMs();
    let stats = this.periods.get(start);
    if (!stats) {
      stats = emptyStats(this.healthy ? 0 : 1);
      this.periods.set(start, stats);
    }
    return stats;
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const target = new URL(this.opts.targetUrl);
    const sent = performance.now();
    let settled = false;
    const finish = (status: number, fromTarget: boolean) => {
      if (settled) return;
      settled = true;
      const stats = this.statsAt(Date.now());
      stats.requests += 1;
      if (fromTarget) {
        stats.responseTimesS.push((performance.now() - sent) / 1000);
        if (status >= 500) stats.target5xx += 1;
      } else {
        stats.elb5xx += 1;
      }
    };
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
        timeout: this.opts.settings.targetTimeoutMs,
      },
      (up) => {
        finish(up.statusCode ?? 502, true);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    const elbError = (status: 502 | 504) => {
      finish(status, false);
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: status === 502 ? 'bad-gateway' : 'gateway-timeout' }));
      } else {
        res.destroy();
      }
    };
    upstream.on('timeout', () => {
      upstream.destroy();
      elbError(504);
    });
    upstream.on('error', () => elbError(502));
    req.pipe(upstream);
  }

  private scheduleHealthCheck(): void {
    if (this.stopped) return;
    this.healthTimer = setTimeout(() => {
      this.checkHealth().finally(() => this.scheduleHealthCheck());
    }, this.opts.settings.healthCheckIntervalMs);
  }

  /** ALB health checks: healthy after `healthyThreshold` passes in a row, unhealthy after `unhealthyThreshold` fails. */
  private async checkHealth(): Promise<void> {
    let ok = false;
    try {
      const res = await fetch(`${this.opts.targetUrl}/health`, {
        signal: AbortSignal.timeout(this.opts.settings.healthCheckTimeoutMs),
      });
      ok = res.status === 200;
      await res.body?.cancel();
    } catch {
      ok = false;
    }
    if (ok === this.healthy) {
      this.consecutive = 0;
    } else {
      this.consecutive += 1;
      const threshold = ok ? this.opts.settings.healthyThreshold : this.opts.settings.unhealthyThreshold;
      if (this.consecutive >= threshold) {
        this.healthy = ok;
        this.consecutive = 0;
      }
    }
    const stats = this.statsAt(Date.now());
    stats.unhealthyMax = Math.max(stats.unhealthyMax, this.healthy ? 0 : 1);
  }

  private schedulePublish(): void {
    if (this.stopped) return;
    const period = this.periodMs();
    const now = Date.now();
    const next = Math.floor(now / period) * period + period + this.opts.settings.publishDelayMs;
    this.publishTimer = setTimeout(() => {
      this.publish().catch((err) => this.opts.onError?.(err));
      this.schedulePublish();
    }, next - now);
  }

  /** Publishes every finished period not yet published (normally exactly the one that just ended). */
  private async publish(): Promise<void> {
    if (this.dark) {
      this.periods.clear();
      return;
    }
    const currentStart = Math.floor(Date.now() / this.periodMs()) * this.periodMs();
    this.statsAt(currentStart - this.periodMs());
    const data: MetricDatum[] = [];
    const lbDims = [{ Name: 'LoadBalancer', Value: this.opts.ref.loadBalancerFullName }];
    const tgDims = [...lbDims, { Name: 'TargetGroup', Value: this.opts.ref.targetGroupFullNames[0] ?? '' }];
    for (const [start, s] of [...this.periods.entries()].filter(([start]) => start < currentStart)) {
      this.periods.delete(start);
      const Timestamp = new Date(start);
      const datum = (MetricName: string, Value: number, Dimensions = lbDims, Unit: MetricDatum['Unit'] = 'Count') =>
        data.push({ MetricName, Value, Dimensions, Timestamp, Unit, StorageResolution: 1 });
      datum('UnHealthyHostCount', s.unhealthyMax, tgDims);
      datum('HealthyHostCount', 1 - s.unhealthyMax, tgDims);
      if (s.requests > 0) {
        datum('RequestCount', s.requests);
        if (s.target5xx > 0) datum('HTTPCode_Target_5XX_Count', s.target5xx);
        if (s.elb5xx > 0) datum('HTTPCode_ELB_5XX_Count', s.elb5xx);
      }
      // Values/Counts (a distribution, up to 150 distinct values per datum), so moto keeps every sample.
      const counts = new Map<number, number>();
      for (const t of s.responseTimesS) {
        const ms = Math.round(t * 1000) / 1000;
        counts.set(ms, (counts.get(ms) ?? 0) + 1);
      }
      const distinct = [...counts.entries()];
      for (let i = 0; i < distinct.length; i += 150) {
        const chunk = distinct.slice(i, i + 150);
        data.push({
          MetricName: 'TargetResponseTime',
          Dimensions: lbDims,
          Timestamp,
          Unit: 'Seconds',
          StorageResolution: 1,
          Values: chunk.map(([v]) => v),
          Counts: chunk.map(([, c]) => c),
        });
      }
    }
    if (data.length > 0) {
      await this.opts.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: data }));
    }
  }
}
