import type { ControlStore } from '../../failover/ports';
import { executeSwitch } from '../../failover/switch/execute-switch';
import { replacing } from '../state/stand-ins';
import { type Caller, EAST, newWorld, request, WEST, type World } from './support';

/**
 * The stale writer (issue: "a switch that lost its lease kept writing"): a Lambda failing over 2,400 premium records
 * (5 batches) whose lease renewals are throttled and whose batches are slow; a runbook caller takes the lease as soon as
 * the protocol lets it and fails back. Asserted from outside: the records Route 53 serves and the control table.
 */

const PREMIUM = 2400;
const BATCH_SECONDS = 3; // each Route 53 batch of the stale writer takes this long on every clock (< a third of the lease)

function throttledRenewals(store: ControlStore): ControlStore {
  return replacing(store, 'renewLease', async () => {
    throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
  });
}

/** Runs the schedule; `guarded` false replays it with the pre-fix switch (no write guard) to show the adversary bites. */
async function schedule(world: World, guarded: boolean) {
  const lambda: Caller = world.caller('lambda');
  const runbook: Caller = world.caller('runbook');
  const lambdaStore = throttledRenewals(lambda.store);
  let runbookResult: Awaited<ReturnType<typeof executeSwitch>> | undefined;
  const failBack = () =>
    executeSwitch(
      {
        store: runbook.store,
        trafficSwitch: runbook.trafficSwitch,
        notifier: runbook.notifier,
        clock: { now: () => new Date() },
        owner: 'runbook:alice',
      },
      request(EAST, 'manual-failback'),
    );
  lambda.beforeChange = async () => {
    // Time passes for everybody while the batch is in flight.
    lambda.clock.advance(BATCH_SECONDS);
    runbook.clock.advance(BATCH_SECONDS);
    if (runbookResult) return;
    const lease = await runbook.store.acquireLease('runbook:alice', 10, new Date());
    if (!lease) return;
    await runbook.store.releaseLease(lease);
    // The runbook may take over now: it fails back, through the one switch.
    runbookResult = await failBack();
  };
  const trafficSwitch = guarded
    ? lambda.trafficSwitch
    : {
        mode: lambda.trafficSwitch.mode,
        plan: lambda.trafficSwitch.plan.bind(lambda.trafficSwitch),
        observe: lambda.trafficSwitch.observe.bind(lambda.trafficSwitch),
        apply: (plan: Parameters<Caller['trafficSwitch']['apply']>[0]) => lambda.trafficSwitch.apply(plan),
      };
  const lambdaResult = await executeSwitch(
    { store: lambdaStore, trafficSwitch, notifier: lambda.notifier, clock: { now: () => new Date() }, owner: 'lambda' },
    request(WEST, 'automatic-failover'),
  );
  // The runbook's own attempt, if the Lambda stopped before the runbook could take over inside a batch.
  for (let i = 0; i < 10 && !runbookResult; i++) {
    runbook.clock.advance(BATCH_SECONDS);
    const r = await failBack();
    if (r.outcome !== 'lease-held') runbookResult = r;
  }
  return { lambdaResult, runbookResult, runbook };
}

describe('convergence: a stale writer whose renewals are throttled', () => {
  it('GIVEN renewals throttled and slow batches WHEN a runbook takes the lease and fails back THEN the stale Lambda stops writing first and every record ends on us-east-1, the table agreeing', async () => {
    const world = await newWorld(PREMIUM);
    const { lambdaResult, runbookResult, runbook } = await schedule(world, true);

    expect(lambdaResult).toMatchObject({ outcome: 'failed', leaseLost: true });
    expect(lambdaResult.error).toMatch(/could not be renewed .*stopped writing/);
    expect(runbookResult?.outcome).toBe('switched');
    expect(await world.sides()).toEqual({ [EAST]: PREMIUM + 1 });
    const routing = await runbook.store.getRouting();
    expect(routing.activeRegion).toBe(EAST);
    expect(await runbook.store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN the same schedule without the write guard (the code before the fix) THEN the records end split: the adversary is real', async () => {
    const world = await newWorld(PREMIUM);
    const { runbook } = await schedule(world, false);
    const sides = await world.sides();
    expect(Object.keys(sides).sort()).toEqual([EAST, WEST]);
    expect((await runbook.store.getRouting()).activeRegion).toBe(EAST);
  });
});
