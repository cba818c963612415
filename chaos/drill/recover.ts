import { dirname } from 'node:path';
import { createAwsClients, destroyAwsClients } from '../../failover/aws/clients';
import { isAlive, killGroup, readEnvStates, removeEnvState } from '../env/env-state';
import { controlStoreFor, controlTableFor, drillFailback, observedRoutingProblems, type RestoreOps } from './driver';
import { type DrillJournal, persistJournal, readJournal } from './journal';
import { type ReportFiles, writeReports } from './report/write';
import { type RestoreOutcome, restore } from './rollback';

export interface RecoverOptions {
  /** The journal.json of the drill run (default: the last drill started here). */
  readonly journalFile?: string;
  /** Leave the environment's processes running after restoring routing (to inspect it). */
  readonly keepProcesses?: boolean;
  /** AWS target: the operations of a live AWS driver (FIS, fault switches), built by the command. */
  readonly awsOps?: RestoreOps;
  readonly note?: (text: string) => void;
}

export interface RecoverResult {
  readonly journalFile: string;
  readonly journal: DrillJournal;
  readonly outcome?: RestoreOutcome;
  /** Processes of the drill's local environment that were stopped. */
  readonly stopped: readonly number[];
  readonly files: ReportFiles;
  readonly verified: boolean;
}

/**
 * `drill rollback`: finishes the rollback of a drill whose process died (SIGKILL, a crash, a closed laptop). Everything
 * comes from the journal, which the drill wrote before each fault: what to undo, the rollbacks, the environment.
 *
 * Locally, the environment's in-process parts (load balancer model, alarm evaluation, replication) died with the drill;
 * its moto server and tenant services are orphans. The rollback restores routing and automation in moto through the
 * same switch as every other caller, verifies them, and then stops the orphaned processes, which lifts their faults.
 */
export async function recoverDrill(opts: RecoverOptions = {}): Promise<RecoverResult> {
  const { file, journal } = readJournal(opts.journalFile);
  if (journal.pid !== process.pid && isAlive(journal.pid) && journal.status === 'running') {
    throw new Error(
      `the drill ${journal.runId} is still running (pid ${journal.pid}): stop it with Ctrl-C (it rolls back itself), ` +
        'or kill it and rerun `regionflip drill rollback`',
    );
  }
  const env = journal.env;
  if (!env)
    throw new Error(`the journal ${file} has no environment: the drill died before it started one; nothing to undo`);
  const save = () => persistJournal(file, journal);
  const note = opts.note ?? (() => {});
  let outcome: RestoreOutcome | undefined;
  const stopped: number[] = [];

  if (env.target === 'aws') {
    if (!opts.awsOps)
      throw new Error('rolling back an AWS drill needs AWS access: run `regionflip drill rollback --target aws`');
    outcome = await restore(opts.awsOps, journal, journal.rollbackPlan, save, note);
  } else {
    const config = env.config;
    const clients = createAwsClients([config.regions.primary, config.regions.secondary], {
      endpoint: env.motoEndpoint,
    });
    const store = controlStoreFor(config, clients);
    const connection = readEnvStates().find((s) => s.id === env.envId)?.connection;
    const servicesAlive = () => env.pids.filter((pid) => isAlive(pid));
    const ops: RestoreOps = {
      config,
      store,
      controlTable: controlTableFor(config, clients),
      async lift(undo) {
        // The environment recorded how to reach its services' fault switches: switch the fault off while the
        // orphaned service still runs. Otherwise the fault goes with the tenant service, stopped below.
        const service = 'region' in undo.fault ? connection?.regions[undo.fault.region] : undefined;
        if (connection && service && 'region' in undo.fault && isAlive(service.servicePid)) {
          const res = await fetch(`${service.serviceUrl}/admin/fault`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', 'x-admin-token': connection.adminToken },
            body: JSON.stringify({ kind: 'none' }),
          });
          if (res.ok) return `fault switch of ${undo.fault.region} set to none (${undo.fault.kind})`;
        }
        return env.owned
          ? `lifted by stopping the orphaned tenant services (${undo.fault.kind})`
          : `the environment's owner is gone; ${undo.fault.kind} ended with it`;
      },
      failback: (region, runId) => drillFailback(config, clients, store, env.hostedZoneId, region, runId),
      // The load balancer models died with the drill: client probes go to the orphaned tenant services directly.
      observedRoutingProblems: (region) =>
        observedRoutingProblems(
          {
            config,
            route53: clients.route53,
            hostedZoneId: env.hostedZoneId,
            probeBaseUrl: (r) => {
              const service = connection?.regions[r];
              return service && isAlive(service.servicePid) ? service.serviceUrl : undefined;
            },
          },
          region,
        ),
      async remainingFaults() {
        // Verified after the processes are stopped (below): a fault lives only as long as its service.
        return [];
      },
    };
    try {
      outcome = await restore(ops, journal, journal.rollbackPlan, save, note);
    } finally {
      destroyAwsClients(clients);
    }
    if (!opts.keepProcesses) {
      const states = readEnvStates().filter((s) => s.id === env.envId);
      const pids = new Set([...env.pids, ...states.flatMap((s) => s.processes.map((p) => p.pid))]);
      for (const pid of pids) {
        if (!isAlive(pid)) continue;
        killGroup(pid);
        stopped.push(pid);
      }
      const deadline = Date.now() + 5000;
      while (servicesAlive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const s of states) removeEnvState(s.id);
      const left = servicesAlive();
      if (left.length > 0) {
        journal.rollbackVerified = false;
        journal.rollbacks.push({
          name: 'stop the environment left behind',
          type: 'verify',
          startedAt: Date.now(),
          endedAt: Date.now(),
          status: 'failed',
          detail: `processes still alive: ${left.join(', ')}`,
        });
      } else {
        note(`stopped ${stopped.length} orphaned process(es)`);
      }
    }
  }
  if (journal.status === 'running') {
    journal.status = 'interrupted';
    journal.abortReason =
      journal.abortReason ?? `the drill process (pid ${journal.pid}) died; rolled back by \`drill rollback\``;
  }
  journal.endedAt = journal.endedAt ?? Date.now();
  const files = writeReports(dirname(file), journal);
  return { journalFile: file, journal, outcome, stopped, files, verified: journal.rollbackVerified === true };
}
