import { randomUUID } from 'node:crypto';
import { describeScope } from '../core/scope';
import type {
  AuditEntry,
  Clock,
  RoutingState,
  SwitchCaller,
  SwitchIntent,
  SwitchOutcome,
  SwitchRequest,
} from '../core/types';
import type {
  ControlStore,
  Lease,
  Notifier,
  SwitchAnnouncement,
  SwitchPlan,
  SwitchProgress,
  TrafficSwitch,
} from '../ports';
import { routingSatisfies } from '../state/model';

/**
 * The one switch orchestration. The failover Lambda, the runbooks and the drills all move traffic through
 * {@link executeSwitch}:
 *
 *   lease → announce what a crashed holder left in the outbox → finish a crashed holder's intent → plan → write-ahead
 *   intent → apply (INSYNC + read-back) → record done + its announcement (one transaction) → audit → notify → clear
 *   the announcement → release the lease (always)
 *
 * Safety comes from the control table, not from this code being the only copy running: the lease makes two concurrent
 * callers take turns (the loser gets 'lease-held' and changes nothing), the lease token fences a holder that lost its
 * lease, and "done" is written only if the routing epoch is still the one the switch started from.
 */

export const systemClock: Clock = { now: () => new Date() };

export interface SwitchDeps {
  readonly store: ControlStore;
  readonly trafficSwitch: TrafficSwitch;
  readonly notifier: Notifier;
  readonly clock: Clock;
  /** Who holds the lease: a Lambda request id, `runbook:<user>@<host>`, `drill:<id>`. */
  readonly owner: string;
  /** Sees every progress event of the Route 53 apply (a CLI progress bar, a drill's timeline, a test's kill point). */
  readonly onProgress?: (progress: SwitchProgress) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ExecuteSwitchRequest {
  readonly switch: SwitchRequest;
  readonly caller: SwitchCaller;
  /** The human or function responsible: `failover-lambda`, an IAM user, an on-call engineer's name. */
  readonly actor: string;
  readonly reason: string;
  /** What started it: `sns:<MessageId> <alarm>`, `runbook:failback step 4`, `drill:<id>`. */
  readonly trigger: string;
  readonly leaseSeconds: number;
  /**
   * While another caller holds the lease, keep asking for this long (0: ask once). Taking over a crashed holder's
   * lease needs the lease's full duration of observation (ARCHITECTURE.md, "The lease protocol").
   */
  readonly leaseWaitMs?: number;
  /**
   * A pending intent of a crashed holder is normally finished first. With this set (the reconciler's converge, which
   * has already chosen where the records must go — possibly back where they came from), it is replaced instead.
   */
  readonly supersedePending?: boolean;
}

export interface SwitchStageDurations {
  readonly lease: number;
  /** Finishing a crashed holder's switch first (0 when there was none). */
  readonly recover: number;
  readonly plan: number;
  readonly intent: number;
  readonly apply: number;
  readonly inSync: number;
  readonly verify: number;
  readonly record: number;
  readonly total: number;
}

export interface SwitchReport {
  /**
   * switched: records moved (or the routing state caught up with records already there) and "done" was recorded;
   * noop: records and routing state already say what was asked; lease-held: another caller is switching, nothing
   * changed; failed: see `error` (the intent stays, so a rerun finishes the switch).
   */
  readonly outcome: 'switched' | 'noop' | 'lease-held' | 'failed';
  readonly request: SwitchRequest;
  readonly plan?: SwitchPlan;
  readonly switchOutcome?: SwitchOutcome;
  /** The routing epoch after the switch (or as found, for noop). */
  readonly epoch?: number;
  readonly routing?: RoutingState;
  /** The crashed holder's intent this run finished first (a different target) or continued (the same target). */
  readonly recovered?: { readonly intent: SwitchIntent; readonly mode: 'finished' | 'continued' | 'superseded' };
  readonly durationsMs: SwitchStageDurations;
  readonly error?: string;
  /** Set when notifying on-call failed: the switch itself stands. */
  readonly notifyError?: string;
  /** Set when writing the audit entry failed after the switch was recorded done: the switch itself stands. */
  readonly auditError?: string;
  /** Set when the lease was lost mid-switch: the switch stopped writing at once (see `error`). */
  readonly leaseLost?: boolean;
  /** Why: another caller took it over, or this switch could not renew its own lease in time (no rival needed). */
  readonly leaseLostBecause?: 'taken-over' | 'not-renewed';
}

const sameRequest = (a: SwitchRequest, b: SwitchRequest) => JSON.stringify(a) === JSON.stringify(b);

function describeRequest(request: SwitchRequest): string {
  return `${describeScope(request.scope)} → ${request.targetRegion}`;
}

const ZERO_OUTCOME: SwitchOutcome = {
  recordsChanged: 0,
  changeCalls: 0,
  retries: 0,
  changeIds: [],
  durationsMs: { apply: 0, inSync: 0, verify: 0 },
};

/** Runs one switch under the lease. Never throws for a switch failure: it reports 'failed' (audited and notified). */
export async function executeSwitch(deps: SwitchDeps, req: ExecuteSwitchRequest): Promise<SwitchReport> {
  const { store, clock } = deps;
  const started = clock.now().getTime();
  const since = (t: number) => clock.now().getTime() - t;
  const durations = {
    lease: 0,
    recover: 0,
    plan: 0,
    intent: 0,
    apply: 0,
    inSync: 0,
    verify: 0,
    record: 0,
    total: 0,
  };
  const finish = (report: Omit<SwitchReport, 'durationsMs' | 'request'>): SwitchReport => ({
    ...report,
    request: req.switch,
    durationsMs: { ...durations, total: since(started) },
  });

  let t = clock.now().getTime();
  const lease = await acquireWithin(deps, req);
  durations.lease = since(t);
  if (!lease) return finish({ outcome: 'lease-held' });

  const holder = new LeaseHolder(deps, lease);
  let plan: SwitchPlan | undefined;
  let recovered: SwitchReport['recovered'];
  const recoveryErrors: { audit?: string; notify?: string } = {};
  const joined = (...errors: (string | undefined)[]) => errors.filter(Boolean).join('; ') || undefined;
  try {
    t = clock.now().getTime();
    // Holding the lease, this switch also owes on-call what a crashed holder recorded done but never announced.
    const owed = await deliverAll(deps, await store.pendingAnnouncements(), 'finished');
    recoveryErrors.audit = owed.auditError;
    recoveryErrors.notify = owed.notifyError;
    const pending = await store.pendingSwitch();
    if (pending && !sameRequest(pending.request, req.switch) && !req.supersedePending) {
      // A crashed holder left another switch half-applied: finish it, so records and routing state agree again,
      // before planning ours from a known state.
      const trigger = `recovery by ${deps.owner} of intent ${pending.id}`;
      const done = await runSwitch(
        deps,
        holder,
        { ...pending, token: lease.token },
        () => {},
        (outcome, epoch) => ({
          intentId: pending.id,
          token: holder.current.token,
          audit: {
            caller: pending.caller,
            actor: pending.actor,
            trigger,
            reason: `finished the switch interrupted at ${pending.startedAt.toISOString()}: ${pending.reason}`,
            request: pending.request,
            recordsChanged: outcome.recordsChanged,
            outcome: 'switched',
            epoch,
          },
          subject: `RegionFlip switched ${describeRequest(pending.request)} (an interrupted switch, finished)`,
          message: {
            outcome: 'switched',
            caller: pending.caller,
            actor: pending.actor,
            reason: pending.reason,
            trigger,
            from: pending.fromRegion,
            to: pending.request.targetRegion,
            scope: pending.request.scope,
            recordsChanged: outcome.recordsChanged,
            epoch,
          },
        }),
      );
      recovered = { intent: pending, mode: 'finished' };
      // The crashed holder's switch IS done now: like our own after "done", a failed audit write or announcement is
      // reported (and stays in the outbox for the reconciler), never turned into a failure of the switch asked for.
      const told = await deliver(deps, done.announcement);
      recoveryErrors.audit = joined(recoveryErrors.audit, told.auditError);
      recoveryErrors.notify = joined(recoveryErrors.notify, told.notifyError);
    } else if (pending && !sameRequest(pending.request, req.switch)) {
      // The reconciler decided where the records go: this switch replaces the crashed holder's intent.
      recovered = { intent: pending, mode: 'superseded' };
    } else if (pending) {
      recovered = { intent: pending, mode: 'continued' };
    }
    durations.recover = since(t);

    t = clock.now().getTime();
    const routing = await store.getRouting();
    plan = await deps.trafficSwitch.plan(req.switch);
    durations.plan = since(t);
    if (plan.changes.length === 0 && routingSatisfies(routing, req.switch) && recovered === undefined) {
      await audit(store, clock, {
        ...auditBase(req),
        reason: `${req.reason} (nothing to change: ${describeRequest(req.switch)} already)`,
        outcome: 'noop',
        epoch: routing.epoch,
      });
      return finish({ outcome: 'noop', plan, epoch: routing.epoch, routing, recovered });
    }

    const intent: SwitchIntent = {
      id: recovered?.mode === 'continued' ? recovered.intent.id : randomUUID(),
      request: req.switch,
      fromRegion: routing.activeRegion,
      caller: req.caller,
      actor: req.actor,
      reason: req.reason,
      startedAt: recovered?.mode === 'continued' ? recovered.intent.startedAt : clock.now(),
      token: lease.token,
      baseEpoch: routing.epoch,
    };
    const done = await runSwitch(
      deps,
      holder,
      intent,
      (stage, ms) => {
        durations[stage] = ms;
      },
      (outcome, epoch) => {
        const total = since(started);
        return {
          intentId: intent.id,
          token: holder.current.token,
          audit: {
            ...auditBase(req),
            reason: req.reason,
            recordsChanged: outcome.recordsChanged,
            outcome: 'switched',
            durationsMs: { ...outcome.durationsMs, total },
            epoch,
            ...(recovered ? { detail: `${recovered.mode} the intent ${recovered.intent.id} of a crashed holder` } : {}),
          },
          subject: `RegionFlip switched ${describeRequest(req.switch)}`,
          message: {
            outcome: 'switched',
            caller: req.caller,
            actor: req.actor,
            reason: req.reason,
            trigger: req.trigger,
            from: intent.fromRegion,
            to: req.switch.targetRegion,
            scope: req.switch.scope,
            recordsChanged: outcome.recordsChanged,
            epoch,
            durationsMs: { ...durations, ...outcome.durationsMs, total },
          },
        };
      },
      plan,
    );
    durations.apply = done.outcome.durationsMs.apply;
    durations.inSync = done.outcome.durationsMs.inSync;
    durations.verify = done.outcome.durationsMs.verify;

    // From here on the switch IS done (recorded under the lease, with its announcement in the outbox): a failed audit
    // write or message is reported, logged and counted by the caller — never a false "switch FAILED" — and the
    // reconciler delivers it later.
    const { auditError, notifyError } = await deliver(deps, done.announcement);
    return finish({
      outcome: 'switched',
      plan,
      switchOutcome: done.outcome,
      epoch: done.routing.epoch,
      routing: done.routing,
      recovered,
      notifyError: joined(recoveryErrors.notify, notifyError),
      auditError: joined(recoveryErrors.audit, auditError),
    });
  } catch (err) {
    const leaseLost = err instanceof LeaseLostError;
    const leaseLostBecause = leaseLost ? holder.lostBecause : undefined;
    const error = err instanceof Error ? err.message : String(err);
    await audit(store, clock, {
      ...auditBase(req),
      reason: req.reason,
      outcome: 'failed',
      detail: `${error} (the switch intent is kept: rerun the switch to finish it)`,
    }).catch(() => undefined);
    const notifyError = await tell(deps.notifier, `RegionFlip switch FAILED: ${describeRequest(req.switch)}`, {
      outcome: 'failed',
      caller: req.caller,
      actor: req.actor,
      reason: req.reason,
      trigger: req.trigger,
      error,
      action: leaseLost
        ? leaseLostBecause === 'not-renewed'
          ? 'this switch could not renew its own lease in time and stopped writing before the lease could pass to ' +
            'anyone; the reconciler converges the records within a minute (check `regionflip status`)'
          : 'nothing to do by hand: another caller holds the switch now, and the reconciler converges the records'
        : 'check `regionflip status`: the reconciler finishes a pending switch within a minute, or rerun it',
    });
    return finish({
      outcome: 'failed',
      plan,
      recovered,
      error,
      notifyError,
      ...(leaseLost ? { leaseLost, leaseLostBecause } : {}),
    });
  } finally {
    holder.stop();
    if (!holder.lost) await store.releaseLease(holder.current).catch(() => undefined);
  }
}

/** The lease, asked for until `leaseWaitMs` has passed (the same store instance remembers what it observed). */
async function acquireWithin(
  deps: SwitchDeps,
  req: Pick<ExecuteSwitchRequest, 'leaseSeconds' | 'leaseWaitMs'>,
): Promise<Lease | undefined> {
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.clock.now().getTime() + (req.leaseWaitMs ?? 0);
  for (;;) {
    const lease = await deps.store.acquireLease(deps.owner, req.leaseSeconds, deps.clock.now());
    if (lease) return lease;
    const remaining = deadline - deps.clock.now().getTime();
    if (remaining <= 0) return undefined;
    await sleep(Math.min(remaining, 500));
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The switch lost its lease: it stopped writing (to Route 53 and to the table) the moment it could not prove it. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

/**
 * Holds the lease while a switch runs: renews it at a third of its life, and guards every Route 53 write. The guard
 * renews first when a third of the lease has passed since the last renewal, then requires at least a third of the
 * lease left on this process's own monotonic clock — enough for the change request it is about to send (the Route 53
 * client's request timeout must stay below it). A renewal refused by the table means the lease is gone: lost, and
 * every later guard throws. A renewal that fails for another reason (throttling, timeout) is retried by the next
 * guard or heartbeat; meanwhile the validity left from the last confirmed renewal is all the holder may use.
 */
class LeaseHolder {
  current: Lease;
  lost = false;
  lostBecause: 'taken-over' | 'not-renewed' = 'taken-over';
  private lastError: string | undefined;
  private renewing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: SwitchDeps,
    lease: Lease,
  ) {
    this.current = lease;
    this.timer = setInterval(() => void this.renew(), Math.max(100, lease.durationMs / 3));
    this.timer.unref();
  }

  private renew(): Promise<void> {
    if (this.lost) return Promise.resolve();
    this.renewing ??= (async () => {
      try {
        const renewed = await this.deps.store.renewLease(this.current, this.deps.clock.now());
        if (renewed) {
          this.current = renewed;
          this.lastError = undefined;
        } else {
          this.lost = true;
        }
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  /** Throws LeaseLostError unless the lease is provably held with a third of its life left. */
  readonly guard = async (): Promise<void> => {
    const third = this.current.durationMs / 3;
    if (!this.lost && this.deps.store.leaseRemainingMs(this.current) < 2 * third) await this.renew();
    if (this.lost) {
      throw new LeaseLostError(
        `the switch lease (token ${this.current.token}) was taken over by another caller: stopped writing`,
      );
    }
    const left = this.deps.store.leaseRemainingMs(this.current);
    if (left < third) {
      this.lost = true;
      this.lostBecause = 'not-renewed';
      throw new LeaseLostError(
        `the switch lease (token ${this.current.token}) could not be renewed (${this.lastError ?? 'no answer'}) and ` +
          `has ${Math.max(0, Math.round(left))} ms left: stopped writing before another caller may take it`,
      );
    }
  };

  stop(): void {
    clearInterval(this.timer);
  }
}

/** intent → apply → done, under the lease. Used for our own switch and to finish a crashed holder's. */
async function runSwitch(
  deps: SwitchDeps,
  holder: LeaseHolder,
  intent: SwitchIntent,
  onStage: (stage: 'intent' | 'record', ms: number) => void,
  announce: (outcome: SwitchOutcome, epoch: number) => SwitchAnnouncement,
  plannedAlready?: SwitchPlan,
): Promise<{ outcome: SwitchOutcome; routing: RoutingState; announcement: SwitchAnnouncement }> {
  const { store, clock } = deps;
  let t = clock.now().getTime();
  await holder.guard();
  await store.recordSwitchStarted(holder.current, intent);
  onStage('intent', clock.now().getTime() - t);
  let plan = plannedAlready ?? (await deps.trafficSwitch.plan(intent.request));
  let reasserted = false;
  if (plan.changes.length === 0) {
    // The records are already at the target, but nobody saw them INSYNC (a holder crashed after its last batch):
    // "done" still waits for INSYNC and the read-back, so UPSERT the same values again and apply that.
    plan = await deps.trafficSwitch.plan(intent.request, { reassert: true });
    reasserted = true;
  }
  const applied =
    plan.changes.length === 0 ? ZERO_OUTCOME : await deps.trafficSwitch.apply(plan, deps.onProgress, holder.guard);
  const outcome = reasserted ? { ...applied, recordsChanged: 0 } : applied;
  t = clock.now().getTime();
  await holder.guard();
  // Route 53's clock, not ours, dates the switch (a skewed host must not put lastSwitchAt in the future).
  // "done" lands with its announcement (the outbox): epoch + 1 is what "done" writes, fenced on the base epoch.
  const announcement = announce(outcome, intent.baseEpoch + 1);
  const routing = await store.recordSwitchDone(
    holder.current,
    intent,
    outcome,
    outcome.submittedAt ?? clock.now(),
    announcement,
  );
  onStage('record', clock.now().getTime() - t);
  return { outcome, routing, announcement };
}

function auditBase(req: ExecuteSwitchRequest) {
  return { caller: req.caller, actor: req.actor, trigger: req.trigger, request: req.switch };
}

async function audit(store: ControlStore, clock: Clock, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
  await store.appendAudit({ id: randomUUID(), at: clock.now(), ...entry });
}

/** Runs `write`; its error as text, or undefined. */
async function attempt(write: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** On-call must hear about it, but a failed announcement must not undo or hide a switch that happened. */
async function tell(
  notifier: Notifier,
  subject: string,
  message: Record<string, unknown>,
): Promise<string | undefined> {
  try {
    await notifier.notify(subject, message);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Audits (once per switch) and tells on-call what a switch recorded done owes, then clears it from the outbox. Whatever
 * fails stays in the outbox for the next holder or the reconciler: at least once, like SNS itself (the audit entry
 * exactly once; a message may repeat if clearing failed after it was sent).
 */
async function deliver(
  deps: SwitchDeps,
  announcement: SwitchAnnouncement,
  late?: string,
): Promise<{ auditError?: string; notifyError?: string }> {
  const auditError = await attempt(() =>
    deps.store.appendAuditOnce(`switch:${announcement.intentId}`, {
      id: randomUUID(),
      at: deps.clock.now(),
      ...announcement.audit,
      ...(late ? { detail: [announcement.audit.detail, late].filter(Boolean).join('; ') } : {}),
    }),
  );
  const notifyError = await tell(
    deps.notifier,
    announcement.subject,
    late ? { ...announcement.message, announced: late } : announcement.message,
  );
  if (auditError || notifyError) return { auditError, notifyError };
  const clearError = await attempt(() => deps.store.clearAnnouncement(announcement.intentId));
  return clearError ? { auditError: `announced, but not cleared from the outbox (it repeats): ${clearError}` } : {};
}

async function deliverAll(
  deps: SwitchDeps,
  announcements: readonly SwitchAnnouncement[],
  how: 'finished' | 'orphaned',
): Promise<{ auditError?: string; notifyError?: string; delivered: number }> {
  const errors: { auditError?: string; notifyError?: string } = {};
  let delivered = 0;
  for (const a of announcements) {
    const late =
      how === 'finished'
        ? `announced late by ${deps.owner}: the switching process stopped after recording the switch done`
        : `announced late by ${deps.owner}: the switching process lost its lease before announcing`;
    const told = await deliver(deps, a, late);
    if (!told.auditError && !told.notifyError) delivered++;
    errors.auditError = [errors.auditError, told.auditError].filter(Boolean).join('; ') || undefined;
    errors.notifyError = [errors.notifyError, told.notifyError].filter(Boolean).join('; ') || undefined;
  }
  return { ...errors, delivered };
}

export interface AnnounceReport {
  /** Announcements delivered now. */
  readonly delivered: number;
  /** Left in the outbox: their writer still holds the lease (it delivers them), or delivery failed (see errors). */
  readonly left: number;
  readonly auditError?: string;
  readonly notifyError?: string;
}

/**
 * The outbox's drain (the reconciler, and every alarm delivery without waiting): delivers the announcements of switches
 * recorded done whose writer no longer holds the lease — it released it (delivery failed) or lost it. One whose writer
 * still holds the lease is its writer's to deliver; if that writer is dead, taking over its lease (watched for its
 * full duration, within `leaseWaitMs`) proves it, and the drain delivers it under the lease.
 */
export async function announcePending(
  deps: SwitchDeps,
  req: { readonly leaseSeconds: number; readonly leaseWaitMs: number },
): Promise<AnnounceReport> {
  const pending = await deps.store.pendingAnnouncements();
  if (pending.length === 0) return { delivered: 0, left: 0 };
  const held = await deps.store.currentLease();
  const orphaned = pending.filter((a) => a.token !== held?.token);
  if (orphaned.length === pending.length || req.leaseWaitMs <= 0) {
    const told = await deliverAll(deps, orphaned, 'orphaned');
    return { ...told, left: pending.length - told.delivered };
  }
  const lease = await acquireWithin(deps, { leaseSeconds: req.leaseSeconds, leaseWaitMs: req.leaseWaitMs });
  if (!lease) {
    const told = await deliverAll(deps, orphaned, 'orphaned');
    return { ...told, left: pending.length - told.delivered };
  }
  try {
    // Under the lease: whoever wrote what is still pending is gone (or fenced), so all of it is ours to deliver.
    const now = await deps.store.pendingAnnouncements();
    const told = await deliverAll(deps, now, 'finished');
    return { ...told, left: now.length - told.delivered };
  } finally {
    await deps.store.releaseLease(lease).catch(() => undefined);
  }
}
