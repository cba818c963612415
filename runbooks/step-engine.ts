import type { Clock } from '../failover/core/types';
import type { SwitchRunbookStep } from './definitions/types';
import type { RunbookProgressStore, RunbookRun } from './progress';

/**
 * The small resumable engine the switch runbooks run on: steps are data (an id and a function), the engine skips the
 * steps the run already recorded as done, prints a header per step, records each step as done with what it found, and
 * stops at the first step that ends the run early (a refusal, a dry run, a failed verification).
 */

/** What a step ends with: done (recorded, with changes to the run), or stop the run here with a result. */
export type StepOutcome<R> =
  | { readonly kind: 'done'; readonly detail: string; readonly changes?: Partial<RunbookRun> }
  | { readonly kind: 'stop'; readonly result: R };

export interface RunStep<C, R> {
  readonly id: SwitchRunbookStep;
  /** Printed in the step's header when it starts; may read what earlier steps found. */
  run(ctx: C, header: (text?: string) => void): Promise<StepOutcome<R>>;
}

export interface EngineDeps {
  readonly progress: RunbookProgressStore;
  readonly clock: Clock;
  readonly out: (line: string) => void;
  /** Called once a step is recorded as done: the interruption point of the resume tests. */
  readonly afterStep?: (step: SwitchRunbookStep) => void | Promise<void>;
}

/** The run the steps work on; the engine replaces `run` as steps complete. */
export interface EngineContext {
  run: RunbookRun;
  /** A dry run records nothing. */
  readonly persist: boolean;
}

export async function runSteps<C extends EngineContext, R>(
  steps: readonly RunStep<C, R>[],
  ctx: C,
  deps: EngineDeps,
): Promise<{ readonly kind: 'completed' } | { readonly kind: 'stopped'; readonly result: R }> {
  for (const [i, step] of steps.entries()) {
    const label = `[${i + 1}/${steps.length}] ${step.id}`;
    const header = (text = '') => deps.out(`${label}${text ? `: ${text}` : ''}`);
    const done = ctx.run.steps[step.id];
    if (done) {
      header(`already done at ${done.at.toISOString()} (${done.detail})`);
      continue;
    }
    const outcome = await step.run(ctx, header);
    if (outcome.kind === 'stop') return { kind: 'stopped', result: outcome.result };
    ctx.run = {
      ...ctx.run,
      ...outcome.changes,
      steps: { ...ctx.run.steps, [step.id]: { at: deps.clock.now(), detail: outcome.detail } },
    };
    if (ctx.persist) {
      await deps.progress.save(ctx.run);
      await deps.afterStep?.(step.id);
    }
  }
  return { kind: 'completed' };
}
