import { randomUUID } from 'node:crypto';
import type { Clock, SwitchRequest } from '../failover/core/types';
import type { ControlStore } from '../failover/ports';
import { SWITCH_RUNBOOK_STEPS, type SwitchRunbookStep } from './definitions/types';
import { RunbookUsageError } from './errors';
import type { RunbookProgressStore, RunbookRun } from './progress';
import type { SwitchRunbookOptions } from './switch-runbook';
import { callerOf, describeScope } from './switch-steps';

/**
 * Which run a `failback` / `failover` command works on, and the human's way out (`runs abandon`). The rule: a run is
 * continued only when nothing it relied on has moved. A run stopped before its confirmation changed nothing and is
 * superseded; a confirmed run is continued, unless it is stale — older than the configured age, or another switch has
 * happened since it confirmed — then it is not resumed silently: its prechecks run again and it asks again.
 */

export interface RunDeps {
  readonly progress: RunbookProgressStore;
  readonly store: Pick<ControlStore, 'getRouting' | 'appendAudit'>;
  readonly clock: Clock;
  readonly out: (line: string) => void;
  readonly settings: { readonly maxResumeAgeMs: number };
}

export const doneSteps = (run: RunbookRun): SwitchRunbookStep[] => SWITCH_RUNBOOK_STEPS.filter((s) => run.steps[s]);

const sameRequest = (a: SwitchRequest, b: SwitchRequest) => JSON.stringify(a) === JSON.stringify(b);

/** Why a confirmed run must not be continued as is; empty when it may be. */
export function staleness(run: RunbookRun, now: Date, epochNow: number, maxAgeMs: number): string[] {
  const why: string[] = [];
  const ageMs = now.getTime() - run.startedAt.getTime();
  if (ageMs > maxAgeMs) why.push(`it started ${formatAge(ageMs)} ago (more than ${formatAge(maxAgeMs)})`);
  if (run.epochSeen !== undefined && epochNow !== run.epochSeen) {
    why.push(`the routing changed since it last looked (epoch ${run.epochSeen}, now ${epochNow})`);
  }
  return why;
}

export async function openRun(
  deps: RunDeps,
  opts: Pick<SwitchRunbookOptions, 'operation' | 'targetRegion'>,
  request: SwitchRequest,
  fresh: () => RunbookRun,
): Promise<RunbookRun> {
  const open = (await deps.progress.unfinished()).filter(
    (r) => r.operation === opts.operation && r.targetRegion === opts.targetRegion,
  );
  const now = deps.clock.now();
  for (const run of open.filter((r) => r.steps.confirm === undefined)) {
    deps.out(
      `${opts.operation} to ${opts.targetRegion}: run ${run.runId} by ${run.owner} stopped before the switch was ` +
        `confirmed (done: ${doneSteps(run).join(', ') || 'nothing yet'}); nothing was changed, so this run starts ` +
        'over with fresh prechecks',
    );
    await deps.progress.save({
      ...run,
      state: 'abandoned',
      endedAt: now,
      endReason: 'superseded before its switch was confirmed (nothing was changed)',
    });
  }
  const confirmed = open.find((r) => r.steps.confirm !== undefined);
  if (!confirmed) return fresh();
  if (!sameRequest(confirmed.request, request)) {
    throw new RunbookUsageError(
      `an unfinished ${opts.operation} to ${opts.targetRegion} for ${describeScope(confirmed.request)} ` +
        `(run ${confirmed.runId}, started by ${confirmed.owner}) is in the control table: run the same command with the ` +
        `same --tenant options to finish it, or end it with \`runs abandon ${confirmed.runId} --reason "<why>"\``,
    );
  }
  const { epoch } = await deps.store.getRouting();
  const why = staleness(confirmed, now, epoch, deps.settings.maxResumeAgeMs);
  if (why.length > 0) {
    deps.out(
      `${opts.operation} to ${opts.targetRegion}: run ${confirmed.runId} by ${confirmed.owner} is not continued as is: ` +
        `${why.join('; ')}. Its prechecks run again and it asks again.`,
    );
    return { ...confirmed, steps: {}, forced: false, failedPrechecks: [], reason: undefined, epochSeen: undefined };
  }
  deps.out(
    `${opts.operation} to ${opts.targetRegion}: resuming run ${confirmed.runId} started by ${confirmed.owner} at ` +
      `${confirmed.startedAt.toISOString()} (done: ${doneSteps(confirmed).join(', ') || 'nothing yet'})`,
  );
  return confirmed;
}

/** Ends an unfinished run by hand: nothing is switched; the run keeps who ended it and why, and the audit says so. */
export async function abandonRun(
  deps: Omit<RunDeps, 'out' | 'settings'>,
  runId: string,
  reason: string,
  actor: string,
): Promise<RunbookRun> {
  if (!reason.trim()) throw new RunbookUsageError('--reason "<why>" is required: it is stored with the run');
  const run = await deps.progress.get(runId);
  if (!run) throw new RunbookUsageError(`no runbook run "${runId}": \`runs list\` shows the run ids`);
  if (run.state !== 'running') {
    throw new RunbookUsageError(`run ${runId} is already ${run.state}: only a running run can be abandoned`);
  }
  const now = deps.clock.now();
  const ended: RunbookRun = { ...run, state: 'abandoned', endedAt: now, endReason: `abandoned by ${actor}: ${reason}` };
  await deps.progress.save(ended);
  await deps.store.appendAudit({
    id: randomUUID(),
    at: now,
    caller: callerOf(run.operation),
    actor,
    trigger: `runbook:runs abandon ${runId}`,
    reason,
    request: run.request,
    outcome: 'noop',
    detail: `${run.operation} run ${runId} abandoned (done: ${doneSteps(run).join(', ') || 'nothing'}); nothing was switched`,
  });
  return ended;
}

/** "42 s", "17 min", "3 h 5 min", "2 d 4 h": ages an on-call engineer reads at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** One line per run for `runs list`: id, state, what, owner, age, progress. */
export function formatRunLine(run: RunbookRun, now: Date): string {
  const done = doneSteps(run);
  return [
    run.runId,
    run.state.padEnd(9),
    `${run.operation} --to ${run.targetRegion}`.padEnd(28),
    describeScope(run.request).padEnd(16),
    run.owner,
    `${formatAge(now.getTime() - run.startedAt.getTime())} ago`,
    `done: ${done.length === 0 ? 'nothing' : done.at(-1)}`,
  ].join('  ');
}

export function formatRun(run: RunbookRun, now: Date): string[] {
  return [
    `run ${run.runId}: ${run.operation} --to ${run.targetRegion} for ${describeScope(run.request)}`,
    `  state:    ${run.state}${run.endReason ? ` (${run.endReason})` : ''}`,
    `  owner:    ${run.owner}`,
    `  started:  ${run.startedAt.toISOString()} (${formatAge(now.getTime() - run.startedAt.getTime())} ago)`,
    ...(run.endedAt ? [`  ended:    ${run.endedAt.toISOString()}`] : []),
    ...(run.reason ? [`  reason:   ${run.reason}`] : []),
    ...(run.forced ? [`  forced past: ${run.failedPrechecks.join('; ')}`] : []),
    '  steps:',
    ...SWITCH_RUNBOOK_STEPS.map((s) => {
      const rec = run.steps[s];
      return `    ${rec ? 'done' : '    '}  ${s.padEnd(9)} ${rec ? `${rec.at.toISOString()}  ${rec.detail}` : ''}`.trimEnd();
    }),
  ];
}
