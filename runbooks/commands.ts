import type { Command } from 'commander';

/** `regionflip failback|failover|automation|status` — owned by the runbooks work (issue 5). */
export function registerRunbookCommands(_program: Command): void {}
