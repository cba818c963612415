import type { ControlStore } from '../../failover/ports';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth, replacing } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, SCHEDULED_EVENT, WEST } from './support';

/**
 * Adversarial review of issue #8: the Lambda's lease renewals are throttled and its Route 53 batches slow, with NO
 * other caller anywhere. The guard stops the switch mid-apply when its lease runs low. What does on-call hear, and
 * does the reconciler converge it?
 */

const PREMIUM = 900; // several batches

function throttledRenewals(store: ControlStore): ControlStore {
  return replacing(store, 'renewLease', async () => {
    throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
  });
}

describe('convergence: a lone switch whose renewals are throttled', () => {
  it('GIVEN renewals throttled and 4 s batches WHEN the lease runs low mid-apply THEN the switch stops, on-call is not told another caller holds the lease, and the reconciler converges: every record on us-west-2', async () => {
    const world = await newWorld(PREMIUM);
    const lambda = world.caller('lambda');
    lambda.beforeChange = async () => lambda.clock.advance(4);
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });

    const alarmed = await handlerOf(world, lambda, health, { store: throttledRenewals(lambda.store) })(
      snsEvent(compositeAlarmMessage(EAST), 'lone-throttled'),
    );
    const stopped = alarmed.results[0];
    expect(stopped).toMatchObject({ status: 'processed', switch: { outcome: 'failed', leaseLost: true } });
    expect(Object.keys(await world.sides()).sort()).toEqual([EAST, WEST]); // stopped mid-apply

    const reconciler = world.caller('reconciler');
    await handlerOf(world, reconciler, health)(SCHEDULED_EVENT);

    const failedNotice = lambda.notifier.sent.find((n) => n.subject.includes('FAILED'));
    expect({
      sides: await world.sides(),
      activeRegion: (await reconciler.store.getRouting()).activeRegion,
      pending: await reconciler.store.pendingSwitch(),
      deferred: 'deferred' in stopped! ? stopped.deferred : undefined,
      failedAction: failedNotice?.message.action,
    }).toEqual({
      sides: { [WEST]: PREMIUM + 1 },
      activeRegion: WEST,
      pending: undefined,
      deferred: expect.not.stringMatching(/another caller/),
      failedAction: expect.not.stringMatching(/another caller holds the switch/),
    });
  });
});
