import { createAwsClients } from '../../failover/aws/clients';
import type { ControlStore } from '../../failover/ports';
import { createControlTable, DynamoControlStore } from '../../failover/state/control-table';
import { type ExecuteSwitchRequest, executeSwitch, type SwitchDeps } from '../../failover/switch/execute-switch';
import { InMemorySwitch, ManualClock, RecordingNotifier } from '../state/stand-ins';
import { motoTarget, uniqueName } from '../support/moto';

const db = createAwsClients(['us-east-1'], motoTarget()).dynamodb['us-east-1']!;
const LABELS = ['acme', 'globex', 'shared'];

async function setup(owner = 'test') {
  const tableName = uniqueName('control');
  await createControlTable(db, tableName);
  const clock = new ManualClock(new Date('2026-03-01T03:00:00Z'));
  const store = new DynamoControlStore(db, {
    tableName,
    primaryRegion: 'us-east-1',
    automationEnabled: true,
    autoFailoverWindowSeconds: 3600,
    monotonicMs: clock.monotonicMs,
  });
  const trafficSwitch = new InMemorySwitch(LABELS, 'us-east-1');
  const notifier = new RecordingNotifier();
  const sleep = async (ms: number) => clock.advance(ms / 1000);
  const deps: SwitchDeps = { store, trafficSwitch, notifier, clock, owner, sleep };
  return { store, trafficSwitch, notifier, clock, deps };
}

const toWest: ExecuteSwitchRequest = {
  switch: { targetRegion: 'us-west-2', scope: { kind: 'region' } },
  caller: 'manual-failover',
  actor: 'alice',
  reason: 'us-east-1 degraded',
  trigger: 'runbook:failover',
  leaseSeconds: 60,
};
const toEast: ExecuteSwitchRequest = {
  ...toWest,
  switch: { targetRegion: 'us-east-1', scope: { kind: 'region' } },
  caller: 'manual-failback',
  reason: 'us-east-1 recovered',
  trigger: 'runbook:failback',
};

/** A Lambda that took the lease and wrote its intent (fail over to us-west-2), then died. */
async function leaveCrashedFailoverIntent(store: ControlStore, clock: ManualClock): Promise<void> {
  const crashed = (await store.acquireLease('crashed-lambda', 30, clock.now()))!;
  await store.recordSwitchStarted(crashed, {
    id: 'crashed-intent',
    request: toWest.switch,
    fromRegion: 'us-east-1',
    caller: 'automatic-failover',
    actor: 'failover-lambda',
    reason: 'us-east-1 unhealthy',
    startedAt: clock.now(),
    token: crashed.token,
    baseEpoch: 0,
  });
}

