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

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const PIP_FIX = 'check the network or the pip index (PIP_INDEX_URL), then run the command again';

/**
 * One install step with its output captured: pip's progress and warnings are noise when it works and the whole story
 * when it does not, so the log is kept in a file and shown in full only in the error.
 */
export function runInstallStep(
  command: string,
  args: readonly string[],
  fix: string,
  logFile: string,
  what = 'moto',
): void {
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
    `${what} install failed: "${command} ${args.join(' ')}" (${why}): ${fix}. Its full log (${logFile}):\n${output}`,
  );
}

function writeStderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Creates the moto venv and installs its pinned requirements, once. */
export function ensureMotoInstalled(log: (line: string) => void = writeStderrLine): string {
  return ensurePythonVenv('moto-venv', REQUIREMENTS, log);
}

/**
 * Creates .cache/<name> and installs the pinned requirements file into it, once per version of that file; concurrent
 * callers wait on a lock directory. One line on `log`; pip's output goes to .cache/<name>-install.log, shown in full
 * only if the install fails. Returns the venv's bin directory.
 */
export function ensurePythonVenv(
  name: string,
  requirements: string,
  log: (line: string) => void = writeStderrLine,
): string {
  const venv = join(ROOT, '.cache', name);
  const bin = join(venv, 'bin');
  const stamp = join(venv, '.requirements-sha256');
  const lock = join(ROOT, '.cache', `${name}.lock`);
  const installLog = join(ROOT, '.cache', `${name}-install.log`);
  const what = name.replace(/-venv$/, '');
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const ready = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === want;
  if (ready()) return bin;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (ready()) return bin;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}; remove it if no install is running`);
      sleepSync(500);
    }
  }
  try {
    if (ready()) return bin;
    log(`installing ${what} into ${venv} … (once per version of ${requirements}, about a minute)`);
    rmSync(venv, { recursive: true, force: true });
    rmSync(installLog, { force: true });
    const python = process.env.PYTHON ?? 'python3';
    runInstallStep(
      python,
      ['-m', 'venv', venv],
      'install Python 3.9+ with venv, or set PYTHON to one',
      installLog,
      what,
    );
    runInstallStep(
      join(bin, 'pip'),
      ['install', '--disable-pip-version-check', '-r', requirements],
      PIP_FIX,
      installLog,
      what,
    );
    writeFileSync(stamp, want);
    return bin;
  } finally {
    rmSync(lock, { recursive: true, force: true });
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
