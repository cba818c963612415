import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '../../failover/aws/clients';
import { jsonLogger } from './logger';
import { createTenantService } from './server';
import { settingsFromEnv } from './settings';
import { TenantStore } from './tenant-store';
import { remoteTokenKeys } from './token';

/**
 * Entry point of the tenant service (ECS task, local environment). Settings: settings.ts. Prints one JSON line
 * `{"msg":"listening","port":…}` once it accepts connections, which the local environment waits for.
 */
function main(): void {
  const settings = settingsFromEnv();
  const logger = jsonLogger({ service: 'tenant-service', region: settings.region });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(settings.region, settings.aws)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const service = createTenantService({
    region: settings.region,
    store: new TenantStore(db, settings.tableName, settings.region),
    tokenKeys: remoteTokenKeys(settings.token.jwksUrl),
    tokenPolicy: {
      ...settings.token,
      peers: settings.token.peer
        ? [{ ...settings.token.peer, keys: remoteTokenKeys(settings.token.peer.jwksUrl) }]
        : [],
    },
    adminToken: settings.adminToken,
    fault: settings.fault,
    logger,
  });
  service.server.listen(settings.port, settings.host, () => {
    const addr = service.server.address();
    logger.info('listening', {
      host: settings.host,
      port: typeof addr === 'object' && addr ? addr.port : settings.port,
      table: settings.tableName,
      fault: settings.fault,
    });
  });
  const shutdown = (signal: string) => {
    logger.info('stopping', { signal });
    service.server.close(() => process.exit(0));
    service.server.closeAllConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

try {
  main();
} catch (err) {
  process.stderr.write(`tenant-service: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
