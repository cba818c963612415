import { executeSwitch } from '../../failover/switch/execute-switch';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, request, SCHEDULED_EVENT, WEST } from './support';

/**
 * The runbook and the Lambda racing on the same zone: whatever the order, every record ends on one Region, the table
 * agrees, and nothing is left pending. (A drill's rollback racing the Lambda: drill-rollback-during-switch.test.ts.)
 */

describe('convergence: callers racing on one zone', () => {
  it.each([1, 2])(
    'GIVEN the Lambda failing over and a runbook failing back at once (the runbook starts at batch %i) THEN one Region, the table agrees, nothing pending',
    async (startAt) => {
      const world = await newWorld(600);
      const lambda = world.caller('lambda');
      const runbook = world.caller('runbook');
      const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
      let race: Promise<unknown> | undefined;
      lambda.beforeChange = async (n) => {
        if (n === startAt && !race) {
          race = executeSwitch(
            {
              store: runbook.store,
              trafficSwitch: runbook.trafficSwitch,
              notifier: runbook.notifier,
              clock: { now: () => new Date() },
              owner: 'runbook:bob',
              sleep: async (ms) => runbook.clock.advance(ms / 1000),
            },
            { ...request(EAST, 'manual-failback'), leaseWaitMs: 30_000 },
          );
        }
      };
      await handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), `race-${startAt}`));
      await race;
      await handlerOf(world, world.caller('reconciler'), health)(SCHEDULED_EVENT);

      const sides = await world.sides();
      expect(Object.keys(sides)).toHaveLength(1);
      const [region] = Object.keys(sides);
      expect((await lambda.store.getRouting()).activeRegion).toBe(region);
      expect(await lambda.store.pendingSwitch()).toBeUndefined();
    },
  );
});
