import { Command, CommanderError } from 'commander';
import { registerDrillCommands } from '../../chaos/drill/commands';
import { registerEnvCommands } from '../../chaos/env/commands';
import { localDeployment } from '../../chaos/env/runbook-deployment';
import { registerRunbookCommands } from '../../runbooks/commands';
import { suggestFlag } from './aws-cli-names';
import { describeFailure, EXIT } from './exit-codes';
import { lastDrillFromJournal } from './last-drill';

const { version } = require('../../package.json') as { version: string };

/**
 * The whole command tree and the composition root: commands live with their folder (chaos/, runbooks/) and call the
 * core; the runbooks reach the local environment only through the ports chaos/env implements for them.
 */
export function buildProgram(): Command {
  const program = new Command('regionflip')
    .description('Multi-Region failover for multi-tenant SaaS on AWS: drills, failover, failback, status')
    .version(version, '-V, --version', 'print the RegionFlip version')
    .option('-c, --config <file>', 'configuration file (default: infra/config/regionflip.yaml)')
    // A usage error is one line and a hint (written by runCli), not the whole help scrolling it off the screen.
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  registerEnvCommands(program);
  registerDrillCommands(program);
  registerRunbookCommands(program, { locateLocal: localDeployment, lastDrill: lastDrillFromJournal });
  return program;
}

/** Commander's errors where a habit flag (`--region` for `--to`) may be the cause. */
const OPTION_ERRORS = new Set(['commander.unknownOption', 'commander.missingMandatoryOptionValue']);

function writeError(message: string, fix?: string, detail?: string): void {
  process.stderr.write(`error: ${message}\n${fix ? `  ${fix}\n` : ''}${detail ? `${detail}\n` : ''}`);
}

/**
 * Runs one command line (without `node` and the script) and returns its exit code from the one table
 * (failover/cli/exit-codes.ts). Errors go to stderr: one line saying what is wrong, then what to do.
 */
export async function runCli(args: readonly string[], program: Command = buildProgram()): Promise<number> {
  process.exitCode = undefined;
  try {
    await program.parseAsync([...args], { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      if (err.exitCode === 0) return EXIT.ok;
      const hint = OPTION_ERRORS.has(err.code) ? suggestFlag(program, args) : undefined;
      writeError(err.message.replace(/^error: /, ''), hint ?? '(add --help for usage)');
      return EXIT.usage;
    }
    const failure = describeFailure(err);
    writeError(failure.message, failure.fix, failure.detail);
    return failure.code;
  }
}
