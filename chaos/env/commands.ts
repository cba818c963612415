import type { Command } from 'commander';

/** `regionflip env up|down` — owned by the local environment work (issue 4). */
export function registerEnvCommands(_program: Command): void {}
