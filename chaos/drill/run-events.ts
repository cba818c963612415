import type { DrillProgress, PhaseStatus } from './progress';

/** The phases every run reports, besides one per method step (`step:<index>`). */
const RUN_PHASES = ['environment', 'steady-before', 'measure', 'rollback', 'steady-after', 'reports'] as const;

export type RunEvents = ReturnType<typeof runEvents>;

/**
 * The run's events (phase started, noted, ended), passed on to a progress renderer. Remembers which phases started and
 * ended, so an error closes the open one and none is left hanging.
 */
export function runEvents(inner: DrillProgress) {
  const open = new Set<string>();
  const ended = new Set<string>();
  return {
    start(phase: string, title: string) {
      open.add(phase);
      inner.start(phase, title);
    },
    note: (phase: string, text: string) => inner.note(phase, text),
    end(phase: string, status: PhaseStatus, title?: string) {
      if (ended.has(phase)) return;
      open.delete(phase);
      ended.add(phase);
      inner.end(phase, status, title);
    },
    /** Ends the phases still running (an error interrupted them). */
    endOpen(status: PhaseStatus, title: string) {
      for (const phase of [...open]) this.end(phase, status, title);
    },
    /** Marks every phase a renderer may still wait for as skipped. */
    endAll() {
      for (const phase of RUN_PHASES) if (!ended.has(phase)) this.end(phase, 'skipped');
    },
    endSteps(count: number) {
      for (let i = 0; i < count; i++) if (!ended.has(`step:${i}`)) this.end(`step:${i}`, 'skipped');
    },
  };
}
