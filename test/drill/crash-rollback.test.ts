import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { controlStoreFor, controlTableFor } from '../../chaos/drill/driver';
import type { DrillJournal } from '../../chaos/drill/journal';
import { recoverDrill } from '../../chaos/drill/recover';
import { isAlive } from '../../chaos/env/env-state';
import { createAwsClients } from '../../failover/aws/clients';
import { activeDrill } from '../../failover/state/drill-marker';
import { waitFor } from '../support/env';

const ROOT = resolve(__dirname, '../..');

function journalIn(dir: string): { file: string; journal: DrillJournal } | undefined {
  for (const run of existsSync(dir) ? readdirSync(dir) : []) {
    const file = join(dir, run, 'journal.json');
    if (existsSync(file)) return { file, journal: JSON.parse(readFileSync(file, 'utf8')) as DrillJournal };
  }
  return undefined;
}

describe('drill rollback after the drill was killed', () => {
  let child: ChildProcess | undefined;
  let pids: readonly number[] = [];
  const reports = mkdtempSync(join(tmpdir(), 'drill-crash-'));

  afterAll(() => {
    // Whatever happens, leave nothing running.
    if (child?.exitCode === null) child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(reports, { recursive: true, force: true });
  });

  it('GIVEN a drill killed with SIGKILL after it failed over WHEN `drill rollback` runs THEN routing is back on the primary and no process is left', async () => {
    // One process (node --import tsx, not the tsx wrapper), so SIGKILL kills the drill itself.
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'failover/cli/main.ts',
        'drill',
        'run',
        'chaos/drills/region-outage.yaml',
        '--report-dir',
        reports,
      ],
      { cwd: ROOT, stdio: 'ignore', env: { ...process.env, CI: '1' } },
    );
    const exited = new Promise((r) => child?.once('exit', r));
    const { file, journal } = await waitFor(
      'the drill to fail over',
      () => {
        const found = journalIn(reports);
        return found?.journal.steps.some((s) => s.name === 'failover completes' && s.status === 'succeeded')
          ? found
          : undefined;
      },
      90_000,
    );
    expect(journal.undo).toEqual([{ kind: 'fault', fault: { kind: 'region-outage', region: 'us-east-1' } }]);
    child.kill('SIGKILL');
    await exited;
    const env = journal.env;
    if (env?.target !== 'local') throw new Error('expected a local drill journal');
    pids = env.pids;
    expect(env.owned).toBe(true);
    expect(pids.filter(isAlive).length).toBe(pids.length);
    const clients = createAwsClients([env.config.regions.primary, env.config.regions.secondary], {
      endpoint: env.motoEndpoint,
    });
    const controlTable = controlTableFor(env.config, clients);
    // The dead drill's marker still holds: a failback would be refused while it does.
    expect(await activeDrill(controlTable)).toMatchObject({ drillId: journal.runId });

    // First the restore alone (processes kept) so the test can read routing from the orphaned moto itself.
    const restored = await recoverDrill({ journalFile: file, keepProcesses: true });
    expect(restored.verified ? true : JSON.stringify(restored.journal.rollbacks)).toBe(true);
    // The orphaned service's fault was switched off through its fault switch, not left to die with it.
    expect(restored.journal.rollbacks.map((r) => r.detail)).toContain(
      'fault switch of us-east-1 set to none (region-outage)',
    );
    expect(await activeDrill(controlTable)).toBeUndefined();
    const routing = await controlStoreFor(env.config, clients).getRouting();
    expect(routing.activeRegion).toBe('us-east-1');
    const records = await clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: env.hostedZoneId }));
    const shared = records.ResourceRecordSets?.find((r) => r.Name === `shared.${env.config.dns.zoneName}.`);
    expect(shared?.ResourceRecords?.[0]?.Value).toBe(`shared.us-east-1.${env.config.dns.zoneName}`);

    // A second rollback converges (nothing left to undo) and stops the orphaned moto and tenant services.
    const finished = await recoverDrill({ journalFile: file });
    expect(finished.verified).toBe(true);
    await waitFor('the orphaned processes to exit', () => (pids.some(isAlive) ? undefined : true), 10_000);
    expect(finished.journal.status).toBe('interrupted');
    expect(finished.journal.undo).toEqual([]);
  });
});
