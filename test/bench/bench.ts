import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startMotoServer } from '../../chaos/env/moto-server';
import { benchDrill, type DrillBench, resetMoto } from './drill-bench';
import { benchSwitch, lambdaBundleBytes, type SwitchBenchRow } from './switch-bench';

/**
 * `npm run bench` — prints a table; `npm run bench -- --json` prints one JSON object on stdout (progress goes to
 * stderr); `--drills N` runs the Region-outage drill N times back to back and lists each RTO against its floor. Every
 * figure is measured in this run, baseline included, against one moto server started here (the drills run warm on it).
 */

const LAMBDA_BUDGET_BYTES = 1_000_000;
/** Issue #10's targets for the warm local drill: its wall time, and the RTO's allowance above the floor's worst case. */
const DRILL_WALL_TARGET_MS = 20_000;
const RTO_ALLOWANCE_MS = 1000;
const MAX_DRILLS = 20;
const log = (line: string) => process.stderr.write(`${line}\n`);

function parseOptions(): { json: boolean; drills: number } {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, drills: { type: 'string', default: '1' } },
  });
  const drills = Number(values.drills);
  if (!Number.isInteger(drills) || drills < 1 || drills > MAX_DRILLS) {
    throw new Error(
      `--drills ${values.drills}: give a whole number of drills from 1 to ${MAX_DRILLS}, e.g. --drills 5`,
    );
  }
  return { json: values.json, drills };
}

/** One drill's RTO against its floor, and whether it met the target (floor's best ≤ RTO ≤ worst + allowance). */
function drillLine(d: DrillBench & { readonly loadAverage: number }): string {
  const within = d.rtoMs >= d.rtoFloorMinMs && d.rtoMs <= d.rtoFloorMaxMs + RTO_ALLOWANCE_MS;
  const where =
    d.rtoMs < d.rtoFloorMinMs
      ? `${d.rtoFloorMinMs - d.rtoMs} ms BELOW the best case`
      : d.rtoMs <= d.rtoFloorMaxMs
        ? 'within the floor'
        : `${d.rtoMs - d.rtoFloorMaxMs} ms above the worst case`;
  return (
    `RTO ${d.rtoMs} ms, floor [${d.rtoFloorMinMs}, ${d.rtoFloorMaxMs}] ms: ${where} ` +
    `(${within ? 'meets' : 'MISSES'} best ≤ RTO ≤ worst + ${RTO_ALLOWANCE_MS} ms); wall ${d.wallMs} ms; ` +
    `${d.rpoLostWrites} lost write(s); load average ${d.loadAverage.toFixed(2)}`
  );
}

function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const { json, drills: drillCount } = parseOptions();
  const started = performance.now();
  const moto = await startMotoServer({ log });
  let switchRows: SwitchBenchRow[];
  const drills: (DrillBench & { readonly loadAverage: number })[] = [];
  try {
    switchRows = await benchSwitch({ endpoint: moto.endpoint, log });
    await resetMoto(moto.endpoint);
    for (let i = 1; i <= drillCount; i++) {
      log(`drill bench: running the local region-outage drill (${i} of ${drillCount})`);
      const drill = await benchDrill({ motoEndpoint: moto.endpoint });
      // The 1-minute load average as the drill ended: other work on the machine slows the local environment.
      drills.push({ ...drill, loadAverage: loadavg()[0] ?? 0 });
      log(`  ${drillLine(drills.at(-1)!)}`);
    }
  } finally {
    await moto.stop();
  }
  const bundleBytes = await lambdaBundleBytes();
  const drill = drills[0]!;

  const result = {
    switch: switchRows.map((r) => ({
      records: r.records,
      calls: r.changeCalls,
      ms: r.ms,
      naiveCalls: r.naiveCalls,
      naiveMs: r.naiveMs,
      minimumCalls: r.minimumCalls,
      allRoute53Calls: r.calls,
      ...(r.extrapolated ? { naiveExtrapolated: true } : {}),
    })),
    lambdaBundleBytes: bundleBytes,
    drill,
    ...(drillCount > 1 ? { drills } : {}),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const lines: string[][] = [
    ['records', 'change calls', 'fewest', 'vs fewest', 'ms', 'naive calls', 'naive ms', 'calls saved', 'speed-up'],
  ];
  for (const r of switchRows) {
    lines.push([
      String(r.records),
      String(r.changeCalls),
      String(r.minimumCalls),
      ratio(r.changeCalls, r.minimumCalls),
      String(r.ms),
      String(r.naiveCalls),
      `${r.naiveMs}${r.extrapolated ? '*' : ''}`,
      ratio(r.naiveCalls, r.changeCalls),
      ratio(r.naiveMs, r.ms),
    ]);
  }
  const out = [
    'Switch: Route 53 change calls and wall time, per-tenant (premium) records moved, against moto',
    table(lines),
    switchRows.some((r) => r.extrapolated)
      ? '* naive baseline extrapolated from the 1,000-record run (it would take over two minutes)'
      : '',
    '',
    `Lambda bundle (minified, as deployed): ${bundleBytes ?? 'n/a'} bytes ` +
      `(${bundleBytes === undefined ? 'n/a' : ratio(bundleBytes, LAMBDA_BUDGET_BYTES)} of the 1 MB budget)`,
    '',
    `Drill (local region outage, warm moto): wall ${drill.wallMs} ms (${ratio(drill.wallMs, DRILL_WALL_TARGET_MS)} of ` +
      `the ${DRILL_WALL_TARGET_MS / 1000} s target); RTO ${drill.rtoMs} ms against a floor of ` +
      `[${drill.rtoFloorMinMs}, ${drill.rtoFloorMaxMs}] ms (detection + Route 53 propagation + DNS TTL, ` +
      `${drill.clientsPerTenant} clients per tenant); ${drill.rpoLostWrites} lost write(s)`,
    ...(drillCount > 1
      ? [`${drillCount} consecutive Region-outage drills:`, ...drills.map((d, i) => `  ${i + 1}. ${drillLine(d)}`)]
      : []),
    `(bench total ${Math.round(performance.now() - started)} ms)`,
  ];
  process.stdout.write(`${out.filter((l, i) => l !== '' || i > 2).join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
