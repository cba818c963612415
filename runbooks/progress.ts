import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SwitchRequest } from '../failover/core/types';
import type { ControlTableRef } from '../failover/state/drill-marker';
import { CONTROL_KEYS } from '../failover/state/keys';
import type { SwitchRunbookStep } from './definitions/types';

/**
 * Runbook runs as explicit objects in the control table (`pk: 'RUNBOOK', sk: 'run#<runId>'`): every failback /
 * failover run has an id, a start time, an owner and a state, so an interrupted run (Ctrl-C, a lost laptop, a crash)
 * can be continued, inspected (`runs list|show`) or ended by a human (`runs abandon`). Each step is recorded as done
 * with what it found; the switch itself is idempotent and finishes a pending intent.
 */

export type RunbookOperation = 'failback' | 'failover';

/**
 * running: not finished (the same command continues it, with fresh prechecks when it is stale);
 * done: verified and announced; failed: ended by a failed verification (never resumed);
 * abandoned: ended by a human (`runs abandon`) or superseded before its switch was confirmed.
 */
export const RUN_STATES = ['running', 'done', 'failed', 'abandoned'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface StepRecord {
  readonly at: Date;
  readonly detail: string;
}

export interface RunbookRun {
  readonly runId: string;
  readonly operation: RunbookOperation;
  readonly targetRegion: string;
  readonly request: SwitchRequest;
  /** Who started it (`user@host`). */
  readonly owner: string;
  readonly startedAt: Date;
  readonly state: RunState;
  /** When and why a run ended (done, failed or abandoned). */
  readonly endedAt?: Date;
  readonly endReason?: string;
  readonly reason?: string;
  /** The prechecks were overridden with --force; which ones failed. */
  readonly forced: boolean;
  readonly failedPrechecks: readonly string[];
  /**
   * The routing epoch the run last saw (at its confirmation, after its switch): another switch since then means the
   * run's plan and confirmation are about a world that no longer exists.
   */
  readonly epochSeen?: number;
  readonly steps: Readonly<Partial<Record<SwitchRunbookStep, StepRecord>>>;
}

export interface RunbookProgressStore {
  get(runId: string): Promise<RunbookRun | undefined>;
  save(run: RunbookRun): Promise<void>;
  /** Every run, newest first. */
  list(): Promise<RunbookRun[]>;
  /** Runs not finished yet (status shows them: somebody should continue or abandon them). */
  unfinished(): Promise<RunbookRun[]>;
}

export const RUNBOOK_PK = CONTROL_KEYS.runbookPk;
const runKey = (runId: string) => ({ pk: RUNBOOK_PK, sk: `run#${runId}` });

export class DynamoRunbookProgressStore implements RunbookProgressStore {
  constructor(private readonly table: ControlTableRef) {}

  async get(runId: string): Promise<RunbookRun | undefined> {
    const out = await this.table.db.send(
      new GetCommand({ TableName: this.table.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    return out.Item ? runFromItem(out.Item) : undefined;
  }

  async list(): Promise<RunbookRun[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.table.db.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
          ExpressionAttributeValues: { ':pk': RUNBOOK_PK, ':run': 'run#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.map(runFromItem).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  }

  async unfinished(): Promise<RunbookRun[]> {
    return (await this.list()).filter((run) => run.state === 'running');
  }

  async save(run: RunbookRun): Promise<void> {
    const steps = Object.fromEntries(
      Object.entries(run.steps).map(([step, rec]) => [step, { at: rec.at.toISOString(), detail: rec.detail }]),
    );
    await this.table.db.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...runKey(run.runId),
          ...run,
          startedAt: run.startedAt.toISOString(),
          endedAt: run.endedAt?.toISOString(),
          steps,
        },
      }),
    );
  }
}

function runFromItem(item: Record<string, unknown>): RunbookRun {
  const steps = Object.fromEntries(
    Object.entries((item.steps as Record<string, { at: string; detail: string }> | undefined) ?? {}).map(
      ([step, rec]) => [step, { at: new Date(rec.at), detail: rec.detail }],
    ),
  );
  const state = RUN_STATES.find((s) => s === item.state);
  if (!state) throw new Error(`runbook run ${String(item.runId)} has an unknown state "${String(item.state)}"`);
  return {
    runId: String(item.runId),
    operation: item.operation as RunbookOperation,
    targetRegion: String(item.targetRegion),
    request: item.request as SwitchRequest,
    owner: String(item.owner),
    startedAt: new Date(String(item.startedAt)),
    state,
    endedAt: typeof item.endedAt === 'string' ? new Date(item.endedAt) : undefined,
    endReason: typeof item.endReason === 'string' ? item.endReason : undefined,
    reason: typeof item.reason === 'string' ? item.reason : undefined,
    forced: Boolean(item.forced),
    failedPrechecks: (item.failedPrechecks as string[] | undefined) ?? [],
    epochSeen: typeof item.epochSeen === 'number' ? item.epochSeen : undefined,
    steps,
  };
}
