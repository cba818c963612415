import { randomUUID } from 'node:crypto';
import { classifyAlarmName, FAILOVER_METRIC, isSharedLabel } from '../config/names';
import type { Policy } from '../config/schema';
import { decide } from '../core/decide';
import { regionOfTenant } from '../core/scope';
import { assessRouting } from '../core/truth';
import type { AlarmEvent, Clock, Decision, RegionHealth } from '../core/types';
import type { ControlStore, DeliveryLedger, HealthReader, Notifier, TrafficSwitch } from '../ports';
import {
  type AnnounceReport,
  announcePending,
  executeSwitch,
  type SwitchDeps,
  type SwitchReport,
} from '../switch/execute-switch';

/**
 * The failover use case for one parsed alarm notification, and the reconciler: read what Route 53 serves, the control
 * table and any pending intent, and the live health of both Regions; decide (pure core); converge, fail over, or page;
 * audit every decision; tell on-call about switches and pages.
 *
 * Errors: anything that failed (AWS unreachable, a switch that failed) is thrown after releasing the delivery, so
 * Lambda's async retry redelivers it and it is processed again; a duplicate of a processed delivery is a no-op.
 * A delivery another invocation is processing right now is waited for (up to `leaseWaitMs`), then acknowledged: the
 * reconciler re-reads the live situation every minute, so an alarm whose processor died is still acted on.
 */

export interface AlarmLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface ProcessAlarmDeps {
  readonly store: ControlStore;
  readonly ledger: DeliveryLedger;
  readonly health: HealthReader;
  readonly trafficSwitch: TrafficSwitch;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly regions: { readonly primary: string; readonly secondary: string };
  readonly policy: Policy;
  /** Alarms whose names start with this are managed (namesFor(config).alarmPrefix). */
  readonly managedAlarmPrefix: string;
  /** Lease owner: unique per invocation (a Lambda request id). */
  readonly owner: string;
  /** Audit actor, e.g. "failover-lambda". */
  readonly actor: string;
  /**
   * While another caller holds the switch lease, wait and decide again with fresh routing, for up to this long
   * (then throw, and Lambda's retry tries later). Keep it below the Lambda timeout.
   */
  readonly leaseWaitMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: AlarmLog;
  /** Counts a metric (FAILOVER_METRIC): failures nobody would otherwise see are alarmed on. */
  readonly count?: (metric: string) => void;
}

export type AlarmResult =
  | { readonly status: 'duplicate'; readonly messageId: string }
  | {
      readonly status: 'processed';
      readonly messageId: string;
      readonly decision: Decision;
      readonly switch?: SwitchReport;
      /** Set when the switch was left to the caller holding the lease (and to the reconciler). */
      readonly deferred?: string;
    };

/** A transient condition: throw so the delivery is retried (Lambda async retry), never acknowledged and lost. */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function processAlarm(deps: ProcessAlarmDeps, alarm: AlarmEvent): Promise<AlarmResult> {
  const { messageId } = alarm;
  const claim = await claimDelivery(deps, messageId);
  if (claim === 'done') {
    deps.log?.info('duplicate delivery: already processed', { messageId });
    return { status: 'duplicate', messageId };
  }
  if (claim === 'elsewhere') return { status: 'duplicate', messageId };
  try {
    const acted = await decideAndAct(deps, alarm);
    await deps.ledger.complete(messageId, {
      decision: acted.decision.kind,
      ...(acted.switch ? { switch: acted.switch.outcome, epoch: acted.switch.epoch } : {}),
      ...(acted.deferred ? { deferred: acted.deferred } : {}),
    });
    return { status: 'processed', messageId, ...acted };
  } catch (err) {
    await deps.ledger.release(messageId).catch(() => undefined);
    throw err;
  }
}

/**
 * Claims the delivery, or learns that it was processed. While another invocation holds it (the other Region's Lambda
 * copy got the same message, or one crashed and left its claim until it expires), waits and asks again. Past
 * `leaseWaitMs` with the claim still live, it acknowledges without acting ('elsewhere'): the other invocation is
 * processing it, and if that one dies the reconciler (every minute) re-reads the live health and acts on it — so a
 * normal slow failover never turns the second copy's wait into an error page.
 */
