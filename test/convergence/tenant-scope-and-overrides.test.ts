import { executeSwitch } from '../../failover/switch/execute-switch';
import { FixedHealth } from '../state/stand-ins';
import { EAST, handlerOf, killable, newWorld, SCHEDULED_EVENT, WEST } from './support';

/**
 * Adversarial review of issue #8: the reconciler meets switches that are not whole-Region ones (a runbook moving one
 * premium tenant) and deliberate tenant overrides. Both Regions are healthy throughout: nothing justifies a Region move.
 */

const PREMIUM = 20;

const tenantMove = (tenantId: string, targetRegion: string) => ({
  switch: { targetRegion, scope: { kind: 'tenants' as const, tenantIds: [tenantId] } },
  caller: 'manual-failover' as const,
  actor: 'runbook:alice',
  reason: `test: move ${tenantId} to ${targetRegion}`,
  trigger: 'test',
  leaseSeconds: 10,
});

describe('convergence: tenant-scoped switches and tenant overrides', () => {
  it('GIVEN a runbook moving ONE premium tenant to us-west-2 killed after writing its intent WHEN the reconciler runs with both Regions healthy THEN only that tenant is settled; every other record stays on us-east-1 and the table still says us-east-1', async () => {
    const world = await newWorld(PREMIUM);
    const runbook = world.caller('runbook');
    let crashed = false;
    runbook.beforeChange = async () => {
      crashed = true; // SIGKILL before the first (and only) batch goes out: the intent is written, nothing moved
      await new Promise(() => {});
    };
    void executeSwitch(
      {
        store: killable(runbook.store, () => crashed),
        trafficSwitch: runbook.trafficSwitch,
        notifier: runbook.notifier,
        clock: { now: () => new Date() },
        owner: 'runbook:alice',
      },
      tenantMove('p0001', WEST),
    );
    while (!crashed) await new Promise((r) => setTimeout(r, 50));
    expect(await world.sides()).toEqual({ [EAST]: PREMIUM + 1 });
    expect((await runbook.store.pendingSwitch())?.request.scope).toEqual({ kind: 'tenants', tenantIds: ['p0001'] });

    const health = new FixedHealth({ [EAST]: 'healthy', [WEST]: 'healthy' });
    const reconciler = world.caller('reconciler');
    await handlerOf(world, reconciler, health)(SCHEDULED_EVENT);

    const observed = await world.observed();
    const others = observed.records.filter((r) => r.label !== 'p0001');
    const routing = await reconciler.store.getRouting();
    // Expected: a one-tenant move never becomes a Region failover of every tenant.
    expect({
      othersOn: [...new Set(others.map((r) => r.region))],
      activeRegion: routing.activeRegion,
      pending: await reconciler.store.pendingSwitch(),
    }).toEqual({ othersOn: [EAST], activeRegion: EAST, pending: undefined });
  });

  it('GIVEN premium tenant p0001 deliberately moved to us-west-2 (override) and an unrelated record p0002 hand-edited to us-west-2 WHEN the reconciler converges the straggler THEN p0002 goes back to us-east-1 and p0001 keeps its override', async () => {
    const world = await newWorld(PREMIUM);
    const runbook = world.caller('runbook');
    const moved = await executeSwitch(
      {
        store: runbook.store,
        trafficSwitch: runbook.trafficSwitch,
        notifier: runbook.notifier,
        clock: { now: () => new Date() },
        owner: 'runbook:alice',
      },
      tenantMove('p0001', WEST),
    );
    expect(moved.outcome).toBe('switched');
    expect((await runbook.store.getRouting()).tenantOverrides).toEqual({ p0001: WEST });

    // A write outside the protocol (a hand edit, a stale writer): p0002 now points at us-west-2.
    const editor = world.caller('hand-edit');
    const edit = await editor.trafficSwitch.plan({
      targetRegion: WEST,
      scope: { kind: 'tenants', tenantIds: ['p0002'] },
    });
    await editor.trafficSwitch.apply(edit);

    const health = new FixedHealth({ [EAST]: 'healthy', [WEST]: 'healthy' });
    const reconciler = world.caller('reconciler');
    await handlerOf(world, reconciler, health)(SCHEDULED_EVENT);

    const observed = await world.observed();
    const regionOf = (label: string) => observed.records.find((r) => r.label === label)?.region;
    const routing = await reconciler.store.getRouting();
    expect({
      p0001: regionOf('p0001'),
      p0002: regionOf('p0002'),
      activeRegion: routing.activeRegion,
      tenantOverrides: routing.tenantOverrides,
    }).toEqual({ p0001: WEST, p0002: EAST, activeRegion: EAST, tenantOverrides: { p0001: WEST } });
  });
});
