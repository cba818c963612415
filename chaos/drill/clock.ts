import { sleep } from './traffic';

/**
 * The runner's time: when it stamps the journal, how long it holds a fault, when a wait times out. Injected so the
 * runner can be driven on a virtual clock; the synthetic traffic stamps its samples with wall time, so a drill with
 * real traffic runs on the system clock.
 */
export interface DrillClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemDrillClock: DrillClock = { now: () => Date.now(), sleep };