async function claimDelivery(deps: ProcessAlarmDeps, messageId: string): Promise<'claimed' | 'done' | 'elsewhere'> {
  const sleep = deps.sleep ?? defaultSleep;
  const inFlightSeconds = Math.ceil(deps.leaseWaitMs / 1000) + deps.policy.leaseSeconds;
  const deadline = deps.clock.now().getTime() + deps.leaseWaitMs;
  for (let attempt = 0; ; attempt++) {
    const claim = await deps.ledger.claim(messageId, deps.clock.now(), inFlightSeconds);
    if (claim.status !== 'in-flight') return claim.status;
    const remaining = deadline - deps.clock.now().getTime();
    if (remaining <= 0) {
      deps.log?.info('duplicate delivery: still being processed by another invocation; acknowledged', {
        messageId,
        until: claim.until.toISOString(),
      });
      return 'elsewhere';
    }
    if (attempt === 0) {
      deps.log?.info('duplicate delivery: being processed by another invocation; waiting for its outcome', {
        messageId,
        until: claim.until.toISOString(),
      });
    }
    await sleep(Math.min(remaining, 250 * 2 ** Math.min(attempt, 3)));
  }
}

/** What one round of reading saw: belief, observation, health, and the truth assessed from them. */
async function readSituation(deps: ProcessAlarmDeps) {
  const now = deps.clock.now();
  const [routing, intent, observed, health] = await Promise.all([
    deps.store.getRouting(),
    deps.store.pendingSwitch(),
    deps.trafficSwitch.observe(),
    deps.health.read([deps.regions.primary, deps.regions.secondary], now),
  ]);
  const truth = assessRouting(routing, intent, observed);
  // Premium tenants are the routing records of their own (not `shared`, not a shard `shared-<n>`: names.ts reserves them).
  const premiumTenants = observed.records.map((r) => r.label).filter((label) => !isSharedLabel(label));
  return { now, routing, intent, truth, health, premiumTenants };
}

/** For a premium tenant's alarm, its silos in both Regions (undefined when not a tenant alarm or not readable). */
async function tenantHealthFor(deps: ProcessAlarmDeps, alarm: AlarmEvent | undefined, now: Date) {
  if (!alarm || !deps.health.readTenant) return undefined;
  const subject = classifyAlarmName(
    { app: deps.managedAlarmPrefix.slice(0, -1), regions: deps.regions },
    alarm.alarmName,
  );
  if (subject?.kind !== 'tenant') return undefined;
  return deps.health.readTenant(subject.tenantId, [deps.regions.primary, deps.regions.secondary], now);
}

/** At most this many switch rounds per delivery or reconciliation: each round re-reads everything. */
const MAX_ROUNDS = 3;

