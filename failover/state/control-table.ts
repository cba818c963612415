import { type DynamoDBClient, TransactionCanceledException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { createStringKeyTable } from '../aws/create-table';
import type { AutomationState, RoutingState } from '../core/types';
import type { ControlStore, Lease, SwitchOutcome, SwitchRequest } from '../ports';
import { type AuditEntry, defaultRouting, routingAfterSwitch, type SwitchIntent } from './model';

/**
 * The control table: one DynamoDB table with string keys `pk` / `sk` and a `ttl` attribute for items that expire.
 *
 *   pk        sk                 item
 *   routing   state              activeRegion, epoch, automation, lastSwitchAt, recentAutoFailovers, tenantOverrides
 *   routing   intent             the write-ahead switch intent (present only while a switch is in flight)
 *   lease     switch             owner, token (grows with every acquisition), expiresAt
 *   audit     <ISO time>#<id>    one audit entry (sorts by time), expires after the audit retention
 *   delivery  <SNS MessageId>    deduplication of SNS deliveries (failover/state/delivery-ledger.ts)
 *
 * Dates are ISO strings: `toISOString()` output sorts and compares as text, which the lease condition relies on.
 */

export const ROUTING_KEY = { pk: 'routing', sk: 'state' } as const;
export const INTENT_KEY = { pk: 'routing', sk: 'intent' } as const;
export const LEASE_KEY = { pk: 'lease', sk: 'switch' } as const;
const AUDIT_PK = 'audit';
const AUDIT_RETENTION_DAYS = 400;
/** A released lease expires at the epoch, so the next acquisition succeeds while the token keeps counting. */
const RELEASED = new Date(0).toISOString();

export interface ControlTableOptions {
  readonly tableName: string;
  /** Routing before the first switch: everything on the primary Region. */
  readonly primaryRegion: string;
  /** Automation before anybody toggled it: the config policy's `automationEnabled`. */
  readonly automationEnabled: boolean;
  /** How long automatic failovers are remembered (the policy's `windowSeconds`). */
  readonly autoFailoverWindowSeconds: number;
}

/** A write under a lease that lost it (another holder took over) or a "done" whose epoch moved: nothing was written. */
export class FencedWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedWriteError';
  }
}

type Item = Record<string, unknown>;

const iso = (d: Date) => d.toISOString();
const date = (v: unknown) => new Date(String(v));
const optionalDate = (v: unknown) => (typeof v === 'string' ? new Date(v) : undefined);

function automationToItem(a: AutomationState): Item {
  return {
    enabled: a.enabled,
    reason: a.reason,
    changedBy: a.changedBy,
    changedAt: a.changedAt ? iso(a.changedAt) : undefined,
  };
}

function intentToItem(intent: SwitchIntent): Item {
  return { ...INTENT_KEY, ...intent, startedAt: iso(intent.startedAt) };
}

function intentFromItem(item: Item): SwitchIntent {
  return {
    id: String(item.id),
    request: item.request as SwitchRequest,
    fromRegion: String(item.fromRegion),
    caller: item.caller as SwitchIntent['caller'],
    actor: String(item.actor),
    reason: String(item.reason),
    startedAt: date(item.startedAt),
    token: Number(item.token),
    baseEpoch: Number(item.baseEpoch),
  };
}

function auditToItem(entry: AuditEntry): Item {
  return {
    pk: AUDIT_PK,
    sk: `${iso(entry.at)}#${entry.id}`,
    ...entry,
    at: iso(entry.at),
    ttl: Math.floor(entry.at.getTime() / 1000) + AUDIT_RETENTION_DAYS * 86400,
  };
}

function auditFromItem(item: Item): AuditEntry {
  const { pk: _pk, sk: _sk, ttl: _ttl, at, ...rest } = item;
  return { ...(rest as Omit<AuditEntry, 'at'>), at: date(at) };
}

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** Names which of a transaction's conditions failed, for an error a human can act on. */
function cancelledBecause(err: TransactionCanceledException, labels: readonly string[]): string {
  const failed = (err.CancellationReasons ?? [])
    .map((r, i) => (r.Code && r.Code !== 'None' ? `${labels[i] ?? `item ${i}`} (${r.Code})` : undefined))
    .filter((x): x is string => x !== undefined);
  return failed.length > 0 ? failed.join(', ') : err.message;
}

