import { randomUUID } from 'node:crypto';
import type { RoutingState } from '../core/types';
import type {
  ControlStore,
  Lease,
  Notifier,
  SwitchOutcome,
  SwitchPlan,
  SwitchProgress,
  SwitchRequest,
  TrafficSwitch,
} from '../ports';
import { type AuditEntry, routingSatisfies, type SwitchCaller, type SwitchIntent } from '../state/model';

/**
 * The one switch orchestration. The failover Lambda, the runbooks and the drills all move traffic through
 * {@link executeSwitch}:
 *
 *   lease → finish a crashed holder's intent → plan → write-ahead intent → apply (INSYNC + read-back) → record done
 *   → audit → notify → release the lease (always)
 *
 * Safety comes from the control table, not from this code being the only copy running: the lease makes two concurrent
 * callers take turns (the loser gets 'lease-held' and changes nothing), the lease token fences a holder that lost its
 * lease, and "done" is written only if the routing epoch is still the one the switch started from.
 */

export interface Clock {
  now(): Date;
}

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
  readonly recovered?: { readonly intent: SwitchIntent; readonly mode: 'finished' | 'continued' };
  readonly durationsMs: SwitchStageDurations;
  readonly error?: string;
  /** Set when notifying on-call failed: the switch itself stands. */
  readonly notifyError?: string;
}

const sameRequest = (a: SwitchRequest, b: SwitchRequest) => JSON.stringify(a) === JSON.stringify(b);

function describeRequest(request: SwitchRequest): string {
  const what = request.scope.kind === 'region' ? 'all tenants' : `tenants ${request.scope.tenantIds.join(', ')}`;
  return `${what} → ${request.targetRegion}`;
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
  const lease = await store.acquireLease(deps.owner, req.leaseSeconds, clock.now());
  durations.lease = since(t);
  if (!lease) return finish({ outcome: 'lease-held' });

  const heartbeat = keepLease(deps, lease, req.leaseSeconds);
  let plan: SwitchPlan | undefined;
  let recovered: SwitchReport['recovered'];
  try {
    t = clock.now().getTime();
    const pending = await store.pendingSwitch();
    if (pending && !sameRequest(pending.request, req.switch)) {
      // A crashed holder left another switch half-applied: finish it, so records and routing state agree again,
      // before planning ours from a known state.
      const done = await runSwitch(deps, lease, { ...pending, token: lease.token }, () => {});
      recovered = { intent: pending, mode: 'finished' };
      await audit(store, clock, {
        caller: pending.caller,
        actor: pending.actor,
        trigger: `recovery by ${deps.owner} of intent ${pending.id}`,
        reason: `finished the switch interrupted at ${pending.startedAt.toISOString()}: ${pending.reason}`,
        request: pending.request,
        recordsChanged: done.outcome.recordsChanged,
        outcome: 'switched',
        epoch: done.routing.epoch,
      });
    } else if (pending) {
      recovered = { intent: pending, mode: 'continued' };
    }
    durations.recover = since(t);

    t = clock.now().getTime();
    const routing = await store.getRouting();
    plan = await deps.trafficSwitch.plan(req.switch);
    durations.plan = since(t);
    if (plan.changes.length === 0 && routingSatisfies(routing, req.switch) && recovered?.mode !== 'continued') {
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
      lease,
      intent,
      (stage, ms) => {
        durations[stage] = ms;
      },
      plan,
    );
    durations.apply = done.outcome.durationsMs.apply;
    durations.inSync = done.outcome.durationsMs.inSync;
    durations.verify = done.outcome.durationsMs.verify;

    const total = since(started);
    await audit(store, clock, {
      ...auditBase(req),
      reason: req.reason,
      recordsChanged: done.outcome.recordsChanged,
      outcome: 'switched',
      durationsMs: { ...done.outcome.durationsMs, total },
      epoch: done.routing.epoch,
      detail: recovered ? `${recovered.mode} the intent ${recovered.intent.id} of a crashed holder` : undefined,
    });
    const notifyError = await tell(deps.notifier, `RegionFlip switched ${describeRequest(req.switch)}`, {
      outcome: 'switched',
      caller: req.caller,
      actor: req.actor,
      reason: req.reason,
      trigger: req.trigger,
      from: intent.fromRegion,
      to: req.switch.targetRegion,
      scope: req.switch.scope,
      recordsChanged: done.outcome.recordsChanged,
      epoch: done.routing.epoch,
      durationsMs: { ...durations, total },
    });
    return finish({
      outcome: 'switched',
      plan,
      switchOutcome: done.outcome,
      epoch: done.routing.epoch,
      routing: done.routing,
      recovered,
      notifyError,
    });
  } catch (err) {
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
      action: 'rerun the same switch (runbooks/failover.md): it finishes what was started',
    });
    return finish({ outcome: 'failed', plan, recovered, error, notifyError });
  } finally {
    clearInterval(heartbeat);
    await store.releaseLease(lease).catch(() => undefined);
  }
}

/**
 * Renews the lease at a third of its life while the switch runs: Route 53 batches plus the wait for INSYNC can outlast
 * it, and an expired lease would let a second caller start switching alongside. A renewal that fails means the lease
 * was lost; the fencing token then refuses this holder's "done", so nothing more is needed here.
 */
function keepLease(deps: SwitchDeps, lease: Lease, leaseSeconds: number): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      deps.store.renewLease(lease, leaseSeconds, deps.clock.now()).catch(() => undefined);
    },
    Math.max(250, (leaseSeconds * 1000) / 3),
  );
  timer.unref();
  return timer;
}

/** intent → apply → done, under the lease. Used for our own switch and to finish a crashed holder's. */
async function runSwitch(
  deps: SwitchDeps,
  lease: Lease,
  intent: SwitchIntent,
  onStage: (stage: 'intent' | 'record', ms: number) => void,
  plannedAlready?: SwitchPlan,
): Promise<{ outcome: SwitchOutcome; routing: RoutingState }> {
  const { store, clock } = deps;
  let t = clock.now().getTime();
  await store.recordSwitchStarted(lease, intent);
  onStage('intent', clock.now().getTime() - t);
  let plan = plannedAlready ?? (await deps.trafficSwitch.plan(intent.request));
  let reasserted = false;
  if (plan.changes.length === 0) {
    // The records are already at the target, but nobody saw them INSYNC (a holder crashed after its last batch):
    // "done" still waits for INSYNC and the read-back, so UPSERT the same values again and apply that.
    plan = await deps.trafficSwitch.plan(intent.request, { reassert: true });
    reasserted = true;
  }
  const applied = plan.changes.length === 0 ? ZERO_OUTCOME : await deps.trafficSwitch.apply(plan, deps.onProgress);
  const outcome = reasserted ? { ...applied, recordsChanged: 0 } : applied;
  t = clock.now().getTime();
  const routing = await store.recordSwitchDone(lease, intent, outcome, clock.now());
  onStage('record', clock.now().getTime() - t);
  return { outcome, routing };
}

function auditBase(req: ExecuteSwitchRequest) {
  return { caller: req.caller, actor: req.actor, trigger: req.trigger, request: req.switch };
}

async function audit(store: ControlStore, clock: Clock, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
  await store.appendAudit({ id: randomUUID(), at: clock.now(), ...entry });
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
