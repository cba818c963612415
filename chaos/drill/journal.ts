import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RegionFlipConfig } from '../../failover/config/schema';
import type { ExpectationResult } from './expectations';
import type { DrillMeasurements } from './measure/measurements';
import type { DrillTarget, Fault, Rollback } from './schema';

/**
 * The drill journal, Chaos Toolkit style: status, deviated, every step with start/end/status. It is also the drill's
 * crash log: it is written (atomically) before each fault with what must be undone, so `drill rollback` can restore
 * everything after the drill process died.
 */

export type JournalStatus = 'running' | 'completed' | 'failed' | 'aborted' | 'interrupted';
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface StepRecord {
  readonly name: string;
  readonly type: 'probe' | 'action' | 'wait' | 'clear' | 'rollback' | 'verify';
  readonly startedAt: number;
  endedAt?: number;
  status: StepStatus;
  detail?: string;
}

export interface ProbeResult {
  readonly name: string;
  readonly met: boolean;
  readonly tolerance: string;
  readonly value: string;
}

export interface SteadyStateResult {
  readonly at: number;
  readonly met: boolean;
  readonly probes: readonly ProbeResult[];
}

/** Something the drill changed and must change back. A fault is stored resolved (Region codes, not roles). */
export type UndoAction =
  | { readonly kind: 'fault'; readonly fault: Fault; readonly experimentId?: string }
  | { readonly kind: 'failback'; readonly region: string };

/** How to reach the environment the drill ran against, even after the drill process died. */
export type JournalEnvironment =
  | {
      readonly target: 'local';
      /** The drill started the environment: a rollback after a crash also stops the processes it left. */
      readonly owned: boolean;
      readonly motoEndpoint: string;
      readonly hostedZoneId: string;
      /** The configuration as run (local profile applied), so a rollback needs nothing else. */
      readonly config: RegionFlipConfig;
      /** Each Region's tenant service (its fault switch), on loopback. */
      readonly services: Readonly<Record<string, string>>;
      /** The environment's state file id (.cache/env/<id>.json). */
      readonly envId: string;
      /** Process groups the environment started (moto, tenant services). */
      readonly pids: readonly number[];
      /** The run's combined log of both Regions (chaos/env/combined-log.ts), time-ordered once the drill stopped. */
      readonly combinedLogFile?: string;
    }
  | { readonly target: 'aws'; readonly config: RegionFlipConfig; readonly hostedZoneId: string };

export interface DrillJournal {
  readonly journalVersion: 1;
  readonly runId: string;
  readonly drill: { readonly title: string; readonly file: string; readonly description?: string };
  readonly target: DrillTarget;
  /** The drill process, so a rollback can tell a crashed drill from a running one. */
  readonly pid: number;
  readonly startedAt: number;
  endedAt?: number;
  status: JournalStatus;
  /** The steady state did not hold after the method (Chaos Toolkit's meaning). */
  deviated: boolean;
  /** Why the drill stopped early (stop condition, signal, error). */
  abortReason?: string;
  env?: JournalEnvironment;
  steadyStateBefore?: SteadyStateResult;
  steadyStateAfter?: SteadyStateResult;
  steps: StepRecord[];
  /** The drill file's rollbacks, so `drill rollback` follows them without the file. */
  readonly rollbackPlan: readonly Rollback[];
  /** What must still be undone, in the order it was done. Emptied by a verified rollback. */
  undo: UndoAction[];
  rollbacks: StepRecord[];
  rollbackVerified?: boolean;
  measurements?: DrillMeasurements;
  expectations?: ExpectationResult[];
}

export const JOURNAL_FILE = 'journal.json';
/** Points at the journal of the last drill started here, for `drill rollback` without `--journal`. */
export const LAST_JOURNAL_POINTER = resolve(__dirname, '../../.cache/drill/last-journal');

/** Writes the journal atomically (temp file + rename): a crash never leaves half a journal. */
export function persistJournal(file: string, journal: DrillJournal): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(journal, null, 2)}\n`);
  renameSync(tmp, file);
}

export function rememberLastJournal(file: string): void {
  mkdirSync(dirname(LAST_JOURNAL_POINTER), { recursive: true });
  writeFileSync(LAST_JOURNAL_POINTER, resolve(file));
}

export function readJournal(file?: string): { file: string; journal: DrillJournal } {
  let path = file;
  if (path === undefined) {
    try {
      path = readFileSync(LAST_JOURNAL_POINTER, 'utf8').trim();
    } catch {
      throw new Error(`no drill journal given and none recorded in ${LAST_JOURNAL_POINTER}: pass --journal <file>`);
    }
  }
  let journal: DrillJournal;
  try {
    journal = JSON.parse(readFileSync(path, 'utf8')) as DrillJournal;
  } catch (err) {
    throw new Error(`cannot read drill journal "${path}" (${String(err)}): pass the journal.json of the drill run`);
  }
  if (journal.journalVersion !== 1 || !Array.isArray(journal.undo)) {
    throw new Error(`"${path}" is not a drill journal (journalVersion 1 with an "undo" list): check the path`);
  }
  return { file: path, journal };
}

/** reports/<drill>-<timestamp>/ */
export function reportDirFor(base: string, drillFile: string, startedAt: Date): string {
  const drill = (drillFile.split('/').pop() ?? 'drill').replace(/\.(ya?ml|json)$/, '');
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  return join(base, `${drill}-${stamp}`);
}
