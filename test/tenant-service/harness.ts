import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTenantDataTable } from '../../chaos/env/data-table';
import { LocalIdentityProvider } from '../../chaos/env/identity';
import { clientConfig } from '../../failover/aws/clients';
import type { Tier } from '../../failover/config/schema';
import type { ServiceFault } from '../../infra/tenant-service/fault';
import type { JsonLogger } from '../../infra/tenant-service/logger';
import { createTenantService, type TenantService } from '../../infra/tenant-service/server';
import { TenantStore } from '../../infra/tenant-service/tenant-store';
import { remoteTokenKeys } from '../../infra/tenant-service/token';
import { motoTarget, uniqueName } from '../support/moto';

export const ADMIN = 'admin-token-0123456789';
export const REGION = 'us-east-1';

/** A tenant service on loopback, in this process, over a fresh table in the test run's moto server. */
export interface ServiceHarness {
  readonly url: string;
  readonly service: TenantService;
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly logs: Record<string, unknown>[];
  /** The issuer the service trusts (its JWKS over HTTP on loopback, as the service fetches it on AWS). */
  readonly identity: LocalIdentityProvider;
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    body: Record<string, unknown>;
    headers: Headers;
  }>;
  /**
   * Sends `rawPath` byte for byte: `fetch` (WHATWG URL) would resolve dot segments and `%2e%2e` before sending,
   * which hides exactly what a hostile client can put on the wire.
   */
  callRaw(
    method: string,
    rawPath: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: string }>;
  token(tenantId: string, tier?: Tier): string;
  stop(): Promise<void>;
}

export async function startService(
  /** `adminToken: undefined` starts the service with its fault switch off, as on AWS. */
  opts: { fault?: ServiceFault; random?: () => number; adminToken?: string } = {},
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
  const identity = await LocalIdentityProvider.start();
  const service = createTenantService({
    region: REGION,
    store: new TenantStore(db, tableName, REGION),
    tokenKeys: remoteTokenKeys(identity.jwksUrl),
    tokenPolicy: identity.policy,
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
    identity,
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
    callRaw(method, rawPath, headers = {}, body) {
      return new Promise((resolve, reject) => {
        const port = (service.server.address() as AddressInfo).port;
        const req = request({ host: '127.0.0.1', port, method, path: rawPath, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    token: (tenantId, tier = 'basic') => identity.issue({ tenantId, tier }),
    async stop() {
      service.server.closeAllConnections();
      await new Promise((r) => service.server.close(r));
      db.destroy();
      await identity.stop();
    },
  };
}
