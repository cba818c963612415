import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, SCHEDULED_EVENT, WEST } from './support';

/**
 * The cell scope end to end (issue #11), observed from outside: the routing records Route 53 serves and the control
 * table. One premium tenant's silo fails in the active Region: that tenant alone moves; its cooldown is its own; a
 * Region failover afterwards is not held back by it.
 */

const PREMIUM = 5;
const SICK = 'p0002';

function tenantAlarm(region: string, tenantId: string) {
  const name = `regionflip-${region}-tenant-${tenantId}-unhealthy`;
  return compositeAlarmMessage(region, {
    AlarmName: name,
    AlarmArn: `arn:aws:cloudwatch:${region}:123456789012:alarm:${name}`,
    AlarmDescription: `Premium tenant ${tenantId} is unhealthy in ${region}`,
  });
}

async function where(world: Awaited<ReturnType<typeof newWorld>>) {
  return Object.fromEntries((await world.observed()).records.map((r) => [r.label, r.region]));
}

describe('convergence: a premium tenant silo fails, only that tenant moves', () => {
  it(`GIVEN ${SICK}'s silo in ALARM in us-east-1 and healthy in us-west-2 WHEN its alarm arrives THEN only ${SICK}'s record moves to us-west-2; a repeat within the cooldown pages; a Region alarm right after still fails every tenant over`, async () => {
    const world = await newWorld(PREMIUM);
    const lambda = world.caller('lambda');
    const health = new FixedHealth(
      { [EAST]: 'healthy', [WEST]: 'healthy' },
      { [SICK]: { [EAST]: 'unhealthy', [WEST]: 'healthy' } },
    );
    const before = await where(world);

    const moved = await handlerOf(world, lambda, health)(snsEvent(tenantAlarm(EAST, SICK), 'cell-1'));

    const after = await where(world);
    const routing = await lambda.store.getRouting();
    expect({
      decision: moved.results[0] && 'decision' in moved.results[0] ? moved.results[0].decision : undefined,
      changed: Object.keys(after).filter((label) => after[label] !== before[label]),
      sick: after[SICK],
      others: new Set(
        Object.entries(after)
          .filter(([l]) => l !== SICK)
          .map(([, r]) => r),
      ),
      activeRegion: routing.activeRegion,
      overrides: routing.tenantOverrides,
      regionLastSwitch: routing.lastSwitchAt,
      tenantLastSwitch: routing.tenantScopes?.[SICK]?.lastSwitchAt instanceof Date,
      told: lambda.notifier.sent.map((n) => n.subject),
    }).toEqual({
      decision: expect.objectContaining({ kind: 'failover', scope: { kind: 'tenants', tenantIds: [SICK] } }),
      changed: [SICK],
      sick: WEST,
      others: new Set([EAST]),
      activeRegion: EAST,
      overrides: { [SICK]: WEST },
      regionLastSwitch: undefined,
      tenantLastSwitch: true,
      told: [`RegionFlip switched tenants ${SICK} → us-west-2`],
    });

    // Its us-west-2 silo fails too, a moment later: within the tenant's cooldown nothing moves, on-call is paged.
    health.silos[SICK] = { [EAST]: 'healthy', [WEST]: 'unhealthy' };
    const repeat = await handlerOf(world, lambda, health)(snsEvent(tenantAlarm(WEST, SICK), 'cell-2'));
    expect(repeat.results[0]).toMatchObject({ decision: { kind: 'page', code: 'cooldown' } });
    expect(await where(world)).toEqual(after);

    // The Region fails: the tenant's move did not start the Region's cooldown; every tenant ends on us-west-2.
    health.statuses[EAST] = 'unhealthy';
    const region = await handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), 'region-1'));
    expect(region.results[0]).toMatchObject({ decision: { kind: 'failover', to: WEST } });
    expect({ sides: await world.sides(), overrides: (await lambda.store.getRouting()).tenantOverrides }).toEqual({
      sides: { [WEST]: PREMIUM + 1 },
      overrides: {},
    });
  });

  it(`GIVEN ${SICK}'s switch paused mid-apply past its lease WHEN us-east-1's Region alarm arrives meanwhile THEN the Region switch takes the lapsed lease and moves everyone, the paused cell switch's "done" is fenced (its invocation fails, to be retried), and after the reconciler every record is on us-west-2, the table agrees, no override left`, async () => {
    const world = await newWorld(PREMIUM);
    const cell = world.caller('lambda-cell');
    const region = world.caller('lambda-region');
    const health = new FixedHealth(
      { [EAST]: 'unhealthy', [WEST]: 'healthy' },
      { [SICK]: { [EAST]: 'unhealthy', [WEST]: 'healthy' } },
    );
    // The cell decision is taken while us-east-1 reads healthy (only the silo is sick); the Region fails right after.
    health.statuses[EAST] = 'healthy';
    let release!: () => void;
    const paused = new Promise<void>((r) => {
      release = r;
    });
    let inChange!: () => void;
    const changing = new Promise<void>((r) => {
      inChange = r;
    });
    cell.beforeChange = async () => {
      inChange();
      await paused;
    };

    const cellRun = handlerOf(world, cell, health)(snsEvent(tenantAlarm(EAST, SICK), 'cell-race'));
    await changing;
    health.statuses[EAST] = 'unhealthy';
    const regionRun = await handlerOf(world, region, health)(snsEvent(compositeAlarmMessage(EAST), 'region-race'));
    release();

    // The region Lambda watched the cell's lease unrenewed for its full duration on its own clock, then took it.
    expect(regionRun.results[0]).toMatchObject({
      decision: { kind: 'failover', to: WEST },
      switch: { outcome: 'switched' },
    });
    await expect(cellRun).rejects.toThrow(/another switch landed in between/);
    await handlerOf(world, world.caller('reconciler'), health)(SCHEDULED_EVENT);
    const routing = await region.store.getRouting();
    expect({
      sides: await world.sides(),
      activeRegion: routing.activeRegion,
      overrides: routing.tenantOverrides,
      pending: await region.store.pendingSwitch(),
    }).toEqual({ sides: { [WEST]: PREMIUM + 1 }, activeRegion: WEST, overrides: {}, pending: undefined });
  });

  it(`GIVEN ${SICK}'s silo in us-west-2 in ALARM WHEN us-east-1's Region alarm fails everyone over THEN every record moves to us-west-2 except ${SICK}'s, the table keeps ${SICK} in us-east-1 as an override, on-call is told who stayed, and the reconciler finds nothing to converge`, async () => {
    const world = await newWorld(PREMIUM);
    const lambda = world.caller('lambda');
    const health = new FixedHealth(
      { [EAST]: 'unhealthy', [WEST]: 'healthy' },
      { [SICK]: { [EAST]: 'healthy', [WEST]: 'unhealthy' } },
    );

    const run = await handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), 'region-keep'));

    const after = await where(world);
    const routing = await lambda.store.getRouting();
    expect({
      decision: run.results[0] && 'decision' in run.results[0] ? run.results[0].decision : undefined,
      sick: after[SICK],
      others: new Set(
        Object.entries(after)
          .filter(([l]) => l !== SICK)
          .map(([, r]) => r),
      ),
      activeRegion: routing.activeRegion,
      overrides: routing.tenantOverrides,
      told: lambda.notifier.sent.map((n) => n.subject),
    }).toEqual({
      decision: expect.objectContaining({ kind: 'failover', to: WEST, scope: { kind: 'region', keep: [SICK] } }),
      sick: EAST,
      others: new Set([WEST]),
      activeRegion: WEST,
      overrides: { [SICK]: EAST },
      told: [`RegionFlip switched all tenants except ${SICK} (kept in place) → us-west-2`],
    });
    expect(lambda.notifier.sent[0]?.message).toMatchObject({
      reason: expect.stringContaining(`silo in ${WEST} is unhealthy`),
    });

    const reconciled = await handlerOf(world, world.caller('reconciler'), health)(SCHEDULED_EVENT);
    expect(reconciled.results[0]).toMatchObject({ decision: { kind: 'noop' } });
    expect(await where(world)).toEqual(after);
  });
});
