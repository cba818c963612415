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
   * The drill schema's RPO: the age of the oldest lost write when the fault began (from its acknowledgement to
   * `faultAt`; a write acknowledged after the fault counts as age 0). 0 when nothing was lost.
   */
  readonly rpoMs: number;
}

/** `present` holds, per tenant, the sequence numbers the surviving Region has. */
export function measureRpo(
  ledger: readonly AcknowledgedWrite[],
  present: ReadonlyMap<string, ReadonlySet<number>>,
  survivingRegion: string,
  faultAt: number,
): RpoMeasure {
  const lost = ledger
    .filter((w) => !present.get(w.tenantId)?.has(w.seq))
    .sort((a, b) => a.ackAt - b.ackAt || a.seq - b.seq);
  const oldest = lost[0]?.ackAt;
  return {
    survivingRegion,
    acknowledged: ledger.length,
    lost,
    rpoMs: oldest === undefined ? 0 : Math.max(0, faultAt - oldest),
  };
}
