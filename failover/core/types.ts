import type { Policy } from '../config/schema';

/**
 * The vocabulary of the decision core. Plain data only: the core never calls AWS, so every type here can be built in
 * a test or by fast-check.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A CloudWatch alarm state change, as delivered by SNS and parsed by failover/handler. */
export interface AlarmEvent {
  /** The SNS MessageId: the deduplication key of one delivery. */
  readonly messageId: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  /** Taken from the AlarmArn (the message's `Region` field is a display name such as "US East (N. Virginia)"). */
  readonly region: string;
  readonly accountId: string;
  readonly newState: AlarmState;
  readonly oldState: AlarmState;
  readonly reason: string;
  readonly stateChangeTime: Date;
  /** Composite alarms carry `AlarmRule` instead of `Trigger`. */
  readonly composite: boolean;
  /** The SNS topic it came through (checked against the deployment's alarm topics by the handler). */
  readonly topicArn?: string;
}

/** The health of one Region, read from its alarms in that Region (never inferred from the notification alone). */
export interface RegionHealth {
  readonly region: string;
  /** healthy = the Region's health alarm is OK; unhealthy = ALARM; unknown = INSUFFICIENT_DATA, missing or unreadable. */
  readonly status: 'healthy' | 'unhealthy' | 'unknown';
  /** When the Region's health alarm entered its current state. */
  readonly since?: Date;
  /** Managed alarms of this Region currently in ALARM. */
  readonly alarmsInAlarm: readonly string[];
  /** Why the status is unknown (for example: the Region's CloudWatch API did not answer). */
  readonly detail?: string;
}

export interface AutomationState {
  readonly enabled: boolean;
  readonly reason?: string;
  readonly changedBy?: string;
  readonly changedAt?: Date;
}

/** What the control table says about routing. */
export interface RoutingState {
  /** The Region the shared routing record (and every premium tenant without an override) points at. */
  readonly activeRegion: string;
  /** Grows by one with every completed switch; the fencing token of the next one. */
  readonly epoch: number;
  readonly automation: AutomationState;
  readonly lastSwitchAt?: Date;
  /** Times of automatic failovers, for policy.maxAutoFailovers per policy.windowSeconds. */
  readonly recentAutoFailovers: readonly Date[];
  /** Premium tenants moved on their own: tenant id → Region. */
  readonly tenantOverrides: Readonly<Record<string, string>>;
  /**
   * The cell scope's own history, per premium tenant moved on its own: its last switch and its automatic failovers,
   * for the same cooldown and window rules as the Region's (a tenant's move never puts the Region in cooldown).
   */
  readonly tenantScopes?: Readonly<Record<string, TenantScopeState>>;
}

export interface TenantScopeState {
  readonly lastSwitchAt?: Date;
  readonly recentAutoFailovers: readonly Date[];
}

export interface DecisionInput {
  /** The notification that triggered this decision; absent for a reconciliation (schedule, every invocation). */
  readonly alarm?: AlarmEvent;
  /** What the control table says (belief): automation, cooldown, window, the last completed switch. */
  readonly routing: RoutingState;
  /** The routing records Route 53 serves, set against the table and any pending intent (failover/core/truth.ts). */
  readonly truth: RoutingTruth;
  /** Health of both Regions, keyed by Region code. */
  readonly health: Readonly<Record<string, RegionHealth>>;
  /**
   * For a premium tenant's alarm: that tenant's silo in each Region (its composite, names.tenantAlarm), keyed by Region.
   * Absent when it could not be read: the decision then pages instead of moving the tenant.
   */
  readonly tenantHealth?: Readonly<Record<string, RegionHealth>>;
  /**
   * For a Region failover: each premium tenant's silo in the Region traffic would move to (its composite there), by
   * tenant id. A tenant whose silo there is unhealthy is kept where it is (scope `keep`). Absent, or a tenant missing
   * from it: the Region's health stands for the tenant's silo (it moves with the Region).
   */
  readonly targetSilos?: Readonly<Record<string, RegionHealth>>;
  /** The configured premium tenants: only they move on their own. Absent = none known (a tenant alarm pages). */
  readonly premiumTenants?: readonly string[];
  readonly policy: Policy;
  readonly regions: { readonly primary: string; readonly secondary: string };
  /** Alarms whose names start with this prefix are under management; others are ignored. */
  readonly managedAlarmPrefix: string;
  readonly now: Date;
}

export type NoopCode =
  | 'alarm-not-managed'
  | 'not-an-alarm-transition'
  | 'monitor-alarm'
  | 'active-region-recovered'
  | 'stale-alarm'
  | 'active-region-healthy'
  | 'active-region-health-unknown'
  | 'tenant-recovered'
  | 'region-scope-applies';

export type PageCode =
  | 'unknown-region'
  | 'standby-region-alarm'
  | 'tenant-alarm'
  | 'unknown-tenant'
  | 'standby-tenant-alarm'
  | 'both-silos-unhealthy'
  | 'routing-not-converged'
  | 'both-regions-unhealthy'
  | 'target-region-unhealthy'
  | 'target-not-healthy-long-enough'
  | 'automation-disabled'
  | 'cooldown'
  | 'too-many-failovers';

