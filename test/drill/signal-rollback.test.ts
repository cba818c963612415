import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { controlStoreFor, controlTableFor } from '../../chaos/drill/driver';
import type { DrillJournal } from '../../chaos/drill/journal';
import { isAlive } from '../../chaos/env/env-state';
import { createAwsClients, destroyAwsClients } from '../../failover/aws/clients';
import { activeDrill } from '../../failover/state/drill-marker';
import { waitFor } from '../support/env';
import { motoTarget } from '../support/moto';
import { relaxedRegionOutageDrill } from './local-env';

/**
 * Stopping is rolling back, tried on the real CLI: a real SIGINT (what Ctrl-C sends) or SIGTERM reaches the drill
 * process at a phase, and the end state is judged from outside — exit code, journal, the drill's processes by pid, and
 * the routing records Route 53 (moto) serves afterwards. The drill runs over the test run's moto server
 * (`--moto-endpoint`) with its own app name, so the records can still be read once the drill is gone.
 */

const ROOT = resolve(__dirname, '../..');
const CONFIG_FILE = join(ROOT, 'infra/config/regionflip.yaml');

function journalIn(dir: string): DrillJournal | undefined {
  for (const run of existsSync(dir) ? readdirSync(dir) : []) {
    const file = join(dir, run, 'journal.json');
    if (!existsSync(file)) continue;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as DrillJournal;
    } catch {
      return undefined; // being written
    }
  }
  return undefined;
}

// Three real drills on a machine shared with other test files: generous, never a wall-clock assertion.
jest.setTimeout(240_000);

