import { markDrillEnded } from '../../failover/state/drill-marker';
import { type DrillClock, systemDrillClock } from './clock';
import type { FaultUndo, RestoreOps } from './driver';
import type { DrillJournal, StepRecord, UndoAction } from './journal';
import { resolveRegion } from './load';
import { countRoute53Calls, type SwitchRecord } from './measure/route53-calls';
import type { RunEvents } from './run-events';
import type { Rollback, RollbackKind } from './schema';
import { message } from './stop';

/** Which rollback lifts which fault. */
function rollbackKindOf(undo: FaultUndo): RollbackKind {
  switch (undo.fault.kind) {
    case 'replication-pause':
      return 'resume-replication';
    case 'automation-disable':
      return 'enable-automation';
    default:
      return 'clear-faults';
  }
}

const isFault = (u: UndoAction): u is FaultUndo => u.kind === 'fault';

export interface RestoreOutcome {
  readonly failback?: SwitchRecord;
  /** What the verification found still not restored (empty when verified). */
  readonly problems: readonly string[];
}

/**
 * Rolls back everything the journal says the drill did, then verifies it. The drill file's rollbacks set the order; a
 * fault they do not mention is lifted anyway (a drill never leaves a fault behind). Each undo entry leaves the journal
 * only once it is done, so a rollback interrupted in turn can be rerun. Used by the runner and by `drill rollback`.
 */
