import type { AddressInfo } from 'node:net';
import { DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalIdentityProvider } from '../../chaos/env/identity';
import type { JsonLogger } from '../../infra/tenant-service/logger';
import { createTenantService, type TenantService } from '../../infra/tenant-service/server';
import { TenantAccessDeniedError, TenantStore } from '../../infra/tenant-service/tenant-store';
import { remoteTokenKeys } from '../../infra/tenant-service/token';

const REGION = 'us-east-1';

/** What DynamoDB answers when the task role's dynamodb:LeadingKeys condition does not list the tenant. */
const denied = () =>
  new DynamoDBServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message:
      'User: arn:aws:sts::123456789012:assumed-role/silo-acme/task is not authorized to perform: dynamodb:GetItem',
  });
const throttled = () =>
  new DynamoDBServiceException({
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'The level of configured provisioned throughput for the table was exceeded',
  });

/**
 * A premium silo's service answering a token of another silo's tenant: its role may not touch that tenant's items,
 * and the caller must get a 403 (its own mistake), not a 500 that the Region's 5xx alarm would count.
 */
describe('tenant service: a role that may not read the tenant', () => {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: REGION, credentials: { accessKeyId: 'k', secretAccessKey: 's' } }),
  );
  const dynamo = mockClient(doc);
  const logs: Record<string, unknown>[] = [];
  const logger: JsonLogger = {
    info: (msg, fields) => logs.push({ level: 'info', msg, ...fields }),
    error: (msg, fields) => logs.push({ level: 'error', msg, ...fields }),
  };
  let identity: LocalIdentityProvider;
  let service: TenantService;
  let url: string;
  beforeAll(async () => {
    identity = await LocalIdentityProvider.start();
    service = createTenantService({
      region: REGION,
      store: new TenantStore(doc, 'tenant-data', REGION),
      tokenKeys: remoteTokenKeys(identity.jwksUrl),
      tokenPolicy: identity.policy,
      logger,
    });
    await new Promise<void>((r) => service.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    service.server.closeAllConnections();
    await new Promise((r) => service.server.close(r));
    await identity.stop();
  });
  beforeEach(() => {
    dynamo.reset();
    logs.length = 0;
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${identity.issue({ tenantId: 'globex', tier: 'premium' })}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const requests = [
    ['GET one', 'GET', '/orders/o1', undefined],
    ['list', 'GET', '/orders', undefined],
    ['create', 'POST', '/orders', { productId: 'p', quantity: 1 }],
    ['replace', 'PUT', '/orders/o1', { productId: 'p', quantity: 1 }],
  ] as const;
  const rejectAll = (error: () => Error) => {
    dynamo.on(GetCommand).rejects(error());
    dynamo.on(QueryCommand).rejects(error());
    dynamo.on(PutCommand).rejects(error());
  };

  it.each(requests)(
    'GIVEN the role may not touch the tenant WHEN a %s request comes THEN 403 names the tenant and the fix',
    async (_what, method, path, body) => {
      rejectAll(denied);
      const res = await call(method, path, body);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden' });
      expect(res.body.message).toContain('tenant "globex" is not served by this host');
      expect(res.body.message).toContain("tenant's own host name");
      // IAM's wording (role ARN, account) stays in the log, out of the answer.
      expect(JSON.stringify(res.body)).not.toContain('arn:aws');
      expect(logs).toContainEqual(
        expect.objectContaining({
          msg: 'tenant-access-denied',
          tenantId: 'globex',
          reason: expect.stringContaining('arn:aws'),
        }),
      );
      expect(logs.some((l) => l.msg === 'unhandled')).toBe(false);
    },
  );

  it.each(requests)(
    'GIVEN DynamoDB fails another way WHEN a %s request comes THEN it is still a 500, logged',
    async (_what, method, path, body) => {
      rejectAll(throttled);
      const res = await call(method, path, body);
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'internal' });
      expect(logs).toContainEqual(
        expect.objectContaining({ msg: 'unhandled', error: expect.stringContaining('ProvisionedThroughputExceeded') }),
      );
    },
  );

  it('GIVEN the role denies WHEN the store is called directly THEN it throws TenantAccessDeniedError for that tenant', async () => {
    dynamo.on(GetCommand).rejects(denied());
    const store = new TenantStore(doc, 'tenant-data', REGION);
    const err = await store.get('hooli', 'order', 'o1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantAccessDeniedError);
    expect(err).toMatchObject({ tenantId: 'hooli' });
  });
});
