import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { controlStoreFor, controlTableFor } from '../../chaos/drill/driver';
import type { DrillJournal, JournalEnvironment } from '../../chaos/drill/journal';
import { recoverDrill } from '../../chaos/drill/recover';
import { Route53DnsClient } from '../../chaos/env/dns';
import { isAlive, readEnvStates } from '../../chaos/env/env-state';
import { type AwsClients, createAwsClients, destroyAwsClients } from '../../failover/aws/clients';
import { namesFor } from '../../failover/config/names';
import { activeDrill } from '../../failover/state/drill-marker';
import { waitFor } from '../support/env';
import { relaxedRegionOutageDrill } from './local-env';

/**
 * Kill tests: the drill process is SIGKILLed at a phase (nothing of it runs its rollback), then `drill rollback`
 * restores from the journal alone. The end state is judged from outside: the routing records Route 53 (the orphaned
 * moto) serves, a client probe per tenant through them, the control table, the journal, and the processes by pid.
 */

const ROOT = resolve(__dirname, '../..');
type LocalEnv = Extract<JournalEnvironment, { target: 'local' }>;

function journalIn(dir: string): { file: string; journal: DrillJournal } | undefined {
  for (const run of existsSync(dir) ? readdirSync(dir) : []) {
    const file = join(dir, run, 'journal.json');
    if (!existsSync(file)) continue;
    try {
      return { file, journal: JSON.parse(readFileSync(file, 'utf8')) as DrillJournal };
    } catch {
      return undefined; // being written
    }
  }
  return undefined;
}

const clientsOf = (env: LocalEnv) =>
  createAwsClients([env.config.regions.primary, env.config.regions.secondary], { endpoint: env.motoEndpoint });

/** The routing records Route 53 serves: the names that are not a Region's own endpoint record (those never change). */
async function routingRecords(env: LocalEnv, clients: AwsClients) {
  const records = await clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: env.hostedZoneId }));
  return (records.ResourceRecordSets ?? [])
    .filter((x) => x.Type === 'CNAME' && !/\.us-(east-1|west-2)\./.test(x.Name ?? ''))
    .map((x) => ({ name: x.Name ?? '', value: x.ResourceRecords?.[0]?.Value ?? '' }));
}

/** Each tenant's name resolved through the records, then asked over HTTP: which Region answers it. */
async function clientProbes(env: LocalEnv, clients: AwsClients): Promise<Record<string, string>> {
  const connection = readEnvStates().find((s) => s.id === env.envId)?.connection;
  if (!connection) throw new Error(`no connection recorded for environment ${env.envId}`);
  const dns = new Route53DnsClient({
    route53: clients.route53,
    hostedZoneId: env.hostedZoneId,
    // The load balancer models died with the drill: ask the orphaned tenant services directly.
    loadBalancerUrl: (r) => connection.regions[r]?.serviceUrl,
  });
  const names = namesFor(env.config);
  const served: Record<string, string> = {};
  for (const tenant of env.config.tenants) {
    const answer = await dns.resolve(names.tenantRecord(tenant.id));
    const res = await fetch(new URL('/health', answer.url), { signal: AbortSignal.timeout(5000) });
    served[tenant.id] = `${res.status} ${res.headers.get('x-served-by-region') ?? '?'}`;
  }
  return served;
}

