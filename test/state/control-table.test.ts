import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '../../failover/aws/clients';
import type { AuditEntry, SwitchIntent, SwitchOutcome } from '../../failover/core/types';
import type { Lease, SwitchAnnouncement } from '../../failover/ports';
import { createControlTable, DynamoControlStore, FencedWriteError } from '../../failover/state/control-table';
import { DynamoDeliveryLedger } from '../../failover/state/delivery-ledger';
import { motoTarget, uniqueName } from '../support/moto';

const clients = createAwsClients(['us-east-1'], motoTarget());
const db = clients.dynamodb['us-east-1']!;
const T0 = new Date('2026-03-01T03:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const OUTCOME: SwitchOutcome = {
  recordsChanged: 3,
  changeCalls: 1,
  retries: 0,
  changeIds: ['C1'],
  durationsMs: { apply: 1, inSync: 1, verify: 1 },
};

/** A process's monotonic clock that the test moves by hand: each caller (store) has its own. */
class MonotonicClock {
  ms = 1_000_000;
  readonly read = () => this.ms;
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

function storeOn(tableName: string, clock = new MonotonicClock(), automationEnabled = true) {
  return new DynamoControlStore(db, {
    tableName,
    primaryRegion: 'us-east-1',
    automationEnabled,
    autoFailoverWindowSeconds: 3600,
    monotonicMs: clock.read,
  });
}

async function newStore(automationEnabled = true) {
  const tableName = uniqueName('control');
  await createControlTable(db, tableName);
  return storeOn(tableName, new MonotonicClock(), automationEnabled);
}

/** Two callers (separate processes: separate stores, separate monotonic clocks) on one control table. */
async function twoCallers() {
  const tableName = uniqueName('control');
  await createControlTable(db, tableName);
  const a = new MonotonicClock();
  const b = new MonotonicClock();
  return { a: storeOn(tableName, a), aClock: a, b: storeOn(tableName, b), bClock: b };
}

/** What "done" owes on-call for `intent` (the outbox item written with it). */
function announcementOf(intent: SwitchIntent): SwitchAnnouncement {
  return {
    intentId: intent.id,
    token: intent.token,
    audit: {
      caller: intent.caller,
      actor: intent.actor,
      trigger: 'test',
      reason: intent.reason,
      request: intent.request,
      outcome: 'switched',
      recordsChanged: OUTCOME.recordsChanged,
    },
    subject: `RegionFlip switched all tenants → ${intent.request.targetRegion}`,
    message: { to: intent.request.targetRegion, scope: intent.request.scope, epoch: intent.baseEpoch + 1 },
  };
}

function intentFor(lease: Lease, baseEpoch: number, overrides: Partial<SwitchIntent> = {}): SwitchIntent {
  return {
    id: `intent-${lease.token}-${baseEpoch}`,
    request: { targetRegion: 'us-west-2', scope: { kind: 'region' } },
    fromRegion: 'us-east-1',
    caller: 'automatic-failover',
    actor: 'failover-lambda',
    reason: 'us-east-1 unhealthy',
    startedAt: at(1),
    token: lease.token,
    baseEpoch,
    ...overrides,
  };
}

/** A holder that wrote its intent, then a contender that watched its lease unrenewed for the full duration and took it. */
async function takenOverMidSwitch() {
  const { a: store, b: contender, bClock } = await twoCallers();
  const stale = (await store.acquireLease('lambda-a', 10, T0))!;
  await store.recordSwitchStarted(stale, intentFor(stale, 0));
  expect(await contender.acquireLease('lambda-b', 10, T0)).toBeUndefined();
  bClock.advance(11);
  const fresh = (await contender.acquireLease('lambda-b', 10, at(11)))!;
  return { store, contender, stale, fresh };
}

describe('DynamoControlStore (control table on moto)', () => {
  it('GIVEN an empty table WHEN routing is read THEN it defaults to the primary Region, epoch 0, automation from policy', async () => {
    const store = await newStore(false);
    const routing = await store.getRouting();
    expect(routing).toMatchObject({ activeRegion: 'us-east-1', epoch: 0, automation: { enabled: false } });
    expect(routing.tenantOverrides).toEqual({});
    expect(await store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN one holder WHEN a second caller asks THEN it must itself watch the same version unrenewed for the whole lease before taking it', async () => {
    const { a, b, bClock } = await twoCallers();
    const first = (await a.acquireLease('lambda-a', 60, T0))!;
    expect(first).toBeDefined();
    // Wall-clock times are display only: a contender whose clock is an hour ahead gets nothing from it.
    expect(await b.acquireLease('lambda-b', 60, at(3600))).toBeUndefined();
    bClock.advance(59);
    expect(await b.acquireLease('lambda-b', 60, at(3600))).toBeUndefined();
    bClock.advance(1);
    const takeover = await b.acquireLease('lambda-b', 60, at(3600));
    expect(takeover?.owner).toBe('lambda-b');
    expect(takeover!.token).toBeGreaterThan(first.token);
    expect(await a.renewLease(first, T0)).toBeUndefined();
  });

  it('GIVEN 10 concurrent acquisitions WHEN they race THEN exactly one holds the lease', async () => {
    const store = await newStore();
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLease(`caller-${i}`, 60, T0)));
    expect(leases.filter((l) => l !== undefined)).toHaveLength(1);
  });

  it('GIVEN a holder that renews WHEN a contender watches for longer than the lease THEN it never gets it; once renewals stop it does', async () => {
    const { a, aClock, b, bClock } = await twoCallers();
    let lease = (await a.acquireLease('lambda-a', 10, T0))!;
    expect(await b.acquireLease('lambda-b', 10, T0)).toBeUndefined();
    for (let i = 0; i < 5; i++) {
      aClock.advance(4);
      bClock.advance(4);
      lease = (await a.renewLease(lease, T0))!;
      expect(lease).toBeDefined();
      expect(a.leaseRemainingMs(lease)).toBe(10_000);
      expect(await b.acquireLease('lambda-b', 10, T0)).toBeUndefined();
    }
    bClock.advance(10);
    const takeover = (await b.acquireLease('lambda-b', 10, T0))!;
    expect(takeover.owner).toBe('lambda-b');
    expect(await a.renewLease(lease, T0)).toBeUndefined();
    expect(await a.currentLease()).toMatchObject({ owner: 'lambda-b', token: takeover.token });
  });

  it('GIVEN a released lease WHEN acquired again THEN the token still grows', async () => {
    const store = await newStore();
    const tokens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const lease = await store.acquireLease('runbook', 60, at(i));
      tokens.push(lease!.token);
      await store.releaseLease(lease!);
    }
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(tokens).size).toBe(3);
    expect(await store.currentLease()).toBeUndefined();
  });

  it('GIVEN a stale holder whose lease was taken over WHEN it records intent or done THEN it is fenced and nothing changes', async () => {
    const { store, stale, fresh } = await takenOverMidSwitch();

    await expect(
      store.recordSwitchDone(stale, intentFor(stale, 0), OUTCOME, at(12), announcementOf(intentFor(stale, 0))),
    ).rejects.toThrow(FencedWriteError);
    await expect(store.recordSwitchStarted(stale, intentFor(stale, 0, { id: 'late' }))).rejects.toThrow(/lease token/);
    expect((await store.getRouting()).epoch).toBe(0);
    expect((await store.pendingSwitch())?.token).toBe(stale.token);

    await store.recordSwitchStarted(fresh, intentFor(fresh, 0));
    const done = await store.recordSwitchDone(
      fresh,
      intentFor(fresh, 0),
      OUTCOME,
      at(13),
      announcementOf(intentFor(fresh, 0)),
    );
    expect(done).toMatchObject({ activeRegion: 'us-west-2', epoch: 1 });
  });

  it('GIVEN a switch recorded done WHEN the outbox is read THEN its announcement is there until cleared; a fenced "done" leaves none', async () => {
    const { store, contender, stale, fresh } = await takenOverMidSwitch();
    await expect(
      store.recordSwitchDone(stale, intentFor(stale, 0), OUTCOME, at(12), announcementOf(intentFor(stale, 0))),
    ).rejects.toThrow(FencedWriteError);
    expect(await store.pendingAnnouncements()).toEqual([]);

    const intent = intentFor(fresh, 0);
    await contender.recordSwitchStarted(fresh, intent);
    await contender.recordSwitchDone(fresh, intent, OUTCOME, at(13), announcementOf(intent));
    expect(await store.pendingAnnouncements()).toEqual([announcementOf(intent)]);
    await store.clearAnnouncement(intent.id);
    expect(await store.pendingAnnouncements()).toEqual([]);
  });

  it('GIVEN a hand-edited outbox item WHEN the outbox is read THEN it is refused, naming the item and the field', async () => {
    const tableName = uniqueName('control');
    await createControlTable(db, tableName);
    const store = storeOn(tableName);
    await db.send(
      new PutCommand({ TableName: tableName, Item: { pk: 'announce', sk: 'x', token: 1, body: '{"subject":""}' } }),
    );
    await expect(store.pendingAnnouncements()).rejects.toThrow(/switch announcement item is not valid.*audit/);
  });

  it('GIVEN two switches WHEN each lands THEN the epoch grows by one each time and a replay of the first is refused', async () => {
    const store = await newStore();
    const lease = (await store.acquireLease('runbook', 60, T0))!;
    const first = intentFor(lease, 0);
    await store.recordSwitchStarted(lease, first);
    await store.recordSwitchDone(lease, first, OUTCOME, at(2), announcementOf(first));
    const back = intentFor(lease, 1, {
      id: 'failback',
      request: { targetRegion: 'us-east-1', scope: { kind: 'region' } },
      caller: 'manual-failback',
    });
    await store.recordSwitchStarted(lease, back);
    const routing = await store.recordSwitchDone(lease, back, OUTCOME, at(3), announcementOf(back));

    expect(routing).toMatchObject({ activeRegion: 'us-east-1', epoch: 2 });
    expect(await store.getRouting()).toMatchObject({ activeRegion: 'us-east-1', epoch: 2, lastSwitchAt: at(3) });
    expect((await store.getRouting()).recentAutoFailovers).toEqual([at(2)]);
    await expect(store.recordSwitchDone(lease, first, OUTCOME, at(4), announcementOf(first))).rejects.toThrow(
      /epoch 0.*now 2/,
    );
    expect(await store.pendingSwitch()).toBeUndefined();
  });

  it('GIVEN a premium tenant moved alone WHEN done THEN routing records its override', async () => {
    const store = await newStore();
    const lease = (await store.acquireLease('runbook', 60, T0))!;
    const intent = intentFor(lease, 0, {
      request: { targetRegion: 'us-west-2', scope: { kind: 'tenants', tenantIds: ['acme'] } },
      caller: 'manual-failover',
    });
    await store.recordSwitchStarted(lease, intent);
    await store.recordSwitchDone(lease, intent, OUTCOME, at(2), announcementOf(intent));
    expect(await store.getRouting()).toMatchObject({
      activeRegion: 'us-east-1',
      tenantOverrides: { acme: 'us-west-2' },
      recentAutoFailovers: [],
    });
  });

  it('GIVEN automation on WHEN the kill switch is set and cleared THEN routing reflects it and the epoch is untouched', async () => {
    const store = await newStore(true);
    const off = await store.setAutomation(false, 'game day', 'alice', T0);
    expect(off.automation).toEqual({ enabled: false, reason: 'game day', changedBy: 'alice', changedAt: T0 });
    expect(off.epoch).toBe(0);
    const on = await store.setAutomation(true, 'drill over', 'bob', at(60));
    expect(on.automation).toMatchObject({ enabled: true, changedBy: 'bob' });
  });

  it('GIVEN audit entries written out of order WHEN listed THEN newest come first, limited', async () => {
    const store = await newStore();
    const entry = (id: string, seconds: number): AuditEntry => ({
      id,
      at: at(seconds),
      caller: 'handler',
      actor: 'failover-lambda',
      trigger: `sns:${id}`,
      reason: 'test',
      outcome: 'noop',
      decision: { kind: 'noop', code: 'alarm-not-managed', reason: 'not ours' },
    });
    for (const [id, s] of [
      ['b', 20],
      ['a', 10],
      ['c', 30],
    ] as const) {
      await store.appendAudit(entry(id, s));
    }
    const listed = await store.listAudit(2);
    expect(listed.map((e) => e.id)).toEqual(['c', 'b']);
    expect(listed[0]).toEqual(entry('c', 30));
  });
});

