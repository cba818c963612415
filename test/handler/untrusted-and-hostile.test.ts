import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAwsClients } from '../../failover/aws/clients';
import { policySchema } from '../../failover/config/schema';
import { createFailoverHandler } from '../../failover/handler/failover-handler';
import { MAX_MESSAGE_DEPTH } from '../../failover/handler/parse';
import type { ControlStore, Notifier } from '../../failover/ports';
import { createControlTable, DynamoControlStore } from '../../failover/state/control-table';
import { DynamoDeliveryLedger } from '../../failover/state/delivery-ledger';
import { FixedHealth, InMemorySwitch, ManualClock, RecordingNotifier, replacing } from '../state/stand-ins';
import { motoTarget, uniqueName } from '../support/moto';
import { compositeAlarmMessage, handlerSettings, snsEvent } from './alarm-fixtures';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const db = createAwsClients(['us-east-1'], motoTarget()).dynamodb['us-east-1']!;

async function setup(
  opts: {
    notifier?: Notifier;
    wrapStore?: (s: ControlStore) => ControlStore;
    west?: 'healthy' | 'unhealthy';
    east?: 'unhealthy' | 'unknown';
  } = {},
) {
  const tableName = uniqueName('control');
  await createControlTable(db, tableName);
  const clock = new ManualClock(new Date('2026-03-01T03:00:20Z'));
  const real = new DynamoControlStore(db, {
    tableName,
    primaryRegion: 'us-east-1',
    automationEnabled: true,
    autoFailoverWindowSeconds: 3600,
    monotonicMs: clock.monotonicMs,
  });
  const store = opts.wrapStore ? opts.wrapStore(real) : real;
  const trafficSwitch = new InMemorySwitch(['acme', 'shared'], 'us-east-1');
  const notifier = opts.notifier ?? new RecordingNotifier();
  const metrics = new Metrics({ namespace: 'RegionFlipTest' });
  const counted = jest.spyOn(metrics, 'addMetric');
  const handler = createFailoverHandler({
    settings: handlerSettings({ controlTable: tableName, policy: policySchema.parse({}) }),
    store,
    ledger: new DynamoDeliveryLedger(db, tableName),
    health: new FixedHealth({ 'us-east-1': opts.east ?? 'unhealthy', 'us-west-2': opts.west ?? 'healthy' }),
    trafficSwitch,
    notifier,
    clock,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics,
    leaseWaitMs: 1000,
    sleep: async (ms) => clock.advance(ms / 1000),
  });
  const countOf = (name: string) => counted.mock.calls.filter(([n]) => n === name).length;
  return { store: real, trafficSwitch, handler, countOf };
}

