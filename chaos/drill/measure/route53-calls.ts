/** One traffic switch seen during a drill: the failover Lambda's, or the drill's own failback in the rollback. */
export interface SwitchRecord {
  readonly at: number;
  readonly by: 'failover-handler' | 'drill-rollback';
  readonly toRegion: string;
  readonly recordsChanged: number;
  /** ChangeResourceRecordSets calls, retries included. */
  readonly changeCalls: number;
  readonly retries: number;
}

export interface Route53Calls {
  readonly changeCalls: number;
  readonly retries: number;
  readonly recordsChanged: number;
  readonly byCaller: Readonly<Record<SwitchRecord['by'], number>>;
}

/** The Route 53 control-plane calls a drill caused: what a Region move costs, and what throttling added. */
export function countRoute53Calls(switches: readonly SwitchRecord[]): Route53Calls {
  const byCaller: Record<SwitchRecord['by'], number> = { 'failover-handler': 0, 'drill-rollback': 0 };
  let changeCalls = 0;
  let retries = 0;
  let recordsChanged = 0;
  for (const s of switches) {
    changeCalls += s.changeCalls;
    retries += s.retries;
    recordsChanged += s.recordsChanged;
    byCaller[s.by] += s.changeCalls;
  }
  return { changeCalls, retries, recordsChanged, byCaller };
}
