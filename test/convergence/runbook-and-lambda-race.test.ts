import { executeSwitch } from '../../failover/switch/execute-switch';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, request, SCHEDULED_EVENT, WEST } from './support';

/**
 * The runbook and the Lambda racing on the same zone, and a drill's rollback while the Lambda's switch is in flight:
 * whatever the order, every record ends on one Region, the table agrees, and nothing is left pending.
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

  it('GIVEN a drill rolling back while the Lambda switch is in flight THEN the rollback waits for the lease and traffic ends on the primary, verified from the records', async () => {
    const world = await newWorld(600);
    const lambda = world.caller('lambda');
    const drill = world.caller('drill');
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    let rollback: ReturnType<typeof executeSwitch> | undefined;
    lambda.beforeChange = async (n) => {
      if (n === 2) {
        health.statuses = { [EAST]: 'healthy', [WEST]: 'healthy' }; // the drill's fault is switched off
        rollback = executeSwitch(
          {
            store: drill.store,
            trafficSwitch: drill.trafficSwitch,
            notifier: drill.notifier,
            clock: { now: () => new Date() },
            owner: 'drill:rollback',
            sleep: async (ms) => {
              drill.clock.advance(ms / 1000);
              await new Promise((r) => setTimeout(r, 20));
            },
          },
          { ...request(EAST, 'drill'), leaseWaitMs: 60_000 },
        );
      }
    };
    await handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), 'drill-race'));
    expect((await rollback)?.outcome).toBe('switched');
    expect(await world.sides()).toEqual({ [EAST]: 601 });
    expect((await drill.store.getRouting()).activeRegion).toBe(EAST);
    expect(await drill.store.pendingSwitch()).toBeUndefined();
  });
});
