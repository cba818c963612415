import type { Tier } from '../../../failover/config/schema';
import type { RequestSample } from './samples';

/** One time bucket of one tier's traffic: requests that ended in [at, at + bucketMs). */
export interface SeriesPoint {
  readonly at: number;
  readonly requests: number;
  readonly ok: number;
  /** Answered requests by the Region that served them (`x-served-by-region`); the rest got no answer. */
  readonly byRegion: Readonly<Record<string, number>>;
}

/** Success rate and serving Region over time, per tier: what the report charts. */
export interface TrafficSeries {
  readonly startAt: number;
  readonly bucketMs: number;
  readonly tiers: Readonly<Partial<Record<Tier, readonly SeriesPoint[]>>>;
}

/** At most this many buckets: enough to see a few-second outage in a minute's drill, small enough for the journal. */
const MAX_BUCKETS = 120;
/** Buckets are a multiple of this, so the chart's steps read as round times. */
const BUCKET_STEP_MS = 250;

/** Buckets every sample by the time it ended, from the first sample to the last; empty buckets are kept (a gap is data). */
export function trafficSeries(samples: readonly RequestSample[]): TrafficSeries | undefined {
  if (samples.length === 0) return undefined;
  const startAt = Math.min(...samples.map((s) => s.endedAt));
  const endAt = Math.max(...samples.map((s) => s.endedAt));
  const bucketMs = Math.max(
    BUCKET_STEP_MS,
    Math.ceil((endAt - startAt + 1) / MAX_BUCKETS / BUCKET_STEP_MS) * BUCKET_STEP_MS,
  );
  const count = Math.floor((endAt - startAt) / bucketMs) + 1;
  const buckets = new Map<Tier, { requests: number; ok: number; byRegion: Record<string, number> }[]>();
  for (const s of samples) {
    let tier = buckets.get(s.tier);
    if (!tier) {
      tier = Array.from({ length: count }, () => ({ requests: 0, ok: 0, byRegion: {} }));
      buckets.set(s.tier, tier);
    }
    const b = tier[Math.floor((s.endedAt - startAt) / bucketMs)]!;
    b.requests++;
    if (s.ok) b.ok++;
    if (s.region !== undefined) b.byRegion[s.region] = (b.byRegion[s.region] ?? 0) + 1;
  }
  const tiers: Partial<Record<Tier, SeriesPoint[]>> = {};
  for (const [tier, points] of buckets) tiers[tier] = points.map((p, i) => ({ at: startAt + i * bucketMs, ...p }));
  return { startAt, bucketMs, tiers };
}
