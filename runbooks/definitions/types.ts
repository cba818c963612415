/**
 * A runbook as data: the Markdown a human follows (runbooks/*.md) is rendered from these definitions by
 * runbooks/render.ts, and a test fails when the committed Markdown differs, so the page and the CLI cannot drift apart.
 */

/** The steps the `failback` / `failover` commands execute, in order. Each is stored as done in the control table. */
export const SWITCH_RUNBOOK_STEPS = ['precheck', 'plan', 'confirm', 'switch', 'verify', 'announce'] as const;
export type SwitchRunbookStep = (typeof SWITCH_RUNBOOK_STEPS)[number];

export interface RunbookStep {
  readonly title: string;
  /** Why this step exists, in one or two short sentences. */
  readonly purpose: string;
  /** The exact command to type. Omitted for steps that are a human check (read a dashboard, call someone). */
  readonly command?: string;
  /** What you should see when it works. */
  readonly expect: string;
  /** How to be sure it worked. */
  readonly verify: string;
  /** What to do when it does not. */
  readonly ifItFails: string;
  /** Changes production (traffic, automation): rendered with "(dangerous!)". */
  readonly risky?: boolean;
  /** The executable steps of the switch runbook this step runs, so a test can check every one is covered. */
  readonly runs?: readonly SwitchRunbookStep[];
}

export interface Runbook {
  /** File name under runbooks/, for example "failback.md". */
  readonly file: string;
  readonly title: string;
  /** When to use this runbook, and when not to. */
  readonly whenToUse: readonly string[];
  /** What to have ready before step 1. */
  readonly before: readonly string[];
  readonly steps: readonly RunbookStep[];
  /** Short notes after the steps: what the command does for you, where to look next. */
  readonly notes?: readonly string[];
}

/** How every runbook invokes the CLI (from the repository root). */
export const CLI = 'npm run -s cli --';
/** The flags that point the CLI at the deployed stacks (the hosted zone is found by name; `--zone-id` is optional). */
export const AWS_FLAGS = '--target aws';
