import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
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

/** The Region stack and the tenant stacks of one Region: everything deployed there for tenants. */
export function stacksOfRegion(stacks: RegionFlipStacks, region: string): Stack[] {
  return [stacks.regions[region]!, ...Object.values(stacks.tenants[region] ?? {})];
}

/**
 * What a value means across stacks: `{ Ref: X }` and `{ "Fn::GetAtt": [X, …] }` name X; `{ "Fn::ImportValue": … }`
 * names the logical id that the exporting stack's output refers to (strong cross-stack references export a Ref or
 * GetAtt). Lets an assertion follow a tenant stack's rule to the Region stack's listener.
 */
export function exportedLogicalIds(template: Template): ReadonlyMap<string, string> {
  const outputs = (template.toJSON().Outputs ?? {}) as Record<string, { Value: unknown; Export?: { Name: string } }>;
  const ids = new Map<string, string>();
  for (const output of Object.values(outputs)) {
    const target = logicalIdOf(output.Value);
    if (output.Export && target) ids.set(output.Export.Name, target);
  }
  return ids;
}

export function logicalIdOf(value: unknown, exported: ReadonlyMap<string, string> = new Map()): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
  if (typeof v['Fn::ImportValue'] === 'string') return exported.get(v['Fn::ImportValue']);
  return undefined;
}

/** Every stack of the app: data, DNS, both Region stacks and every tenant stack. */
export function allStacks(stacks: RegionFlipStacks): Stack[] {
  return [
    stacks.data,
    stacks.dns,
    ...Object.values(stacks.regions),
    ...Object.values(stacks.tenants).flatMap((byTenant) => Object.values(byTenant)),
  ];
}

/**
 * Each target group of the app ("<stack>/<logical id>") and the healthy-host alarms that read it, across stacks:
 * an alarm's `TargetGroup` dimension is a GetAtt in its own stack or an import of another stack's export.
 */
export function healthyHostAlarmsByTargetGroup(stacks: RegionFlipStacks): Map<string, string[]> {
  const templates = allStacks(stacks).map((stack) => ({ name: stack.stackName, template: Template.fromStack(stack) }));
  const exports = new Map<string, string>();
  for (const { name, template } of templates) {
    for (const [exportName, id] of exportedLogicalIds(template)) exports.set(exportName, `${name}/${id}`);
  }
  const watched = new Map<string, string[]>();
  for (const { name, template } of templates) {
    for (const id of Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))) {
      watched.set(`${name}/${id}`, []);
    }
  }
  for (const { name, template } of templates) {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      const queries = (alarm.Properties.Metrics ?? []) as {
        MetricStat?: { Metric: { MetricName: string; Dimensions?: { Name: string; Value: unknown }[] } };
      }[];
      for (const q of queries) {
        if (q.MetricStat?.Metric.MetricName !== 'HealthyHostCount') continue;
        const value = q.MetricStat.Metric.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value;
        const v = value as Record<string, unknown> | undefined;
        const key =
          typeof v?.['Fn::ImportValue'] === 'string'
            ? exports.get(v['Fn::ImportValue'])
            : logicalIdOf(value) && `${name}/${logicalIdOf(value)}`;
        if (key) watched.get(key)?.push(`${name}/${String(alarm.Properties.AlarmName)}`);
      }
    }
  }
  return watched;
}
