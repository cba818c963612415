import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { type Caller, EAST, handlerOf, newWorld, SCHEDULED_EVENT, WEST, type World } from './support';

/**
 * Adversarial review of issue #8: the second Lambda copy, the kill switch, two reconcilers at once, and an old alarm.
 * End states are read from outside: the records Route 53 serves, the control table, and what each notifier sent.
 */

const PREMIUM = 20;

/** A write outside the protocol (a hand edit, a stale writer): these tenants' records now point at `region`. */
async function handEdit(world: World, tenantIds: string[], region: string) {
  const editor = world.caller('hand-edit');
  await editor.trafficSwitch.apply(
    await editor.trafficSwitch.plan({ targetRegion: region, scope: { kind: 'tenants', tenantIds } }),
  );
}

const subjects = (...callers: Caller[]) => callers.flatMap((c) => c.notifier.sent.map((n) => n.subject));

describe('convergence: Lambda copies, kill switch, concurrent reconcilers, old alarms', () => {
  it('GIVEN the same delivery reaching the second Lambda copy while the first is mid-switch THEN the second acknowledges without an error or a page, and the first finishes: every record on us-west-2', async () => {
    const world = await newWorld(PREMIUM);
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    const first = world.caller('lambda-east');
    const second = world.caller('lambda-west');
    const event = snsEvent(compositeAlarmMessage(EAST), 'dup-while-switching');
    let secondOutcome: unknown;
    first.beforeChange = async (n) => {
      if (n !== 1) return;
      secondOutcome = await handlerOf(
        world,
        second,
        health,
      )(event).then(
        (r) => r.results,
        (err: Error) => `threw: ${err.message}`,
      );
    };
    const { results } = await handlerOf(world, first, health)(event);

    expect(secondOutcome).toEqual([{ status: 'duplicate', messageId: 'dup-while-switching' }]);
    expect(results[0]).toMatchObject({ status: 'processed', decision: { kind: 'failover' } });
    expect(await world.sides()).toEqual({ [WEST]: PREMIUM + 1 });
    expect(await first.store.getRouting()).toMatchObject({ activeRegion: WEST, epoch: 1 });
    expect(subjects(first, second)).toEqual(['RegionFlip switched all tenants → us-west-2']);
  });

  it('GIVEN a split while automation is disabled WHEN the reconciler runs and then us-east-1 alarms THEN nothing moves, on-call is paged naming the runbook command', async () => {
    const world = await newWorld(PREMIUM);
    const admin = world.caller('admin');
    await admin.store.setAutomation(false, 'game day', 'alice', new Date());
    await handEdit(world, ['p0002'], WEST);
    const before = await world.sides();
    expect(before).toEqual({ [EAST]: PREMIUM, [WEST]: 1 });

    const reconciler = world.caller('reconciler');
    const reconciled = await handlerOf(
      world,
      reconciler,
      new FixedHealth({ [EAST]: 'healthy', [WEST]: 'healthy' }),
    )(SCHEDULED_EVENT);
    const lambda = world.caller('lambda');
    const alarmed = await handlerOf(
      world,
      lambda,
      new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' }),
    )(snsEvent(compositeAlarmMessage(EAST), 'alarm-while-disabled'));

    expect(reconciled.results[0]).toMatchObject({ decision: { kind: 'page', code: 'routing-not-converged' } });
    expect(alarmed.results[0]).toMatchObject({ decision: { kind: 'page' } });
    expect(await world.sides()).toEqual(before);
    expect(await admin.store.getRouting()).toMatchObject({ activeRegion: EAST, epoch: 0 });
    const pages = [...reconciler.notifier.sent, ...lambda.notifier.sent];
    expect(pages.map((p) => p.subject)).toEqual([
      expect.stringMatching(/^RegionFlip PAGE \(routing-not-converged\)/),
      expect.stringMatching(/^RegionFlip PAGE \(/),
    ]);
    expect(JSON.stringify(reconciler.notifier.sent[0]!.message)).toMatch(/automation is disabled.*p0002/);
  });

  it('GIVEN a split WHEN the reconcilers of both Regions run at the same moment THEN exactly one converges it, the other does not error or page, and only the two stragglers move back: every record on us-east-1, the table agreeing', async () => {
    const world = await newWorld(PREMIUM);
    await handEdit(world, ['p0003', 'p0004'], WEST);
    const health = new FixedHealth({ [EAST]: 'healthy', [WEST]: 'healthy' });
    const east = world.caller('reconciler-east');
    const west = world.caller('reconciler-west');

    const outcomes = await Promise.allSettled([
      handlerOf(world, east, health)(SCHEDULED_EVENT),
      handlerOf(world, west, health)(SCHEDULED_EVENT),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await world.sides()).toEqual({ [EAST]: PREMIUM + 1 });
    expect(await east.store.getRouting()).toMatchObject({ activeRegion: EAST, epoch: 1 });
    expect(await east.store.pendingSwitch()).toBeUndefined();
    expect(subjects(east, west)).toEqual(['RegionFlip switched tenants p0003, p0004 → us-east-1']);
  });

  it('GIVEN an ALARM notification months old and us-east-1 health unreadable WHEN it is delivered THEN it is not acted on: nothing moves, the table is unchanged', async () => {
    const world = await newWorld(PREMIUM);
    const lambda = world.caller('lambda');
    const { results } = await handlerOf(
      world,
      lambda,
      new FixedHealth({ [EAST]: 'unknown', [WEST]: 'healthy' }),
    )(snsEvent(compositeAlarmMessage(EAST), 'old-alarm'));

    expect(results[0]).toMatchObject({ decision: { kind: 'noop', code: 'stale-alarm' } });
    expect(await world.sides()).toEqual({ [EAST]: PREMIUM + 1 });
    expect(await lambda.store.getRouting()).toMatchObject({ activeRegion: EAST, epoch: 0 });
  });
});
