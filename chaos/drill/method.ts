import { hostname, userInfo } from 'node:os';
import { DEFAULT_DRILL_MAX_SECONDS, markDrillStarted } from '../../failover/state/drill-marker';
import type { DrillClock } from './clock';
import { describeFault, describeStep } from './describe';
import type { DrillDriver, FaultUndo } from './driver';
import { handlerOutcomes } from './driver';
import type { SteadyStateHypothesis } from './hypothesis';
import type { DrillJournal, StepRecord } from './journal';
import { resolveRegion } from './load';
import { clientsRecoveredAt } from './measure/client-recovery';
import type { RunEvents } from './run-events';
import { type Drill, type DrillStep, type DrillTarget, durationMs, type Fault, type WaitCondition } from './schema';
import { MethodStopped, message, throwIfInterrupted } from './stop';
import type { SyntheticTraffic } from './traffic';

export interface MethodContext {
  readonly drill: Drill;
  readonly driver: DrillDriver;
  readonly traffic: SyntheticTraffic;
  readonly tenantIds: readonly string[];
  readonly target: DrillTarget;
  readonly clock: DrillClock;
  readonly hypothesis: SteadyStateHypothesis;
  readonly journal: DrillJournal;
  /** Persists the journal: before every fault, and at every step's start and end. */
  readonly save: () => void;
  readonly runId: string;
  readonly events: RunEvents;
  readonly signal?: AbortSignal;
}

/**
 * The method (Chaos Toolkit's term): the drill's actions and probes in order, under its stop conditions. Every fault is
 * written to the journal before it exists, so a crash right after still gets it undone.
 */
export class DrillMethod {
  /** When the method started (the drill marker is set); undefined while it has not. */
  startedAt: number | undefined;
  private readonly faultTimes: number[] = [];

  constructor(private readonly ctx: MethodContext) {}

  /** Runs every step; throws MethodStopped when a signal, a stop condition or a failed step ends it early. */
  async run(): Promise<void> {
    const { drill, driver, clock, journal, save, events, target, runId } = this.ctx;
    // Before the first fault: the runbooks' prechecks refuse a failback or manual failover while a drill runs.
    await markDrillStarted(
      driver.controlTable,
      { drillId: runId, title: drill.title, startedBy: `${userInfo().username}@${hostname()}` },
      new Date(clock.now()),
      Math.ceil(maxDrillMs(drill, target) / 1000),
    );
    this.startedAt = clock.now();
    for (const [index, step] of drill.method.entries()) {
      const phase = `step:${index}`;
      const record: StepRecord = { name: step.name, type: step.type, startedAt: clock.now(), status: 'running' };
      journal.steps.push(record);
      save();
      events.start(phase, `${step.name}: ${describeStep(step, driver.config, target)}`);
      try {
        await this.checkStop();
        record.detail = await this.runStep(step, (t) => events.note(phase, t));
        record.status = 'succeeded';
        events.end(phase, 'succeeded');
      } catch (err) {
        record.status = 'failed';
        record.detail = message(err);
        events.end(phase, 'failed', `${step.name}: ${message(err)}`);
        if (err instanceof MethodStopped) throw err;
        if (step.type !== 'probe') throw new MethodStopped('failed', `step "${step.name}" failed: ${message(err)}`);
      } finally {
        record.endedAt = clock.now();
        save();
      }
    }
  }

  /** The stop conditions (and a signal): throws MethodStopped when one holds. */
  private async checkStop(): Promise<void> {
    const { drill, driver, traffic, target, clock, signal } = this.ctx;
    throwIfInterrupted(signal);
    for (const stop of drill.stopConditions) {
      const now = clock.now();
      if (stop.type === 'max-duration' && now - (this.startedAt ?? now) > durationMs(stop.duration, target)) {
        throw new MethodStopped(
          'aborted',
          `stop condition: the method ran longer than ${durationMs(stop.duration, target) / 1000} s`,
        );
      }
      if (stop.type === 'client-error-rate') {
        const lastFault = this.faultTimes.at(-1);
        const grace = stop.grace ? durationMs(stop.grace, target) : 0;
        if (lastFault === undefined || now - lastFault < grace) continue;
        const window = traffic.samples.filter((s) => s.endedAt >= now - durationMs(stop.window, target));
        const failed = window.filter((s) => !s.ok).length;
        if (window.length > 0 && failed / window.length > stop.above) {
          throw new MethodStopped(
            'aborted',
            `stop condition: ${failed} of ${window.length} client requests failed (more than ${stop.above * 100} %)`,
          );
        }
      }
      if (
        stop.type === 'alarm' &&
        (await driver.alarmInAlarm(resolveRegion(stop.region, driver.config), stop.alarmName))
      ) {
        throw new MethodStopped('aborted', `stop condition: alarm ${stop.alarmName} is in ALARM`);
      }
    }
  }

  /** Waits `ms`, checking the stop conditions every poll. */
  private async hold(ms: number): Promise<void> {
    const { clock, driver } = this.ctx;
    const until = clock.now() + ms;
    while (clock.now() < until) {
      await this.checkStop();
      await clock.sleep(Math.min(driver.pollMs, until - clock.now()));
    }
  }

  private async inject(fault: Fault): Promise<FaultUndo> {
    const { driver, journal, save, clock, runId } = this.ctx;
    const resolved: Fault =
      'region' in fault ? { ...fault, region: resolveRegion(fault.region, driver.config) } : fault;
    // Write-ahead: the journal names the fault before it exists, so a crash right after still gets it undone.
    const undo: FaultUndo = { kind: 'fault', fault: resolved };
    journal.undo.push(undo);
    save();
    const experimentId = await applyFault(driver, resolved, runId, clock);
    this.faultTimes.push(clock.now());
    if (experimentId === undefined) return undo;
    const started: FaultUndo = { ...undo, experimentId };
    journal.undo[journal.undo.indexOf(undo)] = started;
    save();
    return started;
  }

