import { type Command, Option } from 'commander';

/** `-o json|table` on every read command (`--json` is the short form): scripts read JSON, people read the table. */
export function withOutputOption(cmd: Command): Command {
  return cmd
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'same as -o json');
}

export interface OutputFlags {
  readonly output?: string;
  readonly json?: boolean;
}

export const wantsJson = (flags: OutputFlags): boolean => flags.json === true || flags.output === 'json';