describe('failover handler: notifications it must not trust, input it must survive, failures it must not hide', () => {
  it('GIVEN a notification from another account WHEN handled THEN it is rejected, counted, and nothing moves', async () => {
    const { trafficSwitch, handler, countOf } = await setup();
    const foreign = compositeAlarmMessage('us-east-1', {
      AWSAccountId: '999999999999',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:999999999999:alarm:regionflip-us-east-1-region-unhealthy',
    });
    const { results } = await handler(snsEvent(foreign));
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('account 999999999999') });
    expect(trafficSwitch.applied).toHaveLength(0);
    expect(countOf('RejectedMessages')).toBe(1);
  });

  it('GIVEN a notification through a topic that is not an alarm topic of this deployment WHEN handled THEN it is rejected naming the topic', async () => {
    const { trafficSwitch, handler } = await setup();
    const event = snsEvent(
      compositeAlarmMessage('us-east-1'),
      'm-topic',
      'arn:aws:sns:us-east-1:123456789012:someone-elses-topic',
    );
    const { results } = await handler(event);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('someone-elses-topic') });
    expect(trafficSwitch.applied).toHaveLength(0);
  });

  it('GIVEN a message nested 50,000 levels deep (within 256 KB) WHEN handled THEN it is acknowledged with a reason, no stack overflow', async () => {
    const { handler, trafficSwitch } = await setup();
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(deep.length).toBeLessThan(262_144);
    const { results } = await handler(snsEvent(deep, 'm-deep'));
    expect(results[0]).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining(`deeper than ${MAX_MESSAGE_DEPTH}`),
    });
    expect(trafficSwitch.applied).toHaveLength(0);
  });

  it('GIVEN an over-long MessageId WHEN handled THEN it is rejected (never written as a ledger key)', async () => {
    const { handler } = await setup();
    const { results } = await handler(snsEvent(compositeAlarmMessage('us-east-1'), 'x'.repeat(5000)));
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('MessageId') });
    expect((results[0] as { messageId?: string }).messageId).toBeUndefined();
  });

  it('GIVEN on-call cannot be reached WHEN a page is decided THEN it is audited once across retries, counted, and the delivery is retried', async () => {
    const failing: Notifier = { notify: async () => Promise.reject(new Error('SNS: endpoint unreachable')) };
    const { store, handler, countOf } = await setup({ notifier: failing, west: 'unhealthy' });
    const event = snsEvent(compositeAlarmMessage('us-east-1'), 'm-page');
    for (let i = 0; i < 3; i++) await expect(handler(event)).rejects.toThrow(/page could not be delivered/);
    const audit = await store.listAudit(20);
    expect(audit.filter((a) => a.outcome === 'paged')).toHaveLength(1);
    expect(audit.filter((a) => a.outcome === 'failed')).toHaveLength(1);
    expect(countOf('NotifyFailures')).toBe(3);
  });

  it('GIVEN the audit write fails after done WHEN the failover completes THEN it is reported as switched (no false FAILED page), counted', async () => {
    let auditCalls = 0;
    let auditDown = true;
    const notifier = new RecordingNotifier();
    const { handler, countOf, store } = await setup({
      notifier,
      wrapStore: (s) =>
        replacing(s, 'appendAuditOnce', async (key, entry) => {
          auditCalls++;
          if (auditDown) throw new Error('ProvisionedThroughputExceededException');
          return s.appendAuditOnce(key, entry);
        }),
    });
    const { results } = await handler(snsEvent(compositeAlarmMessage('us-east-1'), 'm-audit'));
    expect(results[0]).toMatchObject({
      switch: { outcome: 'switched', auditError: expect.stringContaining('Throughput') },
    });
    expect(auditCalls).toBe(1);
    expect(notifier.sent.map((n) => n.subject)).toEqual(['RegionFlip switched all tenants → us-west-2']);
    expect(countOf('AuditFailures')).toBe(1);
    expect((await store.getRouting()).activeRegion).toBe('us-west-2');

    // What the switch owes stays in the outbox; once the table takes writes again the next reconciler run audits it
    // (exactly once) and tells on-call again, marked late — at least once, never lost.
    expect(await store.pendingAnnouncements()).toHaveLength(1);
    auditDown = false;
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    expect(await store.pendingAnnouncements()).toHaveLength(0);
    const switched = (await store.listAudit(20)).filter((a) => a.outcome === 'switched');
    expect(switched).toHaveLength(1);
    expect(switched[0]?.detail).toMatch(/announced late/);
    expect(notifier.sent.map((n) => n.subject)).toEqual([
      'RegionFlip switched all tenants → us-west-2',
      'RegionFlip switched all tenants → us-west-2',
    ]);
  });

  it.each([
    ['unknown', 'noop'],
    ['unhealthy', 'failover'],
  ] as const)(
    'GIVEN an ALARM an hour old and the live health of its Region %s WHEN handled THEN the decision is %s',
    async (east, kind) => {
      const { handler, trafficSwitch } = await setup({ east });
      const old = compositeAlarmMessage('us-east-1', { StateChangeTime: '2026-03-01T02:00:00.000+0000' });
      const { results } = await handler(snsEvent(old, `m-old-${east}`));
      expect(results[0]).toMatchObject({ decision: { kind } });
      expect(trafficSwitch.applied).toHaveLength(kind === 'failover' ? 1 : 0);
      if (kind === 'noop') expect(results[0]).toMatchObject({ decision: { code: 'stale-alarm' } });
    },
  );
});
