import type { ControlStore } from '../../failover/ports';
import { executeSwitch } from '../../failover/switch/execute-switch';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth, replacing } from '../state/stand-ins';
import { type Caller, EAST, handlerOf, killable, newWorld, request, SCHEDULED_EVENT, WEST } from './support';

/**
 * Adversarial review of issue #8: a pending intent whose target became unhealthy, and a failed audit write while
 * finishing a crashed holder's intent.
 */

const deps = (caller: Caller, store: ControlStore = caller.store) => ({
  store,
  trafficSwitch: caller.trafficSwitch,
  notifier: caller.notifier,
  clock: { now: () => new Date() },
  owner: `owner:${caller.name}`,
  sleep: async (ms: number) => caller.clock.advance(ms / 1000),
});

describe('convergence: recovery edges', () => {
  it('GIVEN a failover to us-west-2 killed after its first batch WHEN us-west-2 turns unhealthy and us-east-1 reads healthy THEN the reconciler puts every record back on us-east-1, the table agreeing, nothing pending, on-call told', async () => {
    const world = await newWorld(600); // 2 batches
    const dying = world.caller('lambda-a');
    let crashed = false;
    dying.beforeChange = async (n) => {
      if (n === 2) {
        crashed = true;
        await new Promise(() => {});
      }
    };
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    void handlerOf(world, dying, health, { store: killable(dying.store, () => crashed) })(
      snsEvent(compositeAlarmMessage(EAST), 'msg-target-sick'),
    );
    while (!crashed) await new Promise((r) => setTimeout(r, 50));
    expect(Object.keys(await world.sides()).sort()).toEqual([EAST, WEST]);

    health.statuses = { [EAST]: 'healthy', [WEST]: 'unhealthy' };
    const reconciler = world.caller('reconciler');
    const { results } = await handlerOf(world, reconciler, health)(SCHEDULED_EVENT);

    // The converge round is followed by a fresh decision on the converged routing (noop); the switch is reported.
    expect(results[0]).toMatchObject({
      status: 'reconciled',
      switch: { outcome: 'switched', request: { targetRegion: EAST } },
    });
    expect(await world.sides()).toEqual({ [EAST]: 601 });
    expect(await reconciler.store.getRouting()).toMatchObject({ activeRegion: EAST, epoch: 1 });
    expect(await reconciler.store.pendingSwitch()).toBeUndefined();
    expect(reconciler.notifier.sent.map((n) => n.subject)).toEqual(['RegionFlip switched all tenants → us-east-1']);
  });

  it('GIVEN a runbook failover to us-west-2 killed after writing its intent WHEN a second runbook fails back to us-east-1 and the audit write of the finished intent fails THEN the failback still happens (the audit error is reported, never a switch FAILED)', async () => {
    const world = await newWorld(20);
    const first = world.caller('runbook-a');
    let crashed = false;
    first.beforeChange = async () => {
      crashed = true;
      await new Promise(() => {});
    };
    void executeSwitch(
      deps(
        first,
        killable(first.store, () => crashed),
      ),
      request(WEST, 'manual-failover'),
    );
    while (!crashed) await new Promise((r) => setTimeout(r, 50));

    const second = world.caller('runbook-b');
    const auditDown = replacing(second.store, 'appendAuditOnce', async () => {
      throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
        name: 'ProvisionedThroughputExceededException',
      });
    });
    const report = await executeSwitch(deps(second, auditDown), {
      ...request(EAST, 'manual-failback'),
      leaseWaitMs: 15_000,
    });

    expect({
      outcome: report.outcome,
      sides: await world.sides(),
      activeRegion: (await second.store.getRouting()).activeRegion,
      told: second.notifier.sent.map((n) => n.subject),
      auditError: report.auditError,
    }).toEqual({
      outcome: 'switched',
      sides: { [EAST]: 21 },
      activeRegion: EAST,
      // Both switches that happened are announced: the interrupted one finished on the way, then ours.
      told: [
        'RegionFlip switched all tenants → us-west-2 (an interrupted switch, finished)',
        'RegionFlip switched all tenants → us-east-1',
      ],
      auditError: expect.stringMatching(/Throughput exceeds/),
    });
  });
});
