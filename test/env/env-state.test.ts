import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupEnvironments, isAlive, readEnvStates, writeEnvState } from '../../chaos/env/env-state';

describe('leftovers of a crashed environment', () => {
  it('GIVEN a recorded environment whose runner died WHEN cleaned up THEN its process groups are killed and the record goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regionflip-env-'));
    // A process that looks like a tenant service, in its own group, as the environment starts them.
    const leftover = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'tenant-service'], {
      detached: true,
      stdio: 'ignore',
    });
    const deadRunner = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeEnvState(
      {
        id: 'crashed',
        runnerPid: Number(deadRunner),
        startedAt: new Date().toISOString(),
        processes: [{ pid: leftover.pid!, role: 'tenant-service', region: 'us-east-1' }],
      },
      dir,
    );
    const exited = new Promise((r) => leftover.once('exit', r));

    const report = await cleanupEnvironments({ orphansOnly: true, dir });

    expect(report).toEqual({
      environments: 1,
      killed: [{ pid: leftover.pid, role: 'tenant-service', region: 'us-east-1' }],
    });
    await exited;
    expect(isAlive(leftover.pid!)).toBe(false);
    expect(readEnvStates(dir)).toEqual([]);
  });

  it('GIVEN a recorded environment of a live runner WHEN only orphans are cleaned THEN it is left alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regionflip-env-'));
    writeEnvState({ id: 'live', runnerPid: process.pid, startedAt: new Date().toISOString(), processes: [] }, dir);
    expect(await cleanupEnvironments({ orphansOnly: true, dir })).toEqual({ environments: 0, killed: [] });
    expect(readEnvStates(dir)).toHaveLength(1);
  });
});
