import type { RegionFlipConfig } from '../failover/config/schema';
import type { RunbookContext } from './connect';
import { RunbookUsageError } from './errors';
import type { OncallReceived } from './ports';
import { formatAge } from './runs';
import type { ProbeResult } from './served-by-probe';

/**
 * The check steps of the runbooks, as commands that work the same against the local environment and AWS: `probe`
 * (which Region serves a tenant's name, asked through the deployment's DNS) and `notifications` (what on-call got).
 */

/** Tenant ids or full names → the names to probe; every tenant of the config when none is given. */
export function probeNames(config: RegionFlipConfig, wanted: readonly string[]): string[] {
  const zone = config.dns.zoneName;
  if (wanted.length === 0) return config.tenants.map((t) => `${t.id}.${zone}`);
  return wanted.map((w) => {
    if (w.endsWith(`.${zone}`)) return w;
    if (config.tenants.some((t) => t.id === w)) return `${w}.${zone}`;
    throw new RunbookUsageError(
      `tenant "${w}" is not in the configuration: use a tenant id (${config.tenants.map((t) => t.id).join(', ')}) or a name under ${zone}`,
    );
  });
}

export interface ProbeReport {
  readonly ok: boolean;
  readonly expect?: string;
  readonly probes: readonly ProbeResult[];
}

/** Probes the names; with `expect`, every one must be served by that Region. */
export async function runProbe(ctx: RunbookContext, names: readonly string[], expect?: string): Promise<ProbeReport> {
  const regions = [ctx.config.regions.primary, ctx.config.regions.secondary];
  if (expect !== undefined && !regions.includes(expect)) {
    throw new RunbookUsageError(`--expect "${expect}" is not a Region of this deployment: use ${regions.join(' or ')}`);
  }
  const probes = await ctx.probe.probe(names);
  const ok = probes.every((p) => p.servedBy !== undefined && (expect === undefined || p.servedBy === expect));
  return { ok, ...(expect ? { expect } : {}), probes };
}

export function formatProbe(report: ProbeReport, roles: RegionFlipConfig['regions']): string[] {
  const role = (r: string) => (r === roles.primary ? ' (primary)' : r === roles.secondary ? ' (secondary)' : '');
  const width = Math.max(...report.probes.map((p) => p.name.length));
  const lines = report.probes.map((p) => {
    const good = p.servedBy !== undefined && (report.expect === undefined || p.servedBy === report.expect);
    const what = p.servedBy
      ? `served by ${p.servedBy}${role(p.servedBy)}, HTTP ${p.status}`
      : (p.error ?? `HTTP ${p.status}, no x-served-by-region header`);
    const via = p.chain && p.chain.length > 1 ? `  via ${p.chain.slice(1).join(' -> ')}` : '';
    return `${good ? 'ok  ' : 'FAIL'}  ${p.name.padEnd(width)}  ${what}${via}`;
  });
  const n = report.probes.length;
  const what = report.expect ? `served by ${report.expect}` : 'answered';
  const good = report.probes.filter((p) => p.servedBy && (report.expect === undefined || p.servedBy === report.expect));
  lines.push(report.ok ? `OK: every name (${n}) ${what}` : `NOT OK: ${good.length} of ${n} name(s) ${what}`);
  return lines;
}

export function formatNotifications(received: OncallReceived, now: Date, last: number): string[] {
  if (!received.messages) {
    return [
      'on-call messages are not kept by SNS; read them where the on-call topic delivers them:',
      ...received.where.map((w) => `  ${w}`),
    ];
  }
  const shown = received.messages.slice(-last);
  const lines = [`${received.messages.length} message(s) received by on-call (${received.where.join('; ')})`];
  if (shown.length < received.messages.length) lines.push(`  … the last ${shown.length} shown (--last <n> for more)`);
  for (const m of shown) {
    const ago = formatAge(now.getTime() - new Date(m.at).getTime());
    lines.push(`  ${`${ago} ago`.padEnd(12)}  ${m.subject ?? firstLine(m.message)}`);
  }
  return lines;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 120);
}
