import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, SCHEDULED_EVENT, WEST, type World } from './support';

/**
 * Adversarial review of issue #8 ("traffic never stays in a failed Region"): one straggler record points at the healthy
 * standby (a hand edit, a stale writer's residue) when the active Region goes down.
 */

const PREMIUM = 20;

async function handEdit(world: World, tenantIds: string[], region: string) {
  const editor = world.caller('hand-edit');
  await editor.trafficSwitch.apply(
    await editor.trafficSwitch.plan({ targetRegion: region, scope: { kind: 'tenants', tenantIds } }),
  );
}

describe('convergence: a split when the active Region fails', () => {
  it('GIVEN one record on us-west-2 and the rest on us-east-1 (table: us-east-1) WHEN us-east-1 alarms and us-west-2 is healthy, and the reconciler runs again THEN traffic fails over: every record on us-west-2', async () => {
    const world = await newWorld(PREMIUM);
    await handEdit(world, ['p0005'], WEST);
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    const lambda = world.caller('lambda');

    const alarmed = await handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), 'outage-with-split'));
    const reconciled = await handlerOf(world, world.caller('reconciler'), health)(SCHEDULED_EVENT);

    const decisionOf = (r: (typeof alarmed.results)[number] | undefined) =>
      r && 'decision' in r ? `${r.decision.kind}${'code' in r.decision ? `:${r.decision.code}` : ''}` : r?.status;
    expect({
      alarmed: decisionOf(alarmed.results[0]),
      reconciled: decisionOf(reconciled.results[0]),
      sides: await world.sides(),
      activeRegion: (await lambda.store.getRouting()).activeRegion,
    }).toEqual({
      alarmed: expect.not.stringMatching(/^page/),
      reconciled: expect.not.stringMatching(/^page/),
      sides: { [WEST]: PREMIUM + 1 },
      activeRegion: WEST,
    });
  });
});
