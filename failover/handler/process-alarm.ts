import { randomUUID } from 'node:crypto';
import type { Policy } from '../config/schema';
import { decide } from '../core/decide';
import type { AlarmEvent, Decision, RegionHealth } from '../core/types';
import type { ControlStore, HealthReader, Notifier, TrafficSwitch } from '../ports';
import type { DeliveryLedger } from '../state/delivery-ledger';
import type { AuditEntry } from '../state/model';
import { type Clock, executeSwitch, type SwitchReport } from '../switch/execute-switch';

/**
 * The failover use case for one parsed alarm notification: deduplicate the delivery, read routing and the live health
 * of both Regions, decide (pure core), switch on failover, audit every decision, tell on-call about failovers and pages.
 *
 * Errors: anything that failed (AWS unreachable, a switch that failed) is thrown after releasing the delivery, so
 * Lambda's async retry redelivers it and it is processed again; a duplicate of a processed delivery is a no-op.
 * A delivery another invocation is processing right now is waited for (up to `leaseWaitMs`), never acknowledged
 * unseen: if that invocation crashed, its claim stays until it expires, and acknowledging the retry meanwhile would
 * lose the alarm for good.
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
}

export type AlarmResult =
  | { readonly status: 'duplicate'; readonly messageId: string }
  | {
      readonly status: 'processed';
      readonly messageId: string;
      readonly decision: Decision;
      readonly switch?: SwitchReport;
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
  try {
    const result = await decideAndAct(deps, alarm);
    await deps.ledger.complete(messageId, {
      decision: result.decision.kind,
      ...(result.switch ? { switch: result.switch.outcome, epoch: result.switch.epoch } : {}),
    });
    return result;
  } catch (err) {
    await deps.ledger.release(messageId).catch(() => undefined);
    throw err;
  }
}

/**
 * Claims the delivery, or learns that it was processed. While another invocation holds it (a concurrent duplicate, or
 * one that crashed and left its claim until it expires), waits and asks again; past `leaseWaitMs`, throws so the
 * delivery is retried later rather than acknowledged while nobody may finish it. Never releases the other's claim.
 */
async function claimDelivery(deps: ProcessAlarmDeps, messageId: string): Promise<'claimed' | 'done'> {
  const sleep = deps.sleep ?? defaultSleep;
  const inFlightSeconds = Math.ceil(deps.leaseWaitMs / 1000) + deps.policy.leaseSeconds;
  const deadline = deps.clock.now().getTime() + deps.leaseWaitMs;
  for (let attempt = 0; ; attempt++) {
    const claim = await deps.ledger.claim(messageId, deps.clock.now(), inFlightSeconds);
    if (claim.status !== 'in-flight') return claim.status;
    const remaining = deadline - deps.clock.now().getTime();
    if (remaining <= 0) {
      throw new RetryLaterError(
        `delivery ${messageId} is still claimed by another invocation (until ${claim.until.toISOString()}) after ` +
          `waiting ${deps.leaseWaitMs} ms: it is not acknowledged, so Lambda's retry checks again and processes it ` +
          'if that invocation crashed',
      );
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

async function decideAndAct(deps: ProcessAlarmDeps, alarm: AlarmEvent): Promise<AlarmResult & { status: 'processed' }> {
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.clock.now().getTime() + deps.leaseWaitMs;
  const trigger = `sns:${alarm.messageId} ${alarm.alarmName} (${alarm.region} ${alarm.oldState}→${alarm.newState})`;
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock.now();
    const routing = await deps.store.getRouting();
    const health = await deps.health.read([deps.regions.primary, deps.regions.secondary], now);
    const decision = decide({
      alarm,
      routing,
      health,
      policy: deps.policy,
      regions: deps.regions,
      managedAlarmPrefix: deps.managedAlarmPrefix,
      now,
    });
    deps.log?.info('decision', { messageId: alarm.messageId, decision, attempt, activeRegion: routing.activeRegion });

    if (decision.kind !== 'failover') {
      await audit(deps, {
        caller: 'handler',
        trigger,
        decision,
        reason: decision.reason,
        outcome: decision.kind === 'page' ? 'paged' : 'noop',
        epoch: routing.epoch,
        detail: healthSummary(health),
      });
      if (decision.kind === 'page') {
        await deps.notifier.notify(`RegionFlip PAGE (${decision.code}): ${alarm.alarmName}`, {
          decision,
          alarm: alarmSummary(alarm),
          health,
          routing: { activeRegion: routing.activeRegion, epoch: routing.epoch, automation: routing.automation },
          action: 'automatic failover did not act; see runbooks/failover.md to decide by hand',
        });
      }
      return { status: 'processed', messageId: alarm.messageId, decision };
    }

    const report = await executeSwitch(
      {
        store: deps.store,
        trafficSwitch: deps.trafficSwitch,
        notifier: deps.notifier,
        clock: deps.clock,
        owner: deps.owner,
      },
      {
        switch: { targetRegion: decision.to, scope: { kind: 'region' } },
        caller: 'automatic-failover',
        actor: deps.actor,
        reason: decision.reason,
        trigger,
        leaseSeconds: deps.policy.leaseSeconds,
      },
    );
    if (report.outcome === 'failed') {
      throw new RetryLaterError(`the failover switch failed (audited, on-call told): ${report.error}`);
    }
    if (report.outcome !== 'lease-held') {
      return { status: 'processed', messageId: alarm.messageId, decision, switch: report };
    }
    // Another caller is switching (most likely this incident's failover, started by a sibling alarm): wait for it,
    // then decide again from the routing it leaves behind.
    const remaining = deadline - deps.clock.now().getTime();
    if (remaining <= 0) {
      throw new RetryLaterError(
        `the switch lease stayed held for ${deps.leaseWaitMs} ms; the delivery will be retried and decided again`,
      );
    }
    deps.log?.info('switch lease held by another caller; waiting to decide again', { attempt });
    await sleep(Math.min(remaining, 200 + Math.random() * 300 * Math.min(attempt, 4)));
  }
}

async function audit(deps: ProcessAlarmDeps, entry: Omit<AuditEntry, 'id' | 'at' | 'actor'>): Promise<void> {
  await deps.store.appendAudit({ id: randomUUID(), at: deps.clock.now(), actor: deps.actor, ...entry });
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
