import { executeSwitch, systemClock } from '../../../failover/switch/execute-switch';
import type { RunbookOperation, RunbookRun } from '../../../runbooks/progress';
import type { ReplicationCheck } from '../../../runbooks/replication-check';
import type { SwitchRunbookDeps, SwitchRunbookOptions } from '../../../runbooks/switch-runbook';
import type { TestDeployment } from './deployment';

/** Replication stand-in: the sentinel always arrives after `lagMs` (moto has no global tables). */
export function drainedReplication(lagMs = 5): ReplicationCheck {
  return { measure: async () => ({ seen: true, lagMs, waitedMs: lagMs }) };
}

/** The runbook's deps over a moto deployment, with a scripted prompt and captured output. */
export function runbookDeps(
  dep: TestDeployment,
  overrides: Partial<SwitchRunbookDeps> = {},
  answers: string[] = [],
): SwitchRunbookDeps & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    ...dep.ctx,
    replication: drainedReplication(),
    prompt: { ask: async () => answers.shift() ?? '' },
    clock: systemClock,
    owner: 'runbook:test@host',
    out: (line) => lines.push(line),
    settings: {
      targetHealthySeconds: dep.config.policy.targetHealthySeconds,
      replicationTimeoutMs: 500,
      maxReplicationLagMs: 1000,
      verifyTimeoutMs: 0,
      verifyPollMs: 10,
      maxResumeAgeMs: 60 * 60_000,
    },
    lines,
    ...overrides,
  };
}

export function failbackOptions(overrides: Partial<SwitchRunbookOptions> = {}): SwitchRunbookOptions {
  return {
    operation: 'failback',
    targetRegion: 'us-east-1',
    tenantIds: [],
    yes: true,
    reason: 'INC-1 resolved',
    force: false,
    dryRun: false,
    actor: 'alice',
    ...overrides,
  };
}

/** Moves every tenant to `region` the way the failover Lambda would (same switch), so routing state and records agree. */
export async function failOverTo(dep: TestDeployment, region: string): Promise<void> {
  const report = await executeSwitch(
    {
      store: dep.ctx.store,
      trafficSwitch: dep.ctx.trafficSwitch,
      notifier: dep.ctx.notifier,
      clock: systemClock,
      owner: 'test-setup',
    },
    {
      switch: { targetRegion: region, scope: { kind: 'region' } },
      caller: 'automatic-failover',
      actor: 'failover-lambda',
      reason: 'test setup: region outage',
      trigger: 'test',
      leaseSeconds: 10,
    },
  );
  if (report.outcome !== 'switched') throw new Error(`setup failover: ${report.outcome} ${report.error ?? ''}`);
}

/** The newest run of this operation and target, as the control table holds it. */
export async function latestRun(
  dep: TestDeployment,
  operation: RunbookOperation,
  targetRegion: string,
): Promise<RunbookRun | undefined> {
  return (await dep.ctx.progress.list()).find((r) => r.operation === operation && r.targetRegion === targetRegion);
}
