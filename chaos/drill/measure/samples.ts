import type { Tier } from '../../../failover/config/schema';

/** One synthetic client request, as the drill's traffic recorded it. Times are ms since the epoch. */
export interface RequestSample {
  readonly tenantId: string;
  readonly tier: Tier;
  readonly client: string;
  readonly kind: 'read' | 'write';
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
  /** HTTP status; absent when the request never got an answer (connection refused, timeout). */
  readonly status?: number;
  /** The `x-served-by-region` header of the answer. */
  readonly region?: string;
  readonly error?: string;
}

/** One acknowledged write: the tenant service answered 2xx with this sequence number. */
export interface AcknowledgedWrite {
  readonly tenantId: string;
  readonly tier: Tier;
  readonly seq: number;
  /** The Region that acknowledged it. */
  readonly region: string;
  readonly ackAt: number;
}

/** The nearest-rank percentile (0 < p <= 100) of some values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Samples that ended inside [from, to]. */
export function samplesBetween(samples: readonly RequestSample[], from: number, to: number): RequestSample[] {
  return samples.filter((s) => s.endedAt >= from && s.endedAt <= to);
}
