import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { build } from 'esbuild';
import { clientConfig, ROUTE53_CONTROL_PLANE_REGION } from '../../failover/aws/clients';
import { FAILOVER_LAMBDA_BUNDLING, FAILOVER_LAMBDA_ENTRY } from '../../failover/handler/bundling';
import { minimumBatches } from '../../failover/switch/batch';
import { provisionRecords, routingRecordName, routingTarget, zoneNames } from '../../failover/switch/records';
import { Route53RecordsSwitch } from '../../failover/switch/route53-switch';

const ROOT = resolve(__dirname, '../..');
const REGIONS = { primary: 'us-east-1', secondary: 'us-west-2' } as const;

export interface SwitchBenchOptions {
  /** The moto server to measure against (its endpoint on loopback). */
  readonly endpoint: string;
  readonly sizes?: readonly number[];
  /** A naive run predicted to take longer than this is extrapolated from the largest one measured. */
  readonly naiveBudgetMs?: number;
  readonly log?: (line: string) => void;
}

export interface SwitchBenchRow {
  /** Premium-tenant routing records (plus the one shared record) moved from the primary to the secondary Region. */
  readonly records: number;
  /** Every Route 53 call the switch made: reads, changes, GetChange polls, read-back. */
  readonly calls: number;
  /** Of those, ChangeResourceRecordSets requests. */
  readonly changeCalls: number;
  readonly ms: number;
  /** The naive baseline: one UPSERT request per record, one after another, no read, no wait, no verification. */
  readonly naiveCalls: number;
  readonly naiveMs: number;
  /** The fewest ChangeResourceRecordSets requests Route 53's limits allow for these changes. */
  readonly minimumCalls: number;
  readonly extrapolated?: boolean;
}

/** A Route 53 client that counts the requests it sends. */
function countingClient(endpoint: string): { route53: Route53Client; calls: () => number } {
  const route53 = new Route53Client(clientConfig(ROUTE53_CONTROL_PLANE_REGION, { endpoint }, 1));
  let calls = 0;
  route53.middlewareStack.add(
    (next) => (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'regionflipBenchCallCounter' },
  );
  return { route53, calls: () => calls };
}

/** A zone of its own with `premium` tenants and the shared record, all routed to the primary Region. */
async function provisionZone(route53: Route53Client, premium: number, run: string) {
  const zoneName = `bench-${run}-${premium}.example.com`;
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: zoneName, CallerReference: `${run}-${premium}` }),
  );
  const hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  const names = zoneNames(zoneName);
  const labels = ['shared', ...Array.from({ length: premium }, (_, i) => `t${String(i).padStart(5, '0')}`)];
  await provisionRecords(
    route53,
    hostedZoneId,
    labels.map((label) => ({
      name: routingRecordName(names, label),
      value: routingTarget(names, label, REGIONS.primary),
      ttl: 60,
    })),
  );
  return { zoneName, hostedZoneId, names, labels };
}

/**
 * The project's switch against the naive baseline, for 10, 1,000 and 10,000 premium tenants, in the same run on the same
 * moto server. Each size gets its own hosted zone (left in the server: it is a throwaway). moto's UPSERT scans the
 * zone, so absolute times grow faster than linearly; the call counts are what carries over to Route 53, where
 * each call costs rate limit (~5 requests/s per account) and a serialised change per zone.
 */
export async function benchSwitch(opts: SwitchBenchOptions): Promise<SwitchBenchRow[]> {
  const sizes = opts.sizes ?? [10, 1000, 10_000];
  const budgetMs = opts.naiveBudgetMs ?? 120_000;
  const log = opts.log ?? (() => {});
  const run = Date.now().toString(36);
  const rows: SwitchBenchRow[] = [];
  let naiveMsPerRecord: number | undefined;
  for (const premium of sizes) {
    const { route53, calls } = countingClient(opts.endpoint);
    const provisionStart = performance.now();
    const zone = await provisionZone(route53, premium, run);
    log(`switch bench: ${premium} premium records provisioned in ${Math.round(performance.now() - provisionStart)} ms`);

    const sw = new Route53RecordsSwitch({
      route53,
      hostedZoneId: zone.hostedZoneId,
      zoneName: zone.zoneName,
      regions: REGIONS,
      ttlSeconds: 60,
      inSyncPollMs: 10,
    });
    const before = calls();
    const started = performance.now();
    const plan = await sw.plan({ targetRegion: REGIONS.secondary, scope: { kind: 'region' } });
    const outcome = await sw.apply(plan);
    const ms = performance.now() - started;
    const switchCalls = calls() - before;

    // The naive baseline moves the same records back, one request each.
    const naiveCalls = zone.labels.length;
    const predictedMs = naiveMsPerRecord !== undefined ? naiveMsPerRecord * naiveCalls : 0;
    let naiveMs: number;
    let extrapolated = false;
    if (predictedMs > budgetMs) {
      naiveMs = predictedMs;
      extrapolated = true;
    } else {
      const naiveStart = performance.now();
      for (const label of zone.labels) {
        await route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zone.hostedZoneId,
            ChangeBatch: {
              Changes: [
                {
                  Action: 'UPSERT',
                  ResourceRecordSet: {
                    Name: routingRecordName(zone.names, label),
                    Type: 'CNAME',
                    TTL: 60,
                    ResourceRecords: [{ Value: routingTarget(zone.names, label, REGIONS.primary) }],
                  },
                },
              ],
            },
          }),
        );
      }
      naiveMs = performance.now() - naiveStart;
      naiveMsPerRecord = naiveMs / naiveCalls;
    }
    const row: SwitchBenchRow = {
      records: premium,
      calls: switchCalls,
      changeCalls: outcome.changeCalls,
      ms: Math.round(ms),
      naiveCalls,
      naiveMs: Math.round(naiveMs),
      minimumCalls: minimumBatches(plan.changes),
      ...(extrapolated ? { extrapolated } : {}),
    };
    log(`switch bench: ${JSON.stringify(row)}`);
    rows.push(row);
  }
  return rows;
}

/**
 * The size of the failover Lambda's bundle as deployed: esbuild, minified, CommonJS for Node 22. The AWS SDK is
 * bundled too (the Node 22 runtime ships an SDK v3, but of an unpinned version; bundling pins the one we test with,
 * and the figure is then the honest size of what runs). Undefined while the entry point does not exist.
 */
export async function lambdaBundleBytes(entry = FAILOVER_LAMBDA_ENTRY): Promise<number | undefined> {
  const file = resolve(ROOT, entry);
  if (!existsSync(file)) return undefined;
  const result = await build({
    entryPoints: [file],
    bundle: true,
    minify: FAILOVER_LAMBDA_BUNDLING.minify,
    platform: 'node',
    target: FAILOVER_LAMBDA_BUNDLING.target,
    mainFields: [...FAILOVER_LAMBDA_BUNDLING.mainFields],
    external: [...FAILOVER_LAMBDA_BUNDLING.externalModules],
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles.reduce((sum, f) => sum + f.contents.byteLength, 0);
}
