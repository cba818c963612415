import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type DrillClock, systemDrillClock } from './clock';
import type { DrillDriver } from './driver';
import { judgeExpectations } from './expectations';
import { SteadyStateHypothesis } from './hypothesis';
import { type DrillJournal, JOURNAL_FILE, persistJournal, rememberLastJournal, reportDirFor } from './journal';
import { measureDrill } from './measure/drill-measure';
import { trafficSeries } from './measure/series';
import { DrillMethod } from './method';
import { type DrillProgress, silentProgress } from './progress';
import { drillPassed } from './report/timeline';
import { type ReportFiles, writeReports } from './report/write';
import { runRollbacks } from './rollback';
import { runEvents } from './run-events';
import { type Drill, type DrillTarget, durationMs } from './schema';
import { MethodStopped, message } from './stop';
import { SyntheticTraffic } from './traffic';

export interface RunDrillOptions {
  readonly drill: Drill;
  readonly drillFile: string;
  readonly target: DrillTarget;
  /** reports/ by default; the run writes into reports/<drill>-<timestamp>/. */
  readonly reportBase: string;
  /**
   * Creates the driver (starting the local environment, or connecting to AWS). Called after the journal exists, with
   * the journal's run id: the AWS driver tags its FIS experiments with it, which is how `drill rollback` finds them.
   */
  readonly driver: (runId: string) => Promise<DrillDriver>;
  readonly progress?: DrillProgress;
  /** Ctrl-C / SIGTERM: stop the method, roll back, report. */
  readonly signal?: AbortSignal;
  /** Sees the journal once it exists (the CLI says from it what a second Ctrl-C is still waiting for). */
  readonly onJournal?: (journal: DrillJournal, file: string) => void;
  /** The runner's time (system clock by default; see chaos/drill/clock.ts). */
  readonly clock?: DrillClock;
}

export interface DrillRun {
  readonly journal: DrillJournal;
  readonly files: ReportFiles;
  readonly passed: boolean;
}

/**
 * Runs a drill, in Chaos Toolkit's order: environment → traffic → steady-state hypothesis before (nothing is injected
 * unless it holds) → method (faults, probes, waits, under the stop conditions) → measure → rollbacks, always → verify
 * the rollback → steady state after → reports. The journal is persisted before every fault, so `drill rollback` can
 * finish the job after a crash. The phases live in hypothesis.ts, method.ts and rollback.ts; this is their order.
 */
export async function runDrill(opts: RunDrillOptions): Promise<DrillRun> {
  const { drill, target } = opts;
  const clock = opts.clock ?? systemDrillClock;
  const events = runEvents(opts.progress ?? silentProgress);
  const startedAt = new Date(clock.now());
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

  events.start('environment', `Environment (${target})`);
  let driver: DrillDriver;
  try {
    driver = await opts.driver(runId);
  } catch (err) {
    events.end('environment', 'failed', `Environment: ${message(err)}`);
    journal.status = 'failed';
    journal.abortReason = `the environment did not start: ${message(err)}`;
    journal.endedAt = clock.now();
    const files = writeReports(reportDir, journal);
    events.endSteps(drill.method.length);
    events.endAll();
    return { journal, files, passed: false };
  }
  journal.env = driver.environment;
  save();
  events.end('environment', 'succeeded');

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
  const phaseContext = { drill, driver, traffic, tenantIds, target, clock };
  const hypothesis = new SteadyStateHypothesis(phaseContext);
  const method = new DrillMethod({ ...phaseContext, hypothesis, journal, save, runId, events, signal: opts.signal });

  try {
    traffic.start();
    events.start('steady-before', `Steady state before: ${drill.steadyStateHypothesis.title}`);
    journal.steadyStateBefore = await hypothesis.before((t) => events.note('steady-before', t), opts.signal);
    save();
    if (!journal.steadyStateBefore.met) {
      const failed = journal.steadyStateBefore.probes.filter((p) => !p.met);
      events.end(
        'steady-before',
        'failed',
        `Steady state does not hold: ${failed.map((p) => `${p.name} = ${p.value}`).join('; ')}`,
      );
      throw new MethodStopped(
        'failed',
        `the steady state did not hold before the method, so nothing was injected (${failed.map((p) => `${p.name}: ${p.value}`).join('; ')})`,
      );
    }
    events.end('steady-before', 'succeeded');
    await method.run();
    events.endSteps(drill.method.length);
    journal.status = journal.steps.some((s) => s.status === 'failed') ? 'failed' : 'completed';
  } catch (err) {
    journal.status = err instanceof MethodStopped ? err.status : 'failed';
    journal.abortReason = message(err);
    events.endOpen('failed', message(err));
    events.endSteps(drill.method.length);
  } finally {
    save();
  }

  // Measure before the rollback: the surviving Region's data must be read before replication resumes.
  if (method.startedAt !== undefined) {
    events.start('measure', 'Measure RTO, RPO, impact');
    try {
      const measurements = await measureDrill(
        drill,
        driver,
        traffic,
        tenantIds,
        method.startedAt,
        writeIdPrefix,
        journal,
        clock,
      );
      journal.measurements = measurements;
      events.end(
        'measure',
        'succeeded',
        `Measure: RTO ${measurements.rto?.rtoMs ?? '—'} ms, ${measurements.failovers} failover(s), ${measurements.rpo?.lostWrites ?? 0} lost write(s)`,
      );
    } catch (err) {
      events.end('measure', 'failed', `Measure: ${message(err)}`);
      journal.abortReason = journal.abortReason ?? `measuring failed: ${message(err)}`;
      if (journal.status === 'completed') journal.status = 'failed';
    }
  } else {
    events.end('measure', 'skipped');
  }

  await runRollbacks(driver, journal, drill.rollbacks, save, events, journalFile, clock);

  // Stopped by a signal, the drill ends once its rollback is verified: whoever pressed Ctrl-C wants out, not a probe.
  if (journal.steadyStateBefore?.met && !opts.signal?.aborted) {
    events.start('steady-after', 'Steady state after');
    try {
      journal.steadyStateAfter = await hypothesis.after();
      journal.deviated = !journal.steadyStateAfter.met;
      events.end(
        'steady-after',
        journal.deviated ? 'failed' : 'succeeded',
        journal.deviated ? 'Steady state after: DEVIATED' : undefined,
      );
    } catch (err) {
      journal.deviated = true;
      events.end('steady-after', 'failed', `Steady state after: ${message(err)}`);
    }
  } else {
    events.end('steady-after', 'skipped');
  }
  await traffic.stop();
  if (journal.measurements) journal.measurements = { ...journal.measurements, series: trafficSeries(traffic.samples) };

  if (journal.measurements) journal.expectations = judgeExpectations(drill.expectations, journal.measurements, target);
  journal.endedAt = clock.now();
  events.start('reports', 'Reports');
  const files = writeReports(reportDir, journal);
  events.end('reports', 'succeeded', `Reports in ${reportDir}`);
  await driver.close();
  events.endAll();
  return { journal, files, passed: drillPassed(journal) };
}
