import type { RegionFlipConfig } from '../failover/config/schema';
import { describeScope } from '../failover/core/scope';
import type { AuditEntry } from '../failover/core/types';
import type { RunbookContext } from './connect';
import { RunbookUsageError } from './errors';
import type { OncallMessage, OncallReceived, OncallRoute } from './ports';
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

/** What on-call received, and whether that is enough: `ok` false (exit 1) when a page that should exist does not. */
export interface NotificationsReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly where: readonly string[];
  readonly messages?: readonly OncallMessage[];
}

/** How many audit entries `notifications` looks through for switches on-call must have heard of. */
export const NOTIFIED_SWITCHES_LOOKBACK = 50;

/** The outcome and epoch a switch's on-call message carries (failover/switch/execute-switch.ts announces them). */
function announcedSwitch(m: OncallMessage): { outcome?: unknown; epoch?: unknown } {
  try {
    const body: unknown = JSON.parse(m.message);
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    // Not JSON: a message from something else on the topic, not a switch's announcement.
    return {};
  }
}

/**
 * Nobody is paged when the on-call topic has no confirmed subscription; and where the messages can be read back
 * (locally), every switch in the audit must have its message — the switch's announcement names its epoch, and so does
 * its audit entry — or nobody was paged about it.
 */
export function checkNotifications(
  received: OncallReceived,
  route: OncallRoute,
  audit: readonly AuditEntry[],
): NotificationsReport {
  const problems: string[] = [];
  if (!route.destinations.some((d) => d.confirmed)) {
    problems.push(
      `nobody is subscribed: the on-call topic ${route.topicArn} has no confirmed subscription, so nobody is paged; subscribe on-call (and confirm it)`,
    );
  }
  if (received.messages) {
    const epochs = new Set(
      received.messages
        .map(announcedSwitch)
        .filter((b) => b.outcome === 'switched')
        .map((b) => b.epoch),
    );
    for (const e of audit) {
      if (e.outcome !== 'switched' || e.epoch === undefined || epochs.has(e.epoch)) continue;
      const what = e.request
        ? `${e.request.scope.kind === 'region' ? describeScope(e.request.scope) : e.request.scope.tenantIds.join(', ')} -> ${e.request.targetRegion}`
        : 'a switch';
      problems.push(
        `nobody was paged about the switch ${what} (epoch ${e.epoch}, ${e.caller} by ${e.actor}, ${e.at.toISOString()}): ` +
          'on-call received no message for it; the next switch or the reconciler resends it (check again in a minute), ' +
          'and tell on-call yourself',
      );
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    where: received.where,
    ...(received.messages ? { messages: received.messages } : {}),
  };
}

export function formatNotifications(report: NotificationsReport, now: Date, last: number): string[] {
  const lines: string[] = [];
  if (!report.messages) {
    lines.push(
      'on-call messages are not kept by SNS; read them where the on-call topic delivers them:',
      ...report.where.map((w) => `  ${w}`),
    );
  } else {
    const shown = report.messages.slice(-last);
    lines.push(`${report.messages.length} message(s) received by on-call (${report.where.join('; ')})`);
    if (shown.length < report.messages.length) lines.push(`  … the last ${shown.length} shown (--last <n> for more)`);
    for (const m of shown) {
      const ago = formatAge(now.getTime() - new Date(m.at).getTime());
      lines.push(`  ${`${ago} ago`.padEnd(12)}  ${m.subject ?? firstLine(m.message)}`);
    }
  }
  if (report.problems.length > 0) {
    lines.push('', `NEEDS A HUMAN: ${report.problems.length} problem(s)`, ...report.problems.map((p) => `  ! ${p}`));
  }
  return lines;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 120);
}
