import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SwitchRequest } from '../failover/ports';
import type { ControlTableRef } from '../failover/state/drill-marker';
import { CONTROL_KEYS } from '../failover/state/keys';
import type { SwitchRunbookStep } from './definitions/types';

/**
 * The progress of a failback / failover run, in the control table (`pk: 'RUNBOOK', sk: '<operation>#<target>'`), so a
 * run interrupted at any step (Ctrl-C, a lost laptop, a crash) continues where it stopped when the same command runs
 * again. Each step is marked done with what it found; the switch itself is idempotent and finishes a pending intent.
 */

export type RunbookOperation = 'failback' | 'failover';

export interface StepRecord {
  readonly at: Date;
  readonly detail: string;
}

export interface RunbookRun {
  readonly operation: RunbookOperation;
  readonly targetRegion: string;
  readonly runId: string;
  readonly request: SwitchRequest;
  readonly actor: string;
  readonly startedAt: Date;
  /** running: not finished (a rerun continues it); done: finished (a rerun starts a new run). */
  readonly status: 'running' | 'done';
  readonly reason?: string;
  /** The prechecks were overridden with --force; which ones failed. */
  readonly forced: boolean;
  readonly failedPrechecks: readonly string[];
  readonly steps: Readonly<Partial<Record<SwitchRunbookStep, StepRecord>>>;
}

export interface RunbookProgressStore {
  load(operation: RunbookOperation, targetRegion: string): Promise<RunbookRun | undefined>;
  save(run: RunbookRun): Promise<void>;
  /** Runs not finished yet (status shows them: somebody should rerun or look). */
  unfinished(): Promise<RunbookRun[]>;
}

export const RUNBOOK_PK = CONTROL_KEYS.runbookPk;
const runKey = (operation: RunbookOperation, targetRegion: string) => ({
  pk: RUNBOOK_PK,
  sk: `${operation}#${targetRegion}`,
});

export class DynamoRunbookProgressStore implements RunbookProgressStore {
  constructor(private readonly table: ControlTableRef) {}

  async load(operation: RunbookOperation, targetRegion: string): Promise<RunbookRun | undefined> {
    const out = await this.table.db.send(
      new GetCommand({ TableName: this.table.tableName, Key: runKey(operation, targetRegion), ConsistentRead: true }),
    );
    return out.Item ? runFromItem(out.Item) : undefined;
  }

  async unfinished(): Promise<RunbookRun[]> {
    const out = await this.table.db.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': RUNBOOK_PK },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(runFromItem).filter((run) => run.status === 'running');
  }

  async save(run: RunbookRun): Promise<void> {
    const steps = Object.fromEntries(
      Object.entries(run.steps).map(([step, rec]) => [step, { at: rec.at.toISOString(), detail: rec.detail }]),
    );
    await this.table.db.send(
      new PutCommand({
        TableName: this.table.tableName,
        Item: {
          ...runKey(run.operation, run.targetRegion),
          ...run,
          startedAt: run.startedAt.toISOString(),
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
  return {
    operation: item.operation as RunbookOperation,
    targetRegion: String(item.targetRegion),
    runId: String(item.runId),
    request: item.request as SwitchRequest,
    actor: String(item.actor),
    startedAt: new Date(String(item.startedAt)),
    status: item.status === 'done' ? 'done' : 'running',
    reason: typeof item.reason === 'string' ? item.reason : undefined,
    forced: Boolean(item.forced),
    failedPrechecks: (item.failedPrechecks as string[] | undefined) ?? [],
    steps,
  };
}
