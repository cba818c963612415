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

/**
 * The full local Region-outage drill, as `npm run drill` runs it (its own moto, environment, traffic, rollback,
 * reports), with the RTO's floor range: what detection (M of N on the period grid) and DNS (TTL, independent client
 * caches) cost before the failover's own work.
 */
export async function benchDrill(): Promise<DrillBench> {
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
        env = await startLocalEnvironment({ config });
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
  }
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
