import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../failover/cli/exit-codes';
import { provisionDeployment, type TestDeployment } from '../runbooks/support/deployment';
import { waitFor } from '../support/env';
import { motoTarget } from '../support/moto';

const CLI = join(__dirname, '../../failover/cli/regionflip.cjs');
const HEADER = 'RegionFlip status of';

/** `status --watch` as on-call runs it: the real CLI in its own process, stopped with a real Ctrl-C (SIGINT). */
describe('status --watch (a real process, a real SIGINT)', () => {
  let dep: TestDeployment;
  let dir: string;
  let configFile: string;
  beforeAll(async () => {
    dep = await provisionDeployment();
    dir = mkdtempSync(join(tmpdir(), 'regionflip-watch-'));
    configFile = join(dir, 'regionflip.json');
    writeFileSync(configFile, JSON.stringify(dep.config));
  });
  afterAll(async () => {
    await dep.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN status --watch 1 WHEN it has redrawn twice and gets SIGINT THEN it stops at once with exit 130, uncoloured (not a TTY)', async () => {
    const child = spawn(
      process.execPath,
      [CLI, '-c', configFile, 'status', '--watch', '1', '--target', 'aws', '--zone-id', dep.hostedZoneId],
      { env: { ...process.env, REGIONFLIP_AWS_ENDPOINT: motoTarget().endpoint }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor('two redraws', () => (out.split(HEADER).length - 1 >= 2 ? true : undefined), 60_000);
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}; stdout: ${out}; stderr: ${err}`);
    }
    child.kill('SIGINT');
    const code = await exited;
    expect({ code, err }).toEqual({ code: EXIT.sigint, err: '' });
    expect(out).not.toContain('\x1b[');
    // Each redraw is a whole report: it starts with the header and ends with the last switches.
    const redraws = out.split(HEADER).slice(1);
    expect(redraws.length).toBeGreaterThanOrEqual(2);
    for (const r of redraws) expect(r).toContain('last drill: ');
  });

  it('GIVEN --watch 0 WHEN run THEN exit 2 naming the value, before anything is read', async () => {
    const child = spawn(process.execPath, [CLI, 'status', '--watch', '0', '--target', 'aws', '--zone-id', 'Z1'], {
      env: { ...process.env, REGIONFLIP_AWS_ENDPOINT: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect({ code, err: err.split('\n')[0] }).toEqual({
      code: EXIT.usage,
      err: 'error: --watch 0: redraw every 1 second or more',
    });
  });
});
