import type { Tier } from '../../../failover/config/schema';
import { errorWindow } from './client-recovery';
import { type AcknowledgedWrite, percentile, type RequestSample } from './samples';

/** How one tenant, or one tier, fared during the drill. */
export interface Impact {
  readonly requests: number;
  readonly failures: number;
  /** 1 when there were no requests (nothing failed). */
  readonly successRate: number;
  readonly p99LatencyMs?: number;
  /** First to last failed request. */
  readonly errorWindowMs: number;
  readonly lostWrites: number;
  /** Requests answered, per Region that answered. */
  readonly servedBy: Readonly<Record<string, number>>;
}

export interface TenantImpact extends Impact {
  readonly tenantId: string;
  readonly tier: Tier;
}

export interface ImpactReport {
  readonly tenants: readonly TenantImpact[];
  readonly tiers: Readonly<Partial<Record<Tier, Impact>>>;
  readonly overall: Impact;
}

function impactOf(samples: readonly RequestSample[], lost: readonly AcknowledgedWrite[], from: number): Impact {
  const failures = samples.filter((s) => !s.ok).length;
  const servedBy: Record<string, number> = {};
  for (const s of samples) {
    if (s.region !== undefined) servedBy[s.region] = (servedBy[s.region] ?? 0) + 1;
  }
  return {
    requests: samples.length,
    failures,
    successRate: samples.length === 0 ? 1 : (samples.length - failures) / samples.length,
    p99LatencyMs: percentile(
      samples.filter((s) => s.ok).map((s) => s.endedAt - s.startedAt),
      99,
    ),
    errorWindowMs: errorWindow(samples, from)?.ms ?? 0,
    lostWrites: lost.length,
    servedBy,
  };
}

/** Impact per tenant (every tenant listed, even one that sent nothing), per tier, and overall, from `from` on. */
export function measureImpact(
  tenants: readonly { readonly id: string; readonly tier: Tier }[],
  samples: readonly RequestSample[],
  lost: readonly AcknowledgedWrite[],
  from: number,
): ImpactReport {
  const inWindow = samples.filter((s) => s.endedAt >= from);
  const perTenant = tenants.map(
    (t): TenantImpact => ({
      tenantId: t.id,
      tier: t.tier,
      ...impactOf(
        inWindow.filter((s) => s.tenantId === t.id),
        lost.filter((w) => w.tenantId === t.id),
        from,
      ),
    }),
  );
  const tiers: Partial<Record<Tier, Impact>> = {};
  for (const tier of new Set(tenants.map((t) => t.tier))) {
    tiers[tier] = impactOf(
      inWindow.filter((s) => s.tier === tier),
      lost.filter((w) => w.tier === tier),
      from,
    );
  }
  return { tenants: perTenant, tiers, overall: impactOf(inWindow, lost, from) };
}
