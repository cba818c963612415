import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { otherRegion } from '../../failover/config/names';
import { DEFAULT_DRILL_MAX_SECONDS, markDrillStarted } from '../../failover/state/drill-marker';
import { describeFault, describeStep } from './describe';
import type { DrillDriver, FaultUndo } from './driver';
import { handlerOutcomes } from './driver';
import { judgeExpectations } from './expectations';
import {
  type DrillJournal,
  JOURNAL_FILE,
  type ProbeResult,
  persistJournal,
  rememberLastJournal,
  reportDirFor,
  type SteadyStateResult,
  type StepRecord,
} from './journal';
import { resolveRegion } from './load';
import { clientsRecoveredAt, errorWindow, tenantRecoveredAt } from './measure/client-recovery';
import { measureImpact } from './measure/impact';
import type { DrillMeasurements } from './measure/measurements';
import { countRoute53Calls, type SwitchRecord } from './measure/route53-calls';
import { measureRpo } from './measure/rpo';
import { rtoBreakdown } from './measure/rto';
import { rtoFloor, rtoFloorPosition } from './measure/rto-floor';
import type { AcknowledgedWrite } from './measure/samples';
import { evaluateProbe, probeWindowMs } from './probes';
import { type DrillProgress, type PhaseStatus, silentProgress } from './progress';
import { drillPassed } from './report/timeline';
import { type ReportFiles, writeReports } from './report/write';
import { restore } from './rollback';
import {
  type Drill,
  type DrillStep,
  type DrillTarget,
  durationMs,
  type Fault,
  type Probe,
  type WaitCondition,
} from './schema';
import { SyntheticTraffic, sleep } from './traffic';

export interface RunDrillOptions {
  readonly drill: Drill;
  readonly drillFile: string;
  readonly target: DrillTarget;
  /** reports/ by default; the run writes into reports/<drill>-<timestamp>/. */
  readonly reportBase: string;
  /** Creates the driver (starting the local environment, or connecting to AWS). Called after the journal exists. */
  readonly driver: () => Promise<DrillDriver>;
  readonly progress?: DrillProgress;
  /** Ctrl-C / SIGTERM: stop the method, roll back, report. */
  readonly signal?: AbortSignal;
  /** Sees the journal once it exists (the CLI says from it what a second Ctrl-C is still waiting for). */
  readonly onJournal?: (journal: DrillJournal, file: string) => void;
}

export interface DrillRun {
  readonly journal: DrillJournal;
  readonly files: ReportFiles;
  readonly passed: boolean;
}

