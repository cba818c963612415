import type { Command } from 'commander';

/**
 * Flags people type from habit (the AWS CLI, other tools) and what RegionFlip calls them. Only suggested when the
 * command in use has that flag, so a suggestion is never wrong for the command typed.
 */
const HABITS: Readonly<Record<string, string>> = {
  '--region': '--to',
  '--target-region': '--to',
  '--destination': '--to',
  '--hosted-zone-id': '--zone-id',
  '--zone': '--zone-id',
  '--assume-yes': '--yes',
  '--no-confirm': '--yes',
  '--format': '--output',
  '--message': '--reason',
  '--comment': '--reason',
};

/** The command the arguments name (walking subcommands by name), or the program itself. */
function commandTyped(program: Command, args: readonly string[]): Command {
  let cmd = program;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    cmd = sub;
  }
  return cmd;
}

/** For an unknown or missing option: when a habit flag was typed for one this command has, the right one. */
export function suggestFlag(program: Command, args: readonly string[]): string | undefined {
  const at = args.findIndex((a) => a.startsWith('--') && HABITS[a.split('=')[0]!] !== undefined);
  if (at < 0) return undefined;
  const typed = args[at]!;
  const flag = typed.split('=')[0]!;
  const cmd = commandTyped(program, args);
  const option = cmd.options.find((o) => o.long === HABITS[flag]);
  if (!option) return undefined;
  const next = args[at + 1];
  const value = typed.includes('=')
    ? typed.slice(typed.indexOf('=') + 1)
    : next && !next.startsWith('-')
      ? next
      : '<value>';
  return `RegionFlip calls ${flag} "${option.flags}" here (${option.description}): ${cmd.name()} ${option.long}${option.required || option.optional ? ` ${value}` : ''}`;
}
