import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { Logger, type LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * The local stand-in of the central log platform (infra/constructs/log-shipping.ts ships every log group of both
 * Regions to one destination on AWS): one JSON-lines file per environment run where every component's structured
 * lines land — both Regions' tenant services (tailed from their own log files, as a forwarder tails a log group), the
 * failover handler's Powertools lines, the environment's models (alarm states, SNS deliveries, replication, faults) —
 * each with `time`, `region` (where it has one), `component`, `level` and `msg`.
 *
 * Order: lines are held back `graceMs` so that a line read late from a file still lands in time order; `stop()` reads
 * what is left, then rewrites the file sorted by time (stable), so the finished file is one timeline whatever the lag.
 */

export interface CombinedLogLine {
  readonly time: string;
  readonly component: string;
  readonly level: string;
  readonly msg: string;
  readonly region?: string;
  readonly [field: string]: unknown;
}

interface Followed {
  readonly file: string;
  readonly fields: { readonly component: string; readonly region?: string };
  offset: number;
  partial: string;
}

export interface CombinedLogOptions {
  readonly file: string;
  /** How often followed files are read and settled lines written (default 250 ms). */
  readonly flushMs?: number;
  /** How long a line is held back for lines with earlier times to arrive (default 1000 ms). */
  readonly graceMs?: number;
  readonly now?: () => number;
}

const timeOf = (line: CombinedLogLine) => {
  const t = Date.parse(line.time);
  return Number.isNaN(t) ? 0 : t;
};

export class CombinedLog {
  readonly file: string;
  private readonly flushMs: number;
  private readonly graceMs: number;
  private readonly now: () => number;
  private readonly followed: Followed[] = [];
  private pending: CombinedLogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: CombinedLogOptions) {
    this.file = opts.file;
    this.flushMs = opts.flushMs ?? 250;
    this.graceMs = opts.graceMs ?? 1000;
    this.now = opts.now ?? Date.now;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, '');
  }

  start(): void {
    this.timer = setInterval(() => this.flush(false), this.flushMs);
    this.timer.unref();
  }

  write(line: CombinedLogLine): void {
    if (this.stopped) return;
    this.pending.push(line);
  }

  /** Tails a JSON-lines file (a tenant service's stdout) from its start; each line gets `fields` where it lacks them. */
  follow(file: string, fields: Followed['fields']): void {
    this.followed.push({ file, fields, offset: 0, partial: '' });
  }

  /** Reads what is left, writes everything, and leaves the file sorted by time. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.timer);
    for (const f of this.followed) {
      this.readFollowed(f);
      // A process stopped mid-line: what it wrote is kept as text, not dropped.
      if (f.partial.trim()) this.pending.push(parseLine(f.partial, f.fields, this.now()));
      f.partial = '';
    }
    this.flush(true);
    this.stopped = true;
    const lines = readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as CombinedLogLine);
    // Array.prototype.sort is stable: lines with the same time keep the order they were written in.
    lines.sort((a, b) => timeOf(a) - timeOf(b));
    writeFileSync(this.file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }

  private flush(all: boolean): void {
    for (const f of this.followed) this.readFollowed(f);
    if (this.pending.length === 0) return;
    const settledBefore = all ? Number.POSITIVE_INFINITY : this.now() - this.graceMs;
    this.pending.sort((a, b) => timeOf(a) - timeOf(b));
    const cut = this.pending.findIndex((l) => timeOf(l) > settledBefore);
    const out = cut === -1 ? this.pending : this.pending.slice(0, cut);
    this.pending = cut === -1 ? [] : this.pending.slice(cut);
    if (out.length > 0) appendFileSync(this.file, out.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }

  private readFollowed(f: Followed): void {
    if (!existsSync(f.file)) return;
    const size = statSync(f.file).size;
    if (size <= f.offset) return;
    const fd = openSync(f.file, 'r');
    try {
      const buf = Buffer.alloc(size - f.offset);
      const n = readSync(fd, buf, 0, buf.length, f.offset);
      f.offset += n;
      const text = f.partial + buf.subarray(0, n).toString('utf8');
      const parts = text.split('\n');
      f.partial = parts.pop() ?? '';
      for (const raw of parts) if (raw.trim()) this.pending.push(parseLine(raw, f.fields, this.now()));
    } finally {
      closeSync(fd);
    }
  }
}

/** A structured line keeps its fields; anything else (a stack trace, a runtime warning) is kept as the message. */
function parseLine(raw: string, fields: Followed['fields'], now: number): CombinedLogLine {
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return {
        ...fields,
        ...parsed,
        time: typeof parsed.time === 'string' ? parsed.time : new Date(now).toISOString(),
        component: fields.component,
        level: typeof parsed.level === 'string' ? parsed.level.toLowerCase() : 'info',
        msg: typeof parsed.msg === 'string' ? parsed.msg : String(parsed.message ?? ''),
      };
    }
  } catch {
    // not JSON: kept as text below
  }
  return { ...fields, time: new Date(now).toISOString(), level: 'info', msg: raw };
}

const LEVELS: Record<string, number> = LogLevelThreshold;

/**
 * The failover handler's Powertools logger, forwarding every line at or above INFO to the combined log while printing
 * to the console only from `consoleLevel` (Powertools' documented extension point: createLogger, so child loggers
 * forward too).
 */
export function forwardingLogger(
  options: ConstructorOptions,
  consoleLevel: keyof typeof LogLevelThreshold,
  forward: (line: CombinedLogLine) => void,
): Logger {
  const consoleThreshold = LEVELS[consoleLevel] ?? LogLevelThreshold.WARN;
  class ForwardingLogger extends Logger {
    protected override createLogger(opts?: ConstructorOptions): Logger {
      return new ForwardingLogger(opts);
    }
    protected override printLog(logLevel: number, log: LogItem): void {
      const { timestamp, level, message, ...rest } = log.getAttributes() as Record<string, unknown>;
      forward({
        ...rest,
        time: typeof timestamp === 'string' ? timestamp : new Date().toISOString(),
        component: 'failover-handler',
        level: String(level ?? 'INFO').toLowerCase(),
        msg: String(message ?? ''),
      });
      if (logLevel >= consoleThreshold) super.printLog(logLevel, log);
    }
  }
  const threshold = Math.min(consoleThreshold, LogLevelThreshold.INFO);
  const levelName = Object.entries(LogLevelThreshold).find(([, v]) => v === threshold)?.[0] ?? 'INFO';
  return new ForwardingLogger({ ...options, logLevel: levelName as ConstructorOptions['logLevel'] });
}
