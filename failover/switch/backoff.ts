/**
 * Retries Route 53 calls that were throttled, with exponential backoff and full jitter
 * (sleep = random(0, min(cap, base * 2^retry)), as in the AWS Architecture Blog "Exponential Backoff And Jitter").
 * Our own small function rather than the SDK's retry or a library: the switch must count every call and retry it makes
 * and report each wait, and tests inject sleep and random to check the delays without waiting.
 */

export interface BackoffOptions {
  /** First retry waits up to this long. */
  readonly baseMs: number;
  /** No single wait is longer than this. */
  readonly capMs: number;
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1). */
  readonly random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 200,
  capMs: 10_000,
  maxAttempts: 8,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Error codes Route 53 answers when it wants us to slow down: `Throttling` (over the per-account request rate),
 * `ThrottlingException`, and `PriorRequestNotComplete` (a change to the same zone is still being processed).
 */
export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
]);

/** The error code as SDK v3 raises it (`name`), or as a plain `Code`/`code` field; undefined if the error has none. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e.name, e.Code, e.code]) {
    if (typeof v === 'string' && RETRYABLE_ERROR_CODES.has(v)) return v;
  }
  return typeof e.name === 'string' ? e.name : undefined;
}

export function isRetryable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
}

export interface RetryReport {
  /** The attempt that failed (1 = the first call). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly code: string;
}

/** The wait before retry number `retry` (0-based): uniform in [0, min(cap, base * 2^retry)). */
export function fullJitterDelay(retry: number, options: Pick<BackoffOptions, 'baseMs' | 'capMs' | 'random'>): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** retry);
  return Math.floor(options.random() * ceiling);
}

/** Raised when a call is still throttled after `maxAttempts`: names the operation, the code and what to do. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly code: string,
    override readonly cause: unknown,
  ) {
    super(
      `${operation} still failed with ${code} after ${attempts} attempts (exponential backoff with jitter): ` +
        'Route 53 is throttling this account or still processing a prior change to the zone; ' +
        'rerun the switch (it converges), or raise backoff.maxAttempts',
    );
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Calls `call` until it succeeds, retrying only throttling errors; other errors are thrown at once. `onRetry` hears
 * about every wait before it starts.
 */
export async function withBackoff<T>(
  operation: string,
  call: () => Promise<T>,
  options: BackoffOptions,
  onRetry: (report: RetryReport) => void = () => {},
): Promise<T> {
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new Error(`backoff.maxAttempts must be an integer >= 1 (got ${options.maxAttempts})`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const code = errorCode(err)!;
      if (attempt >= options.maxAttempts) throw new RetriesExhaustedError(operation, attempt, code, err);
      const delayMs = fullJitterDelay(attempt - 1, options);
      onRetry({ attempt, delayMs, code });
      await options.sleep(delayMs);
    }
  }
}