/** Why the method stopped early; the drill still rolls back and reports. */
class MethodStopped extends Error {
  constructor(
    readonly status: 'aborted' | 'interrupted' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

const REGION_FAULTS = new Set<Fault['kind']>([
  'region-outage',
  'service-outage',
  'error-rate',
  'latency',
  'alarm-flap',
]);

/** A fault with Region roles replaced by Region codes, as stored in the journal. */
function resolveFault(fault: Fault, drill: { config: DrillDriver['config'] }): Fault {
  return 'region' in fault ? { ...fault, region: resolveRegion(fault.region, drill.config) } : fault;
}

/**
 * Runs a drill: environment → traffic → steady state before (nothing is injected unless it holds) → method (faults,
 * probes, waits, under the stop conditions) → measure → rollback, always → verify the rollback → steady state after →
 * reports. The journal is persisted before every fault, so `drill rollback` can finish the job after a crash.
 */
export async function runDrill(opts: RunDrillOptions): Promise<DrillRun> {
  const { drill, target } = opts;
  const progress = trackPhases(opts.progress ?? silentProgress);
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomUUID().slice(0, 6)}`;
  const reportDir = reportDirFor(opts.reportBase, opts.drillFile, startedAt);
  const journalFile = join(reportDir, JOURNAL_FILE);
  const journal: DrillJournal = {
    journalVersion: 1,
    runId,
    drill: { title: drill.title, file: opts.drillFile, description: drill.description },
    target,
    pid: process.pid,
    startedAt: startedAt.getTime(),
    status: 'running',
    deviated: false,
    steps: [],
    rollbackPlan: drill.rollbacks,
    undo: [],
    rollbacks: [],
  };
  const save = () => persistJournal(journalFile, journal);
  save();
  rememberLastJournal(journalFile);
  opts.onJournal?.(journal, journalFile);

  progress.start('environment', `Environment (${target})`);
  let driver: DrillDriver;
  try {
    driver = await opts.driver();
  } catch (err) {
    progress.end('environment', 'failed', `Environment: ${message(err)}`);
    journal.status = 'failed';
    journal.abortReason = `the environment did not start: ${message(err)}`;
    journal.endedAt = Date.now();
    const files = writeReports(reportDir, journal);
    progress.endSteps(drill.method.length);
    progress.endAll();
    return { journal, files, passed: false };
  }
  journal.env = driver.environment;
  save();
  progress.end('environment', 'succeeded');

  const config = driver.config;
  const tenants = driver.trafficTenants();
  const tenantIds = tenants.map((t) => t.id);
  const writeIdPrefix = `drill-${runId}`;
  const traffic = new SyntheticTraffic({
    tenants,
    clientsPerTenant: drill.traffic.clientsPerTenant,
    // The target's load per tenant is kept whatever the number of clients: more clients, not more load.
    ratePerClient: drill.traffic.ratePerClient ?? driver.trafficDefaults.ratePerTenant / drill.traffic.clientsPerTenant,
    writeShare: drill.traffic.writeShare ?? driver.trafficDefaults.writeShare,
    timeoutMs:
      drill.traffic.timeout !== undefined
        ? durationMs(drill.traffic.timeout, target)
        : driver.trafficDefaults.timeoutMs,
    newResolver: (cacheAgeMs) => driver.newResolver(cacheAgeMs),
    dnsTtlMs: config.dns.ttlSeconds * 1000,
    writeIdPrefix,
  });

  const steadyState = async (): Promise<SteadyStateResult> => {
    const now = Date.now();
    const probes: ProbeResult[] = [];
    for (const probe of drill.steadyStateHypothesis.probes) probes.push(await runProbe(probe, now));
    return { at: now, met: probes.every((p) => p.met), probes };
  };
  const runProbe = (probe: Probe, now = Date.now()) =>
    evaluateProbe(probe, {
      config,
      target,
      now,
      samples: traffic.samples,
      tenantIds,
      defaultWindowMs: driver.defaultProbeWindowMs,
      store: driver.store,
      replicationLagMs: () => driver.replicationLagMs(),
    });
  const warmupMs = Math.max(
    ...drill.steadyStateHypothesis.probes.map((p) => probeWindowMs(p, target, driver.defaultProbeWindowMs)),
  );

  let methodStartedAt: number | undefined;
  let measurements: DrillMeasurements | undefined;
  try {
    traffic.start();
    progress.start('steady-before', `Steady state before: ${drill.steadyStateHypothesis.title}`);
    // The window starts once every client has been answered once: on a loaded machine the cold start (every client
    // resolving its name at once) can take longer than the window itself. Bounded; the probes judge what they see.
    const coldStartUntil = Date.now() + 15_000;
    while (traffic.clientsHeardFrom() < traffic.clientCount && Date.now() < coldStartUntil) {
      await interruptibleSleep(Math.min(100, driver.pollMs), opts.signal);
    }
    progress.note('steady-before', `synthetic traffic for ${warmupMs / 1000} s`);
    await interruptibleSleep(warmupMs, opts.signal);
    journal.steadyStateBefore = await steadyState();
    save();
    if (!journal.steadyStateBefore.met) {
      const failed = journal.steadyStateBefore.probes.filter((p) => !p.met);
      progress.end(
        'steady-before',
        'failed',
        `Steady state does not hold: ${failed.map((p) => `${p.name} = ${p.value}`).join('; ')}`,
      );
      throw new MethodStopped(
        'failed',
        `the steady state did not hold before the method, so nothing was injected (${failed.map((p) => `${p.name}: ${p.value}`).join('; ')})`,
      );
    }
    progress.end('steady-before', 'succeeded');

    // Before the first fault: the runbooks' prechecks refuse a failback or manual failover while a drill runs.
    await markDrillStarted(
      driver.controlTable,
      { drillId: runId, title: drill.title, startedBy: `${userInfo().username}@${hostname()}` },
      new Date(),
      Math.ceil(maxDrillMs(drill, target) / 1000),
    );
    methodStartedAt = Date.now();
    const faultTimes: number[] = [];
    const checkStop = async () => {
      if (opts.signal?.aborted)
        throw new MethodStopped('interrupted', `interrupted (${String(opts.signal.reason ?? 'signal')})`);
      for (const stop of drill.stopConditions) {
        const now = Date.now();
        if (stop.type === 'max-duration' && now - (methodStartedAt ?? now) > durationMs(stop.duration, target)) {
          throw new MethodStopped(
            'aborted',
            `stop condition: the method ran longer than ${durationMs(stop.duration, target) / 1000} s`,
          );
        }
        if (stop.type === 'client-error-rate') {
          const lastFault = faultTimes.at(-1);
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
        if (stop.type === 'alarm' && (await driver.alarmInAlarm(resolveRegion(stop.region, config), stop.alarmName))) {
          throw new MethodStopped('aborted', `stop condition: alarm ${stop.alarmName} is in ALARM`);
        }
      }
    };
    const hold = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await checkStop();
        await sleep(Math.min(driver.pollMs, until - Date.now()));
      }
    };

    const inject = async (fault: Fault): Promise<FaultUndo> => {
      const resolved = resolveFault(fault, { config });
      // Write-ahead: the journal names the fault before it exists, so a crash right after still gets it undone.
      const undo: FaultUndo = { kind: 'fault', fault: resolved };
      journal.undo.push(undo);
      save();
      const experimentId = await applyFault(driver, resolved, runId);
      faultTimes.push(Date.now());
      if (experimentId === undefined) return undo;
      const started: FaultUndo = { ...undo, experimentId };
      journal.undo[journal.undo.indexOf(undo)] = started;
      save();
      return started;
    };
    const lift = async (undo: FaultUndo) => {
      await driver.lift(undo);
      journal.undo = journal.undo.filter(
        (u) => !(u.kind === 'fault' && JSON.stringify(u.fault) === JSON.stringify(undo.fault)),
      );
      save();
    };

    for (const [index, step] of drill.method.entries()) {
      const phase = `step:${index}`;
      const record: StepRecord = { name: step.name, type: step.type, startedAt: Date.now(), status: 'running' };
      journal.steps.push(record);
      save();
      progress.start(phase, `${step.name}: ${describeStep(step, config, target)}`);
      try {
        await checkStop();
        record.detail = await runStep(step, {
          inject,
          lift,
          hold,
          runProbe,
          journal,
          driver,
          traffic,
          tenantIds,
          methodStartedAt,
          target,
          progress: (t) => progress.note(phase, t),
        });
        record.status = 'succeeded';
        progress.end(phase, 'succeeded');
      } catch (err) {
        record.status = 'failed';
        record.detail = message(err);
        progress.end(phase, 'failed', `${step.name}: ${message(err)}`);
        if (err instanceof MethodStopped) throw err;
        if (step.type !== 'probe') throw new MethodStopped('failed', `step "${step.name}" failed: ${message(err)}`);
      } finally {
        record.endedAt = Date.now();
        save();
      }
    }
    progress.endSteps(drill.method.length);
    journal.status = journal.steps.some((s) => s.status === 'failed') ? 'failed' : 'completed';
  } catch (err) {
    journal.status = err instanceof MethodStopped ? err.status : 'failed';
    journal.abortReason = message(err);
    progress.endOpen('failed', message(err));
    progress.endSteps(drill.method.length);
  } finally {
    save();
  }

  // Measure before the rollback: the surviving Region's data must be read before replication resumes.
  if (methodStartedAt !== undefined) {
    progress.start('measure', 'Measure RTO, RPO, impact');
    try {
      measurements = await measure(drill, driver, traffic, tenantIds, methodStartedAt, writeIdPrefix, journal);
      journal.measurements = measurements;
      progress.end(
        'measure',
        'succeeded',
        `Measure: RTO ${measurements.rto?.rtoMs ?? '—'} ms, ${measurements.failovers} failover(s), ${measurements.rpo?.lostWrites ?? 0} lost write(s)`,
      );
    } catch (err) {
      progress.end('measure', 'failed', `Measure: ${message(err)}`);
      journal.abortReason = journal.abortReason ?? `measuring failed: ${message(err)}`;
      if (journal.status === 'completed') journal.status = 'failed';
    }
  } else {
    progress.end('measure', 'skipped');
  }

  progress.start('rollback', 'Roll back');
  const failback: SwitchRecord[] = [];
  try {
    const outcome = await restore(driver, journal, drill.rollbacks, save, (t) => progress.note('rollback', t));
    if (outcome.failback) failback.push(outcome.failback);
    progress.end(
      'rollback',
      journal.rollbackVerified ? 'succeeded' : 'failed',
      journal.rollbackVerified ? 'Rolled back and verified' : `Roll back NOT verified: ${outcome.problems.join('; ')}`,
    );
  } catch (err) {
    journal.rollbackVerified = false;
    progress.end(
      'rollback',
      'failed',
      `Roll back failed: ${message(err)} — run \`regionflip drill rollback --journal ${journalFile}\``,
    );
  }
  if (journal.measurements && failback.length > 0) {
    const switches = [...journal.measurements.switches, ...failback];
    journal.measurements = { ...journal.measurements, switches, route53: countRoute53Calls(switches) };
  }

  // Stopped by a signal, the drill ends once its rollback is verified: whoever pressed Ctrl-C wants out, not a probe.
  if (journal.steadyStateBefore?.met && !opts.signal?.aborted) {
    progress.start('steady-after', 'Steady state after');
    try {
      const home = config.regions.primary;
      const since = Date.now();
      const deadline = since + (config.dns.ttlSeconds * 1000 + 15_000);
      while (Date.now() < deadline && clientsRecoveredAt(traffic.samples, tenantIds, home, since) === undefined) {
        await sleep(driver.pollMs);
      }
      await sleep(warmupMs);
      // The system gets a bounded time to settle (replication draining on a loaded machine), then is judged: a
      // deviation is a steady state that does not come back, not a probe read one instant after the rollback.
      const settleUntil = Date.now() + Math.max(2 * warmupMs, 5000);
      let after = await steadyState();
      while (!after.met && Date.now() < settleUntil) {
        await sleep(Math.max(driver.pollMs, 250));
        after = await steadyState();
      }
      journal.steadyStateAfter = after;
      journal.deviated = !journal.steadyStateAfter.met;
      progress.end(
        'steady-after',
        journal.deviated ? 'failed' : 'succeeded',
        journal.deviated ? 'Steady state after: DEVIATED' : undefined,
      );
    } catch (err) {
      journal.deviated = true;
      progress.end('steady-after', 'failed', `Steady state after: ${message(err)}`);
    }
  } else {
    progress.end('steady-after', 'skipped');
  }
  await traffic.stop();

  if (journal.measurements) journal.expectations = judgeExpectations(drill.expectations, journal.measurements, target);
  journal.endedAt = Date.now();
  progress.start('reports', 'Reports');
  const files = writeReports(reportDir, journal);
  progress.end('reports', 'succeeded', `Reports in ${reportDir}`);
  await driver.close();
  progress.endAll();
  return { journal, files, passed: drillPassed(journal) };
}

