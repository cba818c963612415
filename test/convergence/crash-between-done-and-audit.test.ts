import type { ControlStore } from '../../failover/ports';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth, replacing } from '../state/stand-ins';
import { EAST, handlerOf, killable, newWorld, SCHEDULED_EVENT, WEST } from './support';

/**
 * Adversarial review of issue #8 ("Failures are never silent"): the Lambda is SIGKILLed right after "done" landed —
 * before the audit entry, the on-call announcement and the lease release. Then the scheduled reconciler runs, and
 * Lambda's async retry redelivers the notification after the dead invocation's claim expired.
 */

const PREMIUM = 20;

describe('convergence: a crash between "done" and the audit entry', () => {
  it('GIVEN a failover killed right after recording done WHEN the reconciler runs and the delivery is retried THEN the switch that happened is audited or announced to on-call', async () => {
    const world = await newWorld(PREMIUM);
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    const dying = world.caller('lambda-a');
    let crashed = false;
    const store: ControlStore = replacing(
      killable(dying.store, () => crashed),
      'recordSwitchDone',
      async (...args: Parameters<ControlStore['recordSwitchDone']>) => {
        await dying.store.recordSwitchDone(...args);
        crashed = true; // SIGKILL: nothing of this process runs again
        return new Promise(() => {});
      },
    );
    const event = snsEvent(compositeAlarmMessage(EAST), 'crash-after-done');
    void handlerOf(world, dying, health, { store, leaseWaitMs: 20_000 })(event);
    while (!crashed) await new Promise((r) => setTimeout(r, 50));
    expect(await world.sides()).toEqual({ [WEST]: PREMIUM + 1 });

    const reconciler = world.caller('reconciler');
    const reconciled = await handlerOf(world, reconciler, health)(SCHEDULED_EVENT);
    const retry = world.caller('lambda-retry');
    const retried = await handlerOf(world, retry, health, { leaseWaitMs: 40_000 })(event);

    const audit = await reconciler.store.listAudit(50);
    const told = [...reconciler.notifier.sent, ...retry.notifier.sent].map((n) => n.subject);
    expect({
      sides: await world.sides(),
      routing: await reconciler.store.getRouting().then((r) => ({ activeRegion: r.activeRegion, epoch: r.epoch })),
      reconciled: reconciled.results.map((r) => ('decision' in r ? r.decision.kind : r.status)),
      retried: retried.results.map((r) => ('decision' in r ? `${r.decision.kind}` : r.status)),
      switchAudited: audit.some((a) => a.outcome === 'switched'),
      switchAnnounced: told.includes('RegionFlip switched all tenants → us-west-2'),
      told,
    }).toEqual({
      sides: { [WEST]: PREMIUM + 1 },
      routing: { activeRegion: WEST, epoch: 1 },
      reconciled: ['noop'],
      retried: expect.any(Array),
      switchAudited: true,
      switchAnnounced: true,
      told: expect.arrayContaining(['RegionFlip switched all tenants → us-west-2']),
    });
  });
});
