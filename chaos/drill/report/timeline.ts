import type { DrillJournal } from '../journal';

/** One bar of the drill's timeline chart (ms since the epoch). A bar without an end is a milestone. */
export interface TimelineBar {
  readonly section: 'steady state' | 'method' | 'RTO' | 'rollback';
  readonly label: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly status: 'ok' | 'failed' | 'info';
}

/** The bars every report draws, in time order within each section. */
export function timelineBars(journal: DrillJournal): TimelineBar[] {
  const bars: TimelineBar[] = [];
  const end = journal.endedAt ?? Math.max(journal.startedAt, ...journal.steps.map((s) => s.endedAt ?? s.startedAt));
  for (const [label, result] of [
    ['steady state before', journal.steadyStateBefore],
    ['steady state after', journal.steadyStateAfter],
  ] as const) {
    if (result) {
      bars.push({
        section: 'steady state',
        label,
        startAt: result.at,
        endAt: result.at,
        status: result.met ? 'ok' : 'failed',
      });
    }
  }
  for (const step of journal.steps) {
    bars.push({
      section: 'method',
      label: step.name,
      startAt: step.startedAt,
      endAt: step.endedAt ?? end,
      status: step.status === 'failed' ? 'failed' : step.status === 'succeeded' ? 'ok' : 'info',
    });
  }
  for (const stage of journal.measurements?.rto?.stages ?? []) {
    if (stage.endAt === undefined) continue;
    bars.push({ section: 'RTO', label: stage.label, startAt: stage.startAt, endAt: stage.endAt, status: 'info' });
  }
  for (const step of journal.rollbacks) {
    bars.push({
      section: 'rollback',
      label: step.name,
      startAt: step.startedAt,
      endAt: step.endedAt ?? end,
      status: step.status === 'failed' ? 'failed' : 'ok',
    });
  }
  return bars;
}

/** Did the drill pass: completed, not deviated, every expectation met, rollback verified. */
export function drillPassed(journal: DrillJournal): boolean {
  return (
    journal.status === 'completed' &&
    !journal.deviated &&
    (journal.expectations ?? []).every((e) => e.passed) &&
    journal.rollbackVerified === true
  );
}

export const formatSeconds = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`;