export async function restore(
  ops: RestoreOps,
  journal: DrillJournal,
  rollbacks: readonly Rollback[],
  save: () => void,
  note: (text: string) => void = () => {},
  clock: DrillClock = systemDrillClock,
): Promise<RestoreOutcome> {
  const injected = journal.undo.filter(isFault);
  const problems: string[] = [];
  let failback: SwitchRecord | undefined;
  const run = async (name: string, action: () => Promise<string>) => {
    const record: StepRecord = { name, type: 'rollback', startedAt: clock.now(), status: 'running' };
    journal.rollbacks.push(record);
    // Every undo is in the journal as it happens: running now, then its outcome.
    save();
    note(name);
    try {
      record.detail = await action();
      record.status = 'succeeded';
    } catch (err) {
      record.status = 'failed';
      record.detail = message(err);
      problems.push(`${name}: ${message(err)}`);
    } finally {
      record.endedAt = clock.now();
      save();
    }
  };
  const liftAll = async (kind: RollbackKind) => {
    for (const undo of journal.undo.filter(isFault).filter((u) => rollbackKindOf(u) === kind)) {
      await run(`${kind}: ${undo.fault.kind}${'region' in undo.fault ? ` in ${undo.fault.region}` : ''}`, async () => {
        const detail =
          undo.fault.kind === 'automation-disable'
            ? await ops.store
                .setAutomation(true, `drill ${journal.runId} rollback`, `drill:${journal.runId}`, new Date(clock.now()))
                .then(() => 'automatic failover enabled again')
            : await ops.lift(undo);
        journal.undo = journal.undo.filter((u) => u !== undo);
        return detail;
      });
    }
  };

  // First, nothing of the drill's own may switch traffic any more: a failover under way finishes before the failback
  // starts, and no alarm notification starts another one after it.
  if (ops.stopOwnSwitching) {
    const stopOwnSwitching = ops.stopOwnSwitching.bind(ops);
    await run("stop the drill's own alarm delivery and wait for a switch under way", () => stopOwnSwitching());
  }

  const order: RollbackKind[] = [...rollbacks.map((r) => r.type)];
  for (const kind of ['clear-faults', 'resume-replication', 'enable-automation'] as const) {
    if (!order.includes(kind)) order.push(kind);
  }
  // A failback moves every tenant: only a drill whose method started (it may have caused a failover) fails back. A
  // drill stopped before (steady state not met, Ctrl-C during warm-up) leaves routing exactly as it found it; it may
  // be on the secondary for a real reason (an incident, a manual failover), and the failback has no prechecks.
  const methodStarted = journal.steps.length > 0;
  const failbackRegion = (() => {
    const r = rollbacks.find((x) => x.type === 'failback');
    return r && methodStarted ? resolveRegion(r.region ?? 'primary', ops.config) : undefined;
  })();
  for (const kind of order) {
    if (kind !== 'failback') {
      await liftAll(kind);
      continue;
    }
    if (failbackRegion === undefined) {
      if (!methodStarted) {
        await run(
          'failback',
          async () => 'skipped: the method never started, so routing is left as the drill found it',
        );
      }
      continue;
    }
    // Always through the one switch, whatever the control table says: it finishes a pending intent (a switch killed
    // half-way), plans from the records Route 53 serves and changes nothing when they are already right.
    await run(`failback to ${failbackRegion}`, async () => {
      failback = await ops.failback(failbackRegion, journal.runId);
      return failback
        ? `switched ${failback.recordsChanged} record(s) in ${failback.changeCalls} Route 53 call(s)`
        : `the routing records already pointed at ${failbackRegion}`;
    });
  }

  await run('verify the rollback', async () => {
    const found: string[] = [...(await ops.remainingFaults(injected))];
    const routing = await ops.store.getRouting();
    if (failbackRegion !== undefined) {
      // The truth first: the records Route 53 serves and where clients land. The table must agree with them.
      found.push(...(await ops.observedRoutingProblems(failbackRegion)));
      if (routing.activeRegion !== failbackRegion || Object.keys(routing.tenantOverrides).length > 0) {
        found.push(`the control table says ${routing.activeRegion}, not ${failbackRegion}`);
      }
      const intent = await ops.store.pendingSwitch();
      if (intent) found.push(`a switch intent to ${intent.request.targetRegion} (${intent.caller}) is still pending`);
    }
    if (injected.some((u) => u.fault.kind === 'automation-disable') && !routing.automation.enabled) {
      found.push('automatic failover is still disabled');
    }
    if (journal.undo.length > 0) found.push(`${journal.undo.length} undo step(s) still pending`);
    if (found.length > 0) throw new Error(found.join('; '));
    return `faults cleared, routing on ${routing.activeRegion}, automation ${routing.automation.enabled ? 'enabled' : 'disabled'}`;
  });
  await run('clear the drill-in-progress marker', async () =>
    (await markDrillEnded(ops.controlTable, journal.runId))
      ? 'marker cleared: failback and manual failover are allowed again'
      : 'no marker of this drill was set',
  );
  journal.rollbackVerified = problems.length === 0;
  save();
  return { failback, problems };
}

/**
 * The runner's rollbacks: `restore` under the run's events; a failback's Route 53 calls join the drill's measurements.
 * Never throws: a rollback that fails says how to finish it.
 */
export async function runRollbacks(
  driver: RestoreOps,
  journal: DrillJournal,
  rollbacks: readonly Rollback[],
  save: () => void,
  events: RunEvents,
  journalFile: string,
  clock: DrillClock,
): Promise<void> {
  events.start('rollback', 'Roll back');
  const failback: SwitchRecord[] = [];
  try {
    const outcome = await restore(driver, journal, rollbacks, save, (t) => events.note('rollback', t), clock);
    if (outcome.failback) failback.push(outcome.failback);
    events.end(
      'rollback',
      journal.rollbackVerified ? 'succeeded' : 'failed',
      journal.rollbackVerified ? 'Rolled back and verified' : `Roll back NOT verified: ${outcome.problems.join('; ')}`,
    );
  } catch (err) {
    journal.rollbackVerified = false;
    events.end(
      'rollback',
      'failed',
      `Roll back failed: ${message(err)} — run \`regionflip drill rollback --journal ${journalFile}\``,
    );
  }
  if (journal.measurements && failback.length > 0) {
    const switches = [...journal.measurements.switches, ...failback];
    journal.measurements = { ...journal.measurements, switches, route53: countRoute53Calls(switches) };
  }
}
