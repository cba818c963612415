import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAwsClients } from '../../failover/aws/clients';
import { policySchema } from '../../failover/config/schema';
import { createFailoverHandler } from '../../failover/handler/failover-handler';
import { RetryLaterError } from '../../failover/handler/process-alarm';
import { createControlTable, DynamoControlStore } from '../../failover/state/control-table';
import { DynamoDeliveryLedger } from '../../failover/state/delivery-ledger';
import { FixedHealth, InMemorySwitch, ManualClock, RecordingNotifier } from '../state/stand-ins';
import { motoTarget, uniqueName } from '../support/moto';
import { compositeAlarmMessage, handlerSettings, metricAlarmMessage, snsEvent } from './alarm-fixtures';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const db = createAwsClients(['us-east-1'], motoTarget()).dynamodb['us-east-1']!;

async function setup(health: Record<string, 'healthy' | 'unhealthy' | 'unknown'> = {}, leaseWaitMs = 60_000) {
  const tableName = uniqueName('control');
  await createControlTable(db, tableName);
  const policy = policySchema.parse({});
  const clock = new ManualClock(new Date('2026-03-01T03:00:20Z'));
  const store = new DynamoControlStore(db, {
    tableName,
    primaryRegion: 'us-east-1',
    automationEnabled: true,
    autoFailoverWindowSeconds: policy.windowSeconds,
    monotonicMs: clock.monotonicMs,
  });
  const trafficSwitch = new InMemorySwitch(['acme', 'globex', 'shared'], 'us-east-1');
  const notifier = new RecordingNotifier();
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const warn = jest.spyOn(logger, 'warn');
  const ledger = new DynamoDeliveryLedger(db, tableName);
  const handler = createFailoverHandler({
    settings: handlerSettings({ controlTable: tableName, policy }),
    store,
    ledger,
    health: new FixedHealth({ 'us-east-1': 'unhealthy', 'us-west-2': 'healthy', ...health }),
    trafficSwitch,
    notifier,
    clock,
    logger,
    metrics: new Metrics({ namespace: 'RegionFlipTest' }),
    leaseWaitMs,
    sleep: async (ms) => clock.advance(ms / 1000),
  });
  return { store, ledger, trafficSwitch, notifier, clock, handler, warn };
}

