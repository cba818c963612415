import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CONTROL_KEYS } from './keys';

/**
 * "A drill is in progress", as one item of the control table (`pk: 'DRILL', sk: 'ACTIVE'`). The drill runner sets it
 * before its first fault and clears it after its rollback; failback and manual failover refuse while it is set, so a
 * human never moves traffic under a running experiment. The marker expires on its own (`expiresAt`), so a drill that
 * crashed without `drill rollback` cannot block a failback forever.
 */

export const DRILL_MARKER_KEY = CONTROL_KEYS.drillMarker;
/** How long a marker holds when the drill does not say: longer than any drill in the catalogue. */
export const DEFAULT_DRILL_MAX_SECONDS = 3600;

export interface DrillMarker {
  readonly drillId: string;
  readonly title: string;
  readonly startedBy: string;
  readonly startedAt: Date;
  /** After this, the marker no longer counts (a crashed drill). */
  readonly expiresAt: Date;
}

export interface ControlTableRef {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
}

export async function markDrillStarted(
  table: ControlTableRef,
  drill: { readonly drillId: string; readonly title: string; readonly startedBy: string },
  now: Date = new Date(),
  maxSeconds: number = DEFAULT_DRILL_MAX_SECONDS,
): Promise<DrillMarker> {
  const marker: DrillMarker = { ...drill, startedAt: now, expiresAt: new Date(now.getTime() + maxSeconds * 1000) };
  await table.db.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...DRILL_MARKER_KEY,
        ...marker,
        startedAt: marker.startedAt.toISOString(),
        expiresAt: marker.expiresAt.toISOString(),
        ttl: Math.floor(marker.expiresAt.getTime() / 1000),
      },
    }),
  );
  return marker;
}

/** Clears the marker if it is this drill's (another drill's marker is left alone). Returns whether it was cleared. */
export async function markDrillEnded(table: ControlTableRef, drillId: string): Promise<boolean> {
  try {
    await table.db.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: DRILL_MARKER_KEY,
        ConditionExpression: 'drillId = :id',
        ExpressionAttributeValues: { ':id': drillId },
      }),
    );
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** The drill in progress, or undefined (none, or its marker expired). */
export async function activeDrill(table: ControlTableRef, now: Date = new Date()): Promise<DrillMarker | undefined> {
  const out = await table.db.send(
    new GetCommand({ TableName: table.tableName, Key: DRILL_MARKER_KEY, ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item) return undefined;
  const marker: DrillMarker = {
    drillId: String(item.drillId),
    title: String(item.title),
    startedBy: String(item.startedBy),
    startedAt: new Date(String(item.startedAt)),
    expiresAt: new Date(String(item.expiresAt)),
  };
  return marker.expiresAt.getTime() > now.getTime() ? marker : undefined;
}