export class DynamoControlStore implements ControlStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: ControlTableOptions,
  ) {}

  private get table(): string {
    return this.options.tableName;
  }

  async getRouting(): Promise<RoutingState> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: ROUTING_KEY, ConsistentRead: true }));
    const fallback = defaultRouting(this.options.primaryRegion, this.options.automationEnabled);
    const item = out.Item;
    if (!item) return fallback;
    const automation = item.automation as Item | undefined;
    return {
      activeRegion: typeof item.activeRegion === 'string' ? item.activeRegion : fallback.activeRegion,
      epoch: typeof item.epoch === 'number' ? item.epoch : 0,
      automation: automation
        ? {
            enabled: Boolean(automation.enabled),
            reason: automation.reason as string | undefined,
            changedBy: automation.changedBy as string | undefined,
            changedAt: optionalDate(automation.changedAt),
          }
        : fallback.automation,
      lastSwitchAt: optionalDate(item.lastSwitchAt),
      recentAutoFailovers: ((item.recentAutoFailovers as string[] | undefined) ?? []).map(date),
      tenantOverrides: (item.tenantOverrides as Record<string, string> | undefined) ?? {},
    };
  }

  async acquireLease(owner: string, ttlSeconds: number, now: Date): Promise<Lease | undefined> {
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LEASE_KEY,
          // ADD keeps counting across releases and takeovers: a newer holder always has a larger token.
          UpdateExpression: 'SET #owner = :owner, expiresAt = :expiresAt, acquiredAt = :now ADD #token :one',
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeNames: { '#owner': 'owner', '#token': 'token' },
          ExpressionAttributeValues: { ':owner': owner, ':expiresAt': iso(expiresAt), ':now': iso(now), ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const lease = { owner, token: Number(out.Attributes?.token), expiresAt };
      return (await this.holds(lease)) ? lease : undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /**
   * Reads the lease back. DynamoDB applies a conditional update atomically, but not every endpoint does (moto serves
   * requests on threads without item locks), so a racing writer could slip in between condition and write; the loser
   * then sees the winner's owner here and backs off. Owners must therefore be unique per caller.
   */
  private async holds(lease: Lease): Promise<boolean> {
    const current = await this.currentLease();
    return current?.owner === lease.owner && current.token === lease.token;
  }

  async releaseLease(lease: Lease): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LEASE_KEY,
          UpdateExpression: 'SET expiresAt = :released',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':released': RELEASED, ':token': lease.token },
        }),
      );
    } catch (err) {
      // Someone took the lease over after ours expired: it is theirs now, not ours to release.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async renewLease(lease: Lease, ttlSeconds: number, now: Date): Promise<Lease | undefined> {
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LEASE_KEY,
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ConditionExpression: '#token = :token AND #owner = :owner AND expiresAt >= :now',
          ExpressionAttributeNames: { '#token': 'token', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':expiresAt': iso(expiresAt),
            ':token': lease.token,
            ':owner': lease.owner,
            ':now': iso(now),
          },
        }),
      );
      return { ...lease, expiresAt };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** The lease's current holder (for status and for a "lease held by X" message). */
  async currentLease(): Promise<Lease | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: LEASE_KEY, ConsistentRead: true }));
    if (!out.Item || out.Item.expiresAt === RELEASED) return undefined;
    return { owner: String(out.Item.owner), token: Number(out.Item.token), expiresAt: date(out.Item.expiresAt) };
  }

  private leaseCheck(lease: Lease) {
    return {
      ConditionCheck: {
        TableName: this.table,
        Key: LEASE_KEY,
        ConditionExpression: '#token = :token AND #owner = :owner',
        ExpressionAttributeNames: { '#token': 'token', '#owner': 'owner' },
        ExpressionAttributeValues: { ':token': lease.token, ':owner': lease.owner },
      },
    };
  }

  async recordSwitchStarted(lease: Lease, intent: SwitchIntent): Promise<void> {
    if (intent.token !== lease.token) {
      throw new FencedWriteError(`intent ${intent.id} carries token ${intent.token} but the lease is ${lease.token}`);
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [this.leaseCheck(lease), { Put: { TableName: this.table, Item: intentToItem(intent) } }],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        throw new FencedWriteError(
          `switch intent ${intent.id} not written: ${cancelledBecause(err, ['lease token', 'intent'])}; ` +
            `lease token ${lease.token} of ${lease.owner} is no longer current`,
        );
      }
      throw err;
    }
  }

  async pendingSwitch(): Promise<SwitchIntent | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: INTENT_KEY, ConsistentRead: true }));
    return out.Item ? intentFromItem(out.Item) : undefined;
  }

  async recordSwitchDone(
    lease: Lease,
    intent: SwitchIntent,
    _outcome: SwitchOutcome,
    now: Date,
  ): Promise<RoutingState> {
    const current = await this.getRouting();
    if (current.epoch !== intent.baseEpoch) {
      throw new FencedWriteError(
        `switch ${intent.id} started at epoch ${intent.baseEpoch} but the routing epoch is now ${current.epoch}: ` +
          'another switch landed in between; re-plan from the current routing',
      );
    }
    const next = routingAfterSwitch(current, intent, now, this.options.autoFailoverWindowSeconds);
    const epochCondition = intent.baseEpoch === 0 ? 'attribute_not_exists(epoch) OR epoch = :base' : 'epoch = :base';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.leaseCheck(lease),
            {
              Update: {
                TableName: this.table,
                Key: ROUTING_KEY,
                // automation is left alone: the kill switch may be toggled while a switch is in flight.
                UpdateExpression:
                  'SET activeRegion = :active, epoch = :next, lastSwitchAt = :now, ' +
                  'recentAutoFailovers = :recent, tenantOverrides = :overrides',
                ConditionExpression: epochCondition,
                ExpressionAttributeValues: {
                  ':active': next.activeRegion,
                  ':next': next.epoch,
                  ':base': intent.baseEpoch,
                  ':now': iso(now),
                  ':recent': next.recentAutoFailovers.map(iso),
                  ':overrides': next.tenantOverrides,
                },
              },
            },
            {
              Delete: {
                TableName: this.table,
                Key: INTENT_KEY,
                ConditionExpression: 'id = :id',
                ExpressionAttributeValues: { ':id': intent.id },
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        throw new FencedWriteError(
          `switch ${intent.id} not recorded as done: ${cancelledBecause(err, ['lease token', 'routing epoch', 'intent'])}`,
        );
      }
      throw err;
    }
    return next;
  }

  async setAutomation(enabled: boolean, reason: string, actor: string, now: Date): Promise<RoutingState> {
    const automation: AutomationState = { enabled, reason, changedBy: actor, changedAt: now };
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: ROUTING_KEY,
        UpdateExpression: 'SET automation = :automation',
        ExpressionAttributeValues: { ':automation': automationToItem(automation) },
      }),
    );
    return this.getRouting();
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: auditToItem(entry),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Newest first. */
  async listAudit(limit: number): Promise<AuditEntry[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': AUDIT_PK },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(auditFromItem);
  }
}

/**
 * Creates the control table (local environment and tests; in AWS the CDK app creates it as a global table).
 * Idempotent: an existing table is left as it is.
 */
export async function createControlTable(dynamodb: DynamoDBClient | DynamoDBDocumentClient, tableName: string) {
  const { created } = await createStringKeyTable(dynamodb, { tableName, partitionKey: 'pk', sortKey: 'sk' });
  if (!created) return;
  const client = dynamodb as DynamoDBClient;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    }),
  );
}