describe('failover handler (control table on moto; switch, health and on-call stand-ins)', () => {
  it('GIVEN us-east-1 unhealthy and us-west-2 healthy WHEN its composite alarm fires THEN traffic fails over, audited and announced', async () => {
    const { store, trafficSwitch, notifier, handler } = await setup();
    const { results } = await handler(snsEvent(compositeAlarmMessage('us-east-1'), 'msg-failover'));

    expect(results).toEqual([
      expect.objectContaining({
        status: 'processed',
        decision: expect.objectContaining({ kind: 'failover', from: 'us-east-1', to: 'us-west-2' }),
        switch: expect.objectContaining({ outcome: 'switched', epoch: 1 }),
      }),
    ]);
    expect(trafficSwitch.regionsOf()).toEqual(['us-west-2']);
    expect(await store.getRouting()).toMatchObject({ activeRegion: 'us-west-2', epoch: 1 });
    expect((await store.listAudit(1))[0]).toMatchObject({
      caller: 'automatic-failover',
      actor: 'failover-lambda',
      outcome: 'switched',
      trigger: expect.stringContaining('sns:msg-failover'),
    });
    expect(notifier.sent.map((n) => n.subject)).toEqual(['RegionFlip switched all tenants → us-west-2']);
  });

  it('GIVEN a processed delivery WHEN SNS delivers it again THEN the duplicate changes nothing', async () => {
    const { trafficSwitch, notifier, handler } = await setup();
    const event = snsEvent(compositeAlarmMessage('us-east-1'), 'msg-dup');
    await handler(event);
    const { results } = await handler(event);
    expect(results).toEqual([{ status: 'duplicate', messageId: 'msg-dup' }]);
    expect(trafficSwitch.applied).toHaveLength(1);
    expect(notifier.sent).toHaveLength(1);
  });

  it('GIVEN an invocation that crashed holding the delivery WHEN Lambda retries it before the claim expires THEN it is acknowledged without acting (the reconciler covers it), and a retry past the claim fails over', async () => {
    const { ledger, clock, trafficSwitch, handler } = await setup();
    const event = snsEvent(compositeAlarmMessage('us-east-1'), 'msg-crashed');
    // The crashed invocation's claim: in flight for 180 s, never completed nor released (SIGKILL, OOM).
    expect(await ledger.claim('msg-crashed', clock.now(), 180)).toEqual({ status: 'claimed' });
    clock.advance(60); // Lambda's first async retry comes about a minute later

    expect((await handler(event)).results).toEqual([{ status: 'duplicate', messageId: 'msg-crashed' }]);
    expect(trafficSwitch.applied).toHaveLength(0);

    clock.advance(120); // the second retry, past the crashed claim
    const { results } = await handler(event);
    expect(results[0]).toMatchObject({ status: 'processed', switch: { outcome: 'switched', epoch: 1 } });
    expect(trafficSwitch.regionsOf()).toEqual(['us-west-2']);
  });

  it('GIVEN a delivery being processed WHEN its duplicate arrives THEN the duplicate waits for the outcome and is acknowledged as a duplicate', async () => {
    const { ledger, clock, trafficSwitch, handler } = await setup();
    const event = snsEvent(compositeAlarmMessage('us-east-1'), 'msg-concurrent');
    await ledger.claim('msg-concurrent', clock.now(), 180);
    const completeLater = ledger.claim.bind(ledger);
    let polls = 0;
    jest.spyOn(ledger, 'claim').mockImplementation(async (...args) => {
      if (++polls === 3) await ledger.complete('msg-concurrent', { decision: 'failover' });
      return completeLater(...args);
    });

    const { results } = await handler(event);
    expect(results).toEqual([{ status: 'duplicate', messageId: 'msg-concurrent' }]);
    expect(polls).toBe(3);
    expect(trafficSwitch.applied).toHaveLength(0);
  });

  it('GIVEN both Regions unhealthy WHEN the alarm fires THEN nothing moves, the page is audited and sent', async () => {
    const { store, trafficSwitch, notifier, handler } = await setup({ 'us-west-2': 'unhealthy' });
    const { results } = await handler(snsEvent(compositeAlarmMessage('us-east-1')));
    expect(results[0]).toMatchObject({ decision: { kind: 'page', code: 'both-regions-unhealthy' } });
    expect(trafficSwitch.applied).toHaveLength(0);
    expect((await store.listAudit(1))[0]).toMatchObject({ outcome: 'paged', caller: 'handler' });
    expect(notifier.sent[0]?.subject).toMatch(/^RegionFlip PAGE \(both-regions-unhealthy\)/);
  });

  it('GIVEN an alarm RegionFlip does not manage WHEN it fires THEN the noop is audited and nobody is told', async () => {
    const { store, trafficSwitch, notifier, handler } = await setup();
    const message = metricAlarmMessage({
      AlarmName: 'billing-spike',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:billing-spike',
    });
    const { results } = await handler(snsEvent(message));
    expect(results[0]).toMatchObject({ decision: { kind: 'noop', code: 'alarm-not-managed' } });
    expect((await store.listAudit(1))[0]).toMatchObject({ outcome: 'noop' });
    expect(trafficSwitch.applied).toHaveLength(0);
    expect(notifier.sent).toHaveLength(0);
  });

  it('GIVEN a switch that fails midway WHEN Lambda retries the delivery THEN it is processed again and completes', async () => {
    const { store, trafficSwitch, handler } = await setup();
    trafficSwitch.failNextApplyAfter = 1;
    const event = snsEvent(compositeAlarmMessage('us-east-1'), 'msg-retry');
    await expect(handler(event)).rejects.toThrow(RetryLaterError);
    expect((await store.getRouting()).epoch).toBe(0);

    const { results } = await handler(event);
    expect(results[0]).toMatchObject({ switch: { outcome: 'switched', recovered: { mode: 'continued' } } });
    expect(trafficSwitch.regionsOf()).toEqual(['us-west-2']);
    expect((await store.getRouting()).epoch).toBe(1);
  });

  it('GIVEN a runbook holds the switch lease WHEN the alarm fires THEN the handler waits for it and then fails over', async () => {
    const { store, clock, trafficSwitch, handler } = await setup();
    await store.acquireLease('runbook:alice', 10, clock.now());
    const { results } = await handler(snsEvent(compositeAlarmMessage('us-east-1')));
    expect(results[0]).toMatchObject({ switch: { outcome: 'switched' } });
    expect(trafficSwitch.regionsOf()).toEqual(['us-west-2']);
  });

  it('GIVEN the lease stays held past the wait WHEN the alarm fires THEN it is acknowledged as deferred to the holder, no error page, nothing moved', async () => {
    const { store, clock, trafficSwitch, handler } = await setup({}, 5_000);
    await store.acquireLease('drill:stuck', 3600, clock.now());
    const event = snsEvent(compositeAlarmMessage('us-east-1'), 'msg-held');
    const { results } = await handler(event);
    expect(results[0]).toMatchObject({
      status: 'processed',
      decision: { kind: 'failover' },
      deferred: expect.stringContaining('drill:stuck'),
    });
    expect(trafficSwitch.applied).toHaveLength(0);
    expect((await handler(event)).results).toEqual([{ status: 'duplicate', messageId: 'msg-held' }]);
  });

  it('GIVEN a malformed message WHEN handled THEN it is logged with the reason and acknowledged without a change', async () => {
    const { trafficSwitch, handler, warn } = await setup();
    const { results } = await handler(snsEvent('not json at all'));
    expect(results).toEqual([expect.objectContaining({ status: 'rejected', reason: expect.stringContaining('JSON') })]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('rejected'),
      expect.objectContaining({ reason: expect.any(String) }),
    );
    expect(trafficSwitch.applied).toHaveLength(0);
  });
});