/** Remembers which phases started and ended, so an error closes the open one and none is left hanging. */
function trackPhases(inner: DrillProgress) {
  const open = new Set<string>();
  const ended = new Set<string>();
  return {
    start(phase: string, title: string) {
      open.add(phase);
      inner.start(phase, title);
    },
    note: (phase: string, text: string) => inner.note(phase, text),
    end(phase: string, status: PhaseStatus, title?: string) {
      if (ended.has(phase)) return;
      open.delete(phase);
      ended.add(phase);
      inner.end(phase, status, title);
    },
    /** Ends the phases still running (an error interrupted them). */
    endOpen(status: PhaseStatus, title: string) {
      for (const phase of [...open]) this.end(phase, status, title);
    },
    /** Marks every phase a renderer may still wait for as skipped. */
    endAll() {
      for (const phase of ['environment', 'steady-before', 'measure', 'rollback', 'steady-after', 'reports']) {
        if (!ended.has(phase)) this.end(phase, 'skipped');
      }
    },
    endSteps(count: number) {
      for (let i = 0; i < count; i++) if (!ended.has(`step:${i}`)) this.end(`step:${i}`, 'skipped');
    },
  };
}

interface StepContext {
  inject(fault: Fault): Promise<FaultUndo>;
  lift(undo: FaultUndo): Promise<void>;
  hold(ms: number): Promise<void>;
  runProbe(probe: Probe): Promise<ProbeResult>;
  readonly journal: DrillJournal;
  readonly driver: DrillDriver;
  readonly traffic: SyntheticTraffic;
  readonly tenantIds: readonly string[];
  readonly methodStartedAt: number;
  readonly target: DrillTarget;
  progress(text: string): void;
}

