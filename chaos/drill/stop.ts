import type { DrillClock } from './clock';

/** Why the method stopped early; the drill still rolls back and reports. */
export class MethodStopped extends Error {
  constructor(
    readonly status: 'aborted' | 'interrupted' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/** Throws MethodStopped when a signal (Ctrl-C, SIGTERM) aborted the drill. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MethodStopped('interrupted', `interrupted (${String(signal.reason ?? 'signal')})`);
}

/** Sleeps `ms`, waking every 200 ms at most to see whether a signal stopped the drill. */
export async function interruptibleSleep(clock: DrillClock, ms: number, signal?: AbortSignal): Promise<void> {
  const until = clock.now() + ms;
  while (clock.now() < until) {
    throwIfInterrupted(signal);
    await clock.sleep(Math.min(200, until - clock.now()));
  }
}

export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