describe('drill rollback after the drill was killed', () => {
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const reports = mkdtempSync(join(tmpdir(), 'drill-crash-'));
  // Three real drills one after the other on a shared machine: generous, never a wall-clock assertion.
  jest.setTimeout(300_000);

  afterAll(() => {
    // Whatever happens, leave nothing running.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(reports, { recursive: true, force: true });
  });

  /**
   * Starts the region-outage drill in its own process and SIGKILLs it once `at` says the phase is reached (polled
   * every 20 ms: the switch's phases last a few hundred milliseconds). Returns what the phase looked like.
   */
  async function killDrillAt<T>(
    phase: string,
    at: (journal: DrillJournal, env: LocalEnv, clients: AwsClients) => Promise<T | undefined>,
  ) {
    const dir = join(reports, phase.replace(/\W+/g, '-'));
    // One process (node --import tsx, not the tsx wrapper), so SIGKILL kills the drill itself.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'failover/cli/main.ts',
        'drill',
        'run',
        relaxedRegionOutageDrill(reports),
        '--report-dir',
        dir,
      ],
      { cwd: ROOT, stdio: 'ignore', env: { ...process.env, CI: '1' } },
    );
    children.push(child);
    let exitCode: number | null | undefined;
    const exited = new Promise((r) =>
      child.once('exit', (code) => {
        exitCode = code;
        r(code);
      }),
    );
    let clients: AwsClients | undefined;
    try {
      const seen = await waitFor(
        `the drill to reach "${phase}"`,
        async () => {
          const found = journalIn(dir);
          if (exitCode !== undefined) {
            throw new Error(`the drill ended (exit ${exitCode}) before "${phase}": ${found?.journal.abortReason}`);
          }
          const env = found?.journal.env;
          if (!found || env?.target !== 'local') return undefined;
          for (const pid of env.pids) if (!pids.includes(pid)) pids.push(pid);
          clients ??= clientsOf(env);
          // A drill that ends on its own stops its moto under the probe: the next poll says why it ended.
          const state = await at(found.journal, env, clients).catch(() => undefined);
          return state === undefined ? undefined : { ...found, env, state };
        },
        180_000,
        20,
      );
      child.kill('SIGKILL');
      await exited;
      return seen;
    } finally {
      if (clients) destroyAwsClients(clients);
    }
  }

  /** `drill rollback` twice (restore with the processes kept, to look; then the stop), judged from outside. */
  async function expectRestoredFromOutside(file: string, journal: DrillJournal, env: LocalEnv) {
    expect(env.owned).toBe(true);
    expect(env.pids.filter(isAlive)).toEqual(env.pids);
    const clients = clientsOf(env);
    try {
      // The dead drill's marker still holds: a failback would be refused while it does.
      expect(await activeDrill(controlTableFor(env.config, clients))).toMatchObject({ drillId: journal.runId });
      const restored = await recoverDrill({ journalFile: file, keepProcesses: true });
      expect(restored.verified ? true : JSON.stringify(restored.journal.rollbacks)).toBe(true);
      const { primary } = env.config.regions;
      // The truth: no routing record Route 53 serves points at the secondary, every Region-specific one at the primary
      // (the basic and advanced tenants' names alias the shared record, which does), and every tenant's client lands there.
      const records = await routingRecords(env, clients);
      const regional = records.filter((r) => /\.us-(east-1|west-2)\./.test(r.value));
      expect(regional.length).toBeGreaterThan(0);
      expect(regional.filter((r) => !r.value.includes(`.${primary}.`))).toEqual([]);
      const served = await clientProbes(env, clients);
      expect(Object.values(served).every((s) => s === `200 ${primary}`) ? 'all on the primary' : served).toBe(
        'all on the primary',
      );
      // The table agrees, nothing is pending, the marker is gone.
      const store = controlStoreFor(env.config, clients);
      expect((await store.getRouting()).activeRegion).toBe(primary);
      expect(await store.pendingSwitch()).toBeUndefined();
      expect(await activeDrill(controlTableFor(env.config, clients))).toBeUndefined();
    } finally {
      destroyAwsClients(clients);
    }
    // A second rollback converges (nothing left to undo) and stops the orphaned moto and tenant services.
    const finished = await recoverDrill({ journalFile: file });
    expect(finished.verified).toBe(true);
    await waitFor('the orphaned processes to exit', () => (env.pids.some(isAlive) ? undefined : true), 10_000);
    expect(env.pids.filter(isAlive)).toEqual([]);
    // The journal on disk says it: interrupted, nothing left to undo, rollback verified.
    const after = JSON.parse(readFileSync(file, 'utf8')) as DrillJournal;
    expect(after.status).toBe('interrupted');
    expect(after.undo).toEqual([]);
    expect(after.rollbackVerified).toBe(true);
    return finished;
  }

  it('GIVEN a drill killed with SIGKILL after it failed over WHEN `drill rollback` runs THEN routing is back on the primary and no process is left', async () => {
    const { file, journal, env } = await killDrillAt('after the failover', async (j) =>
      j.steps.some((s) => s.name === 'failover completes' && s.status === 'succeeded') ? true : undefined,
    );
    expect(journal.undo).toEqual([{ kind: 'fault', fault: { kind: 'region-outage', region: 'us-east-1' } }]);
    const finished = await expectRestoredFromOutside(file, journal, env);
    // The orphaned service's fault was switched off through its fault switch, not left to die with it.
    expect(finished.journal.rollbacks.map((r) => r.detail)).toContain(
      'fault switch of us-east-1 set to none (region-outage)',
    );
  });

  it('GIVEN a drill killed with SIGKILL right after the failover handler wrote its switch intent WHEN `drill rollback` runs THEN the intent is finished through the one switch and every record and client is back on the primary', async () => {
    const { file, journal, env, state } = await killDrillAt("after the handler's intent", async (_j, e, clients) => {
      const intent = await controlStoreFor(e.config, clients).pendingSwitch();
      return intent ? { intentTo: intent.request.targetRegion } : undefined;
    });
    expect(state.intentTo).toBe(env.config.regions.secondary);
    const finished = await expectRestoredFromOutside(file, journal, env);
    expect(finished.journal.rollbacks.map((r) => r.name)).toContain('failback to us-east-1');
  });

  it('GIVEN a drill killed with SIGKILL mid-batch (the handler switch sent its change, Route 53 not yet in sync, intent pending) WHEN `drill rollback` runs THEN every record and client is back on the primary', async () => {
    const { file, journal, env, state } = await killDrillAt('mid-batch', async (_j, e, clients) => {
      const intent = await controlStoreFor(e.config, clients).pendingSwitch();
      if (!intent) return undefined;
      const moved = (await routingRecords(e, clients)).filter((r) =>
        r.value.includes(`.${e.config.regions.secondary}.`),
      );
      return moved.length > 0 ? { moved: moved.length } : undefined;
    });
    expect(state.moved).toBeGreaterThan(0);
    const finished = await expectRestoredFromOutside(file, journal, env);
    expect(finished.journal.rollbacks.find((r) => r.name === 'failback to us-east-1')?.detail).toMatch(
      /switched \d+ record|already pointed/,
    );
  });
});
