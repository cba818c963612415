import type { Command } from 'commander';

/** `regionflip drill …` — owned by the drills work (issue 4). */
export function registerDrillCommands(_program: Command): void {}
