import type { SwitchRunbookStep } from './definitions/types';

/** Bad command-line input: nothing was read or changed. */
export class RunbookUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunbookUsageError';
  }
}

/** A step failed after the run started: the run stays open and the same command continues from that step. */
export class RunbookStepError extends Error {
  constructor(
    readonly step: SwitchRunbookStep,
    message: string,
  ) {
    super(`step "${step}" failed: ${message}. Run the same command again: it continues from this step.`);
    this.name = 'RunbookStepError';
  }
}
