import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnvConnection } from './types';

/**
 * What each running local environment started, on disk (.cache/env/<id>.json), so that processes left behind by a
 * runner that crashed or was killed (SIGKILL skips every cleanup) can be found and stopped by `regionflip env down`
 * or `regionflip drill rollback`.
 */

export const ENV_STATE_DIR = resolve(__dirname, '../../.cache/env');

export type EnvProcessRole = 'moto' | 'tenant-service';

export interface EnvProcess {
  readonly pid: number;
  readonly role: EnvProcessRole;
  readonly region?: string;
}

export interface EnvState {
  readonly id: string;
  /** The process that runs the environment (the CLI or a test runner). */
  readonly runnerPid: number;
  readonly startedAt: string;
  readonly processes: EnvProcess[];
  /** Present once the environment is up: how runbooks and `drill rollback` reach it. */
  readonly connection?: EnvConnection;
}

export function stateFile(id: string, dir = ENV_STATE_DIR): string {
  return join(dir, `${id}.json`);
}

export function writeEnvState(state: EnvState, dir = ENV_STATE_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(stateFile(state.id, dir), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeEnvState(id: string, dir = ENV_STATE_DIR): void {
  rmSync(stateFile(id, dir), { force: true });
}

export function readEnvStates(dir = ENV_STATE_DIR): EnvState[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as EnvState];
      } catch {
        return [];
      }
    });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against a recycled pid: the process must still look like what was recorded. */
function looksLike(p: EnvProcess): boolean {
  try {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
    return p.role === 'moto' ? cmdline.includes('moto_server') : cmdline.includes('tenant-service');
  } catch {
    // No /proc (macOS): trust the record.
    return isAlive(p.pid);
  }
}

/** Kills a process group started detached by the environment (its pid is the group id). */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

export interface CleanupReport {
  readonly environments: number;
  readonly killed: readonly EnvProcess[];
}

/**
 * Stops the processes of recorded environments. `orphansOnly`: only environments whose runner is gone (leftovers of a
 * crash), leaving running ones alone. Otherwise a live runner is asked to stop (SIGTERM) first.
 */
export async function cleanupEnvironments(
  opts: { orphansOnly?: boolean; dir?: string; graceMs?: number } = {},
): Promise<CleanupReport> {
  const dir = opts.dir ?? ENV_STATE_DIR;
  const killed: EnvProcess[] = [];
  let environments = 0;
  for (const state of readEnvStates(dir)) {
    const runnerAlive = state.runnerPid !== process.pid && isAlive(state.runnerPid);
    if (opts.orphansOnly && (runnerAlive || state.runnerPid === process.pid)) continue;
    environments++;
    if (runnerAlive) {
      process.kill(state.runnerPid, 'SIGTERM');
      const deadline = Date.now() + (opts.graceMs ?? 5000);
      while (existsSync(stateFile(state.id, dir)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of state.processes) {
      if (isAlive(p.pid) && looksLike(p)) {
        killGroup(p.pid);
        killed.push(p);
      }
    }
    removeEnvState(state.id, dir);
  }
  return { environments, killed };
}
