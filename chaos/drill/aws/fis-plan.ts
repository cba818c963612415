import type { ExperimentTemplate } from '@aws-sdk/client-fis';
import type { RegionFlipConfig } from '../../../failover/config/schema';
import { FIS_LATENCY_TAG, FIS_TAGS, type FisFault } from '../../../infra/fis/tags';
import { resolveRegion } from '../load';
import type { Drill, Fault } from '../schema';
import { fisFaultOf } from './aws-driver';
import type { FisFaults } from './fis-faults';

/**
 * What `drill run --target aws --dry-run` adds to the plan: the FIS experiment templates the drill would start, found
 * by tag exactly as the run finds them, with their actions, targets and stop conditions. Only List/Get calls: nothing
 * is started or changed.
 */

export interface FisPlan {
  readonly text: string;
  /** Faults the run would refuse: no template deployed, or no FIS action at all (error-rate). */
  readonly problems: readonly string[];
}

interface PlannedTemplate {
  readonly fault: FisFault;
  readonly region: string;
  /** The latency drill's delay, which the template fixes (StartExperiment takes no parameters). */
  readonly latencyMs?: number;
}

/** The distinct (template fault, Region) pairs the drill's method injects, in method order. */
function plannedTemplates(drill: Drill, config: RegionFlipConfig): { planned: PlannedTemplate[]; noFis: Fault[] } {
  const planned: PlannedTemplate[] = [];
  const noFis: Fault[] = [];
  for (const step of drill.method) {
    if (step.type !== 'action') continue;
    const fault = fisFaultOf(step.fault);
    if (fault === undefined) {
      if (step.fault.kind !== 'automation-disable') noFis.push(step.fault);
      continue;
    }
    // Replication pause runs in the primary Region, as the driver starts it.
    const region = 'region' in step.fault ? resolveRegion(step.fault.region, config) : config.regions.primary;
    const latencyMs = step.fault.kind === 'latency' ? step.fault.ms : undefined;
    if (!planned.some((p) => p.fault === fault && p.region === region && p.latencyMs === latencyMs)) {
      planned.push({ fault, region, latencyMs });
    }
  }
  return { planned, noFis };
}

const entries = (record: Readonly<Record<string, string>> | undefined) =>
  Object.entries(record ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** One template as an on-call engineer reads it before a game day. */
export function describeTemplate(template: ExperimentTemplate): string[] {
  const lines = [`    description: ${template.description ?? '(none)'}`, `    role: ${template.roleArn ?? '(none)'}`];
  lines.push('    actions:');
  for (const [name, action] of Object.entries(template.actions ?? {})) {
    const params = entries(action.parameters);
    const targets = entries(action.targets);
    lines.push(
      `      - ${name}: ${action.actionId}${params ? ` (${params})` : ''}${targets ? ` on ${targets}` : ''}` +
        `${action.startAfter?.length ? ` after ${action.startAfter.join(', ')}` : ''}`,
    );
  }
  lines.push('    targets:');
  for (const [name, target] of Object.entries(template.targets ?? {})) {
    const by = [
      ...(target.resourceArns?.length
        ? [`${target.resourceArns.length} ARN(s): ${target.resourceArns.join(', ')}`]
        : []),
      ...(target.resourceTags ? [`tags ${entries(target.resourceTags)}`] : []),
      ...(target.filters ?? []).map((f) => `filter ${f.path} in [${(f.values ?? []).join(', ')}]`),
      ...(target.parameters ? [`parameters ${entries(target.parameters)}`] : []),
    ];
    lines.push(
      `      - ${name}: ${target.resourceType}, ${target.selectionMode}${by.length ? `, ${by.join('; ')}` : ''}`,
    );
  }
  const stops = template.stopConditions ?? [];
  lines.push('    stop conditions:');
  lines.push(
    ...(stops.length > 0
      ? stops.map((s) => `      - ${s.source}${s.value ? `: ${s.value}` : ''}`)
      : ['      - NONE: nothing stops this experiment early']),
  );
  return lines;
}

/** The FIS part of the AWS dry run. */
export async function fisDryRunPlan(fis: FisFaults, drill: Drill, config: RegionFlipConfig): Promise<FisPlan> {
  const { planned, noFis } = plannedTemplates(drill, config);
  const problems: string[] = noFis.map(
    (f) =>
      `${f.kind} has no FIS action on AWS (FIS cannot make a service answer 5xx at a rate): run it with --target local`,
  );
  const lines = ['FIS experiment templates this drill would start (found by tag; none is started by a dry run):'];
  if (planned.length === 0) lines.push('  - none: this drill injects no FIS fault');
  for (const { fault, region, latencyMs } of planned) {
    const summary = await fis.findTemplate({ app: config.app, fault, region });
    if (!summary?.id) {
      const problem =
        `no FIS experiment template tagged ${FIS_TAGS.app}=${config.app}, ${FIS_TAGS.fault}=${fault}, ` +
        `${FIS_TAGS.region}=${region}: deploy the Region stack of the CDK app (infra/fis)`;
      problems.push(problem);
      lines.push(`  - ${fault} in ${region}: MISSING (${problem})`);
      continue;
    }
    lines.push(`  - ${fault} in ${region}: template ${summary.id}`);
    const templateMs = summary.tags?.[FIS_LATENCY_TAG];
    if (latencyMs !== undefined && templateMs !== String(latencyMs)) {
      problems.push(
        `the latency template in ${region} adds ${templateMs ?? 'an unknown'} ms, the drill asks ${latencyMs} ms: ` +
          `set the drill's latency to ${templateMs} ms or change FIS_LATENCY_MS (infra/fis)`,
      );
    }
    lines.push(...describeTemplate(await fis.describeTemplate(region, summary.id)));
  }
  if (problems.length > 0) {
    lines.push('', 'The run would refuse:', ...problems.map((p) => `  - ${p}`));
  }
  return { text: `${lines.join('\n')}\n`, problems };
}
