import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DATA_TABLE_KEY } from '../infra/tenant-service/data-model';

/**
 * "Has replication caught up?", measured rather than assumed: write a sentinel item in one Region's replica of the
 * tenant data table and wait until the other Region's replica has it. Its delay is the replication latency right now:
 * replication is flowing, and writes older than that delay have arrived. (Replication is not ordered across items, so
 * this is a measurement of the lag, not a proof that every single item has arrived.)
 */

export interface ReplicationMeasurement {
  readonly seen: boolean;
  /** Time from the sentinel write to the first read that saw it in the target Region. */
  readonly lagMs?: number;
  readonly waitedMs: number;
  /** Why the sentinel could not be written or read (a Region that does not answer). */
  readonly error?: string;
}

export interface ReplicationCheck {
  measure(fromRegion: string, toRegion: string, timeoutMs: number): Promise<ReplicationMeasurement>;
}

/** The partition the sentinels live in: not a tenant id (tenant ids are DNS labels without "_"). */
export const SENTINEL_PARTITION = '_regionflip-sentinel';
const SENTINEL_TTL_SECONDS = 86_400;

export class SentinelReplicationCheck implements ReplicationCheck {
  constructor(
    private readonly dynamodb: Readonly<Record<string, DynamoDBDocumentClient>>,
    private readonly dataTable: string,
    private readonly pollMs = 100,
  ) {}

  private client(region: string): DynamoDBDocumentClient {
    const client = this.dynamodb[region];
    if (!client) throw new Error(`no DynamoDB client for Region "${region}"`);
    return client;
  }

  async measure(fromRegion: string, toRegion: string, timeoutMs: number): Promise<ReplicationMeasurement> {
    const key = {
      [DATA_TABLE_KEY.partitionKey]: SENTINEL_PARTITION,
      [DATA_TABLE_KEY.sortKey]: `sentinel#${randomUUID()}`,
    };
    const writtenAt = Date.now();
    try {
      await this.client(fromRegion).send(
        new PutCommand({
          TableName: this.dataTable,
          Item: {
            ...key,
            updatedAt: writtenAt,
            writeRegion: fromRegion,
            ttl: Math.floor(writtenAt / 1000) + SENTINEL_TTL_SECONDS,
          },
        }),
      );
    } catch (err) {
      return { seen: false, waitedMs: 0, error: `cannot write the sentinel in ${fromRegion}: ${message(err)}` };
    }
    const target = this.client(toRegion);
    for (;;) {
      try {
        const out = await target.send(new GetCommand({ TableName: this.dataTable, Key: key, ConsistentRead: true }));
        if (out.Item) return { seen: true, lagMs: Date.now() - writtenAt, waitedMs: Date.now() - writtenAt };
      } catch (err) {
        return {
          seen: false,
          waitedMs: Date.now() - writtenAt,
          error: `cannot read the sentinel in ${toRegion}: ${message(err)}`,
        };
      }
      if (Date.now() - writtenAt >= timeoutMs) return { seen: false, waitedMs: Date.now() - writtenAt };
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
