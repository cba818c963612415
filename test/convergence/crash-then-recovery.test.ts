import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, killable, newWorld, SCHEDULED_EVENT, WEST } from './support';

/**
 * Crash, then recovery (issue: "SIGKILL after the first batch; before the retry the failing Region reads OK again → the
 * retry is a no-op and is acknowledged. Records stay split, the intent stays pending, nobody is paged").
 */

const PREMIUM = 600; // 2 batches

async function crashAfterFirstBatch() {
  const world = await newWorld(PREMIUM);
  const dying = world.caller('lambda-a');
  let crashed = false;
  dying.beforeChange = async (n) => {
    if (n === 2) {
      crashed = true; // SIGKILL: this request never goes out, and nothing of this process runs again
      await new Promise(() => {});
    }
  };
  const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
  const crashing = handlerOf(world, dying, health, { store: killable(dying.store, () => crashed) });
  void crashing(snsEvent(compositeAlarmMessage(EAST), 'msg-crash'));
  while (!crashed) await new Promise((r) => setTimeout(r, 50));
  return { world, health };
}

describe('convergence: crash after the first batch, then the failing Region recovers', () => {
  it('GIVEN a switch killed after its first batch and us-east-1 reading OK again WHEN the reconciler runs THEN it finishes the switch: every record on us-west-2, the table agreeing, on-call told', async () => {
    const { world, health } = await crashAfterFirstBatch();
    expect(Object.keys(await world.sides()).sort()).toEqual([EAST, WEST]); // split, as the crash left it
    health.statuses = { [EAST]: 'healthy', [WEST]: 'healthy' };

    const survivor = world.caller('lambda-b');
    // The retried delivery waits for the dead invocation's claim, then is acknowledged: the reconciler covers it.
    expect(
      (await handlerOf(world, survivor, health)(snsEvent(compositeAlarmMessage(EAST), 'msg-crash'))).results,
    ).toEqual([{ status: 'duplicate', messageId: 'msg-crash' }]);
    const { results } = await handlerOf(world, survivor, health)(SCHEDULED_EVENT);

    expect(results[0]).toMatchObject({ status: 'reconciled', decision: { kind: 'noop' } });
    expect(await world.sides()).toEqual({ [WEST]: PREMIUM + 1 });
    expect(await survivor.store.getRouting()).toMatchObject({ activeRegion: WEST, epoch: 1 });
    expect(await survivor.store.pendingSwitch()).toBeUndefined();
    expect(survivor.notifier.sent.map((n) => n.subject)).toEqual(['RegionFlip switched all tenants → us-west-2']);
  });

  it('GIVEN the same crash and then BOTH Regions unhealthy WHEN the reconciler runs THEN nothing moves into a sick Region and on-call is paged with the exact records on each side', async () => {
    const { world, health } = await crashAfterFirstBatch();
    health.statuses = { [EAST]: 'unhealthy', [WEST]: 'unhealthy' };
    const survivor = world.caller('lambda-b');
    const before = await world.sides();

    const { results } = await handlerOf(world, survivor, health)(SCHEDULED_EVENT);

    expect(results[0]).toMatchObject({ decision: { kind: 'page', code: 'routing-not-converged' } });
    expect(await world.sides()).toEqual(before);
    const page = survivor.notifier.sent.find((n) => n.subject.includes('routing-not-converged'));
    expect(page?.message).toMatchObject({
      decision: {
        reason: expect.stringMatching(/neither Region is healthy.*us-east-1: .*\(\d+\); us-west-2: .*\(\d+\)/),
      },
    });
    // The schedule runs again a minute later: the same unchanged situation is not paged again.
    await handlerOf(world, survivor, health)(SCHEDULED_EVENT);
    expect(survivor.notifier.sent.filter((n) => n.subject.includes('routing-not-converged'))).toHaveLength(1);
  });
});
