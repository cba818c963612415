import type { DrillClock } from './clock';
import type { DrillDriver } from './driver';
import type { ProbeResult, SteadyStateResult } from './journal';
import { clientsRecoveredAt } from './measure/client-recovery';
import { evaluateProbe, probeWindowMs } from './probes';
import type { Drill, DrillTarget, Probe } from './schema';
import { interruptibleSleep } from './stop';
import type { SyntheticTraffic } from './traffic';

export interface HypothesisContext {
  readonly drill: Drill;
  readonly driver: DrillDriver;
  readonly traffic: SyntheticTraffic;
  readonly tenantIds: readonly string[];
  readonly target: DrillTarget;
  readonly clock: DrillClock;
}

/**
 * The steady-state hypothesis (Chaos Toolkit's term): the probes that say the system is well, checked before the
 * method (nothing is injected unless they hold) and after the rollback (a deviation is a state that does not come back).
 */
export class SteadyStateHypothesis {
  /** Synthetic traffic must run this long before the probes' windows are full. */
  readonly warmupMs: number;

  constructor(private readonly ctx: HypothesisContext) {
    this.warmupMs = Math.max(
      ...ctx.drill.steadyStateHypothesis.probes.map((p) =>
        probeWindowMs(p, ctx.target, ctx.driver.defaultProbeWindowMs),
      ),
    );
  }

  /** Runs one probe (of the hypothesis or a method step) over what the traffic and the environment show now. */
  probe(probe: Probe, now = this.ctx.clock.now()): Promise<ProbeResult> {
    const { driver, traffic, tenantIds, target } = this.ctx;
    return evaluateProbe(probe, {
      config: driver.config,
      target,
      now,
      samples: traffic.samples,
      tenantIds,
      defaultWindowMs: driver.defaultProbeWindowMs,
      store: driver.store,
      replicationLagMs: () => driver.replicationLagMs(),
    });
  }

  async check(): Promise<SteadyStateResult> {
    const now = this.ctx.clock.now();
    const probes: ProbeResult[] = [];
    for (const probe of this.ctx.drill.steadyStateHypothesis.probes) probes.push(await this.probe(probe, now));
    return { at: now, met: probes.every((p) => p.met), probes };
  }

  /** Before the method: lets the traffic fill the probes' windows, then checks. A signal stops the wait. */
  async before(note: (text: string) => void, signal?: AbortSignal): Promise<SteadyStateResult> {
    const { traffic, driver, clock } = this.ctx;
    // The window starts once every client has been answered once: on a loaded machine the cold start (every client
    // resolving its name at once) can take longer than the window itself. Bounded; the probes judge what they see.
    const coldStartUntil = clock.now() + 15_000;
    while (traffic.clientsHeardFrom() < traffic.clientCount && clock.now() < coldStartUntil) {
      await interruptibleSleep(clock, Math.min(100, driver.pollMs), signal);
    }
    note(`synthetic traffic for ${this.warmupMs / 1000} s`);
    await interruptibleSleep(clock, this.warmupMs, signal);
    return this.check();
  }

  /** After the rollback: clients back home, a fresh window of traffic, then a bounded time to settle. */
  async after(): Promise<SteadyStateResult> {
    const { driver, traffic, tenantIds, clock } = this.ctx;
    const config = driver.config;
    const home = config.regions.primary;
    const since = clock.now();
    const deadline = since + (config.dns.ttlSeconds * 1000 + 15_000);
    while (clock.now() < deadline && clientsRecoveredAt(traffic.samples, tenantIds, home, since) === undefined) {
      await clock.sleep(driver.pollMs);
    }
    await clock.sleep(this.warmupMs);
    // The system gets a bounded time to settle (replication draining on a loaded machine), then is judged: a
    // deviation is a steady state that does not come back, not a probe read one instant after the rollback.
    const settleUntil = clock.now() + Math.max(2 * this.warmupMs, 5000);
    let after = await this.check();
    while (!after.met && clock.now() < settleUntil) {
      await clock.sleep(Math.max(driver.pollMs, 250));
      after = await this.check();
    }
    return after;
  }
}
