import fc from 'fast-check';
import { createAwsClients } from '../../failover/aws/clients';
import { policySchema } from '../../failover/config/schema';
import { reconcile } from '../../failover/handler/process-alarm';
import type { ControlStore } from '../../failover/ports';
import { createControlTable, DynamoControlStore } from '../../failover/state/control-table';
import { DynamoDeliveryLedger } from '../../failover/state/delivery-ledger';
import { executeSwitch } from '../../failover/switch/execute-switch';
import { FixedHealth, InMemorySwitch, ManualClock, RecordingNotifier, replacing } from '../state/stand-ins';
import { motoTarget, uniqueName } from '../support/moto';
import { EAST, killable, MonotonicClock, WEST } from './support';

/**
 * The switch under an adversarial scheduler (fast-check's scheduler decides which caller's next record write runs):
 * two or three callers with their own targets, each able to die (SIGKILL: nothing of it runs again) after any record,
 * to have its lease renewals throttled, and time passing on every caller's clock between steps. After the schedule and
 * ONE reconciliation: every routing record points at one Region, the table agrees with the records, nothing is pending
 * — or the reconciler paged because a safe convergence did not exist.
 */

const db = createAwsClients([EAST], motoTarget()).dynamodb[EAST]!;
const LABELS = ['shared', 'acme', 'globex', 'initech', 'umbrella'];

const callerArb = fc.record({
  target: fc.constantFrom(EAST, WEST),
  crashAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
  renewalsThrottled: fc.boolean(),
});

const scheduleArb = fc.record({
  callers: fc.array(callerArb, { minLength: 2, maxLength: 3 }),
  /** Seconds that pass on every clock at each scheduled step. */
  tick: fc.constantFrom(0, 1, 2, 4),
  eastHealthy: fc.boolean(),
});

function throttled(store: ControlStore): ControlStore {
  return replacing(store, 'renewLease', async () => Promise.reject(new Error('ThrottlingException: slow down')));
}

describe('convergence: the switch under an adversarial scheduler (property)', () => {
  it('GIVEN any interleaving of 2-3 callers, crashes at any record, throttled renewals and lease expiry WHEN the reconciler runs once THEN routing is converged and agrees with the table, or on-call was paged', async () => {
    let paged = 0;
    let converged = 0;
    let repaired = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scheduleArb, async (s, plan) => {
        const tableName = uniqueName('adv');
        await createControlTable(db, tableName);
        const records = new Map(LABELS.map((l) => [l, EAST]));
        const clocks: MonotonicClock[] = [];
        const storeWith = (clock: MonotonicClock) =>
          new DynamoControlStore(db, {
            tableName,
            primaryRegion: EAST,
            automationEnabled: true,
            autoFailoverWindowSeconds: 3600,
            monotonicMs: clock.read,
          });
        const running = plan.callers.map((c, i) => {
          const clock = new MonotonicClock();
          clocks.push(clock);
          let writes = 0;
          let dead = false;
          const sw = new InMemorySwitch(LABELS, EAST, records);
          sw.step = async () => {
            await s.schedule(Promise.resolve(), `caller ${i} write`);
            for (const c of clocks) c.advance(plan.tick);
            if (c.crashAfter !== undefined && writes++ >= c.crashAfter) {
              dead = true;
              await new Promise(() => {});
            }
          };
          const base = storeWith(clock);
          const store = killable(c.renewalsThrottled ? throttled(base) : base, () => dead);
          const done = executeSwitch(
            {
              store,
              trafficSwitch: sw,
              notifier: new RecordingNotifier(),
              clock: { now: () => new Date() },
              owner: `caller-${i}`,
              sleep: async (ms) => {
                clock.advance(ms / 1000);
                await s.schedule(Promise.resolve(), `caller ${i} waits`);
              },
            },
            {
              switch: { targetRegion: c.target, scope: { kind: 'region' } },
              caller: 'manual-failover',
              actor: `caller-${i}`,
              reason: 'property',
              trigger: 'property',
              leaseSeconds: 10,
              leaseWaitMs: 15_000,
            },
          ).then(() => 'done' as const);
          return { done, isDead: () => dead };
        });
        // Drive the schedule until every living caller is done (dead ones never return).
        const settled = new Set<number>();
        running.forEach((r, i) => void r.done.then(() => settled.add(i)));
        for (let spins = 0; spins < 5000; spins++) {
          if (running.every((r, i) => settled.has(i) || r.isDead())) break;
          if (s.count() > 0) await s.waitOne();
          else await new Promise((r) => setTimeout(r, 2));
        }

        // One reconciliation, by a fresh process (its own store and clock).
        const clock = new MonotonicClock();
        const splitBefore = new Set(records.values()).size > 1;
        const pendingBefore = await storeWith(clock).pendingSwitch();
        if (splitBefore || pendingBefore) repaired++;
        const wall = new ManualClock(new Date());
        const notifier = new RecordingNotifier();
        const store = storeWith(clock);
        const result = await reconcile({
          store,
          ledger: new DynamoDeliveryLedger(db, tableName),
          health: new FixedHealth({ [EAST]: plan.eastHealthy ? 'healthy' : 'unhealthy', [WEST]: 'healthy' }),
          trafficSwitch: new InMemorySwitch(LABELS, EAST, records),
          notifier,
          clock: wall,
          regions: { primary: EAST, secondary: WEST },
          policy: policySchema.parse({ leaseSeconds: 10, targetHealthySeconds: 0, cooldownSeconds: 0 }),
          managedAlarmPrefix: 'regionflip-',
          owner: 'reconciler',
          actor: 'failover-lambda',
          leaseWaitMs: 2_000,
          sleep: async (ms) => {
            clock.advance(ms / 1000);
            wall.advance(ms / 1000);
          },
        });

        const regions = new Set(records.values());
        const routing = await store.getRouting();
        const pending = await store.pendingSwitch();
        if (notifier.sent.some((n) => n.subject.includes('routing-not-converged'))) {
          paged++;
          return;
        }
        expect({ regions: [...regions], pending, decision: result.decision.kind }).toEqual({
          regions: [routing.activeRegion],
          pending: undefined,
          decision: result.decision.kind,
        });
        converged++;
      }),
      { numRuns: 20 },
    );
    expect(converged).toBeGreaterThan(0);
    // The property is not vacuous: its interleavings do leave splits or pending switches to converge or page about.
    expect(converged + paged).toBe(20);
    expect(repaired).toBeGreaterThan(0);
  });
});