/** The tagged result of the decision core. `reason` is a sentence for humans (logs, audit, on-call message). */
export type Decision =
  /** `scope` absent: the Region (every tenant); `tenants`: one premium tenant's cell (its silo's alarm). */
  | {
      readonly kind: 'failover';
      readonly from: string;
      readonly to: string;
      readonly reason: string;
      readonly scope?: SwitchScope;
    }
  /** Routing is split or a switch was left unfinished: move the records of `scope` to `to` (truth.ts says why). */
  | { readonly kind: 'converge'; readonly to: string; readonly scope: SwitchScope; readonly reason: string }
  | { readonly kind: 'noop'; readonly code: NoopCode; readonly reason: string }
  | { readonly kind: 'page'; readonly code: PageCode; readonly reason: string };

/** One routing record as Route 53 serves it. `region` is undefined when the record is missing or not recognisable. */
export interface ObservedRecord {
  /** `shared` (every basic and advanced tenant) or a premium tenant's id. */
  readonly label: string;
  readonly name: string;
  readonly region: string | undefined;
}

/** Every routing record of the zone as read from Route 53: the truth of where traffic goes. */
export interface ObservedRouting {
  readonly records: readonly ObservedRecord[];
}

/**
 * Observation set against belief (pure, failover/core/truth.ts):
 *   consistent  every record is where the control table says (its active Region, or a tenant's override), no intent;
 *   pending     a switch intent is left in the table (its holder crashed, or is still running if the lease is held);
 *   split       records disagree with the table and no intent explains it (a stale writer, a hand edit).
 */
export type RoutingTruth =
  | { readonly kind: 'consistent'; readonly activeRegion: string }
  | {
      readonly kind: 'pending';
      readonly targetRegion: string;
      /** What the unfinished switch moves: every tenant, or only some premium tenants (a runbook's tenant move). */
      readonly scope: SwitchScope;
      readonly fromRegion: string;
      readonly intentId: string;
      readonly byRegion: Readonly<Record<string, readonly string[]>>;
    }
  | {
      readonly kind: 'split';
      /** The Region the control table names (its fenced, last completed decision). */
      readonly tableRegion: string;
      /** Record labels per Region they point at (`missing` for records absent or unrecognisable). */
      readonly byRegion: Readonly<Record<string, readonly string[]>>;
      /** Labels not where the table says. */
      readonly stragglers: readonly string[];
    };

// The vocabulary of a switch and of its record (control table, audit trail): shared by the switch, the ports and the
// state adapters, so it lives here rather than in any one of them.

/** What to switch: the whole Region (shared record and every premium tenant), or some premium tenants only. */
export type SwitchScope =
  /**
   * Every routing record moves, except the records of the premium tenants in `keep`, which stay where they are (their
   * silo in the target is unhealthy: a Region move never drags a tenant into a silo it fled or that is down).
   */
  | { readonly kind: 'region'; readonly keep?: readonly string[] }
  | { readonly kind: 'tenants'; readonly tenantIds: readonly string[] };

export interface SwitchRequest {
  readonly targetRegion: string;
  readonly scope: SwitchScope;
}

export interface SwitchOutcome {
  readonly recordsChanged: number;
  /** ChangeResourceRecordSets calls made, retries included. */
  readonly changeCalls: number;
  readonly retries: number;
  readonly changeIds: readonly string[];
  /** Route 53's time of the last change (ChangeInfo.SubmittedAt): the switch's time by AWS's clock, not ours. */
  readonly submittedAt?: Date;
  readonly durationsMs: { readonly apply: number; readonly inSync: number; readonly verify: number };
}

/** Who asked for a switch. The same switch code serves all three callers. */
export type SwitchCaller = 'automatic-failover' | 'manual-failover' | 'manual-failback' | 'drill' | 'reconciler';

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
  /** The routing epoch the switch started from: "done" is recorded only if the epoch is still this one. */
  readonly baseEpoch: number;
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
  /** verified: a runbook checked a switch from the outside (records read back, probes served by the target). */
  readonly outcome: 'switched' | 'noop' | 'paged' | 'refused' | 'failed' | 'automation-changed' | 'verified';
  readonly durationsMs?: SwitchOutcome['durationsMs'] & { readonly total: number };
  readonly epoch?: number;
  readonly detail?: string;
}

export interface Clock {
  now(): Date;
}

export type DeliveryClaim =
  /** First time (or a retry after a failure or a crash): process it. */
  | { readonly status: 'claimed' }
  /** Already processed: do nothing. */
  | { readonly status: 'done'; readonly result?: Record<string, unknown> }
  /**
   * Another invocation is processing it, or crashed while processing it (the claim stays until `until`). Do not
   * acknowledge it yet: wait for 'done', or retry later (failover/handler/process-alarm.ts).
   */
  | { readonly status: 'in-flight'; readonly until: Date };
