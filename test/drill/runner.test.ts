import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrillClock } from '../../chaos/drill/clock';
import type { DrillDriver, FaultUndo } from '../../chaos/drill/driver';
import { parseDrill } from '../../chaos/drill/load';
import { runDrill } from '../../chaos/drill/runner';
import { loadConfig } from '../../failover/config/load';
import type { RoutingState } from '../../failover/core/types';
import { defaultRouting } from '../../failover/state/model';

/**
 * The runner's promises, on a fake driver (no environment, fast): nothing is injected — and traffic is not moved —
 * when the steady state does not hold; a signal during the method stops it and everything is rolled back.
 */

const DRILL = `
title: fake outage
steadyStateHypothesis:
  title: routing on the primary, automation on
  probes:
    - { type: routing, activeRegion: primary }
    - { type: automation, enabled: true }
    - { type: replication-lag, maxMs: 5000 }
method:
  - type: action
    name: take the primary down
    fault: { kind: region-outage, region: primary }
  - type: wait
    name: hold the fault
    timeout: { local: 30s, aws: 30s }
expectations:
  outcome: failover
`;

interface Calls {
  faults: string[];
  lifted: string[];
  failbacks: string[];
  markerWrites: string[];
  /** Where the routing records Route 53 serves point (the truth the rollback must verify against). */
  recordsOn: string;
}

function fakeDriver(
  routing: RoutingState,
  lagMs: (calls: Calls) => number = () => 0,
): { driver: DrillDriver; calls: Calls } {
  const config = loadConfig();
  const calls: Calls = { faults: [], lifted: [], failbacks: [], markerWrites: [], recordsOn: routing.activeRegion };
  const faults = new Map<string, string>();
  const driver: DrillDriver = {
    target: 'local',
    config,
    environment: { target: 'aws', config, hostedZoneId: 'ZFAKE' },
    store: {
      getRouting: async () => routing,
      pendingSwitch: async () => undefined,
      setAutomation: async () => routing,
      listAudit: async () => [],
    } as unknown as DrillDriver['store'],
    controlTable: {
      tableName: 'fake',
      db: {
        send: async (cmd: { constructor: { name: string } }) => {
          calls.markerWrites.push(cmd.constructor.name);
          return {};
        },
      },
    } as unknown as DrillDriver['controlTable'],
    trafficDefaults: { ratePerTenant: 1, writeShare: 0, timeoutMs: 100 },
    detectionDelays: { evaluationDelayMs: 0, publishDelayMs: 0 },
    defaultProbeWindowMs: 50,
    pollMs: 20,
    trafficTenants: () => [],
    newResolver: () => async () => 'http://127.0.0.1:9',
    async setServiceFault(region, fault) {
      calls.faults.push(`${region}:${fault.kind}`);
      faults.set(region, fault.kind);
      return undefined;
    },
    async takeRegionDown(region) {
      calls.faults.push(`${region}:region-down`);
      faults.set(region, 'region-down');
      return undefined;
    },
    pauseReplication: async () => undefined,
    replicationLagMs: async () => lagMs(calls),
    async lift(undo: FaultUndo) {
      calls.lifted.push(undo.fault.kind);
      if ('region' in undo.fault) faults.delete(undo.fault.region);
      return 'lifted';
    },
    async failback(region) {
      calls.failbacks.push(region);
      const moved = calls.recordsOn !== region;
      calls.recordsOn = region;
      return moved
        ? { at: Date.now(), by: 'drill-rollback', toRegion: region, recordsChanged: 1, changeCalls: 1, retries: 0 }
        : undefined;
    },
    remainingFaults: async () => [...faults.entries()].map(([r, k]) => `${r}: ${k}`),
    observedRoutingProblems: async (region) => (calls.recordsOn === region ? [] : [`records on ${calls.recordsOn}`]),
    alarmFiredAt: async () => undefined,
    alarmInAlarm: async () => false,
    notifiedAt: () => undefined,
    handlerSwitches: () => [],
    presentWriteSeqs: async () => new Map(),
    close: async () => {},
  };
  return { driver, calls };
}