  private async lift(undo: FaultUndo): Promise<void> {
    const { driver, journal, save } = this.ctx;
    await driver.lift(undo);
    journal.undo = journal.undo.filter(
      (u) => !(u.kind === 'fault' && JSON.stringify(u.fault) === JSON.stringify(undo.fault)),
    );
    save();
  }

  /** Runs one method step; returns a detail line for the journal, throws when the step failed. */
  private async runStep(step: DrillStep, progress: (text: string) => void): Promise<string> {
    const { driver, target, journal, clock } = this.ctx;
    switch (step.type) {
      case 'action': {
        const fault = step.fault;
        if (fault.kind === 'alarm-flap') {
          const down = durationMs(fault.down, target);
          const up = durationMs(fault.up, target);
          for (let cycle = 1; cycle <= fault.cycles; cycle++) {
            progress(`cycle ${cycle}/${fault.cycles}: down`);
            // The Region's own alarm must see each cycle, so the Region's service goes down, not the whole Region.
            const undo = await this.inject({ kind: 'service-outage', region: fault.region });
            await this.hold(down);
            await this.lift(undo);
            progress(`cycle ${cycle}/${fault.cycles}: up`);
            await this.hold(up);
          }
          return `${fault.cycles} outage cycles done`;
        }
        const undo = await this.inject(fault);
        if (step.duration === undefined) return `injected: ${describeFault(undo.fault, driver.config, target)}`;
        await this.hold(durationMs(step.duration, target));
        await this.lift(undo);
        return `held ${durationMs(step.duration, target) / 1000} s, then lifted`;
      }
      case 'clear': {
        const lifted = journal.undo.filter(
          (u): u is FaultUndo => u.kind === 'fault' && (step.kinds === undefined || step.kinds.includes(u.fault.kind)),
        );
        for (const undo of lifted) await this.lift(undo);
        return `lifted ${lifted.length} fault(s)`;
      }
      case 'probe': {
        const result = await this.ctx.hypothesis.probe(step.probe);
        if (!result.met) throw new Error(`${result.tolerance}: got ${result.value}`);
        return result.value;
      }
      case 'wait': {
        const timeoutMs = durationMs(step.timeout, target);
        if (step.until === undefined) {
          await this.hold(timeoutMs);
          return `waited ${timeoutMs / 1000} s`;
        }
        const deadline = clock.now() + timeoutMs;
        for (;;) {
          const seen = await this.observed(step.until);
          if (seen !== undefined) return seen;
          if (clock.now() >= deadline) {
            if (step.onTimeout === 'continue') return `not seen within ${timeoutMs / 1000} s (optional)`;
            throw new Error(`not seen within ${timeoutMs / 1000} s`);
          }
          await this.hold(Math.min(driver.pollMs, Math.max(0, deadline - clock.now())));
        }
      }
    }
  }

  /** A description of the awaited event when it happened since the method started, else undefined. */
  private async observed(until: WaitCondition): Promise<string | undefined> {
    const { driver, traffic, tenantIds } = this.ctx;
    const since = this.startedAt ?? this.ctx.clock.now();
    const config = driver.config;
    const at = (t: number) => `seen ${((t - since) / 1000).toFixed(1)} s into the method`;
    switch (until.event) {
      case 'alarm': {
        const t = await driver.alarmFiredAt(resolveRegion(until.region, config), since);
        return t === undefined ? undefined : at(t);
      }
      case 'failover':
      case 'page': {
        const outcomes = handlerOutcomes(await driver.store.listAudit(100), since);
        const first = (until.event === 'failover' ? outcomes.failovers : outcomes.pages)[0];
        return first === undefined ? undefined : `${at(first.at.getTime())}: ${first.reason}`;
      }
      case 'clients-served-by': {
        const t = clientsRecoveredAt(traffic.samples, tenantIds, resolveRegion(until.region, config), since);
        return t === undefined ? undefined : at(t);
      }
    }
  }
}

async function applyFault(
  driver: DrillDriver,
  fault: Fault,
  runId: string,
  clock: DrillClock,
): Promise<string | undefined> {
  switch (fault.kind) {
    case 'region-outage':
      return driver.takeRegionDown(fault.region);
    case 'service-outage':
      return driver.setServiceFault(fault.region, { kind: 'outage' });
    case 'error-rate':
      return driver.setServiceFault(fault.region, { kind: 'error-rate', percent: fault.percent });
    case 'latency':
      return driver.setServiceFault(fault.region, { kind: 'latency', ms: fault.ms });
    case 'replication-pause':
      return driver.pauseReplication();
    case 'automation-disable':
      await driver.store.setAutomation(
        false,
        `drill ${runId}: automation disabled on purpose`,
        `drill:${runId}`,
        new Date(clock.now()),
      );
      return undefined;
    case 'alarm-flap':
      throw new Error('alarm-flap is run as outage cycles, never applied as one fault');
  }
}

/** How long the drill-in-progress marker holds if the drill dies without a rollback: its longest run, plus 5 minutes. */
function maxDrillMs(drill: Drill, target: DrillTarget): number {
  const limit = drill.stopConditions.find((s) => s.type === 'max-duration');
  return limit?.type === 'max-duration'
    ? durationMs(limit.duration, target) + 300_000
    : DEFAULT_DRILL_MAX_SECONDS * 1000;
}
