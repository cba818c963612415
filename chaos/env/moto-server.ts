import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * moto server: the AWS APIs of the local two-Region environment. The project installs it itself, pinned
 * (chaos/env/requirements.txt), into .cache/moto-venv, so a fresh machine with Python 3 needs nothing else.
 */

const ROOT = resolve(__dirname, '../..');
const REQUIREMENTS = join(__dirname, 'requirements.txt');
export const MOTO_VENV = join(ROOT, '.cache', 'moto-venv');
const STAMP = join(MOTO_VENV, '.requirements-sha256');
const LOCK = join(ROOT, '.cache', 'moto-venv.lock');

function requirementsHash(): string {
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const INSTALL_LOG = join(ROOT, '.cache', 'moto-install.log');
const PIP_FIX = 'check the network or the pip index (PIP_INDEX_URL), then run the command again';

/**
 * One install step with its output captured: pip's progress and warnings are noise when it works and the whole story
 * when it does not, so the log is kept in a file and shown in full only in the error.
 */
export function runInstallStep(command: string, args: readonly string[], fix: string, logFile = INSTALL_LOG): void {
  const run = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  appendFileSync(logFile, `$ ${command} ${args.join(' ')}\n${output}`);
  if (run.status === 0) return;
  const why = run.error ? run.error.message : `exit ${run.status ?? run.signal}`;
  throw new Error(
    `moto install failed: "${command} ${args.join(' ')}" (${why}): ${fix}. Its full log (${logFile}):\n${output}`,
  );
}

function writeStderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Creates the venv and installs the pinned requirements, once; concurrent callers wait on a lock directory. */
export function ensureMotoInstalled(log: (line: string) => void = writeStderrLine): string {
  const bin = join(MOTO_VENV, 'bin');
  const want = requirementsHash();
  const ready = () => existsSync(STAMP) && readFileSync(STAMP, 'utf8') === want;
  if (ready()) return bin;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (ready()) return bin;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK}; remove it if no install is running`);
      sleepSync(500);
    }
  }
  try {
    if (ready()) return bin;
    log(`installing moto into ${MOTO_VENV} … (once, about a minute; pinned in chaos/env/requirements.txt)`);
    rmSync(MOTO_VENV, { recursive: true, force: true });
    rmSync(INSTALL_LOG, { force: true });
    const python = process.env.PYTHON ?? 'python3';
    runInstallStep(python, ['-m', 'venv', MOTO_VENV], `install Python 3.9+ with venv, or set PYTHON to one`);
    runInstallStep(join(bin, 'pip'), ['install', '--disable-pip-version-check', '-r', REQUIREMENTS], PIP_FIX);
    writeFileSync(STAMP, want);
    return bin;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

export interface MotoServer {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts moto_server on 127.0.0.1 and resolves once it answers. Its process group is killed on stop or exit. */
export async function startMotoServer(opts: { port?: number; log?: (line: string) => void } = {}): Promise<MotoServer> {
  const bin = ensureMotoInstalled(opts.log);
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', kill);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    pid: child.pid!,
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(kill, 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
