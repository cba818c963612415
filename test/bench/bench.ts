import { performance } from 'node:perf_hooks';
import { startMotoServer } from '../../chaos/env/moto-server';
import { benchDrill } from './drill-bench';
import { benchSwitch, lambdaBundleBytes, type SwitchBenchRow } from './switch-bench';

/**
 * `npm run bench` — prints a table; `npm run bench -- --json` prints one JSON object on stdout (progress goes to
 * stderr). Every figure is measured in this run, baseline included, against a moto server started here.
 */

const LAMBDA_BUDGET_BYTES = 1_000_000;
const json = process.argv.includes('--json');
const log = (line: string) => process.stderr.write(`${line}\n`);

function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const moto = await startMotoServer({ log });
  let switchRows: SwitchBenchRow[];
  try {
    switchRows = await benchSwitch({ endpoint: moto.endpoint, log });
  } finally {
    await moto.stop();
  }
  const bundleBytes = await lambdaBundleBytes();
  log('drill bench: running the local region-outage drill');
  const drill = await benchDrill();

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
    `Drill (local region outage): wall ${drill.wallMs} ms; RTO ${drill.rtoMs} ms against a floor of ` +
      `[${drill.rtoFloorMinMs}, ${drill.rtoFloorMaxMs}] ms (detection + DNS TTL, ${drill.clientsPerTenant} clients per tenant); ` +
      `${drill.rpoLostWrites} lost write(s)`,
    `(bench total ${Math.round(performance.now() - started)} ms)`,
  ];
  process.stdout.write(`${out.filter((l, i) => l !== '' || i > 2).join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
