import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'failover/cli/main.ts', 'drill', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('regionflip drill CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN --dry-run WHEN a drill is run THEN it prints faults, steps and rollbacks and creates nothing', () => {
    const reports = join(dir, 'reports');
    const out = cli('run', 'chaos/drills/both-regions-unhealthy.yaml', '--dry-run', '--report-dir', reports);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('inject service outage in us-west-2 (secondary)');
    expect(out.stdout).toContain('fail back to us-east-1 (primary)');
    expect(out.stdout).toContain('outcome: no-failover-page');
    expect(out.stdout).toContain('nothing was started or changed');
    expect(existsSync(reports)).toBe(false);
  });

  it('GIVEN a broken drill file WHEN validated THEN the exit code is 1 and the error names the line and field', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'title: x\nsteadyStateHypothesis: { title: y, probes: [{ type: success-rate, min: 2 }] }\nmethod: []\nexpectations: { outcome: failover }\n',
    );
    const out = cli('validate', bad, 'chaos/drills/region-outage.yaml');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/line 2, steadyStateHypothesis\.probes\.0\.min: .*\(got 2\)/);
    expect(out.stderr).toMatch(/line 3, method: the method needs at least one step/);
    expect(out.stdout).toContain('ok  chaos/drills/region-outage.yaml');
  });

  it('GIVEN the catalogue WHEN listed THEN every built-in drill shows with its expected outcome', () => {
    const out = cli('list');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(
      /automation-disabled\.yaml +Automation disabled \(kill switch\) — expects no-failover-page/,
    );
    expect(out.stdout.trim().split('\n')).toHaveLength(7);
  });

  it('GIVEN a drill naming an unknown Region WHEN run THEN it is refused before anything starts (no report, no environment)', () => {
    const bad = join(dir, 'unknown-region.yaml');
    writeFileSync(
      bad,
      readFileSync(join(ROOT, 'chaos/drills/region-outage.yaml'), 'utf8').replace(
        'region: primary }',
        'region: eu-west-3 }',
      ),
    );
    const reports = join(dir, 'refused');
    const out = cli('run', bad, '--report-dir', reports);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/line 22, method\.0\.fault\.region: unknown Region: .*\(got "eu-west-3"\)/);
    expect(existsSync(reports)).toBe(false);
  });
});
