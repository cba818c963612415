import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, TransactionCanceledException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { createStringKeyTable } from '../aws/create-table';
import type { AuditEntry, AutomationState, RoutingState, SwitchIntent, SwitchOutcome } from '../core/types';
import type { ControlStore, Lease, LeaseView, SwitchAnnouncement } from '../ports';
import { announcementCodec, CONTROL_KEYS, CorruptItemError, intentCodec, leaseCodec, routingCodec } from './keys';
import { defaultRouting, routingAfterSwitch } from './model';

/**
 * The control table: one DynamoDB table with string keys `pk` / `sk` and a `ttl` attribute for items that expire. Its
 * keys and item codecs are in keys.ts. Dates are ISO strings.
 */

const ROUTING_KEY = CONTROL_KEYS.routing;
const INTENT_KEY = CONTROL_KEYS.intent;
const LEASE_KEY = CONTROL_KEYS.lease;
const AUDIT_PK = CONTROL_KEYS.auditPk;
const AUDIT_RETENTION_DAYS = 400;

export interface ControlTableOptions {
  readonly tableName: string;
  /** Routing before the first switch: everything on the primary Region. */
  readonly primaryRegion: string;
  /** Automation before anybody toggled it: the config policy's `automationEnabled`. */
  readonly automationEnabled: boolean;
  /** How long automatic failovers are remembered (the policy's `windowSeconds`). */
  readonly autoFailoverWindowSeconds: number;
  /** This process's monotonic clock in ms (default performance.now()); tests move a manual one. */
  readonly monotonicMs?: () => number;
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

const auditTtl = (at: Date) => Math.floor(at.getTime() / 1000) + AUDIT_RETENTION_DAYS * 86400;

function auditToItem(entry: AuditEntry): Item {
  return {
    pk: AUDIT_PK,
    sk: CONTROL_KEYS.audit(entry.at, entry.id).sk,
    ...entry,
    at: iso(entry.at),
    ttl: auditTtl(entry.at),
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
  /** The lease version this store last saw held by somebody else, and since when (its own monotonic clock). */
  private observed: { token: number; version: string; sinceMs: number } | undefined;
  private readonly monotonicMs: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: ControlTableOptions,
  ) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  private get table(): string {
    return this.options.tableName;
  }

  async getRouting(): Promise<RoutingState> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: ROUTING_KEY, ConsistentRead: true }));
    const fallback = defaultRouting(this.options.primaryRegion, this.options.automationEnabled);
    if (!out.Item) return fallback;
    const item = routingCodec.decode(out.Item);
    return {
      activeRegion: item.activeRegion ?? fallback.activeRegion,
      epoch: item.epoch ?? 0,
      automation: item.automation ?? fallback.automation,
      ...(item.lastSwitchAt ? { lastSwitchAt: item.lastSwitchAt } : {}),
      recentAutoFailovers: item.recentAutoFailovers ?? [],
      tenantOverrides: item.tenantOverrides ?? {},
      ...(item.tenantScopes ? { tenantScopes: item.tenantScopes } : {}),
    };
  }

  async acquireLease(owner: string, ttlSeconds: number, now: Date): Promise<Lease | undefined> {
    const durationMs = ttlSeconds * 1000;
    const seen = await this.readLeaseItem();
    let condition: string;
    const values: Record<string, unknown> = {};
    if (!seen) {
      condition = 'attribute_not_exists(pk)';
    } else if (seen.released) {
      condition = '#version = :seen';
      values[':seen'] = seen.version;
    } else {
      // Held, as far as we can see. Taking it needs proof that its holder is gone: the same version, unrenewed, for
      // the holder's declared duration on OUR clock (never a comparison of two machines' clocks).
      const mono = this.monotonicMs();
      const watched = this.observed;
      if (!watched || watched.version !== seen.version || watched.token !== seen.token) {
        this.observed = { token: seen.token, version: seen.version, sinceMs: mono };
        return undefined;
      }
      if (mono - watched.sinceMs < seen.durationMs) return undefined;
      condition = '#version = :seen';
      values[':seen'] = seen.version;
    }
    const version = randomUUID();
    const sentAt = this.monotonicMs();
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LEASE_KEY,
          // ADD keeps counting across releases and takeovers: a newer holder always has a larger token.
          UpdateExpression:
            'SET #owner = :owner, #version = :version, durationMs = :duration, released = :false, renewedAt = :now ' +
            'ADD #token :one',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#owner': 'owner', '#token': 'token', '#version': 'version' },
          ExpressionAttributeValues: {
            ...values,
            ':owner': owner,
            ':version': version,
            ':duration': durationMs,
            ':false': false,
            ':now': iso(now),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const lease: Lease = {
        owner,
        token: Number(out.Attributes?.token),
        version,
        durationMs,
        validUntilMs: sentAt + durationMs,
      };
      this.observed = undefined;
      return (await this.holds(lease)) ? lease : undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /**
   * Reads the lease back. DynamoDB applies a conditional update atomically, but not every endpoint does (moto serves
   * requests on threads without item locks), so a racing writer could slip in between condition and write; the loser
   * then sees the winner's version here and backs off.
   */
  private async holds(lease: Lease): Promise<boolean> {
    const current = await this.readLeaseItem();
    return current?.owner === lease.owner && current.token === lease.token && current.version === lease.version;
  }

  async releaseLease(lease: Lease): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LEASE_KEY,
          UpdateExpression: 'SET released = :true, #version = :version',
          ConditionExpression: '#token = :token AND #owner = :owner',
          ExpressionAttributeNames: { '#token': 'token', '#owner': 'owner', '#version': 'version' },
          ExpressionAttributeValues: {
            ':true': true,
            ':version': randomUUID(),
            ':token': lease.token,
            ':owner': lease.owner,
          },
        }),
      );
    } catch (err) {
      // Someone took the lease over after ours lapsed: it is theirs now, not ours to release.
      if (!isConditionFailure(err)) throw err;
    }
  }

  renewLease(lease: Lease, now: Date): Promise<Lease | undefined> {
    return this.renew(lease, now, false);
  }

  private async renew(lease: Lease, now: Date, recognised: boolean): Promise<Lease | undefined> {
    const version = randomUUID();
    const sentAt = this.monotonicMs();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LEASE_KEY,
          UpdateExpression: 'SET #version = :version, renewedAt = :now',
          ConditionExpression: '#token = :token AND #owner = :owner AND #version = :mine AND released = :false',
          ExpressionAttributeNames: { '#token': 'token', '#owner': 'owner', '#version': 'version' },
          ExpressionAttributeValues: {
            ':version': version,
            ':mine': lease.version,
            ':token': lease.token,
            ':owner': lease.owner,
            ':false': false,
            ':now': iso(now),
          },
        }),
      );
      return { ...lease, version, validUntilMs: sentAt + lease.durationMs };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // A renewal whose answer was lost (a timeout after the write landed) left a version we chose: still ours. When
      // it landed is unknown, so its validity is not assumed: renew once more from that version, timed from now.
      const current = await this.readLeaseItem();
      if (
        !recognised &&
        current &&
        !current.released &&
        current.owner === lease.owner &&
        current.token === lease.token
      ) {
        return this.renew({ ...lease, version: current.version }, now, true);
      }
      return undefined;
    }
  }

  leaseRemainingMs(lease: Lease): number {
    return lease.validUntilMs - this.monotonicMs();
  }

  /** The lease's current holder (for status and for a "lease held by X" message); undefined when free or released. */
  async currentLease(): Promise<LeaseView | undefined> {
    const item = await this.readLeaseItem();
    if (!item || item.released) return undefined;
    return {
      owner: item.owner,
      token: item.token,
      version: item.version,
      durationMs: item.durationMs,
      ...(item.renewedAt ? { renewedAt: item.renewedAt } : {}),
    };
  }

  private async readLeaseItem() {
    // A lease item that does not decode is read again twice before it is called corrupt. DynamoDB never shows a
    // half-applied update, but moto serves concurrent UpdateItems on one item without isolation and a racing reader
    // can see some attributes of a write and not others (seen in CI: durationMs set, owner/token/version not yet).
    // Two more consistent reads cost nothing on AWS and a really corrupt item still stops automation.
    for (let attempt = 0; ; attempt++) {
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: LEASE_KEY, ConsistentRead: true }));
      if (!out.Item) return undefined;
      try {
        return leaseCodec.decode(out.Item);
      } catch (err) {
        if (!(err instanceof CorruptItemError) || attempt >= 2) throw err;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
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
    return out.Item ? intentCodec.decode(out.Item) : undefined;
  }

  async recordSwitchDone(
    lease: Lease,
    intent: SwitchIntent,
    _outcome: SwitchOutcome,
    switchedAt: Date,
    announcement: SwitchAnnouncement,
  ): Promise<RoutingState> {
    const now = switchedAt;
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
                // Each scope's history as routingAfterSwitch computed it (a tenant's move leaves the Region's alone).
                UpdateExpression:
                  'SET activeRegion = :active, epoch = :next, ' +
                  `${next.lastSwitchAt ? 'lastSwitchAt = :last, ' : ''}` +
                  'recentAutoFailovers = :recent, tenantOverrides = :overrides, tenantScopes = :scopes',
                ConditionExpression: epochCondition,
                ExpressionAttributeValues: {
                  ':active': next.activeRegion,
                  ':next': next.epoch,
                  ':base': intent.baseEpoch,
                  ...(next.lastSwitchAt ? { ':last': iso(next.lastSwitchAt) } : {}),
                  ':recent': next.recentAutoFailovers.map(iso),
                  ':overrides': next.tenantOverrides,
                  ':scopes': Object.fromEntries(
                    Object.entries(next.tenantScopes ?? {}).map(([tenantId, scope]) => [
                      tenantId,
                      {
                        ...(scope.lastSwitchAt ? { lastSwitchAt: iso(scope.lastSwitchAt) } : {}),
                        recentAutoFailovers: scope.recentAutoFailovers.map(iso),
                      },
                    ]),
                  ),
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
            // The outbox: "done" and what it owes on-call land together or not at all.
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...CONTROL_KEYS.announcement(intent.id),
                  token: announcement.token,
                  body: JSON.stringify({
                    audit: announcement.audit,
                    subject: announcement.subject,
                    message: announcement.message,
                  }),
                },
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        throw new FencedWriteError(
          `switch ${intent.id} not recorded as done: ` +
            cancelledBecause(err, ['lease token', 'routing epoch', 'intent', 'announcement']),
        );
      }
      throw err;
    }
    return next;
  }

  async pendingAnnouncements(): Promise<SwitchAnnouncement[]> {
    const pending: SwitchAnnouncement[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': CONTROL_KEYS.announcePk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { sk, token, body } = announcementCodec.decode(item);
        pending.push({ intentId: sk, token, ...(body as Omit<SwitchAnnouncement, 'intentId' | 'token'>) });
      }
    }
    return pending;
  }

  async clearAnnouncement(intentId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: CONTROL_KEYS.announcement(intentId) }));
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

  async appendAuditOnce(key: string, entry: AuditEntry): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...CONTROL_KEYS.auditOnce(key),
                  auditSk: CONTROL_KEYS.audit(entry.at, entry.id).sk,
                  ttl: auditTtl(entry.at),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: { TableName: this.table, Item: auditToItem(entry), ConditionExpression: 'attribute_not_exists(pk)' },
            },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw err;
    }
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
