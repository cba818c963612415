import { Route53Client } from '@aws-sdk/client-route-53';
import type { RestoreOps } from '../../chaos/drill/driver';
import { failbackRecord, observedRoutingProblems } from '../../chaos/drill/driver';
import type { DrillJournal } from '../../chaos/drill/journal';
import { restore } from '../../chaos/drill/rollback';
import { clientConfig, createAwsClients, ROUTE53_CONTROL_PLANE_REGION } from '../../failover/aws/clients';
import { markDrillStarted } from '../../failover/state/drill-marker';
import { executeSwitch } from '../../failover/switch/execute-switch';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth } from '../state/stand-ins';
import { waitFor } from '../support/env';
import { motoTarget } from '../support/moto';
import { type Caller, EAST, handlerOf, killable, newWorld, request, WEST, type World } from './support';

/**
 * A drill's rollback (the real `restore` of chaos/drill/rollback.ts, the code `drill rollback` and a stopped drill run)
 * while the failover Lambda's switch is in flight: the rollback must not race the switch, must finish what a crashed
 * holder left, and must verify against the records Route 53 serves, never the control table.
 */

const db = createAwsClients([EAST], motoTarget()).dynamodb[EAST]!;
const route53 = new Route53Client(clientConfig(ROUTE53_CONTROL_PLANE_REGION, motoTarget(), 1));

/** RestoreOps over one caller's adapters: the drill's failback goes through the one switch, like drillFailback. */
function restoreOps(world: World, drill: Caller, lifted: string[]): RestoreOps {
  return {
    config: world.config,
    store: drill.store,
    controlTable: { db, tableName: world.tableName },
    lift: async (undo) => {
      lifted.push(undo.fault.kind);
      return `${undo.fault.kind} lifted`;
    },
    failback: async (region, runId) => {
      const report = await executeSwitch(
        {
          store: drill.store,
          trafficSwitch: drill.trafficSwitch,
          notifier: drill.notifier,
          clock: { now: () => new Date() },
          owner: `drill:${runId}`,
          // Waiting moves the drill's own monotonic clock: that is how it watches a dead holder's lease run out.
          sleep: async (ms) => {
            drill.clock.advance(ms / 1000);
            await new Promise((r) => setTimeout(r, 20));
          },
        },
        { ...request(region, 'drill'), leaseWaitMs: 60_000 },
      );
      if (report.outcome !== 'switched' && report.outcome !== 'noop') {
        throw new Error(`failback ${report.outcome}: ${report.error ?? ''}`);
      }
      return failbackRecord(report, region);
    },
    remainingFaults: async () => [],
    // The verification's truth: the routing records Route 53 serves (no client probes: no service runs here).
    observedRoutingProblems: (region) =>
      observedRoutingProblems({ config: world.config, route53, hostedZoneId: world.hostedZoneId }, region),
  };
}

function journalOf(runId: string, world: World): DrillJournal {
  return {
    journalVersion: 1,
    runId,
    drill: { title: 'Region outage', file: 'region-outage.yaml' },
    target: 'local',
    pid: process.pid,
    startedAt: Date.now(),
    status: 'running',
    deviated: false,
    steps: [{ name: 'inject region-outage', type: 'action', startedAt: Date.now(), status: 'succeeded' }],
    rollbackPlan: [{ type: 'clear-faults' }, { type: 'failback', region: 'primary' }],
    undo: [{ kind: 'fault', fault: { kind: 'service-outage', region: EAST } as never }],
    rollbacks: [],
    env: { target: 'aws', config: world.config, hostedZoneId: world.hostedZoneId },
  };
}

describe('convergence: a drill rolling back while a switch is in flight', () => {
  it('GIVEN the Lambda failing over out of the primary WHEN the drill rolls back at its second batch THEN the rollback waits for the switch, traffic ends on the primary, verified from the records', async () => {
    const world = await newWorld(600);
    const lambda = world.caller('lambda');
    const drill = world.caller('drill');
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    const journal = journalOf('drill-race-1', world);
    await markDrillStarted(
      { db, tableName: world.tableName },
      { drillId: journal.runId, title: 't', startedBy: 'test' },
    );
    const lifted: string[] = [];
    let rollback: ReturnType<typeof restore> | undefined;
    lambda.beforeChange = async (n) => {
      if (n === 2 && !rollback) {
        health.statuses = { [EAST]: 'healthy', [WEST]: 'healthy' }; // the drill's fault is being lifted
        rollback = restore(restoreOps(world, drill, lifted), journal, journal.rollbackPlan, () => {});
      }
    };

    await handlerOf(world, lambda, health)(snsEvent(compositeAlarmMessage(EAST), 'drill-race-1'));
    const outcome = await rollback;

    expect(outcome?.problems).toEqual([]);
    expect(journal.rollbackVerified).toBe(true);
    expect(lifted).toEqual(['service-outage']);
    expect(outcome?.failback?.recordsChanged).toBe(601); // the Lambda's whole failover was undone, not part of it
    expect(await world.sides()).toEqual({ [EAST]: 601 });
    expect((await drill.store.getRouting()).activeRegion).toBe(EAST);
    expect(await drill.store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN the Lambda SIGKILLed after its first batch (of 2), holding the lease WHEN the drill rolls back THEN it waits out the dead lease, finishes the intent, fails back, and verifies from the records', async () => {
    const world = await newWorld(600);
    const lambda = world.caller('lambda');
    const drill = world.caller('drill');
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    const journal = journalOf('drill-race-2', world);
    let crashed = false;
    lambda.beforeChange = async (n) => {
      if (n === 2) {
        crashed = true;
        await new Promise(() => {}); // the process is gone: this request is never sent
      }
    };
    void handlerOf(world, lambda, health, { store: killable(lambda.store, () => crashed) })(
      snsEvent(compositeAlarmMessage(EAST), 'drill-race-2'),
    );
    await waitFor('the Lambda to crash', () => (crashed ? true : undefined));
    const split = await world.sides();
    expect(Object.keys(split).sort()).toEqual([EAST, WEST]); // the precondition: records really are split

    health.statuses = { [EAST]: 'healthy', [WEST]: 'healthy' };
    const outcome = await restore(restoreOps(world, drill, []), journal, journal.rollbackPlan, () => {});

    expect(outcome.problems).toEqual([]);
    expect(journal.rollbackVerified).toBe(true);
    expect(await world.sides()).toEqual({ [EAST]: 601 });
    expect((await drill.store.getRouting()).activeRegion).toBe(EAST);
    expect(await drill.store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN records split behind the table (a stale writer) WHEN the drill rolls back THEN the verification reads Route 53 and fails the rollback instead of trusting the table', async () => {
    const world = await newWorld(20);
    const drill = world.caller('drill');
    const journal = journalOf('drill-race-3', world);
    const ops = restoreOps(world, drill, []);
    // The table says us-east-1 and no intent; a writer outside the protocol has moved records to us-west-2, and the
    // failback is made to fail (the lease cannot be taken) so only the verification stands between us and a false "ok".
    const stale = world.caller('stale');
    await stale.trafficSwitch.apply(await stale.trafficSwitch.plan({ targetRegion: WEST, scope: { kind: 'region' } }));
    const outcome = await restore({ ...ops, failback: async () => undefined }, journal, journal.rollbackPlan, () => {});

    expect(journal.rollbackVerified).toBe(false);
    expect(outcome.problems.join('\n')).toMatch(/routing record\(s\) Route 53 serves are not on us-east-1/);
    expect(await world.sides()).toEqual({ [WEST]: 21 });
  });
});
