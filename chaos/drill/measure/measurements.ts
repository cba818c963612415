import type { ErrorWindow } from './client-recovery';
import type { ImpactReport } from './impact';
import type { Route53Calls, SwitchRecord } from './route53-calls';
import type { RtoBreakdown } from './rto';
import type { RtoFloor, RtoFloorPosition } from './rto-floor';
import type { AcknowledgedWrite } from './samples';
import type { TrafficSeries } from './series';

/** An alarm going to ALARM, as the drill saw it. */
export interface AlarmTransition {
  readonly at: number;
  readonly region: string;
  readonly alarm: string;
  /** A composite (the Region's health) rather than one of its child alarms or the peer's probe alarm. */
  readonly composite: boolean;
}

/** Everything a drill measured, as stored in the journal and shown in the reports. */
export interface DrillMeasurements {
  /** The Region routing pointed at before the first fault, and after the method. */
  readonly initialRegion: string;
  readonly activeRegionAfterMethod: string;
  /** The Region the first Region-level fault hit. */
  readonly faultedRegion?: string;
  /** Completed failovers by the failover handler (not the drill's own failback). */
  readonly failovers: number;
  /** The failover handler paged on-call instead of switching. */
  readonly paged: boolean;
  readonly pageReasons: readonly string[];
  readonly rto?: RtoBreakdown;
  /** The RTO's physical floor [best, worst] from the detection rule, its cadence and the DNS TTL, and where the RTO fell. */
  readonly rtoFloor?: RtoFloor & { readonly position?: RtoFloorPosition };
  /** Per tenant, fault → its last client served by the healthy Region for good (undefined: never within the drill). */
  readonly tenantRecoveryMs?: Readonly<Record<string, number | undefined>>;
  /** Synthetic clients per tenant, each with its own DNS cache. */
  readonly clientsPerTenant?: number;
  readonly rpo?: {
    readonly survivingRegion: string;
    readonly acknowledged: number;
    readonly lostWrites: number;
    /** The first lost writes, for the report (the count is exact). */
    readonly lostSample: readonly AcknowledgedWrite[];
    readonly rpoMs: number;
  };
  /**
   * The alarms that went to ALARM from the fault to the first failover: which child alarm the Region's composite
   * followed, or the peer's probe alarm. Undefined where the target does not record alarm transitions.
   */
  readonly alarmsFired?: readonly AlarmTransition[];
  /** Success rate and serving Region over time, per tier, over the whole drill (set once the traffic stops). */
  readonly series?: TrafficSeries;
  readonly clientErrorWindow?: ErrorWindow;
  readonly impact: ImpactReport;
  readonly switches: readonly SwitchRecord[];
  readonly route53: Route53Calls;
}
