#!/usr/bin/env node
import './quiet';
import { Command } from 'commander';
import { registerDrillCommands } from '../../chaos/drill/commands';
import { registerEnvCommands } from '../../chaos/env/commands';
import { registerRunbookCommands } from '../../runbooks/commands';

/** The `regionflip` CLI: a thin stub. Commands live with their folder (chaos/, runbooks/) and call the core. */
const program = new Command('regionflip')
  .description('Multi-Region failover for multi-tenant SaaS on AWS: drills, failover, failback, status')
  .option('-c, --config <file>', 'configuration file (default: infra/config/regionflip.yaml)')
  .showHelpAfterError();

registerEnvCommands(program);
registerDrillCommands(program);
registerRunbookCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = process.exitCode || 2;
});