describe('executeSwitch (control table on moto, traffic switch stand-in)', () => {
  it('GIVEN traffic in us-east-1 WHEN switched to us-west-2 THEN records move, epoch 1, audited, on-call told, lease released', async () => {
    const { store, trafficSwitch, notifier, deps } = await setup();
    const report = await executeSwitch(deps, toWest);

    expect(report).toMatchObject({ outcome: 'switched', epoch: 1, switchOutcome: { recordsChanged: 3 } });
    expect(trafficSwitch.regionsOf()).toEqual(['us-west-2']);
    expect(await store.getRouting()).toMatchObject({ activeRegion: 'us-west-2', epoch: 1 });
    expect(await store.pendingSwitch()).toBeUndefined();
    const [audit] = await store.listAudit(5);
    expect(audit).toMatchObject({ outcome: 'switched', actor: 'alice', caller: 'manual-failover', epoch: 1 });
    expect(notifier.sent.map((n) => n.subject)).toEqual(['RegionFlip switched all tenants → us-west-2']);
    expect(await store.currentLease()).toBeUndefined();
  });

  it('GIVEN two callers WHEN they switch concurrently THEN exactly one switches and the other changes nothing', async () => {
    const { store, trafficSwitch, deps } = await setup();
    const reports = await Promise.all([
      executeSwitch({ ...deps, owner: 'lambda-a' }, toWest),
      executeSwitch({ ...deps, owner: 'lambda-b' }, toWest),
    ]);
    expect(reports.map((r) => r.outcome).sort()).toEqual(['lease-held', 'switched']);
    expect(trafficSwitch.applied).toHaveLength(1);
    expect((await store.getRouting()).epoch).toBe(1);
  });

  it('GIVEN a switch that outlasts its lease WHEN a second caller tries meanwhile THEN the renewed lease keeps it out', async () => {
    const { store, trafficSwitch, deps } = await setup();
    const slowApply = trafficSwitch.apply.bind(trafficSwitch);
    trafficSwitch.apply = async (plan) => {
      await new Promise((r) => setTimeout(r, 3000));
      return slowApply(plan);
    };
    const realTime = { ...deps, clock: { now: () => new Date() } };
    const first = executeSwitch({ ...realTime, owner: 'slow' }, { ...toWest, leaseSeconds: 2 });
    await new Promise((r) => setTimeout(r, 2500));
    const second = await executeSwitch({ ...realTime, owner: 'impatient' }, toEast);

    expect(second.outcome).toBe('lease-held');
    expect(await first).toMatchObject({ outcome: 'switched', epoch: 1 });
    expect((await store.getRouting()).activeRegion).toBe('us-west-2');
  });

  it('GIVEN records and state already at the target WHEN switched again THEN it is a noop', async () => {
    const { store, trafficSwitch, deps } = await setup();
    await executeSwitch(deps, toWest);
    const again = await executeSwitch(deps, toWest);
    expect(again).toMatchObject({ outcome: 'noop', epoch: 1 });
    expect(trafficSwitch.applied).toHaveLength(1);
    expect((await store.listAudit(1))[0]).toMatchObject({ outcome: 'noop' });
  });

  it('GIVEN an apply that fails midway WHEN rerun THEN it continues the same intent and lands exactly once', async () => {
    const { store, trafficSwitch, notifier, deps } = await setup();
    trafficSwitch.failNextApplyAfter = 1;
    const failed = await executeSwitch(deps, toWest);

    expect(failed).toMatchObject({ outcome: 'failed', error: expect.stringContaining('Throttling') });
    expect(trafficSwitch.regionsOf().sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(await store.pendingSwitch()).toMatchObject({ request: toWest.switch, baseEpoch: 0 });
    expect((await store.listAudit(1))[0]).toMatchObject({ outcome: 'failed' });
    expect(notifier.sent.at(-1)?.subject).toMatch(/FAILED/);
    expect(await store.currentLease()).toBeUndefined();

    const rerun = await executeSwitch(deps, toWest);
    expect(rerun).toMatchObject({ outcome: 'switched', epoch: 1, recovered: { mode: 'continued' } });
    expect(rerun.switchOutcome?.recordsChanged).toBe(2);
    expect(trafficSwitch.regionsOf()).toEqual(['us-west-2']);
    expect(await store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN a holder crashed after its last batch, before INSYNC WHEN rerun THEN done is recorded only after the records are re-applied, INSYNC and read back', async () => {
    const { store, trafficSwitch, clock, deps } = await setup();
    await leaveCrashedFailoverIntent(store, clock);
    const allRecords = await trafficSwitch.plan(toWest.switch);
    for (const change of allRecords.changes) trafficSwitch.records.set(change.name, change.to); // accepted, not INSYNC

    // Taking over needs proof the holder is gone: its lease version seen unrenewed for the lease's full 30 s.
    const rerun = await executeSwitch(deps, { ...toWest, leaseWaitMs: 40_000 });

    expect(rerun).toMatchObject({ outcome: 'switched', epoch: 1, recovered: { mode: 'continued' } });
    expect(trafficSwitch.applied).toHaveLength(1);
    expect(trafficSwitch.applied[0]!.changes.map((c) => c.name).sort()).toEqual([...LABELS].sort());
    expect(rerun.switchOutcome).toMatchObject({ recordsChanged: 0, changeIds: ['C0', 'C1', 'C2'] });
    expect(await store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN a crashed holder left a failover half-applied WHEN a failback runs THEN it finishes the failover first', async () => {
    const { store, trafficSwitch, clock, deps } = await setup();
    await leaveCrashedFailoverIntent(store, clock);
    trafficSwitch.failNextApplyAfter = 1;
    await expect(trafficSwitch.apply(await trafficSwitch.plan(toWest.switch))).rejects.toThrow();

    expect((await executeSwitch(deps, toEast)).outcome).toBe('lease-held');
    clock.advance(31);
    const report = await executeSwitch(deps, toEast);

    expect(report).toMatchObject({ outcome: 'switched', epoch: 2, recovered: { mode: 'finished' } });
    expect(trafficSwitch.regionsOf()).toEqual(['us-east-1']);
    const audits = await store.listAudit(5);
    expect(audits.map((a) => [a.caller, a.outcome])).toEqual([
      ['manual-failback', 'switched'],
      ['automatic-failover', 'switched'],
    ]);
    expect((await store.getRouting()).recentAutoFailovers).toHaveLength(1);
  });

  it('GIVEN on-call cannot be reached WHEN the switch succeeds THEN it stands and the notify error is reported', async () => {
    const { deps } = await setup();
    const report = await executeSwitch(
      {
        ...deps,
        notifier: {
          notify: async () => {
            throw new Error('SNS unavailable');
          },
        },
      },
      toWest,
    );
    expect(report).toMatchObject({ outcome: 'switched', notifyError: 'SNS unavailable' });
  });
});
