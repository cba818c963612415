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
  readonly command?: RunbookCommand;
  /** A command that checks the step worked, the same locally and on AWS. */
  readonly check?: RunbookCommand;
  /**
   * Why this step's commands cannot be followed on the local environment (rendered as "Not walked locally"); the
   * runbook walk test (test/runbooks/runbook-walk.test.ts) names every such step instead of running it.
   */
  readonly notWalked?: string;
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

/** A command as the Markdown shows it: typed literally, with the output it must give (the walk test checks it). */
export interface RunbookCommand {
  readonly line: string;
  /** Text that appears in the output when it works, one piece per entry. */
  readonly output: readonly string[];
  /** The exit code when it works (README.md, "Exit codes"), or the codes that are all right; 0 if not given. */
  readonly exit?: number | readonly number[];
  /** What to type at its questions, in order. */
  readonly input?: readonly string[];
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
/** What a `notifications` check step adds: the command itself says when nobody was paged. */
export const NOTIFICATIONS_EXIT =
  '`notifications` exits 1 and ends with `NEEDS A HUMAN` when a switch in the audit paged nobody (locally: no message for it reached the inbox) or nobody is subscribed to the on-call topic: then tell on-call yourself, and subscribe them (see `status`, "on-call pages").';
/** Every runbook starts by choosing the deployment; its commands then read it from the environment. */
export const CHOOSE_TARGET =
  'Choose the deployment once, in this terminal: `export REGIONFLIP_TARGET=aws` for the deployed stacks (the hosted zone is found by name; add `--zone-id Z...` only if two zones share it), or `export REGIONFLIP_TARGET=local` for the local environment (`env up` running). Every command below reads it.';
