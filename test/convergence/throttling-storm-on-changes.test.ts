import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, SCHEDULED_EVENT, WEST } from './support';

/**
 * Adversarial review of issue #8: a throttling storm on ChangeResourceRecordSets ALONE (DynamoDB, renewals and
 * reads all answer). Route 53 throttles an account beyond its API rate (aws-facts "API rate", R2): a storm from another
 * tool on the same account answers `Throttling` to every change for a while. The switch backs off (its waits move the
 * caller's clock, so they burn lease time exactly as real waits would) and gives up after its attempts; what is left
 * must be a page that says so, and a reconciler run after the storm must converge.
 */

const PREMIUM = 900; // several batches
const STORM = { from: 2, to: 9 }; // every attempt of the second batch (8 attempts) is throttled

describe('convergence: a throttling storm on record changes only', () => {
  it('GIVEN every attempt of the second batch throttled WHEN the Lambda fails us-east-1 over THEN it stops, fails the invocation (to be retried) with a FAILED page naming the throttling, and the reconciler after the storm converges: every record on us-west-2, no pending intent', async () => {
    const world = await newWorld(PREMIUM);
    const lambda = world.caller('lambda', {
      backoff: (clock) => ({ sleep: async (ms) => clock.advance(ms / 1000), random: () => 0.5 }),
    });
    let storm = true;
    lambda.beforeChange = async (n) => {
      if (storm && n >= STORM.from && n <= STORM.to) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client' });
      }
    };
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });

    // The invocation fails, so Lambda's asynchronous retries (aws-facts L2) deliver the alarm again later.
    await expect(handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), 'storm'))).rejects.toThrow(
      /switch failed \(audited, on-call told\).*Throttling after 8 attempts/,
    );

    expect(lambda.changes).toBeGreaterThanOrEqual(STORM.to); // the storm was felt by every attempt
    expect(Object.keys(await world.sides()).sort()).toEqual([EAST, WEST]); // the first batch moved, the rest did not
    const page = lambda.notifier.sent.find((n) => n.subject.includes('FAILED'));
    expect(JSON.stringify(page?.message)).toMatch(/Throttling/);
    expect(await lambda.store.pendingSwitch()).toMatchObject({ request: { targetRegion: WEST } }); // left for whoever comes next

    storm = false;
    const reconciler = world.caller('reconciler');
    await handlerOf(world, reconciler, health)(SCHEDULED_EVENT);

    expect({
      sides: await world.sides(),
      activeRegion: (await reconciler.store.getRouting()).activeRegion,
      pending: await reconciler.store.pendingSwitch(),
    }).toEqual({ sides: { [WEST]: PREMIUM + 1 }, activeRegion: WEST, pending: undefined });
  });
});