/** Runs one method step; returns a detail line for the journal, throws when the step failed. */
async function runStep(step: DrillStep, ctx: StepContext): Promise<string> {
  const { driver, target } = ctx;
  switch (step.type) {
    case 'action': {
      const fault = step.fault;
      if (fault.kind === 'alarm-flap') {
        const down = durationMs(fault.down, target);
        const up = durationMs(fault.up, target);
        for (let cycle = 1; cycle <= fault.cycles; cycle++) {
          ctx.progress(`cycle ${cycle}/${fault.cycles}: down`);
          // The Region's own alarm must see each cycle, so the Region's service goes down, not the whole Region.
          const undo = await ctx.inject({ kind: 'service-outage', region: fault.region });
          await ctx.hold(down);
          await ctx.lift(undo);
          ctx.progress(`cycle ${cycle}/${fault.cycles}: up`);
          await ctx.hold(up);
        }
        return `${fault.cycles} outage cycles done`;
      }
      const undo = await ctx.inject(fault);
      if (step.duration === undefined) return `injected: ${describeFault(undo.fault, driver.config, target)}`;
      await ctx.hold(durationMs(step.duration, target));
      await ctx.lift(undo);
      return `held ${durationMs(step.duration, target) / 1000} s, then lifted`;
    }
    case 'clear': {
      const lifted = ctx.journal.undo.filter(
        (u): u is FaultUndo => u.kind === 'fault' && (step.kinds === undefined || step.kinds.includes(u.fault.kind)),
      );
      for (const undo of lifted) await ctx.lift(undo);
      return `lifted ${lifted.length} fault(s)`;
    }
    case 'probe': {
      const result = await ctx.runProbe(step.probe);
      if (!result.met) throw new Error(`${result.tolerance}: got ${result.value}`);
      return result.value;
    }
    case 'wait': {
      const timeoutMs = durationMs(step.timeout, target);
      if (step.until === undefined) {
        await ctx.hold(timeoutMs);
        return `waited ${timeoutMs / 1000} s`;
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = await observed(step.until, ctx);
        if (seen !== undefined) return seen;
        if (Date.now() >= deadline) {
          if (step.onTimeout === 'continue') return `not seen within ${timeoutMs / 1000} s (optional)`;
          throw new Error(`not seen within ${timeoutMs / 1000} s`);
        }
        await ctx.hold(Math.min(driver.pollMs, Math.max(0, deadline - Date.now())));
      }
    }
  }
}

