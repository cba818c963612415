import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { failoverDepsFromSettings } from '../../failover/handler/failover-handler';
import { executeSwitch } from '../../failover/switch/execute-switch';
import { motoTarget } from '../support/moto';
import { EAST, provisionFailoverDeployment, regionsOf, WEST } from './failover-deployment';

/** Starts the child switch and SIGKILLs its process group once it reports the first Route 53 batch applied. */
function runAndKillAfterFirstBatch(settingsJson: string): Promise<string> {
  const child = spawn('npx', ['tsx', join(__dirname, 'interrupted-switch.child.ts')], {
    cwd: join(__dirname, '../..'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REGIONFLIP_AWS_ENDPOINT: motoTarget().endpoint, REGIONFLIP_TEST_SETTINGS: settingsJson },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`the child switch never applied a batch within 60 s; stdout: ${stdout}; stderr: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/batch-applied 1\//.test(stdout)) process.kill(-child.pid!, 'SIGKILL');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(stdout);
    });
  });
}

describe('a switch killed midway (SIGKILL after its first Route 53 batch)', () => {
  it('GIVEN a switch over many records killed after one batch WHEN the switch is rerun THEN it converges: all records at the target, done, epoch + 1 exactly once', async () => {
    // 600 premium tenants: 601 routing records, several ChangeResourceRecordSets batches (an UPSERT counts twice
    // against 1,000 records and 32,000 value characters per request).
    const deployment = await provisionFailoverDeployment(600);
    const { store, trafficSwitch, notifier } = failoverDepsFromSettings(deployment.settings, deployment.clients);

    const stdout = await runAndKillAfterFirstBatch(JSON.stringify(deployment.settings));

    expect(stdout).toMatch(/^batch-applied 1\/[2-9]\n$/);
    expect(regionsOf(await deployment.routing())).toEqual([EAST, WEST]);
    expect(await store.pendingSwitch()).toMatchObject({ caller: 'drill', baseEpoch: 0 });
    expect((await store.getRouting()).epoch).toBe(0);

    // Taking the killed holder's 5 s lease over needs its version seen unrenewed for 5 s on the rerun's own clock.
    const rerun = await executeSwitch(
      { store, trafficSwitch, notifier, clock: { now: () => new Date() }, owner: 'rerun' },
      {
        switch: { targetRegion: WEST, scope: { kind: 'region' } },
        caller: 'drill',
        actor: 'crash-test',
        reason: 'rerun after the crash',
        trigger: 'test:rerun',
        leaseSeconds: 30,
        leaseWaitMs: 8_000,
      },
    );

    expect(rerun).toMatchObject({ outcome: 'switched', epoch: 1, recovered: { mode: 'continued' } });
    expect(rerun.switchOutcome!.recordsChanged).toBeLessThan(601);
    const routing = await deployment.routing();
    expect(routing.size).toBe(601);
    expect(regionsOf(routing)).toEqual([WEST]);
    expect(await store.getRouting()).toMatchObject({ activeRegion: WEST, epoch: 1 });
    expect(await store.pendingSwitch()).toBeUndefined();

    const again = await executeSwitch(
      { store, trafficSwitch, notifier, clock: { now: () => new Date() }, owner: 'rerun-2' },
      {
        switch: { targetRegion: WEST, scope: { kind: 'region' } },
        caller: 'drill',
        actor: 'crash-test',
        reason: 'converged?',
        trigger: 'test:rerun-2',
        leaseSeconds: 30,
      },
    );
    expect(again).toMatchObject({ outcome: 'noop', epoch: 1 });
  });
});
