import { createServer, type Server, type Socket } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAwsClients } from '../../failover/aws/clients';
import { createFailoverHandler, failoverDepsFromSettings } from '../../failover/handler/failover-handler';
import { compositeAlarmMessage, handlerSettings, snsEvent } from './alarm-fixtures';

/**
 * Adversarial review of issue #8, "AWS clients have request timeouts: an unresponsive DynamoDB endpoint fails fast and
 * the invocation retries, instead of hanging to the Lambda timeout". Every AWS endpoint here accepts the connection and
 * never answers (a Region going dark), with the Lambda's own clients (createAwsClients: FAILOVER_CALL_TIMEOUTS).
 */

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let server: Server;
let endpoint: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket); // accept, read, never answer
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function handler() {
  const settings = handlerSettings();
  const clients = createAwsClients([settings.regions.primary, settings.regions.secondary], { endpoint });
  return createFailoverHandler({
    ...failoverDepsFromSettings(settings, clients),
    logger: new Logger({ serviceName: 'unresponsive', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'RegionFlipUnresponsive' }),
  });
}

describe('handler: every AWS endpoint accepts and never answers', () => {
  // Before the fix the SDK only logged "exceeded the configured 3000 ms requestTimeout" and the invocation hung until
  // jest's own timeout: the request-timeout error (and the rejection) is what proves the call was abandoned.
  it('GIVEN an alarm delivery WHEN DynamoDB does not answer THEN the invocation fails on the request timeout (so Lambda retries) instead of hanging to the Lambda timeout', async () => {
    await expect(handler()(snsEvent(compositeAlarmMessage('us-east-1'), 'hang-1'))).rejects.toThrow(
      /requestTimeout|timed out|TimeoutError/i,
    );
  }, 60_000);

  it('GIVEN the scheduled reconciler WHEN DynamoDB does not answer THEN the invocation fails on the request timeout', async () => {
    await expect(handler()({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).rejects.toThrow(
      /requestTimeout|timed out|TimeoutError/i,
    );
  }, 60_000);
});
