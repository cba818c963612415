import type { RegionHealth, RoutingState } from './core/types';
import type { AuditEntry, SwitchIntent } from './state/model';

/**
 * The ports between the pure core and AWS. Each has an AWS SDK v3 adapter; tests use the adapters against moto, or
 * aws-sdk-client-mock for unit tests. Clients are created once (failover/aws/clients.ts) and injected.
 */

/** Reads the health of Regions from their CloudWatch alarms, each Region from its own endpoint. */
export interface HealthReader {
  read(regions: readonly string[], now: Date): Promise<Record<string, RegionHealth>>;
}

/** What to switch: the whole Region (shared record and every premium tenant), or some premium tenants only. */
export type SwitchScope =
  | { readonly kind: 'region' }
  | { readonly kind: 'tenants'; readonly tenantIds: readonly string[] };

export interface SwitchRequest {
  readonly targetRegion: string;
  readonly scope: SwitchScope;
}

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

export interface SwitchOutcome {
  readonly recordsChanged: number;
  /** ChangeResourceRecordSets calls made, retries included. */
  readonly changeCalls: number;
  readonly retries: number;
  readonly changeIds: readonly string[];
  readonly durationsMs: { readonly apply: number; readonly inSync: number; readonly verify: number };
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
  apply(plan: SwitchPlan, onProgress?: (p: SwitchProgress) => void): Promise<SwitchOutcome>;
}

/** A held switch lease. `token` is the fencing token: writes made under the lease are conditional on it. */
export interface Lease {
  readonly owner: string;
  readonly token: number;
  readonly expiresAt: Date;
}

/** The control table: routing state, lease, write-ahead switch intent, audit trail. */
export interface ControlStore {
  getRouting(): Promise<RoutingState>;
  /** Conditional write: succeeds only if no unexpired lease is held. Undefined when another holder has it. */
  acquireLease(owner: string, ttlSeconds: number, now: Date): Promise<Lease | undefined>;
  releaseLease(lease: Lease): Promise<void>;
  /** Extends a held lease (a switch outlasting it must not let a second caller in). Undefined if it was lost. */
  renewLease(lease: Lease, ttlSeconds: number, now: Date): Promise<Lease | undefined>;
  /** Written before the first Route 53 change, so a rerun after a crash finishes the switch. Fenced by the lease. */
  recordSwitchStarted(lease: Lease, intent: SwitchIntent): Promise<void>;
  /** The unfinished switch, if a previous holder crashed mid-switch. */
  pendingSwitch(): Promise<SwitchIntent | undefined>;
  /** Written only after INSYNC and read-back: the new routing state, epoch + 1. Fenced by the lease. */
  recordSwitchDone(lease: Lease, intent: SwitchIntent, outcome: SwitchOutcome, now: Date): Promise<RoutingState>;
  setAutomation(enabled: boolean, reason: string, actor: string, now: Date): Promise<RoutingState>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;
}

/** Tells on-call (an SNS topic in AWS and locally). */
export interface Notifier {
  notify(subject: string, message: Record<string, unknown>): Promise<void>;
}
