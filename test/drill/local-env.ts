import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDrill } from '../../chaos/drill/load';
import { localDriver } from '../../chaos/drill/local-driver';
import { type DrillRun, runDrill } from '../../chaos/drill/runner';
import { startLocalEnvironment } from '../../chaos/env/environment';
import { loadConfig } from '../../failover/config/load';
import { motoTarget } from '../support/moto';

/**
 * Runs a catalogue drill on a fresh local environment over the test run's moto server. Each drill gets its own
 * environment (its own app name, so its own tables, alarms and zone): a failover leaves a cooldown behind.
 */
export async function runCatalogueDrill(name: string): Promise<DrillRun> {
  const file = join(__dirname, '../../chaos/drills', `${name}.yaml`);
  const config = { ...loadConfig(), app: `d${randomBytes(4).toString('hex')}` };
  const env = await startLocalEnvironment({ config, motoEndpoint: motoTarget().endpoint! });
  try {
    return await runDrill({
      drill: loadDrill(file),
      drillFile: file,
      target: 'local',
      reportBase: mkdtempSync(join(tmpdir(), `drill-${name}-`)),
      driver: async () => localDriver(env, false),
    });
  } finally {
    await env.stop();
  }
}

export const describeRun = (run: DrillRun) =>
  JSON.stringify(
    {
      status: run.journal.status,
      abortReason: run.journal.abortReason,
      deviated: run.journal.deviated,
      steadyStateAfter: run.journal.steadyStateAfter?.probes.filter((p) => !p.met),
      expectations: run.journal.expectations?.filter((e) => !e.passed),
      steps: run.journal.steps.filter((s) => s.status !== 'succeeded'),
      rollbacks: run.journal.rollbacks.filter((s) => s.status !== 'succeeded'),
    },
    null,
    1,
  );

/**
 * The catalogue's region-outage drill with a steady state loose enough for a loaded CI machine, written into `dir`:
 * kill and signal tests are about stopping, not latency, and must reach the method to stop it there.
 */
export function relaxedRegionOutageDrill(dir: string, name = 'region-outage-relaxed'): string {
  const relaxed = readFileSync(join(__dirname, '../../chaos/drills/region-outage.yaml'), 'utf8')
    .replace('$schema=../drill/drill.schema.json', '$schema=drill.schema.json')
    .replace('{ type: success-rate, min: 0.99, window: 2s }', '{ type: success-rate, min: 0.5, window: 2s }')
    .replace('{ type: p99-latency, maxMs: 2000, window: 2s }', '{ type: p99-latency, maxMs: 30000, window: 2s }')
    .replace('{ type: replication-lag, maxMs: 5000 }', '{ type: replication-lag, maxMs: 30000 }');
  for (const loosened of ['min: 0.5', 'maxMs: 30000, window', 'replication-lag, maxMs: 30000']) {
    if (!relaxed.includes(loosened)) throw new Error(`region-outage.yaml changed: "${loosened}" was not applied`);
  }
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, relaxed);
  return file;
}
