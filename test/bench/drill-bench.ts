import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDrill } from '../../chaos/drill/load';
import { localDriver } from '../../chaos/drill/local-driver';
import { runDrill } from '../../chaos/drill/runner';
import { startLocalEnvironment } from '../../chaos/env/environment';
import { applyLocalProfile, LOCAL_PROFILE } from '../../chaos/env/local-profile';
import type { LocalEnvironment } from '../../chaos/env/types';
import { loadConfig } from '../../failover/config/load';

/**
 * The full local Region-outage drill, as `npm run drill` runs it (its own moto, environment, traffic, rollback,
 * reports). rtoFloorMs is what no implementation can beat with this profile: the alarm needs datapointsToAlarm
 * periods of bad data (the detection window), and a client keeps its cached DNS answer for the TTL.
 */
export async function benchDrill(): Promise<{ wallMs: number; rtoMs: number; rtoFloorMs: number }> {
  const file = resolve(__dirname, '../../chaos/drills/region-outage.yaml');
  const config = loadConfig();
  const local = applyLocalProfile(config, LOCAL_PROFILE);
  const rtoFloorMs = (local.detection.datapointsToAlarm * local.detection.periodSeconds + local.dns.ttlSeconds) * 1000;
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
    const rtoMs = run.journal.measurements?.rto?.rtoMs;
    if (!run.passed || rtoMs === undefined) {
      throw new Error(
        `the region-outage drill did not pass (status ${run.journal.status}): ${run.journal.abortReason ?? 'see its report'}`,
      );
    }
    return { wallMs: Date.now() - started, rtoMs, rtoFloorMs };
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
