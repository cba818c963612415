import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DrillJournal, JOURNAL_FILE, persistJournal } from '../journal';
import { htmlReport } from './html';
import { junitReport } from './junit';
import { markdownReport } from './markdown';

export interface ReportFiles {
  readonly dir: string;
  readonly journal: string;
  readonly markdown: string;
  readonly html: string;
  readonly junit: string;
}

/** Writes the four reports of a drill into its report directory. */
export function writeReports(dir: string, journal: DrillJournal): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const files: ReportFiles = {
    dir,
    journal: join(dir, JOURNAL_FILE),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
    junit: join(dir, 'junit.xml'),
  };
  persistJournal(files.journal, journal);
  writeFileSync(files.markdown, markdownReport(journal));
  writeFileSync(files.html, htmlReport(journal));
  writeFileSync(files.junit, junitReport(journal));
  return files;
}