async function decideAndAct(
  deps: ProcessAlarmDeps,
  alarm: AlarmEvent | undefined,
): Promise<{ decision: Decision; switch?: SwitchReport; deferred?: string }> {
  const trigger = alarm
    ? `sns:${alarm.messageId} ${alarm.alarmName} (${alarm.region} ${alarm.oldState}→${alarm.newState})`
    : 'reconcile';
  let last: { decision: Decision; switch?: SwitchReport; deferred?: string } | undefined;
  const sleep = deps.sleep ?? defaultSleep;
  const started = deps.clock.now().getTime();
  let round = 0;
  await drainOutbox(deps, alarm !== undefined);
  /** The table's active Region when the last converge round started. */
  let convergedFrom: string | undefined;
  for (let attempt = 1; round < MAX_ROUNDS; attempt++) {
    round++;
    const { now, routing, truth, health, premiumTenants } = await readSituation(deps);
    const tenantHealth = await tenantHealthFor(deps, alarm, now);
    // After a converge round, the alarm is decided again on the converged routing.
    const input = {
      ...(alarm ? { alarm } : {}),
      routing,
      truth,
      health,
      ...(tenantHealth ? { tenantHealth } : {}),
      premiumTenants,
      policy: deps.policy,
      regions: deps.regions,
      managedAlarmPrefix: deps.managedAlarmPrefix,
      now,
    };
    const first = decide(input);
    // A Region failover reads the premium silos of its target (only then: it costs a call per 100 tenants) and is
    // decided again with them, so tenants whose silo there is down stay where they are (decide.ts rule 12).
    const movers =
      first.kind === 'failover' && first.scope === undefined
        ? premiumTenants.filter((t) => regionOfTenant(routing, t) !== first.to)
        : [];
    const targetSilos =
      movers.length > 0 && first.kind === 'failover' && deps.health.readTenantsIn
        ? await deps.health.readTenantsIn(movers, first.to, now)
        : undefined;
    const decision = targetSilos ? decide({ ...input, targetSilos }) : first;
    deps.log?.info('decision', {
      ...(alarm ? { messageId: alarm.messageId } : {}),
      decision,
      round,
      truth: truth.kind,
      activeRegion: routing.activeRegion,
    });
    if (truth.kind !== 'consistent') deps.count?.(FAILOVER_METRIC.routingSplits);

    if (
      decision.kind === 'page' &&
      decision.code === 'standby-region-alarm' &&
      last?.decision.kind === 'converge' &&
      last.decision.scope.kind === 'region' &&
      last.switch?.outcome === 'switched' &&
      convergedFrom !== undefined &&
      convergedFrom !== last.decision.to
    ) {
      // The converge round was a failover: it moved every tenant out of the table's Region, the one this alarm is
      // about (a split under an outage, truth.ts). The move answers the alarm (on-call was told of the switch).
      return last;
    }
    if (decision.kind === 'noop' || decision.kind === 'page') {
      await recordDecision(deps, alarm, decision, routing.epoch, health, now);
      const switched = last?.switch && last.switch.outcome !== 'lease-held' ? { switch: last.switch } : {};
      return { decision, ...switched };
    }

    const isConverge = decision.kind === 'converge';
    if (isConverge) convergedFrom = routing.activeRegion;
    const report = await executeSwitch(switchDepsOf(deps), {
      switch: { targetRegion: decision.to, scope: decision.scope ?? { kind: 'region' } },
      caller: isConverge ? 'reconciler' : 'automatic-failover',
      actor: deps.actor,
      reason: decision.reason,
      trigger,
      leaseSeconds: deps.policy.leaseSeconds,
      ...(isConverge ? { supersedePending: true } : {}),
    });
    countSwitchFailures(deps, report);
    last = { decision, switch: report };
    // Converging may have to take over a crashed holder's lease: the store must watch it for its full duration.
    const waitMs = isConverge ? Math.max(deps.leaseWaitMs, deps.policy.leaseSeconds * 1000 + 2000) : deps.leaseWaitMs;
    const remaining = started + waitMs - deps.clock.now().getTime();
    if (report.outcome === 'lease-held' && remaining > 0) {
      // Another caller is switching (most likely this incident's failover, by the other Lambda copy): wait, then
      // decide again from what it leaves behind — never act on a decision taken before its switch.
      deps.log?.info('switch lease held by another caller; waiting to decide again', { attempt });
      round--;
      await sleep(Math.min(remaining, 200 + Math.random() * 300 * Math.min(attempt, 4)));
      continue;
    }
    if (report.outcome === 'lease-held' || report.leaseLost) {
      // Another caller is switching (most likely this incident's failover, started by the other Lambda copy): it
      // finishes, and the reconciler re-checks the truth within a minute. Nothing is lost by acknowledging.
      const held = await deps.store.currentLease().catch(() => undefined);
      const deferred =
        report.leaseLostBecause === 'not-renewed'
          ? "this invocation's switch could not renew its own lease in time and stopped writing; the reconciler " +
            'converges the routing within a minute'
          : `another caller${held ? ` (${held.owner})` : ''} holds the switch lease; it finishes the switch and the ` +
            'reconciler re-checks the routing within a minute';
      deps.log?.info('switch deferred', { deferred });
      await recordDecision(deps, alarm, decision, routing.epoch, health, now, deferred);
      return { ...last, deferred };
    }
    if (report.outcome === 'failed') {
      throw new RetryLaterError(`the ${decision.kind} switch failed (audited, on-call told): ${report.error}`);
    }
    if (!isConverge) {
      // After every switch the truth is read again: a switch that left records split must not stand.
      const after = await readSituation(deps);
      if (after.truth.kind === 'consistent') return last;
      deps.log?.warn('routing not consistent after the switch: converging', { truth: after.truth.kind });
    }
  }
  if (!last) throw new Error('no decision was taken');
  return last;
}

