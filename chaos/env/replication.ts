import { ConditionalCheckFailedException, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { EnvEvent } from './types';

/**
 * Replication between the two Regions' tenant data tables, because moto has no global tables. Like global tables:
 * each Region's table stream (DynamoDB Streams, served by moto) is read, and every write that originated in that
 * Region (`writeRegion`) is applied to the other Region's table after the configured lag, last writer wins by
 * `updatedAt` (ties broken by Region name, so both sides converge), as one conditional PutItem. Replicas keep their
 * `writeRegion`, so a replicated write is not sent back. The service never deletes, so deletes are not replicated.
 *
 * pause() holds the queue (a replication outage: writes pile up and lagMs() grows); resume() drains it.
 * haltRegion() is a Region outage: replication out of the Region stops at once (its stream is no longer read; writes
 * it acknowledged within the last replication window stay behind, stranded) and nothing is applied to it either.
 * restoreRegion() picks up where it stopped, as global tables do when a Region comes back (last writer wins).
 */

export interface ReplicationOptions {
  readonly tableName: string;
  readonly regions: readonly [string, string];
  readonly streamArns: Readonly<Record<string, string>>;
  readonly dynamodb: Readonly<Record<string, DynamoDBClient>>;
  readonly streams: Readonly<Record<string, DynamoDBStreamsClient>>;
  readonly lagMs: number;
  readonly pollMs: number;
  readonly record: (event: EnvEvent) => void;
  readonly onError: (err: unknown) => void;
}

interface Pending {
  readonly applyAt: number;
  readonly writtenAt: number;
  readonly item: Record<string, AttributeValue>;
}

interface Direction {
  readonly from: string;
  readonly to: string;
  iterator?: string;
  readonly queue: Pending[];
}

export interface DirectionLag {
  readonly from: string;
  readonly to: string;
  readonly lagMs: number;
  readonly halted: boolean;
}

/** What a Region outage cut off: the writes out of the Region that had been seen but not yet replicated. */
export interface RegionHalt {
  readonly region: string;
  readonly strandedWrites: number;
}

export class TableReplication {
  private readonly directions: Direction[];
  private paused = false;
  private readonly down = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lag: number;

  constructor(private readonly opts: ReplicationOptions) {
    const [a, b] = opts.regions;
    this.directions = [
      { from: a, to: b, queue: [] },
      { from: b, to: a, queue: [] },
    ];
    this.lag = opts.lagMs;
  }

  async start(): Promise<void> {
    for (const d of this.directions) {
      const streams = this.opts.streams[d.from]!;
      const arn = this.opts.streamArns[d.from]!;
      const desc = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
      const shardId = desc.StreamDescription?.Shards?.[0]?.ShardId;
      if (!shardId) throw new Error(`the stream of ${this.opts.tableName} in ${d.from} has no shard`);
      const it = await streams.send(
        new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      d.iterator = it.ShardIterator;
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  pause(): void {
    this.paused = true;
    this.opts.record({ at: Date.now(), type: 'replication', state: 'paused', lagMs: this.lagMs() });
  }

  resume(): void {
    this.paused = false;
    this.opts.record({ at: Date.now(), type: 'replication', state: 'resumed', lagMs: this.lagMs() });
  }

  /** The Region is down: replication out of it and into it stops now. */
  haltRegion(region: string): RegionHalt {
    this.regionOf(region);
    this.down.add(region);
    const strandedWrites = this.directions.filter((d) => d.from === region).reduce((n, d) => n + d.queue.length, 0);
    return { region, strandedWrites };
  }

  /** The Region is back: its stream is read again from where replication stopped, and its queue drains. */
  restoreRegion(region: string): void {
    this.regionOf(region);
    this.down.delete(region);
  }

  isRegionDown(region: string): boolean {
    return this.down.has(region);
  }

  private regionOf(region: string): void {
    if (!this.opts.regions.includes(region)) {
      throw new Error(`unknown Region "${region}": replication runs between ${this.opts.regions.join(' and ')}`);
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Changes the lag of writes seen from now on. */
  setLagMs(ms: number): void {
    this.lag = ms;
  }

  /** Age of the oldest write not yet applied in the slowest direction, in ms; 0 when drained. */
  lagMs(now = Date.now()): number {
    return Math.max(0, ...this.directionLags(now).map((l) => l.lagMs));
  }

  /** Per direction: the age of its oldest write not yet applied (0 when drained), and whether a Region outage halts it. */
  directionLags(now = Date.now()): DirectionLag[] {
    return this.directions.map((d) => ({
      from: d.from,
      to: d.to,
      lagMs: d.queue.length === 0 ? 0 : Math.max(0, now - Math.min(...d.queue.map((p) => p.writtenAt))),
      halted: this.down.has(d.from) || this.down.has(d.to),
    }));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.step()
        .catch((err) => this.opts.onError(err))
        .finally(() => this.schedule());
    }, this.opts.pollMs);
  }

  /** One poll of both streams, then applies what is due (unless paused). */
  async step(now = Date.now()): Promise<void> {
    const live = this.directions.filter((d) => !this.down.has(d.from) && !this.down.has(d.to));
    // A down Region's stream is not read: what it did not hand over before the fault stays in it.
    for (const d of this.directions) if (!this.down.has(d.from)) await this.poll(d, now);
    if (this.paused) return;
    for (const d of live) {
      while (d.queue.length > 0 && d.queue[0]!.applyAt <= Date.now()) {
        await this.apply(d, d.queue[0]!);
        d.queue.shift();
      }
    }
  }

  private async poll(d: Direction, now: number): Promise<void> {
    if (!d.iterator) return;
    const out = await this.opts.streams[d.from]!.send(
      new GetRecordsCommand({ ShardIterator: d.iterator, Limit: 1000 }),
    );
    d.iterator = out.NextShardIterator;
    for (const r of out.Records ?? []) {
      const image = r.dynamodb?.NewImage;
      if (!image || r.eventName === 'REMOVE') continue;
      if (image.writeRegion?.S !== d.from) continue;
      d.queue.push({ applyAt: now + this.lag, writtenAt: Number(image.updatedAt?.N ?? now), item: image });
    }
  }

  private async apply(d: Direction, p: Pending): Promise<void> {
    try {
      await this.opts.dynamodb[d.to]!.send(
        new PutItemCommand({
          TableName: this.opts.tableName,
          Item: p.item as Record<string, never>,
          ConditionExpression: 'attribute_not_exists(pk) OR updatedAt < :u OR (updatedAt = :u AND writeRegion < :r)',
          ExpressionAttributeValues: { ':u': { N: String(p.writtenAt) }, ':r': { S: d.from } },
        }),
      );
    } catch (err) {
      // The target holds a newer write: last writer wins, this one is dropped.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
