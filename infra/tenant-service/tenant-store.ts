import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type EntityItem, type EntityKind, sortKey } from './data-model';

/**
 * Tenant data access. Every method takes the tenant id first and every key and query is built from it, so no call can
 * reach another tenant's partition (the tenant id comes from the verified token; see server.ts).
 */

export class ItemExistsError extends Error {
  constructor(entity: EntityKind, id: string) {
    super(`${entity} "${id}" already exists: use PUT to replace it, or omit "id" to get a new one`);
    this.name = 'ItemExistsError';
  }
}

/**
 * The task role refused the call: each unit's role may touch only its own tenants' partitions (dynamodb:LeadingKeys,
 * infra/constructs/tenant-services.ts), so a token of another silo's tenant sent to this host lands here. A 403 for the
 * caller, not a 500 that would count as a Region fault in the 5xx alarms.
 */
export class TenantAccessDeniedError extends Error {
  constructor(
    readonly tenantId: string,
    readonly awsMessage: string,
  ) {
    super(
      `tenant "${tenantId}" is not served by this host: its role may not read or write that tenant's data; ` +
        "send the request to the tenant's own host name",
    );
    this.name = 'TenantAccessDeniedError';
  }
}

export interface Page {
  readonly items: EntityItem[];
  /** Opaque; pass back as `next` to read on. Encodes only the sort key: the tenant always comes from the token. */
  readonly next?: string;
}

type Row = Record<string, unknown>;

function toItem(row: Row): EntityItem {
  const { pk: _pk, sk: _sk, ...rest } = row;
  return rest as unknown as EntityItem;
}

export class TenantStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly region: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Writes an item. `mode: 'create'` refuses to overwrite (409); 'put' replaces (last writer wins). */
  async write(
    tenantId: string,
    entity: EntityKind,
    id: string,
    fields: Record<string, unknown>,
    mode: 'create' | 'put',
  ): Promise<EntityItem> {
    const row: Row = {
      ...fields,
      pk: tenantId,
      sk: sortKey(entity, id),
      id,
      entity,
      updatedAt: this.clock(),
      writeRegion: this.region,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: row,
          ...(mode === 'create' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ItemExistsError(entity, id);
      throw accessDeniedAs(tenantId, err);
    }
    return toItem(row);
  }

  async get(tenantId: string, entity: EntityKind, id: string): Promise<EntityItem | undefined> {
    const out = await this.db
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: tenantId, sk: sortKey(entity, id) },
          ConsistentRead: true,
        }),
      )
      .catch((err: unknown) => {
        throw accessDeniedAs(tenantId, err);
      });
    return out.Item ? toItem(out.Item) : undefined;
  }

  async list(tenantId: string, entity: EntityKind, limit: number, next?: string): Promise<Page> {
    const out = await this.db
      .send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :tenant AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':tenant': tenantId, ':prefix': `${entity}#` },
          Limit: limit,
          ...(next ? { ExclusiveStartKey: { pk: tenantId, sk: decodeNext(entity, next) } } : {}),
        }),
      )
      .catch((err: unknown) => {
        throw accessDeniedAs(tenantId, err);
      });
    const lastSk = out.LastEvaluatedKey?.sk;
    return {
      items: (out.Items ?? []).map(toItem),
      ...(typeof lastSk === 'string' ? { next: Buffer.from(lastSk).toString('base64url') } : {}),
    };
  }
}

/**
 * DynamoDB's AccessDeniedException is not a modelled error class in the SDK (it is common to all services), so it is
 * recognised by name; every other error is returned unchanged.
 */
function accessDeniedAs(tenantId: string, err: unknown): unknown {
  if (err instanceof Error && err.name === 'AccessDeniedException')
    return new TenantAccessDeniedError(tenantId, err.message);
  return err;
}

/** A `next` token must decode to a sort key of the listed entity; anything else is a bad request. */
export function decodeNext(entity: EntityKind, next: string): string {
  const sk = Buffer.from(next, 'base64url').toString('utf8');
  if (!sk.startsWith(`${entity}#`)) throw new BadNextTokenError(next);
  return sk;
}

export class BadNextTokenError extends Error {
  constructor(next: string) {
    super(`"next" ${JSON.stringify(next.slice(0, 40))} is not a page token from this list: omit it to start over`);
    this.name = 'BadNextTokenError';
  }
}
