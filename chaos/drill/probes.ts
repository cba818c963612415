import type { RegionFlipConfig } from '../../failover/config/schema';
import type { ControlStore } from '../../failover/ports';
import { describeProbe } from './describe';
import type { ProbeResult } from './journal';
import { resolveRegion } from './load';
import { percentile, type RequestSample } from './measure/samples';
import { type DrillTarget, durationMs, type Probe } from './schema';

/** What probes read: the traffic so far, the control table, the replication lag. Probes never change anything. */
export interface ProbeContext {
  readonly config: RegionFlipConfig;
  readonly target: DrillTarget;
  readonly now: number;
  readonly samples: readonly RequestSample[];
  readonly tenantIds: readonly string[];
  readonly defaultWindowMs: number;
  readonly store: ControlStore;
  replicationLagMs(): Promise<number | undefined>;
}

export function probeWindowMs(probe: Probe, target: DrillTarget, defaultWindowMs: number): number {
  return 'window' in probe && probe.window !== undefined ? durationMs(probe.window, target) : defaultWindowMs;
}

export async function evaluateProbe(probe: Probe, ctx: ProbeContext): Promise<ProbeResult> {
  const name = probe.name ?? describeProbe(probe, ctx.config);
  const tolerance = describeProbe(probe, ctx.config);
  const from = ctx.now - probeWindowMs(probe, ctx.target, ctx.defaultWindowMs);
  const recent = ctx.samples.filter((s) => s.endedAt >= from && s.endedAt <= ctx.now);
  switch (probe.type) {
    case 'success-rate': {
      const ok = recent.filter((s) => s.ok).length;
      const rate = recent.length === 0 ? 0 : ok / recent.length;
      return {
        name,
        tolerance,
        met: recent.length > 0 && rate >= probe.min,
        value: recent.length === 0 ? 'no requests in the window' : `${(rate * 100).toFixed(1)} % of ${recent.length}`,
      };
    }
    case 'p99-latency': {
      const p99 = percentile(
        recent.filter((s) => s.ok).map((s) => s.endedAt - s.startedAt),
        99,
      );
      return {
        name,
        tolerance,
        met: p99 !== undefined && p99 <= probe.maxMs,
        value: p99 === undefined ? 'no successful request in the window' : `${p99} ms`,
      };
    }
    case 'serving-region': {
      const region = resolveRegion(probe.region, ctx.config);
      const off = ctx.tenantIds.filter((t) => {
        const mine = recent.filter((s) => s.tenantId === t);
        return mine.length === 0 || mine.some((s) => !s.ok || s.region !== region);
      });
      return {
        name,
        tolerance,
        met: off.length === 0,
        value:
          off.length === 0 ? `all ${ctx.tenantIds.length} tenants on ${region}` : `not on ${region}: ${off.join(', ')}`,
      };
    }
    case 'replication-lag': {
      const lag = await ctx.replicationLagMs();
      return {
        name,
        tolerance,
        met: lag !== undefined && lag <= probe.maxMs,
        value: lag === undefined ? 'unknown on this target' : `${lag} ms`,
      };
    }
    case 'routing': {
      const region = resolveRegion(probe.activeRegion, ctx.config);
      const routing = await ctx.store.getRouting();
      const overrides = Object.keys(routing.tenantOverrides);
      return {
        name,
        tolerance,
        met: routing.activeRegion === region && overrides.length === 0,
        value: `${routing.activeRegion} (epoch ${routing.epoch}${overrides.length ? `, overrides: ${overrides.join(', ')}` : ''})`,
      };
    }
    case 'automation': {
      const routing = await ctx.store.getRouting();
      return {
        name,
        tolerance,
        met: routing.automation.enabled === probe.enabled,
        value: routing.automation.enabled ? 'enabled' : `disabled (${routing.automation.reason ?? 'no reason'})`,
      };
    }
  }
}