/** A clock that only moves when the runner sleeps: a 30 s hold takes no wall time. */
function virtualClock(startAt: number): DrillClock & { slept: number } {
  let now = startAt;
  return {
    slept: 0,
    now: () => now,
    async sleep(ms) {
      now += ms;
      this.slept += ms;
      // Still yield, as a real sleep does, so the drill's other work (traffic, probes) gets its turn.
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('drill runner (fake driver)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-runner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig();

  it('GIVEN traffic already on the secondary (steady state does not hold) WHEN the drill runs THEN it injects nothing and does not fail traffic back', async () => {
    const onSecondary = { ...defaultRouting(config.regions.primary, true), activeRegion: config.regions.secondary };
    const { driver, calls } = fakeDriver(onSecondary);
    let driverRunId: string | undefined;
    const run = await runDrill({
      drill: parseDrill(DRILL),
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async (runId) => {
        driverRunId = runId;
        return driver;
      },
    });
    // The driver gets the journal's run id: the AWS driver tags its FIS experiments with it for `drill rollback`.
    expect(driverRunId).toBe(run.journal.runId);
    expect(run.passed).toBe(false);
    expect(run.journal.abortReason).toMatch(/steady state did not hold.*nothing was injected/);
    expect(calls.faults).toEqual([]);
    expect(calls.failbacks).toEqual([]);
    // Not even the drill-in-progress marker was written (only the idempotent clear is sent).
    expect(calls.markerWrites).not.toContain('PutCommand');
    expect(run.journal.rollbacks.find((r) => r.name === 'failback')?.detail).toMatch(
      /skipped: the method never started/,
    );
  });

  it('GIVEN a drill holding a fault WHEN SIGINT/SIGTERM aborts it THEN the method stops, the fault is lifted and the rollback is verified', async () => {
    const { driver, calls } = fakeDriver(defaultRouting(config.regions.primary, true));
    const controller = new AbortController();
    const running = runDrill({
      drill: parseDrill(DRILL),
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async () => driver,
      signal: controller.signal,
    });
    // Abort once the fault is in (not on a timer: the CI machine may be slow).
    while (calls.faults.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort('SIGINT');
    const run = await running;
    expect(run.journal.status).toBe('interrupted');
    expect(run.journal.abortReason).toBe('interrupted (SIGINT)');
    // The 30 s hold was cut short by the signal, not run to its end.
    expect(run.journal.steps.map((s) => s.status)).toEqual(['succeeded', 'failed']);
    expect(calls.faults).toEqual([`${config.regions.primary}:region-down`]);
    expect(calls.lifted).toEqual(['region-outage']);
    expect(run.journal.undo).toEqual([]);
    expect(run.journal.rollbackVerified).toBe(true);
    expect(calls.markerWrites).toEqual(['PutCommand', 'DeleteCommand']);
  });

  it('GIVEN a virtual clock WHEN a drill holds a fault for 30 s THEN the hold runs on that clock and the journal is stamped by it', async () => {
    const { driver, calls } = fakeDriver(defaultRouting(config.regions.primary, true));
    const startAt = Date.UTC(2030, 0, 1, 12, 0, 0);
    const clock = virtualClock(startAt);
    const run = await runDrill({
      drill: parseDrill(DRILL),
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async () => driver,
      clock,
    });
    expect(run.journal.status).toBe('completed');
    expect(run.journal.startedAt).toBe(startAt);
    const [fault, hold] = run.journal.steps;
    expect(fault?.startedAt).toBeGreaterThanOrEqual(startAt);
    // The hold is 30 s of the injected clock, whatever the wall clock did meanwhile.
    expect(hold?.detail).toBe('waited 30 s');
    expect((hold?.endedAt ?? 0) - (hold?.startedAt ?? 0)).toBeGreaterThanOrEqual(30_000);
    expect(clock.slept).toBeGreaterThanOrEqual(30_000);
    expect(run.journal.endedAt).toBeGreaterThanOrEqual(startAt + 30_000);
    // The rollbacks are stamped by the same clock: after the hold, in order.
    expect(run.journal.rollbacks.length).toBeGreaterThan(0);
    for (const r of run.journal.rollbacks) expect(r.startedAt).toBeGreaterThanOrEqual(hold?.endedAt ?? Infinity);
    expect(calls.lifted).toEqual(['region-outage']);
    expect(run.journal.rollbackVerified).toBe(true);
  });

  it('GIVEN a flapping-alarm step WHEN the method runs it on a virtual clock THEN each cycle injects a service outage, holds it, lifts it and holds the up time', async () => {
    const { driver, calls } = fakeDriver(defaultRouting(config.regions.primary, true));
    const clock = virtualClock(Date.UTC(2030, 0, 1));
    const flapping = DRILL.replace(
      /method:[\s\S]*expectations:/,
      `method:
  - type: action
    name: primary goes down and up repeatedly
    fault: { kind: alarm-flap, region: primary, cycles: 3, down: 4s, up: 3s }
expectations:`,
    );
    expect(flapping).toContain('cycles: 3');
    const run = await runDrill({
      drill: parseDrill(flapping),
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async () => driver,
      clock,
    });
    const [step] = run.journal.steps;
    expect(step?.detail).toBe('3 outage cycles done');
    expect(calls.faults).toEqual(Array(3).fill(`${config.regions.primary}:outage`));
    expect(calls.lifted).toEqual(Array(3).fill('service-outage'));
    // Three cycles of 4 s down and 3 s up, on the injected clock.
    expect((step?.endedAt ?? 0) - (step?.startedAt ?? 0)).toBeGreaterThanOrEqual(21_000);
    expect(run.journal.undo).toEqual([]);
  });

  it('GIVEN replication still draining right after the rollback WHEN it catches up within the settle time THEN the drill has not deviated', async () => {
    let readsAfterRollback = 0;
    // 6 s of lag for the first reads after the fault was lifted (a loaded machine), then drained.
    const { driver } = fakeDriver(defaultRouting(config.regions.primary, true), (calls) =>
      calls.lifted.length > 0 && readsAfterRollback++ < 2 ? 6000 : 0,
    );
    const run = await runDrill({
      drill: parseDrill(DRILL.replace('timeout: { local: 30s, aws: 30s }', 'timeout: { local: 100ms, aws: 1s }')),
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async () => driver,
    });
    expect(run.journal.status).toBe('completed');
    expect(readsAfterRollback).toBeGreaterThan(2);
    expect(run.journal.steadyStateAfter?.met).toBe(true);
    expect(run.journal.deviated).toBe(false);
  });

  it('GIVEN the control table says primary but the records Route 53 serves point at the secondary WHEN the drill rolls back THEN it fails back through the switch and verifies against the records', async () => {
    const { driver, calls } = fakeDriver(defaultRouting(config.regions.primary, true));
    let ownSwitchingStopped = 0;
    const withStop: DrillDriver = {
      ...driver,
      stopOwnSwitching: async () => {
        ownSwitchingStopped = calls.failbacks.length === 0 ? 1 : -1;
        return 'stopped';
      },
    };
    const drill = parseDrill(
      `${DRILL.replace('timeout: { local: 30s, aws: 30s }', 'timeout: { local: 100ms, aws: 1s }')}rollbacks:\n  - type: failback\n`,
    );
    const running = runDrill({
      drill,
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async () => withStop,
    });
    // A switch (the handler's, killed after its first change) left the records on the secondary; the table never knew.
    while (calls.faults.length === 0) await new Promise((r) => setTimeout(r, 10));
    calls.recordsOn = config.regions.secondary;
    const run = await running;
    // The drill's own switching was stopped before anything else was rolled back.
    expect(ownSwitchingStopped).toBe(1);
    expect(run.journal.rollbacks[0]?.name).toMatch(/stop the drill's own alarm delivery/);
    expect(calls.failbacks).toEqual([config.regions.primary]);
    expect(calls.recordsOn).toBe(config.regions.primary);
    expect(run.journal.rollbackVerified).toBe(true);
  });

  it('GIVEN a failback that leaves the records on the secondary WHEN the rollback is verified THEN it is NOT verified, whatever the table says', async () => {
    const { driver, calls } = fakeDriver(defaultRouting(config.regions.primary, true));
    const stuck: DrillDriver = {
      ...driver,
      failback: async (region) => {
        calls.failbacks.push(region);
        return undefined;
      },
    };
    const drill = parseDrill(
      `${DRILL.replace('timeout: { local: 30s, aws: 30s }', 'timeout: { local: 100ms, aws: 1s }')}rollbacks:\n  - type: failback\n`,
    );
    const running = runDrill({
      drill,
      drillFile: 'fake.yaml',
      target: 'local',
      reportBase: dir,
      driver: async () => stuck,
    });
    while (calls.faults.length === 0) await new Promise((r) => setTimeout(r, 10));
    calls.recordsOn = config.regions.secondary;
    const run = await running;
    expect(run.journal.rollbackVerified).toBe(false);
    expect(run.journal.rollbacks.find((r) => r.name === 'verify the rollback')?.detail).toContain(
      `records on ${config.regions.secondary}`,
    );
    expect(run.passed).toBe(false);
  });
});
