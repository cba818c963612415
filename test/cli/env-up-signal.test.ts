import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateFile } from '../../chaos/env/env-state';
import { EXIT } from '../../failover/cli/exit-codes';
import { localEnvConfig, waitFor } from '../support/env';

const CLI = join(__dirname, '../../failover/cli/regionflip.cjs');

/**
 * `env up` as on-call runs it: the real CLI in its own process (its own moto server, everything on 127.0.0.1), left
 * running until a real Ctrl-C (SIGINT) or SIGTERM, which must stop everything and exit as the exit-code table says.
 */
describe('env up (a real process, a real signal)', () => {
  let dir: string;
  let configFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regionflip-envup-'));
    configFile = join(dir, 'regionflip.json');
    writeFileSync(configFile, JSON.stringify(localEnvConfig('envup', '[{ id: acme, tier: premium }]')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['SIGINT', EXIT.sigint],
    ['SIGTERM', EXIT.sigterm],
  ] as const)(
    'GIVEN env up is running WHEN it gets %s THEN it stops everything and exits %i',
    async (signal, expected) => {
      const child = spawn(process.execPath, [CLI, '-c', configFile, 'env', 'up'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
      });
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      let id: string;
      try {
        id = await waitFor(
          'the environment to be up',
          () => /RegionFlip local environment (\S+)/.exec(out)?.[1],
          90_000,
        );
      } catch (e) {
        child.kill('SIGKILL');
        throw new Error(`${(e as Error).message}; stdout: ${out}; stderr: ${err}`);
      }
      const file = stateFile(id);
      expect(existsSync(file)).toBe(true);
      child.kill(signal);
      const code = await exited;
      expect({
        code,
        stopping: err.includes(`env: ${signal}: stopping`),
        stopped: err.includes('env: stopped'),
      }).toEqual({ code: expected, stopping: true, stopped: true });
      // Stopped by itself: its state file (the record of its processes) is gone with them.
      expect(existsSync(file)).toBe(false);
    },
  );

  it('GIVEN env up is still starting WHEN it gets SIGINT THEN it finishes starting, stops everything and exits 130', async () => {
    const child = spawn(process.execPath, [CLI, '-c', configFile, 'env', 'up'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      // Its first progress line: moto is up, the rest is still starting.
      await waitFor('env up to start starting', () => (err.includes('env: ') ? true : undefined), 60_000);
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}; stdout: ${out}; stderr: ${err}`);
    }
    expect(out).toBe('');
    child.kill('SIGINT');
    const code = await exited;
    const id = /RegionFlip local environment (\S+)/.exec(out)?.[1];
    expect({ code, started: id !== undefined, stopped: err.includes('env: stopped') }).toEqual({
      code: EXIT.sigint,
      started: true,
      stopped: true,
    });
    expect(existsSync(stateFile(id!))).toBe(false);
  });
});
