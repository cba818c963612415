import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { loadConfig } from '../../failover/config/load';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { buildRegionFlipApp, type RegionFlipStacks } from '../../infra/regionflip-app';

/**
 * Synthesises the RegionFlip app the way `cdk synth` does (cdk.json feature flags, AwsSolutions checks) into a temp dir.
 * Each test file synthesises once in beforeAll and removes the dir in afterAll: NodejsFunction bundling takes seconds.
 */

const ROOT = resolve(__dirname, '../..');

/** The feature flags and defaults of cdk.json, so tests see what `cdk synth` sees. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface Synthesized {
  readonly app: App;
  readonly config: RegionFlipConfig;
  readonly stacks: RegionFlipStacks;
  readonly outdir: string;
  dispose(): void;
}

export interface SynthOptions {
  readonly config?: RegionFlipConfig;
  readonly activeRegion?: string;
  /** Bundle the failover Lambda with esbuild (slower); off, the CDK stages a placeholder asset. */
  readonly bundle?: boolean;
}

export function synthesize(options: SynthOptions = {}): Synthesized {
  const config = options.config ?? loadConfig();
  const outdir = mkdtempSync(join(tmpdir(), 'regionflip-synth-'));
  const app = new App({
    outdir,
    analyticsReporting: false,
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { [BUNDLING_STACKS]: [] }) },
  });
  const stacks = buildRegionFlipApp(app, { config, activeRegion: options.activeRegion });
  app.synth();
  return { app, config, stacks, outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The sample configuration with changes (tests of other shapes: imported zone, other tenants). */
export function sampleConfig(change: (config: RegionFlipConfig) => RegionFlipConfig = (c) => c): RegionFlipConfig {
  return change(loadConfig());
}

/**
 * A template without what changes with unrelated code: asset hashes (Lambda bundle, image, custom resource code)
 * become "<asset-hash>", so a snapshot changes only when the infrastructure does.
 */
export function normaliseTemplate(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}