/** A description of the awaited event when it happened since the method started, else undefined. */
async function observed(until: WaitCondition, ctx: StepContext): Promise<string | undefined> {
  const since = ctx.methodStartedAt;
  const config = ctx.driver.config;
  const at = (t: number) => `seen ${((t - since) / 1000).toFixed(1)} s into the method`;
  switch (until.event) {
    case 'alarm': {
      const t = await ctx.driver.alarmFiredAt(resolveRegion(until.region, config), since);
      return t === undefined ? undefined : at(t);
    }
    case 'failover':
    case 'page': {
      const outcomes = handlerOutcomes(await ctx.driver.store.listAudit(100), since);
      const first = (until.event === 'failover' ? outcomes.failovers : outcomes.pages)[0];
      return first === undefined ? undefined : `${at(first.at.getTime())}: ${first.reason}`;
    }
    case 'clients-served-by': {
      const t = clientsRecoveredAt(ctx.traffic.samples, ctx.tenantIds, resolveRegion(until.region, config), since);
      return t === undefined ? undefined : at(t);
    }
  }
}

async function applyFault(driver: DrillDriver, fault: Fault, runId: string): Promise<string | undefined> {
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
        new Date(),
      );
      return undefined;
    case 'alarm-flap':
      throw new Error('alarm-flap is run as outage cycles, never applied as one fault');
  }
}

