#!/usr/bin/env node
import './quiet';
import { runCli } from './program';

/** The `regionflip` CLI: a thin stub (failover/cli/program.ts builds the commands). */
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
