import type { ControlStore } from '../../failover/ports';
import { compositeAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { FixedHealth, replacing } from '../state/stand-ins';
import { EAST, handlerOf, newWorld, WEST } from './support';

/**
 * Adversarial review of issue #8: a lease renewal whose write LANDED but whose answer never came back (a client
 * timeout after DynamoDB applied the update). The holder's next renewal names a version that is no longer in the
 * table. Taking that for "someone else took the lease" would stop a healthy switch mid-apply and tell on-call a
 * second caller exists; trusting it blindly would let a holder keep writing after a real takeover.
 */

const PREMIUM = 900; // several batches: the switch renews between them

function firstRenewalAnswerLost(store: ControlStore): { store: ControlStore; lost: () => number } {
  let lost = 0;
  const wrapped = replacing(store, 'renewLease', async (lease, now) => {
    const renewed = await store.renewLease(lease, now); // the write lands …
    if (lost === 0 && renewed) {
      lost++;
      // … and the answer is lost, exactly as the SDK reports a socket timeout.
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    }
    return renewed;
  });
  return { store: wrapped, lost: () => lost };
}

describe('convergence: a renewal that landed but whose answer was lost', () => {
  it('GIVEN 4 s batches and the first renewal timing out after its write landed WHEN the Lambda fails us-east-1 over THEN the switch recognises the lease as still its own and finishes: every record on us-west-2, the table agrees, one "switched" message and no FAILED page', async () => {
    const world = await newWorld(PREMIUM);
    const lambda = world.caller('lambda');
    lambda.beforeChange = async () => lambda.clock.advance(4);
    const health = new FixedHealth({ [EAST]: 'unhealthy', [WEST]: 'healthy' });
    const faulty = firstRenewalAnswerLost(lambda.store);

    const out = await handlerOf(world, lambda, health, { store: faulty.store })(
      snsEvent(compositeAlarmMessage(EAST), 'renewal-answer-lost'),
    );

    expect(faulty.lost()).toBe(1); // the fault really happened mid-switch
    expect({
      result: out.results[0],
      sides: await world.sides(),
      activeRegion: (await lambda.store.getRouting()).activeRegion,
      pending: await lambda.store.pendingSwitch(),
      lease: await lambda.store.currentLease(),
      told: lambda.notifier.sent.map((n) => n.subject),
    }).toEqual({
      result: expect.objectContaining({
        status: 'processed',
        switch: expect.objectContaining({ outcome: 'switched' }),
      }),
      sides: { [WEST]: PREMIUM + 1 },
      activeRegion: WEST,
      pending: undefined,
      lease: undefined, // released at the end: the renewed version was recognised as ours
      told: ['RegionFlip switched all tenants → us-west-2'],
    });
  });
});
