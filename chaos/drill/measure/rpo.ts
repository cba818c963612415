import type { AcknowledgedWrite } from './samples';

/**
 * RPO from the write ledger: writes the tenant service acknowledged that the surviving Region does not have. Each
 * tenant's writes carry a sequence number, so a missing write is found exactly, not estimated from replication lag.
 */

export interface RpoMeasure {
  readonly survivingRegion: string;
  readonly acknowledged: number;
  readonly lost: readonly AcknowledgedWrite[];
  /**
   * How far back in time the surviving data falls short: from the oldest lost write to `cutoverAt` (when traffic moved).
   * 0 when nothing was lost.
   */
  readonly rpoMs: number;
}

/** `present` holds, per tenant, the sequence numbers the surviving Region has. */
export function measureRpo(
  ledger: readonly AcknowledgedWrite[],
  present: ReadonlyMap<string, ReadonlySet<number>>,
  survivingRegion: string,
  cutoverAt: number,
): RpoMeasure {
  const lost = ledger
    .filter((w) => !present.get(w.tenantId)?.has(w.seq))
    .sort((a, b) => a.ackAt - b.ackAt || a.seq - b.seq);
  const oldest = lost[0]?.ackAt;
  return {
    survivingRegion,
    acknowledged: ledger.length,
    lost,
    rpoMs: oldest === undefined ? 0 : Math.max(0, cutoverAt - oldest),
  };
}
