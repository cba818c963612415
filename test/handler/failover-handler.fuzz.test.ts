import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { createFailoverHandler, type FailoverHandlerDeps } from '../../failover/handler/failover-handler';
import { handlerSettings, metricAlarmMessage, snsEvent } from './alarm-fixtures';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/** Every port records any call: a rejected message must not read or change anything. */
function forbiddenPorts(calls: string[]) {
  const port = <T extends object>(name: string): T =>
    new Proxy({} as T, {
      get: (_target, method) =>
        method === 'then'
          ? undefined
          : async () => {
              calls.push(`${name}.${String(method)}`);
              throw new Error(`${name}.${String(method)} must not be called for a rejected message`);
            },
    });
  const trafficSwitch = port<FailoverHandlerDeps['trafficSwitch']>('switch');
  return {
    store: port<FailoverHandlerDeps['store']>('store'),
    ledger: port<FailoverHandlerDeps['ledger']>('ledger'),
    health: port<FailoverHandlerDeps['health']>('health'),
    trafficSwitch: {
      mode: 'route53-records' as const,
      plan: trafficSwitch.plan,
      apply: trafficSwitch.apply,
      observe: trafficSwitch.observe,
    },
    notifier: port<FailoverHandlerDeps['notifier']>('notifier'),
  };
}

function buildHandler() {
  const calls: string[] = [];
  const logger = new Logger({ serviceName: 'fuzz', logLevel: 'SILENT' });
  const warn = jest.spyOn(logger, 'warn');
  const handler = createFailoverHandler({
    settings: handlerSettings(),
    ...forbiddenPorts(calls),
    logger,
    metrics: new Metrics({ namespace: 'RegionFlipFuzz' }),
  });
  return { handler, calls, warn };
}

const notAState = fc.string().filter((s) => !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(s));
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }));
/** One required field of a valid alarm message, broken (missing, wrong type, or a value its schema refuses). */
const brokenField = fc.oneof(
  fc.record({ key: fc.constantFrom('AlarmName', 'NewStateReason', 'AWSAccountId'), value: notAString }),
  fc.record({ key: fc.constantFrom('NewStateValue', 'OldStateValue'), value: fc.oneof(notAState, notAString) }),
  fc.record({
    key: fc.constant('AlarmArn'),
    value: fc.oneof(
      notAString,
      fc.string().filter((s) => !s.startsWith('arn:')),
      fc.constantFrom('arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE', 'arn:aws:sns:us-east-1:123456789012:x'),
    ),
  }),
  fc.record({
    key: fc.constant('StateChangeTime'),
    value: fc.oneof(
      notAString,
      fc.string().filter((s) => !/^\d{4}-/.test(s)),
    ),
  }),
  fc.record({
    key: fc.constantFrom('AlarmName', 'AlarmArn', 'StateChangeTime', 'NewStateValue'),
    value: fc.constant(undefined),
  }),
);

const malformedEvents = fc.oneof(
  fc.anything(),
  fc.jsonValue().map((v) => ({ Records: [v] })),
  fc.string().map((message) => snsEvent(message)),
  fc.jsonValue().map((v) => snsEvent(JSON.stringify(v))),
  brokenField.map(({ key, value }) => {
    const message = metricAlarmMessage();
    if (value === undefined) delete message[key];
    else message[key] = value;
    return snsEvent(message);
  }),
  fc.constant(snsEvent({ ...metricAlarmMessage(), Trigger: undefined })),
);

describe('failover handler fuzzed with malformed SNS events and alarm payloads', () => {
  it('GIVEN any malformed event WHEN handled THEN it returns normally, logs a reason, and touches no port', async () => {
    await fc.assert(
      fc.asyncProperty(malformedEvents, async (event) => {
        const { handler, calls, warn } = buildHandler();
        const { results } = await handler(event);
        expect(results.length).toBeGreaterThan(0);
        for (const result of results) {
          expect(result.status).toBe('rejected');
          if (result.status === 'rejected') expect(result.reason.length).toBeGreaterThan(10);
        }
        expect(warn).toHaveBeenCalledTimes(results.length);
        expect(warn.mock.calls[0]?.[1]).toEqual(expect.objectContaining({ reason: expect.any(String) }));
        expect(calls).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
