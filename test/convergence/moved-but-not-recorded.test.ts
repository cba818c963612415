import type { ControlStore } from '../../failover/ports';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth, replacing } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, WEST } from './support';

/**
 * Moved but not recorded (issue: "the records all moved but done was never written; when the Region actually serving
 * traffic then alarmed, the decision was standby-region-alarm, no-op — no failover, no page").
 */

function doneThrottled(store: ControlStore): ControlStore {
  return replacing(store, 'recordSwitchDone', async () => {
    throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
      name: 'ProvisionedThroughputExceededException',
    });
  });
}

describe('convergence: every record moved, "done" never written', () => {
  it('GIVEN records on us-west-2 but the table on us-east-1 WHEN us-west-2 (really serving) alarms THEN routing converges to the healthy Region, the table agrees and on-call is paged', async () => {
    const world = await newWorld(20);
    const lambda = world.caller('lambda-a');
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    await expect(
      handlerOf(world, lambda, health, { store: doneThrottled(lambda.store) })(
        snsEvent(compositeAlarmMessage(EAST), 'msg-1'),
      ),
    ).rejects.toThrow(/switch failed/);
    expect(await world.sides()).toEqual({ [WEST]: 21 });
    expect((await lambda.store.getRouting()).activeRegion).toBe(EAST); // belief lags the truth

    // us-east-1 recovered meanwhile; now the Region actually serving traffic fails.
    health.statuses = { [EAST]: 'healthy', [WEST]: 'unhealthy' };
    const other = world.caller('lambda-b');
    const { results } = await handlerOf(world, other, health)(snsEvent(compositeAlarmMessage(WEST), 'msg-2'));

    expect(results[0]).toMatchObject({ status: 'processed', decision: { kind: 'page', code: 'standby-region-alarm' } });
    expect(await world.sides()).toEqual({ [EAST]: 21 });
    expect(await other.store.getRouting()).toMatchObject({ activeRegion: EAST });
    expect(await other.store.pendingSwitch()).toBeUndefined();
    expect(other.notifier.sent.map((n) => n.subject)).toEqual([
      'RegionFlip switched all tenants → us-east-1',
      expect.stringMatching(/^RegionFlip PAGE \(standby-region-alarm\)/),
    ]);
  });
});
