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
  | 'active-region-health-unknown';

export type PageCode =
  | 'unknown-region'
  | 'standby-region-alarm'
  | 'tenant-alarm'
  | 'routing-not-converged'
  | 'both-regions-unhealthy'
  | 'target-region-unhealthy'
  | 'target-not-healthy-long-enough'
  | 'automation-disabled'
  | 'cooldown'
  | 'too-many-failovers';

/** What a switch moves: every tenant (the Region), or only the named premium tenants' records. */
export type SwitchScope =
  | { readonly kind: 'region' }
  | { readonly kind: 'tenants'; readonly tenantIds: readonly string[] };

/** The tagged result of the decision core. `reason` is a sentence for humans (logs, audit, on-call message). */
export type Decision =
  | { readonly kind: 'failover'; readonly from: string; readonly to: string; readonly reason: string }
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
