import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTenantDataTable } from '../../chaos/env/data-table';
import { clientConfig } from '../../failover/aws/clients';
import type { Tier } from '../../failover/config/schema';
import type { ServiceFault } from '../../infra/tenant-service/fault';
import type { JsonLogger } from '../../infra/tenant-service/logger';
import { createTenantService, type TenantService } from '../../infra/tenant-service/server';
import { TenantStore } from '../../infra/tenant-service/tenant-store';
import { signTenantToken } from '../../infra/tenant-service/token';
import { motoTarget, uniqueName } from '../support/moto';

export const SECRET = 'test-secret-0123456789abcdef0123456789';
export const ADMIN = 'admin-token-0123456789';
export const REGION = 'us-east-1';

/** A tenant service on loopback, in this process, over a fresh table in the test run's moto server. */
export interface ServiceHarness {
  readonly url: string;
  readonly service: TenantService;
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logs: Record<string, unknown>[];
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    body: Record<string, unknown>;
    headers: Headers;
  }>;
  token(tenantId: string, tier?: Tier): string;
  stop(): Promise<void>;
}

export async function startService(
  opts: { fault?: ServiceFault; random?: () => number } = {},
): Promise<ServiceHarness> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(REGION, motoTarget())), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tableName = uniqueName('tenant-data');
  await createTenantDataTable(db, tableName);
  const logs: Record<string, unknown>[] = [];
  const logger: JsonLogger = {
    info: (msg, fields) => logs.push({ level: 'info', msg, ...fields }),
    error: (msg, fields) => logs.push({ level: 'error', msg, ...fields }),
  };
  const service = createTenantService({
    region: REGION,
    store: new TenantStore(db, tableName, REGION),
    tokenSecret: SECRET,
    adminToken: ADMIN,
    logger,
    ...opts,
  });
  await new Promise<void>((r) => service.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  return {
    url,
    service,
    db,
    tableName,
    logs,
    async call(method, path, o = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
    },
    token: (tenantId, tier = 'basic') => signTenantToken(SECRET, { tenantId, tier }),
    async stop() {
      service.server.closeAllConnections();
      await new Promise((r) => service.server.close(r));
      db.destroy();
    },
  };
}
