import type { Decision } from '../core/types';
import type { SwitchOutcome, SwitchRequest } from '../ports';

/** Who asked for a switch. The same switch code serves all three callers. */
export type SwitchCaller = 'automatic-failover' | 'manual-failover' | 'manual-failback' | 'drill';

/** The write-ahead record of a switch in flight (control table), so a crash mid-switch is finished by a rerun. */
export interface SwitchIntent {
  readonly id: string;
  readonly request: SwitchRequest;
  readonly fromRegion: string;
  readonly caller: SwitchCaller;
  readonly actor: string;
  readonly reason: string;
  readonly startedAt: Date;
  /** The lease token under which it started. */
  readonly token: number;
}

/** One line of the audit trail: who / what / why / when / how long / outcome. */
export interface AuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly caller: SwitchCaller | 'automation-toggle' | 'handler';
  readonly actor: string;
  /** What started it: an SNS MessageId and alarm, a runbook step, a drill id. */
  readonly trigger: string;
  readonly decision?: Decision;
  readonly reason: string;
  readonly request?: SwitchRequest;
  readonly recordsChanged?: number;
  readonly outcome: 'switched' | 'noop' | 'paged' | 'refused' | 'failed' | 'automation-changed';
  readonly durationsMs?: SwitchOutcome['durationsMs'] & { readonly total: number };
  readonly epoch?: number;
  readonly detail?: string;
}
