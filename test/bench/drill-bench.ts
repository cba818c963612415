import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDrill } from '../../chaos/drill/load';
import { localDriver } from '../../chaos/drill/local-driver';
import { runDrill } from '../../chaos/drill/runner';
import { startLocalEnvironment } from '../../chaos/env/environment';
import type { LocalEnvironment } from '../../chaos/env/types';
import { loadConfig } from '../../failover/config/load';

export interface DrillBench {
  readonly wallMs: number;
  readonly rtoMs: number;
  /** The RTO's physical floor, best and worst case (chaos/drill/measure/rto-floor.ts), as the drill measured it. */
  readonly rtoFloorMinMs: number;
  readonly rtoFloorMaxMs: number;
  readonly clientsPerTenant: number;
  readonly rpoLostWrites: number;
}

export interface DrillBenchOptions {
  /**
   * A moto server already running (warm: the drill does not start one). It is reset after the drill, so the next one
   * provisions the same names into an empty moto.
   */
  readonly motoEndpoint?: string;
}

/**
 * The full local Region-outage drill, as `npm run drill` runs it (environment, traffic, rollback, reports; its own moto
 * unless given one), with the RTO's floor range: what detection (M of N on the period grid) and DNS (Route 53
 * propagation, TTL, independent client caches) cost before the failover's own work.
 */
export async function benchDrill(opts: DrillBenchOptions = {}): Promise<DrillBench> {
  const file = resolve(__dirname, '../../chaos/drills/region-outage.yaml');
  const config = loadConfig();
  const reports = mkdtempSync(join(tmpdir(), 'drill-bench-'));
  const started = Date.now();
  let env: LocalEnvironment | undefined;
  try {
    const run = await runDrill({
      drill: loadDrill(file),
      drillFile: file,
      target: 'local',
      reportBase: reports,
      driver: async () => {
        env = await startLocalEnvironment({
          config,
          ...(opts.motoEndpoint ? { motoEndpoint: opts.motoEndpoint } : {}),
        });
        return localDriver(env, true);
      },
    });
    const m = run.journal.measurements;
    const rtoMs = m?.rto?.rtoMs;
    if (!run.passed || rtoMs === undefined || !m?.rtoFloor) {
      // The report directory goes with the bench: say here why it did not pass.
      const j = run.journal;
      const why = [
        j.abortReason,
        ...(j.expectations ?? [])
          .filter((e) => !e.passed)
          .map((e) => `${e.name}: expected ${e.expected}, got ${e.actual}`),
        j.deviated
          ? `deviated: ${(j.steadyStateAfter?.probes ?? [])
              .filter((p) => !p.met)
              .map((p) => `${p.name} = ${p.value}`)
              .join('; ')}`
          : undefined,
        j.rollbackVerified ? undefined : 'rollback not verified',
      ].filter((w) => w !== undefined);
      throw new Error(`the region-outage drill did not pass (status ${j.status}): ${why.join('; ')}`);
    }
    return {
      wallMs: Date.now() - started,
      rtoMs,
      rtoFloorMinMs: m.rtoFloor.bestMs,
      rtoFloorMaxMs: m.rtoFloor.worstMs,
      clientsPerTenant: m.clientsPerTenant ?? 0,
      rpoLostWrites: m.rpo?.lostWrites ?? 0,
    };
  } finally {
    await env?.stop();
    rmSync(reports, { recursive: true, force: true });
    if (opts.motoEndpoint) await resetMoto(opts.motoEndpoint);
  }
}

/** moto's own reset (POST /moto-api/reset): every resource of every Region gone, the process kept. */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`resetting moto at ${endpoint} failed: HTTP ${res.status}; restart the bench`);
}

if (require.main === module) {
  benchDrill().then(
    (result) => process.stdout.write(`${JSON.stringify({ drill: result })}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