describe('DynamoDeliveryLedger (SNS delivery deduplication)', () => {
  async function newLedger() {
    const tableName = uniqueName('control');
    await createControlTable(db, tableName);
    return new DynamoDeliveryLedger(db, tableName);
  }

  it('GIVEN a processed delivery WHEN it is delivered again THEN the duplicate is reported done', async () => {
    const ledger = await newLedger();
    expect(await ledger.claim('m-1', T0, 60)).toEqual({ status: 'claimed' });
    expect((await ledger.claim('m-1', at(1), 60)).status).toBe('in-flight');
    await ledger.complete('m-1', { decision: 'noop' });
    expect(await ledger.claim('m-1', at(2), 60)).toEqual({ status: 'done', result: { decision: 'noop' } });
  });

  it('GIVEN 10 concurrent deliveries of one message WHEN they claim it THEN exactly one processes it', async () => {
    const ledger = await newLedger();
    const claims = await Promise.all(Array.from({ length: 10 }, () => ledger.claim('m-9', T0, 60)));
    expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
  });

  it('GIVEN a delivery whose processing failed WHEN it is retried THEN it is claimed again', async () => {
    const ledger = await newLedger();
    await ledger.claim('m-2', T0, 60);
    await ledger.release('m-2');
    expect(await ledger.claim('m-2', at(1), 60)).toEqual({ status: 'claimed' });
  });

  it('GIVEN a holder that crashed WHEN its in-flight deadline passes THEN the retry claims it', async () => {
    const ledger = await newLedger();
    await ledger.claim('m-3', T0, 60);
    expect((await ledger.claim('m-3', at(59), 60)).status).toBe('in-flight');
    expect(await ledger.claim('m-3', at(61), 60)).toEqual({ status: 'claimed' });
  });
});
