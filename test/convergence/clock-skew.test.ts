import { executeSwitch } from '../../failover/switch/execute-switch';
import { EAST, newWorld, request, WEST } from './support';

/**
 * Clock skew (issue: "a runbook host whose clock runs more than leaseSeconds ahead takes the lease from a healthy,
 * renewing Lambda … lastSwitchAt lands in the future"). No lease decision reads a wall clock, and the switch is dated
 * by Route 53's own clock.
 */

const HOUR = 3600_000;

describe('convergence: a runbook host whose clock is an hour ahead', () => {
  it('GIVEN a Lambda switching and renewing WHEN a skewed host asks for the lease THEN it never gets it, records end on one Region, and lastSwitchAt is not in the future', async () => {
    const world = await newWorld(600);
    const lambda = world.caller('lambda');
    const skewed = world.caller('runbook-host');
    const skewedClock = { now: () => new Date(Date.now() + HOUR) };
    const attempts: string[] = [];
    lambda.beforeChange = async () => {
      // The Lambda is slow but renewing; the skewed host tries while a batch is in flight.
      lambda.clock.advance(2);
      skewed.clock.advance(2);
      const r = await executeSwitch(
        {
          store: skewed.store,
          trafficSwitch: skewed.trafficSwitch,
          notifier: skewed.notifier,
          clock: skewedClock,
          owner: 'runbook:skewed',
        },
        request(EAST, 'manual-failback'),
      );
      attempts.push(r.outcome);
    };
    const before = Date.now();
    const result = await executeSwitch(
      {
        store: lambda.store,
        trafficSwitch: lambda.trafficSwitch,
        notifier: lambda.notifier,
        clock: { now: () => new Date() },
        owner: 'lambda',
      },
      request(WEST, 'automatic-failover'),
    );

    expect(result.outcome).toBe('switched');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts)).toEqual(new Set(['lease-held']));
    expect(await world.sides()).toEqual({ [WEST]: 601 });
    const routing = await lambda.store.getRouting();
    expect(routing.activeRegion).toBe(WEST);
    // Dated by Route 53 (ChangeInfo.SubmittedAt), within the test's real time, never by a skewed host.
    expect(routing.lastSwitchAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(routing.lastSwitchAt!.getTime()).toBeGreaterThanOrEqual(before - 60_000);
  });
});