function switchDepsOf(deps: ProcessAlarmDeps): SwitchDeps {
  return {
    store: deps.store,
    trafficSwitch: deps.trafficSwitch,
    notifier: deps.notifier,
    clock: deps.clock,
    owner: deps.owner,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
}

/**
 * Delivers what switches recorded done still owe on-call (the outbox, execute-switch.ts). An alarm delivery only takes
 * what no live switch holds, without waiting: its own decision must not wait on an announcement. The reconciler waits
 * out a dead writer's lease, as converging does, so a switch whose process died after "done" is announced within a
 * reconciler run or two.
 */
async function drainOutbox(deps: ProcessAlarmDeps, forAlarm: boolean): Promise<void> {
  const leaseWaitMs = forAlarm ? 0 : Math.max(deps.leaseWaitMs, deps.policy.leaseSeconds * 1000 + 2000);
  let report: AnnounceReport;
  try {
    report = await announcePending(switchDepsOf(deps), { leaseSeconds: deps.policy.leaseSeconds, leaseWaitMs });
  } catch (err) {
    // The decision below must not wait on the outbox: what it holds stays there for the next run.
    deps.count?.(FAILOVER_METRIC.auditFailures);
    deps.log?.warn('the switch announcement outbox could not be drained (it is kept)', {
      error: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  if (report.delivered > 0) deps.log?.info('announced switches their own process had not', { ...report });
  if (report.left > 0) deps.log?.info('switch announcements left for their writer or a later run', { ...report });
  countSwitchFailures(deps, report);
}

function countSwitchFailures(deps: ProcessAlarmDeps, report: Pick<SwitchReport, 'notifyError' | 'auditError'>): void {
  if (report.notifyError) {
    deps.count?.(FAILOVER_METRIC.notifyFailures);
    deps.log?.warn('on-call could not be told about the switch (the switch stands)', { error: report.notifyError });
  }
  if (report.auditError) {
    deps.count?.(FAILOVER_METRIC.auditFailures);
    deps.log?.warn('the audit entry of the switch could not be written (the switch stands)', {
      error: report.auditError,
    });
  }
}

/** Minutes between two reconciler pages about the same unchanged situation. */
const RECONCILE_REPAGE_MINUTES = 15;

/**
 * Audits a noop or page (once per delivery, or once per situation and quarter hour for the reconciler, so retries and
 * a once-a-minute schedule never repeat it) and sends pages to on-call. A page that cannot be delivered is counted
 * and audited; on the alarm path the delivery is then retried (Lambda), so the page is tried again.
 */
async function recordDecision(
  deps: ProcessAlarmDeps,
  alarm: AlarmEvent | undefined,
  decision: Decision,
  epoch: number,
  health: Readonly<Record<string, RegionHealth>>,
  now: Date,
  deferred?: string,
): Promise<void> {
  if (!alarm && decision.kind === 'noop') return;
  const code = decision.kind === 'failover' || decision.kind === 'converge' ? decision.kind : decision.code;
  const key = alarm
    ? `delivery:${alarm.messageId}:${decision.kind}`
    : `reconcile:${code}:${epoch}:${Math.floor(now.getTime() / (RECONCILE_REPAGE_MINUTES * 60_000))}`;
  const first = await deps.store.appendAuditOnce(key, {
    id: randomUUID(),
    at: now,
    actor: deps.actor,
    caller: 'handler',
    trigger: alarm ? `sns:${alarm.messageId} ${alarm.alarmName}` : 'reconcile',
    decision,
    reason: deferred ? `${decision.reason} (deferred: ${deferred})` : decision.reason,
    outcome: decision.kind === 'page' ? 'paged' : 'noop',
    epoch,
    detail: healthSummary(health),
  });
  if (decision.kind !== 'page' || (!first && !alarm)) return;
  if (decision.code === 'routing-not-converged') deps.count?.(FAILOVER_METRIC.unconvergedRouting);
  try {
    await deps.notifier.notify(`RegionFlip PAGE (${decision.code})${alarm ? `: ${alarm.alarmName}` : ''}`, {
      decision,
      ...(alarm ? { alarm: alarmSummary(alarm) } : { trigger: 'reconciler' }),
      health,
      epoch,
      action: 'automatic failover did not act; see runbooks/manual-failover.md to decide by hand',
    });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    deps.count?.(FAILOVER_METRIC.notifyFailures);
    deps.log?.warn('the page could not be delivered to on-call', { error, decision: decision.code });
    await deps.store
      .appendAuditOnce(`${key}:undelivered`, {
        id: randomUUID(),
        at: deps.clock.now(),
        actor: deps.actor,
        caller: 'handler',
        trigger: alarm ? `sns:${alarm.messageId}` : 'reconcile',
        decision,
        reason: `page not delivered: ${error}`,
        outcome: 'failed',
        epoch,
      })
      .catch(() => deps.count?.(FAILOVER_METRIC.auditFailures));
    if (alarm) throw new RetryLaterError(`the page could not be delivered (${error}): the delivery is retried`);
  }
}

export type ReconcileResult = {
  readonly decision: Decision;
  readonly switch?: SwitchReport;
  readonly deferred?: string;
};

/**
 * The reconciler: re-checks routing truth without waiting for an alarm (EventBridge every minute in both Regions, the
 * local environment's timer, and after every switch) — converges a split or an unfinished switch, and re-evaluates a
 * situation an earlier page left alone (the active Region still unhealthy once the target has been healthy long enough).
 */
export async function reconcile(deps: ProcessAlarmDeps): Promise<ReconcileResult> {
  return decideAndAct(deps, undefined);
}

function alarmSummary(alarm: AlarmEvent) {
  return {
    name: alarm.alarmName,
    region: alarm.region,
    transition: `${alarm.oldState} -> ${alarm.newState}`,
    composite: alarm.composite,
    reason: alarm.reason,
    at: alarm.stateChangeTime.toISOString(),
  };
}

function healthSummary(health: Readonly<Record<string, RegionHealth>>): string {
  return Object.values(health)
    .map((h) => `${h.region}: ${h.status}${h.alarmsInAlarm.length ? ` (${h.alarmsInAlarm.join(', ')})` : ''}`)
    .join('; ');
}
