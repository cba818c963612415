import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusReport } from '../../runbooks/status';
import { type CliRun, captureCli } from '../cli/capture-cli';
import { motoTarget } from '../support/moto';
import { PRIMARY, provisionDeployment, SECONDARY, type TestDeployment, writeLocalEnvState } from './support/deployment';
import { failOverTo } from './support/runbook-deps';

/** Runs the CLI in-process, `--target aws` pointed at moto. */
function cli(
  dep: TestDeployment,
  configFile: string,
  args: string[],
  target: string[] = ['--target', 'aws', '--zone-id', dep.hostedZoneId],
): Promise<CliRun> {
  return captureCli(['-c', configFile, ...args, ...target]);
}

describe('runbook commands (CLI, --target aws against moto)', () => {
  let dep: TestDeployment;
  let dir: string;
  let configFile: string;
  const saved = {
    endpoint: process.env.REGIONFLIP_AWS_ENDPOINT,
    actor: process.env.REGIONFLIP_ACTOR,
    envState: process.env.REGIONFLIP_ENV_STATE_DIR,
  };

  beforeAll(async () => {
    process.env.REGIONFLIP_AWS_ENDPOINT = motoTarget().endpoint!;
    process.env.REGIONFLIP_ACTOR = 'erin';
    dep = await provisionDeployment();
    await failOverTo(dep, SECONDARY);
    dir = mkdtempSync(join(tmpdir(), 'regionflip-runbooks-'));
    configFile = join(dir, 'regionflip.json');
    // JSON is YAML: the loader validates it like the shipped YAML file.
    writeFileSync(configFile, JSON.stringify(dep.config));
  });
  afterAll(async () => {
    await dep.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const [key, value] of [
      ['REGIONFLIP_AWS_ENDPOINT', saved.endpoint],
      ['REGIONFLIP_ACTOR', saved.actor],
      ['REGIONFLIP_ENV_STATE_DIR', saved.envState],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('GIVEN traffic on the secondary WHEN status --json THEN one JSON object with every tier on the secondary', async () => {
    const { out, code } = await cli(dep, configFile, ['status', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as StatusReport;
    expect(report.traffic.every((t) => t.region === SECONDARY)).toBe(true);
    expect(report.zone.hostedZoneId).toBe(dep.hostedZoneId);
    expect(report.lastSwitches[0]).toMatchObject({ caller: 'automatic-failover', outcome: 'switched' });
  });

  it('GIVEN automation enabled WHEN automation disable --reason THEN the kill switch is off, audited with the actor, and status says so', async () => {
    const { out, code } = await cli(dep, configFile, ['automation', 'disable', '--reason', 'maintenance window']);
    expect(code).toBe(0);
    expect(out).toBe('automation disabled by erin: maintenance window\n');
    expect((await dep.ctx.store.getRouting()).automation).toMatchObject({ enabled: false, changedBy: 'erin' });
    const audit = await dep.ctx.store.listAudit(10);
    expect(audit.find((e) => e.outcome === 'automation-changed')).toMatchObject({
      caller: 'automation-toggle',
      actor: 'erin',
      reason: 'maintenance window',
    });
    expect((await cli(dep, configFile, ['status'])).out).toContain('automation: DISABLED by erin');

    expect(await cli(dep, configFile, ['automation', 'status'])).toMatchObject({
      code: 0,
      out: 'automation DISABLED by erin: maintenance window\n',
      err: '',
    });

    await cli(dep, configFile, ['automation', 'enable', '--reason', 'window over']);
    expect((await dep.ctx.store.getRouting()).automation.enabled).toBe(true);
    const json = await cli(dep, configFile, ['automation', 'status', '-o', 'json']);
    expect(JSON.parse(json.out)).toMatchObject({ enabled: true, changedBy: 'erin' });
  });

  it('GIVEN --yes without --reason WHEN failback THEN exit code 2 and the fix is named on stderr, nothing changed', async () => {
    const { err, code } = await cli(dep, configFile, ['failback', '--to', PRIMARY, '--yes']);
    expect(code).toBe(2);
    expect(err).toMatch(/^error: --yes needs --reason/);
    expect((await dep.ctx.store.getRouting()).activeRegion).toBe(SECONDARY);
  });

  it('GIVEN no replication between the Regions (moto) WHEN failback --yes --reason THEN it refuses with exit code 1 and a clear reason', async () => {
    const { out, code } = await cli(dep, configFile, [
      'failback',
      '--to',
      PRIMARY,
      '--yes',
      '--reason',
      'INC-4',
      '--replication-timeout',
      '300',
    ]);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  replication-drained');
    expect(out).toContain('REFUSED: precheck failed: replication-drained');
    expect((await dep.ctx.store.getRouting()).activeRegion).toBe(SECONDARY);
  });

  it('GIVEN a running local environment (its state file) WHEN failback --target local --yes --force --reason THEN it switches, verifies through the DNS answers and exits 0', async () => {
    const stateDir = join(dir, 'env');
    writeLocalEnvState(dep, stateDir);
    process.env.REGIONFLIP_ENV_STATE_DIR = stateDir;

    // moto has no replication: the sentinel never arrives, so the precheck is overridden (and recorded).
    const { out, code } = await cli(
      dep,
      configFile,
      ['failback', '--to', PRIMARY, '--yes', '--force', '--reason', 'drill over', '--replication-timeout', '200'],
      ['--target', 'local'],
    );

    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/WARNING: --force overrides failed prechecks: .*replication-drained/);
    expect(out).toContain(`ok    acme.${dep.config.dns.zoneName} HTTP 200, served by ${PRIMARY}`);
    expect(out.trim().split('\n').at(-1)).toBe(`DONE: traffic is on ${PRIMARY}`);
    expect((await dep.ctx.store.getRouting()).activeRegion).toBe(PRIMARY);
  });

  it('GIVEN no local environment WHEN status --target local THEN the error says how to start one', async () => {
    process.env.REGIONFLIP_ENV_STATE_DIR = join(dir, 'no-environments');
    const { err, code } = await cli(dep, configFile, ['status'], ['--target', 'local']);
    expect(err).toMatch(/^error: no local environment is running/);
    expect(code).toBe(3);
  });

  it('GIVEN runs recorded WHEN runs list -o json and runs show THEN each run has its id, owner, start and state', async () => {
    const list = await cli(dep, configFile, ['runs', 'list', '-o', 'json']);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.out) as { runId: string; owner: string; startedAt: string; state: string }[];
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run).toMatchObject({ owner: 'erin', state: expect.any(String) });
    const shown = await cli(dep, configFile, ['runs', 'show', runs[0]!.runId]);
    expect(shown.out.split('\n')[0]).toMatch(new RegExp(`^run ${runs[0]!.runId}: failback --to ${PRIMARY}`));
    expect(shown.out).toContain('  owner:    erin');
    const missing = await cli(dep, configFile, ['runs', 'show', 'nope']);
    expect(missing).toMatchObject({ code: 2, err: expect.stringContaining('no runbook run "nope"') });
  });
});
