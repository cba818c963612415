/** The flag that skips the typed confirmation (scripts, CI game days). */
export const PRODUCTION_FLAG = '--yes-i-know-this-is-production';

export interface ConfirmOptions {
  /** The flag was given. */
  readonly flag: boolean;
  /** What the engineer must type: the deployment's app name and the account, so a wrong shell profile is caught. */
  readonly expected: string;
  readonly interactive: boolean;
  readonly ask: (question: string) => Promise<string>;
}

/**
 * Refuses a drill against deployed stacks unless someone explicitly confirmed it (dangerous!): real tenants lose
 * traffic during the drill. Throws an error saying how to confirm.
 */
export async function confirmProductionDrill(opts: ConfirmOptions): Promise<void> {
  if (opts.flag) return;
  if (!opts.interactive) {
    throw new Error(
      `refusing to run a drill against deployed stacks without confirmation: pass ${PRODUCTION_FLAG} ` +
        'or run it in a terminal and type the confirmation',
    );
  }
  const answer = (
    await opts.ask(
      `This drill injects faults into DEPLOYED stacks with real tenants. Type "${opts.expected}" to go on: `,
    )
  ).trim();
  if (answer !== opts.expected) {
    throw new Error(`confirmation "${answer}" does not match "${opts.expected}": nothing was changed`);
  }
}