describe('a drill stopped by a signal rolls back (real CLI process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-signal-'));
  const children: ChildProcess[] = [];
  const pids: number[] = [];

  afterAll(() => {
    // Whatever happened, leave nothing of ours running.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the region-outage drill on its own app name; `until` says when to send the signal. */
  async function interruptDrill(
    phase: string,
    signal: NodeJS.Signals,
    until: (journal: DrillJournal, app: string) => Promise<boolean>,
  ) {
    const app = `s${randomBytes(4).toString('hex')}`;
    const configFile = join(dir, `${app}.yaml`);
    writeFileSync(configFile, readFileSync(CONFIG_FILE, 'utf8').replace(/^app: .*$/m, `app: ${app}`));
    const drillFile = relaxedRegionOutageDrill(dir, `${app}-drill`);
    const reports = join(dir, app);
    // One process (node --import tsx, not the tsx wrapper): the signal reaches the drill itself.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'failover/cli/main.ts',
        '--config',
        configFile,
        'drill',
        'run',
        drillFile,
        '--report-dir',
        reports,
        '--moto-endpoint',
        motoTarget().endpoint!,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((r) =>
      child.once('exit', (code) => {
        exitCode = code;
        r(code);
      }),
    );
    const journal = await waitFor(
      `the drill to reach "${phase}"`,
      async () => {
        const j = journalIn(reports);
        if (exitCode !== undefined) {
          throw new Error(
            `the drill ended (exit ${exitCode}) before "${phase}": ${j?.abortReason}\n${output.slice(-2000)}`,
          );
        }
        if (j?.env?.target === 'local') for (const pid of j.env.pids) if (!pids.includes(pid)) pids.push(pid);
        return j && (await until(j, app)) ? j : undefined;
      },
      180_000,
      // Phases such as "the intent is written" last a few hundred milliseconds: poll fast enough to land in them.
      20,
    );
    if (journal.env?.target !== 'local') throw new Error('expected a local drill journal');
    const drillPids = [...journal.env.pids];
    expect(drillPids.length).toBeGreaterThan(0);
    child.kill(signal);
    const code = await exited;
    const after = journalIn(reports);
    if (!after) throw new Error('the journal disappeared');
    const config = journal.env.config;
    const clients = createAwsClients([config.regions.primary, config.regions.secondary], motoTarget());
    const records = await clients.route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: journal.env.hostedZoneId }),
    );
    const store = controlStoreFor(config, clients);
    const routing = await store.getRouting();
    const pending = await store.pendingSwitch();
    const marker = await activeDrill(controlTableFor(config, clients));
    destroyAwsClients(clients);
    return {
      code,
      output,
      journal: after,
      drillPids,
      childPid: child.pid!,
      // Routing records: the names that are not a Region's own endpoint record (those never change).
      routingRecords: (records.ResourceRecordSets ?? [])
        .filter((x) => x.Type === 'CNAME' && !/\.us-(east-1|west-2)\./.test(x.Name ?? ''))
        .map((x) => ({ name: x.Name ?? '', value: x.ResourceRecords?.[0]?.Value ?? '' })),
      routing,
      pending,
      marker,
      zone: config.dns.zoneName,
    };
  }

  function expectRolledBack(r: Awaited<ReturnType<typeof interruptDrill>>, signal: NodeJS.Signals) {
    const why = `${JSON.stringify(r.journal.rollbacks, null, 1)}\n${r.output.slice(-3000)}`;
    expect(r.code === (signal === 'SIGINT' ? 130 : 143) ? 'exit ok' : `exit ${r.code}: ${why}`).toBe('exit ok');
    expect(r.journal.status).toBe('interrupted');
    expect(r.journal.abortReason).toBe(`interrupted (${signal})`);
    expect(r.journal.rollbackVerified ? true : why).toBe(true);
    expect(r.journal.undo).toEqual([]);
    expect(r.journal.rollbacks.every((x) => x.status === 'succeeded' && x.endedAt !== undefined)).toBe(true);
    // No process of the drill survives it.
    expect([r.childPid, ...r.drillPids].filter(isAlive)).toEqual([]);
    // The routing records Route 53 serves, and the table, are on the primary; nothing is pending; no marker is left.
    const shared = r.routingRecords.find((x) => x.name === `shared.${r.zone}.`);
    expect(shared?.value).toBe(`shared.us-east-1.${r.zone}`);
    expect(r.routingRecords.filter((x) => x.value.includes('.us-west-2.'))).toEqual([]);
    expect(r.routing.activeRegion).toBe('us-east-1');
    expect(r.pending).toBeUndefined();
    expect(r.marker).toBeUndefined();
  }

  it('GIVEN the drill checking its steady state WHEN SIGTERM arrives THEN it injects nothing, stops every process and exits 143', async () => {
    const r = await interruptDrill('steady state', 'SIGTERM', async (j) => j.env !== undefined);
    expectRolledBack(r, 'SIGTERM');
    expect(r.journal.steps).toEqual([]);
  });

  it('GIVEN the primary Region down WHEN SIGINT (Ctrl-C) arrives THEN the fault is lifted, routing stays on the primary and it exits 130', async () => {
    const r = await interruptDrill('after the fault', 'SIGINT', async (j) =>
      j.steps.some((s) => s.name === 'take the primary Region down' && s.status === 'succeeded'),
    );
    expectRolledBack(r, 'SIGINT');
    expect(r.journal.rollbacks.map((x) => x.name)).toEqual(
      expect.arrayContaining(['clear-faults: region-outage in us-east-1', 'verify the rollback']),
    );
    expect(r.output).toContain('SIGINT: stopping the drill and rolling back');
  });

  it('GIVEN the failover under way (alarm fired; the handler intent written or its switch just done) WHEN SIGINT arrives THEN the switch finishes first and the failback puts every routing record back on the primary', async () => {
    const r = await interruptDrill('mid-failover', 'SIGINT', async (j, app) => {
      if (
        j.env?.target !== 'local' ||
        !j.steps.some(
          (s) => s.name === "the secondary's probe alarm about the primary fires" && s.status === 'succeeded',
        )
      )
        return false;
      const config = j.env.config;
      expect(config.app).toBe(app);
      const clients = createAwsClients([config.regions.primary, config.regions.secondary], motoTarget());
      const store = controlStoreFor(config, clients);
      const sawIntent = (await store.pendingSwitch()) !== undefined;
      const moved = (await store.getRouting()).activeRegion !== config.regions.primary;
      destroyAwsClients(clients);
      // The intent is written before the first Route 53 change; the audit entry once it is done. Either way the
      // handler's switch is under way or just finished when the signal arrives: the drill must not race it.
      return sawIntent || moved;
    });
    expectRolledBack(r, 'SIGINT');
    const names = r.journal.rollbacks.map((x) => x.name);
    expect(names[0]).toMatch(/stop the drill's own alarm delivery/);
    expect(names).toContain('failback to us-east-1');
    expect(r.journal.rollbacks.find((x) => x.name === 'failback to us-east-1')?.detail).toMatch(/switched \d+ record/);
  });
});
