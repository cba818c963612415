import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { namesFor } from '../../failover/config/names';
import { toEnvironment } from '../../failover/config/runtime-settings';
import {
  createFailoverHandler,
  type DeliveryResult,
  failoverDepsFromSettings,
} from '../../failover/handler/failover-handler';
import { compositeAlarmMessage, metricAlarmMessage, snsEvent } from '../handler/alarm-fixtures';
import { motoTarget } from '../support/moto';
import { EAST, type FailoverDeployment, provisionFailoverDeployment, regionsOf, WEST } from './failover-deployment';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

function handlerFor(deployment: FailoverDeployment) {
  return createFailoverHandler({
    ...failoverDepsFromSettings(deployment.settings, deployment.clients),
    logger: new Logger({ serviceName: 'integration', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'RegionFlipIntegration' }),
  });
}

/** The alarm notifications CloudWatch would publish for this deployment's alarms in us-east-1. */
function eastAlarms(deployment: FailoverDeployment) {
  const names = namesFor(deployment.config);
  const account = '123456789012';
  const composite = compositeAlarmMessage(EAST, {
    AlarmName: names.regionAlarm(EAST),
    AlarmArn: `arn:aws:cloudwatch:${EAST}:${account}:alarm:${names.regionAlarm(EAST)}`,
  });
  const component = metricAlarmMessage({
    AlarmName: names.componentAlarm(EAST, 'alb-5xx-rate'),
    AlarmArn: `arn:aws:cloudwatch:${EAST}:${account}:alarm:${names.componentAlarm(EAST, 'alb-5xx-rate')}`,
  });
  return { composite, component };
}

/** The SNS event as this deployment's own alarm topic in us-east-1 delivers it (the handler checks the topic). */
function alarmEvent(deployment: FailoverDeployment, message: Record<string, unknown>, messageId?: string) {
  const [, partition, , , account] = deployment.settings.oncallTopicArn.split(':');
  const topic = `arn:${partition}:sns:${EAST}:${account}:${namesFor(deployment.config).alarmTopic}`;
  return snsEvent(message, messageId, topic);
}

describe('failover end to end on moto: SNS event → handler → Route 53, control table, on-call', () => {
  it('GIVEN us-east-1 in ALARM and us-west-2 OK WHEN the composite alarm notification arrives THEN every routing record moves, state and audit are written, on-call is told', async () => {
    const deployment = await provisionFailoverDeployment();
    const before = await deployment.routing();
    expect(regionsOf(before)).toEqual([EAST]);

    const { results } = await handlerFor(deployment)(
      alarmEvent(deployment, eastAlarms(deployment).composite, 'it-msg-1'),
    );

    expect(results[0]).toMatchObject({ status: 'processed', switch: { outcome: 'switched', epoch: 1 } });
    const after = await deployment.routing();
    expect(after.size).toBe(before.size);
    expect(regionsOf(after)).toEqual([WEST]);
    const { store } = failoverDepsFromSettings(deployment.settings, deployment.clients);
    expect(await store.getRouting()).toMatchObject({ activeRegion: WEST, epoch: 1 });
    expect((await store.listAudit(1))[0]).toMatchObject({
      caller: 'automatic-failover',
      outcome: 'switched',
      recordsChanged: before.size,
    });
    const oncall = await deployment.oncallMessages();
    expect(oncall).toHaveLength(1);
    expect(oncall[0]?.subject).toBe('RegionFlip switched all tenants -> us-west-2');
    expect(oncall[0]?.message).toMatchObject({ outcome: 'switched', from: EAST, to: WEST, epoch: 1 });
  });

  it('GIVEN 20 concurrent deliveries of the same and of different alarms WHEN handled THEN exactly one switches (epoch + 1)', async () => {
    const deployment = await provisionFailoverDeployment();
    const { composite, component } = eastAlarms(deployment);
    const events = [
      ...Array.from({ length: 10 }, () => alarmEvent(deployment, composite, 'same-delivery')),
      ...Array.from({ length: 5 }, (_, i) => alarmEvent(deployment, composite, `composite-${i}`)),
      ...Array.from({ length: 5 }, (_, i) => alarmEvent(deployment, component, `component-${i}`)),
    ];
    const outcomes = await Promise.all(events.map((event) => handlerFor(deployment)(event)));
    const results: DeliveryResult[] = outcomes.flatMap((o) => o.results);

    const switched = results.filter((r) => r.status === 'processed' && r.switch?.outcome === 'switched');
    expect(switched).toHaveLength(1);
    const { store } = failoverDepsFromSettings(deployment.settings, deployment.clients);
    expect(await store.getRouting()).toMatchObject({ activeRegion: WEST, epoch: 1 });
    expect(regionsOf(await deployment.routing())).toEqual([WEST]);
    expect(results.filter((r) => r.status === 'processed' && r.switch === undefined)).not.toHaveLength(0);
    expect((await deployment.oncallMessages()).filter((m) => m.message.outcome === 'switched')).toHaveLength(1);
  });

  it('GIVEN a malformed notification WHEN handled THEN the routing records and state do not change', async () => {
    const deployment = await provisionFailoverDeployment();
    const before = await deployment.routing();
    const { results } = await handlerFor(deployment)(
      alarmEvent(deployment, { ...eastAlarms(deployment).composite, AlarmArn: 'arn:aws:cloudwatch:US East:1:alarm:x' }),
    );
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('AlarmArn') });
    expect(await deployment.routing()).toEqual(before);
    const { store } = failoverDepsFromSettings(deployment.settings, deployment.clients);
    expect((await store.getRouting()).epoch).toBe(0);
  });

  it('GIVEN the Lambda environment WHEN the entry point module loads and gets the alarm THEN its module-scope handler fails over', async () => {
    const deployment = await provisionFailoverDeployment();
    const env = {
      ...toEnvironment(deployment.settings),
      REGIONFLIP_AWS_ENDPOINT: motoTarget().endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      let lambda: typeof import('../../failover/handler/failover.lambda') | undefined;
      jest.isolateModules(() => {
        lambda = require('../../failover/handler/failover.lambda');
      });
      const { results } = await lambda!.handler(alarmEvent(deployment, eastAlarms(deployment).composite));
      expect(results[0]).toMatchObject({ switch: { outcome: 'switched', epoch: 1 } });
      expect(regionsOf(await deployment.routing())).toEqual([WEST]);
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
