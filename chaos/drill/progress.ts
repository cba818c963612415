/** The phases of a drill run, as the terminal shows them. Method steps are `step:<index>`. */
export type PhaseStatus = 'succeeded' | 'failed' | 'skipped';

export interface DrillProgress {
  start(phase: string, title: string): void;
  /** A line of output under the running phase (what it is waiting for, what it saw). */
  note(phase: string, text: string): void;
  end(phase: string, status: PhaseStatus, title?: string): void;
}

export const silentProgress: DrillProgress = { start() {}, note() {}, end() {} };

/** The phases in order, for a renderer that lists them up front. */
export function drillPhases(stepNames: readonly string[]): { key: string; title: string }[] {
  return [
    { key: 'environment', title: 'Environment' },
    { key: 'steady-before', title: 'Steady state before' },
    ...stepNames.map((name, i) => ({ key: `step:${i}`, title: name })),
    { key: 'measure', title: 'Measure' },
    { key: 'rollback', title: 'Roll back' },
    { key: 'steady-after', title: 'Steady state after' },
    { key: 'reports', title: 'Reports' },
  ];
}
