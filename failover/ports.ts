import type {
  AuditEntry,
  DeliveryClaim,
  ObservedRouting,
  RegionHealth,
  RoutingState,
  SwitchIntent,
  SwitchOutcome,
  SwitchRequest,
} from './core/types';

/**
 * The ports between the pure core and AWS. Each has an AWS SDK v3 adapter; tests use the adapters against moto, or
 * aws-sdk-client-mock for unit tests. Clients are created once (failover/aws/clients.ts) and injected.
 */

/** Reads the health of Regions from their CloudWatch alarms, each Region from its own endpoint. */
export interface HealthReader {
  read(regions: readonly string[], now: Date): Promise<Record<string, RegionHealth>>;
  /**
   * One premium tenant's silo in each Region (its composite, names.tenantAlarm), for the cell scope. A reader without
   * it leaves tenant alarms to on-call (the decision pages: a tenant never moves on a notification alone).
   */
  readTenant?(tenantId: string, regions: readonly string[], now: Date): Promise<Record<string, RegionHealth>>;
  /**
   * Many premium tenants' silos in ONE Region (each composite's state, batched), keyed by tenant id: what a Region
   * failover reads of its target so it never drags a tenant into a silo that is down (decide.ts rule 12).
   */
  readTenantsIn?(tenantIds: readonly string[], region: string, now: Date): Promise<Record<string, RegionHealth>>;
}

/** What to switch: the whole Region (shared record and every premium tenant), or some premium tenants only. */
export type { SwitchScope } from './core/types';

/** One routing record's change. `from` is undefined when the record does not exist yet. */
export interface RecordChange {
  readonly name: string;
  readonly from?: string;
  readonly to: string;
  readonly ttl: number;
  /** premium first: premium tenants are isolated and paying for it; the shared record moves every other tenant. */
  readonly priority: 'premium' | 'shared';
}

export interface SwitchPlan {
  readonly request: SwitchRequest;
  /** Records that change, premium first, in the order they are applied. */
  readonly changes: readonly RecordChange[];
  /** Routing records already pointing at the target (skipped: rerunning a switch converges). */
  readonly unchanged: readonly string[];
  /** `changes` cut into ChangeResourceRecordSets batches within Route 53's limits. */
  readonly batches: readonly (readonly RecordChange[])[];
}

export type SwitchProgress =
  | { readonly type: 'batch-applied'; readonly index: number; readonly of: number; readonly changeId: string }
  | { readonly type: 'throttled'; readonly attempt: number; readonly delayMs: number; readonly code: string }
  | { readonly type: 'in-sync'; readonly changeId: string }
  | { readonly type: 'verified'; readonly records: number };

/**
 * Moves traffic. The Route 53 records switch (control plane) is the first implementation; a data-plane switch (ARC
 * routing controls, or health-check failover records) can implement the same interface.
 */
export interface TrafficSwitch {
  readonly mode: 'route53-records';
  /**
   * Reads the routing records and plans the change. Reads only. With `reassert`, records already at the target are
   * planned as changes too (UPSERTs of the same value): applying that plan waits until those values are INSYNC and
   * reads them back, which is how a rerun confirms records a crashed holder changed but never saw INSYNC.
   */
  plan(request: SwitchRequest, options?: { readonly reassert?: boolean }): Promise<SwitchPlan>;
  /**
   * Applies a plan: batches with retries on Throttling / PriorRequestNotComplete (exponential backoff, full jitter),
   * waits for every change to be INSYNC, then reads the records back. Throws if the read-back differs from the plan.
   */
  apply(plan: SwitchPlan, onProgress?: (p: SwitchProgress) => void, guard?: WriteGuard): Promise<SwitchOutcome>;
  /**
   * What Route 53 actually serves for every routing record (the truth of where traffic goes: ARCHITECTURE.md, "The
   * truth model"). Reads only.
   */
  observe(): Promise<ObservedRouting>;
}

/**
 * Called before EVERY change request (each batch, each retry): throws to stop the switch writing, for example because
 * its lease is no longer provably held. The fencing token only protects the control table; this protects Route 53.
 */
export type WriteGuard = () => Promise<void>;

/**
 * A held switch lease. `token` is the fencing token: writes made under the lease are conditional on it. No field is a
 * wall-clock time: a lease never depends on two machines' clocks agreeing (ARCHITECTURE.md, "The lease protocol").
 */
