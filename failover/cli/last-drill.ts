import { existsSync, readFileSync } from 'node:fs';
import { LAST_JOURNAL_POINTER, readJournal } from '../../chaos/drill/journal';
import { drillPassed } from '../../chaos/drill/report/timeline';
import type { LastDrill } from '../../runbooks/ports';

/** The runbooks' LastDrillReader port over the drill journal that `drill run` points at (.cache/drill/last-journal). */
export function lastDrillFromJournal(pointer: string = LAST_JOURNAL_POINTER): LastDrill | undefined {
  if (!existsSync(pointer)) return undefined;
  const path = readFileSync(pointer, 'utf8').trim();
  let read: ReturnType<typeof readJournal>;
  try {
    read = readJournal(path);
  } catch (err) {
    // A deleted or damaged report must not take `status` down with it: say so on the drill line instead.
    return { title: (err as Error).message, file: '?', startedAt: '', verdict: 'unreadable', journal: path };
  }
  const { file, journal } = read;
  return {
    title: journal.drill.title,
    file: journal.drill.file,
    startedAt: new Date(journal.startedAt).toISOString(),
    ...(journal.endedAt !== undefined ? { endedAt: new Date(journal.endedAt).toISOString() } : {}),
    verdict: journal.status === 'running' ? 'running' : drillPassed(journal) ? 'passed' : 'failed',
    journal: file,
  };
}