async function measure(
  drill: Drill,
  driver: DrillDriver,
  traffic: SyntheticTraffic,
  tenantIds: readonly string[],
  methodStartedAt: number,
  writeIdPrefix: string,
  journal: DrillJournal,
): Promise<DrillMeasurements> {
  const config = driver.config;
  const routing = await driver.store.getRouting();
  const audit = await driver.store.listAudit(200);
  const { failovers, pages } = handlerOutcomes(audit, methodStartedAt);
  const initialRegion = config.regions.primary;
  const firstRegionFault = journal.steps
    .map((s, i) => ({ s, step: drill.method[i] }))
    .find(({ step }) => step?.type === 'action' && REGION_FAULTS.has(step.fault.kind));
  const faultStep = firstRegionFault?.step;
  const faultedRegion =
    faultStep?.type === 'action' && 'region' in faultStep.fault
      ? resolveRegion(faultStep.fault.region, config)
      : undefined;
  const faultAt = firstRegionFault?.s.startedAt;

  let rto: DrillMeasurements['rto'];
  let rtoFloorMeasured: DrillMeasurements['rtoFloor'];
  let tenantRecoveryMs: Record<string, number | undefined> | undefined;
  let rpo: DrillMeasurements['rpo'];
  let lost: readonly AcknowledgedWrite[] = [];
  const firstFailover = failovers[0];
  if (faultedRegion !== undefined && faultAt !== undefined && firstFailover !== undefined) {
    const healthy = otherRegion(config, faultedRegion);
    const alarmAt = await driver.alarmFiredAt(faultedRegion, faultAt);
    const switchedAt = firstFailover.at.getTime();
    const d = firstFailover.durationsMs;
    const dnsInSyncAt = d ? switchedAt - d.verify : switchedAt;
    rto = rtoBreakdown({
      faultAt,
      alarmAt,
      notifiedAt: driver.notifiedAt(faultedRegion, alarmAt ?? faultAt),
      decidedAt: d ? switchedAt - d.total : undefined,
      dnsInSyncAt,
      clientsRecoveredAt: clientsRecoveredAt(traffic.samples, tenantIds, healthy, faultAt),
    });
    tenantRecoveryMs = Object.fromEntries(
      tenantIds.map((id) => {
        const at = tenantRecoveredAt(traffic.samples, id, healthy, faultAt);
        return [id, at === undefined ? undefined : at - faultAt];
      }),
    );
    const floor = rtoFloor({
      periodMs: config.detection.periodSeconds * 1000,
      datapointsToAlarm: config.detection.datapointsToAlarm,
      evaluationDelayMs: driver.detectionDelays.evaluationDelayMs,
      publishDelayMs: driver.detectionDelays.publishDelayMs,
      dnsTtlMs: config.dns.ttlSeconds * 1000,
      requestIntervalMs: 1000 / traffic.ratePerClient,
    });
    rtoFloorMeasured = { ...floor, position: rto.rtoMs === undefined ? undefined : rtoFloorPosition(rto.rtoMs, floor) };
    // Only writes acknowledged before the data is read count: a later one is not lost, it was not looked for.
    const readFrom = Date.now();
    const present = await driver.presentWriteSeqs(routing.activeRegion, tenantIds, writeIdPrefix);
    const ledger = traffic.ledger.filter((w) => w.ackAt <= readFrom);
    const result = measureRpo(ledger, present, routing.activeRegion, faultAt);
    lost = result.lost;
    rpo = {
      survivingRegion: result.survivingRegion,
      acknowledged: result.acknowledged,
      lostWrites: result.lost.length,
      lostSample: result.lost.slice(0, 20),
      rpoMs: result.rpoMs,
    };
  }
  const switches = driver.handlerSwitches(methodStartedAt, audit);
  return {
    initialRegion,
    activeRegionAfterMethod: routing.activeRegion,
    faultedRegion,
    failovers: failovers.length,
    paged: pages.length > 0,
    pageReasons: pages.map((p) => p.reason),
    rto,
    rtoFloor: rtoFloorMeasured,
    tenantRecoveryMs,
    clientsPerTenant: drill.traffic.clientsPerTenant,
    rpo,
    clientErrorWindow: errorWindow(traffic.samples, methodStartedAt),
    impact: measureImpact(config.tenants, traffic.samples, lost, methodStartedAt),
    switches,
    route53: countRoute53Calls(switches),
  };
}

async function interruptibleSleep(ms: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (signal?.aborted) throw new MethodStopped('interrupted', `interrupted (${String(signal.reason ?? 'signal')})`);
    await sleep(Math.min(200, until - Date.now()));
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** How long the drill-in-progress marker holds if the drill dies without a rollback: its longest run, plus 5 minutes. */
function maxDrillMs(drill: Drill, target: DrillTarget): number {
  const limit = drill.stopConditions.find((s) => s.type === 'max-duration');
  return limit?.type === 'max-duration'
    ? durationMs(limit.duration, target) + 300_000
    : DEFAULT_DRILL_MAX_SECONDS * 1000;
}