export interface Lease {
  readonly owner: string;
  readonly token: number;
  /** The record version: a new value at every acquisition and renewal, so a contender can see whether it is renewed. */
  readonly version: string;
  /** How long the lease lives after each acquisition or renewal, as declared in the item (contenders wait this long). */
  readonly durationMs: number;
  /**
   * The holder's own deadline on ITS monotonic clock: when the last confirmed write was SENT + durationMs. A contender
   * starts waiting only after it SAW that write, so it can never take the lease before this deadline has passed.
   */
  readonly validUntilMs: number;
}

/** The lease as anybody can read it (status views, "held by X" messages). */
export interface LeaseView {
  readonly owner: string;
  readonly token: number;
  readonly version: string;
  readonly durationMs: number;
  /** When the holder last acquired or renewed it, by the holder's clock (display only: never used to decide). */
  readonly renewedAt?: Date;
}

/** The control table: routing state, lease, write-ahead switch intent, audit trail. */
export interface ControlStore {
  getRouting(): Promise<RoutingState>;
  /**
   * Takes the lease if it is free, released, or provably abandoned: this store itself has observed the SAME lease
   * version, unrenewed, for the lease's full declared duration on its own monotonic clock. Otherwise undefined (call
   * again later with the same store: it remembers what it has observed). `now` is recorded for display only.
   */
  acquireLease(owner: string, ttlSeconds: number, now: Date): Promise<Lease | undefined>;
  releaseLease(lease: Lease): Promise<void>;
  /**
   * Extends a held lease (a conditional write on its version). Undefined when it was lost: the holder must stop
   * writing at once. Throws when the renewal could not be made (throttling, timeout): the holder then keeps only what
   * is left of its current validity.
   */
  renewLease(lease: Lease, now: Date): Promise<Lease | undefined>;
  /** Milliseconds of validity left on this store's monotonic clock (<= 0: stop writing). */
  leaseRemainingMs(lease: Lease): number;
  currentLease(): Promise<LeaseView | undefined>;
  /** Written before the first Route 53 change, so a rerun after a crash finishes the switch. Fenced by the lease. */
  recordSwitchStarted(lease: Lease, intent: SwitchIntent): Promise<void>;
  /** The unfinished switch, if a previous holder crashed mid-switch. */
  pendingSwitch(): Promise<SwitchIntent | undefined>;
  /**
   * Written only after INSYNC and read-back: the new routing state, epoch + 1. Fenced by the lease. `switchedAt` is
   * Route 53's own time of the change (ChangeInfo.SubmittedAt) when there was one: not this machine's clock.
   */
  recordSwitchDone(
    lease: Lease,
    intent: SwitchIntent,
    outcome: SwitchOutcome,
    switchedAt: Date,
    announcement: SwitchAnnouncement,
  ): Promise<RoutingState>;
  /**
   * The outbox: announcements of switches recorded done whose audit entry or on-call message has not been confirmed
   * (the switching process died or could not reach SNS after "done"). Written in the same transaction as "done".
   */
  pendingAnnouncements(): Promise<SwitchAnnouncement[]>;
  /** Removes an announcement from the outbox once it is audited and on-call was told. */
  clearAnnouncement(intentId: string): Promise<void>;
  setAutomation(enabled: boolean, reason: string, actor: string, now: Date): Promise<RoutingState>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /**
   * Appends an audit entry at most once per `key` (a delivery's retries must not write the same "paged" three times).
   * False when an entry with this key was already written.
   */
  appendAuditOnce(key: string, entry: AuditEntry): Promise<boolean>;
  listAudit(limit: number): Promise<AuditEntry[]>;
}

/**
 * What a switch recorded as done still owes: its audit entry and its message to on-call. Kept in the control table's
 * outbox from the "done" transaction until both are confirmed, so a crash in between loses neither (ARCHITECTURE.md,
 * "The announcement outbox").
 */
export interface SwitchAnnouncement {
  readonly intentId: string;
  /** The lease token of the switch that wrote it: while that token still holds the lease, the writer delivers it. */
  readonly token: number;
  readonly audit: Omit<AuditEntry, 'id' | 'at'>;
  readonly subject: string;
  readonly message: Record<string, unknown>;
}

/** Tells on-call (an SNS topic in AWS and locally). */
export interface Notifier {
  notify(subject: string, message: Record<string, unknown>): Promise<void>;
}

/** Deduplicates SNS deliveries by MessageId (failover/state/delivery-ledger.ts is the DynamoDB adapter). */
export interface DeliveryLedger {
  /** `inFlightSeconds`: after this long, a claim whose holder crashed can be claimed again. */
  claim(messageId: string, now: Date, inFlightSeconds: number): Promise<DeliveryClaim>;
  complete(messageId: string, result: Record<string, unknown>): Promise<void>;
  /** Processing failed: forget the claim so the redelivery is processed. */
  release(messageId: string): Promise<void>;
}
