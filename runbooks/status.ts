import { inspect } from 'node:util';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { RegionFlipConfig, Tier } from '../failover/config/schema';
import { cellHistory } from '../failover/core/decide';
import { describeScope as describeScopeOf } from '../failover/core/scope';
import type { AuditEntry, AutomationState, RegionHealth, RoutingState } from '../failover/core/types';
import type { ControlStore, HealthReader } from '../failover/ports';
import type { DrillMarker } from '../failover/state/drill-marker';
import { parseRoutingRecord, type RoutingRecord } from '../failover/switch/records';
import { listPageOf, listZoneRecords } from '../failover/switch/zone-reader';
import { SWITCH_RUNBOOK_STEPS } from './definitions/types';
import type {
  LastDrill,
  LastDrillReader,
  OncallRoute,
  OncallRouteReader,
  ReplicationLagReader,
  ReplicationLagSample,
} from './ports';
import type { RunbookRun } from './progress';
import { formatAge } from './runs';

/**
 * `status`: at a glance, which Region serves each tier and each premium tenant (read from the routing records in
 * Route 53, compared with the control table), the alarms of both Regions, the automation state, a drill in progress,
 * and the last switches.
 */

export interface StatusDeps {
  readonly config: RegionFlipConfig;
  readonly route53: Route53Client;
  readonly hostedZoneId: string;
  readonly store: ControlStore;
  readonly health: HealthReader;
  readonly activeDrill: (now: Date) => Promise<DrillMarker | undefined>;
  readonly unfinishedRuns: () => Promise<RunbookRun[]>;
  readonly lastDrill: LastDrillReader;
  readonly replicationLag: ReplicationLagReader;
  /** Replication lag above this is a problem: a failover now would lose more than that window of writes. */
  readonly maxReplicationLagMs: number;
  readonly oncallRoute: OncallRouteReader;
  readonly now: Date;
}

export interface TrafficLine {
  /** A tier (`basic`, `advanced`: every tenant of it follows the shared record) or a premium tenant. */
  readonly kind: 'tier' | 'premium-tenant';
  readonly id: string;
  readonly record: string;
  /** The Region the routing record points at; undefined if the record is missing or not a routing record. */
  readonly region?: string;
  /** What the control table says. */
  readonly expectedRegion: string;
  readonly tenants: number;
}

interface ReplicationRead {
  readonly samples: readonly ReplicationLagSample[];
  readonly error?: string;
}

interface OncallRead {
  readonly route?: OncallRoute;
  readonly error?: string;
}

export interface StatusReport {
  /** False when something needs a human: every such thing is one line of `problems` (and the exit code is 1). */
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly generatedAt: string;
  /** Which configured Region is which. */
  readonly roles: { readonly primary: string; readonly secondary: string };
  /** What automatic failover may still do now: cooldown left and failovers left in the policy window. */
  readonly budget: {
    readonly cooldownRemainingSeconds: number;
    readonly autoFailoversLeft: number;
    readonly maxAutoFailovers: number;
    readonly windowSeconds: number;
    /**
     * The cell scope: each premium tenant that moved on its own, its cooldown and budget (its own moves and the
     * Region's count for it, failover/core/decide.ts decideForTenant).
     */
    readonly tenants: Readonly<
      Record<string, { readonly cooldownRemainingSeconds: number; readonly autoFailoversLeft: number }>
    >;
  };
  readonly zone: { readonly name: string; readonly hostedZoneId: string };
  readonly traffic: readonly TrafficLine[];
  readonly control: {
    readonly activeRegion: string;
    readonly epoch: number;
    readonly lastSwitchAt?: string;
    readonly tenantOverrides: Readonly<Record<string, string>>;
    readonly pendingSwitch?: {
      readonly id: string;
      readonly to: string;
      readonly caller: string;
      readonly startedAt: string;
    };
  };
  readonly regions: Readonly<Record<string, RegionHealth>>;
  readonly automation: AutomationState;
  readonly drill?: DrillMarker;
  /** The last drill run from this checkout (its journal), with its verdict. */
  readonly lastDrill?: LastDrill;
  readonly lastSwitches: readonly AuditEntry[];
  /** Replication lag per direction; `error` when it could not be read (shown, not a problem by itself). */
  readonly replication: ReplicationRead & { readonly maxLagMs: number };
  /** Where on-call is paged (the on-call topic's subscriptions); `error` when SNS could not be read. */
  readonly oncall: OncallRead;
  /** Records and control table disagree, a switch is unfinished: things a human should look at. */
  readonly warnings: readonly string[];
}

const LAST_SWITCHES = 5;

async function readRoutingRecords(route53: Route53Client, hostedZoneId: string, zoneName: string) {
  const found = new Map<string, RoutingRecord>();
  for (const rrset of await listZoneRecords(listPageOf(route53, hostedZoneId))) {
    const record = parseRoutingRecord(rrset, zoneName);
    if (record) found.set(record.name, record);
  }
  return found;
}

export async function gatherStatus(deps: StatusDeps): Promise<StatusReport> {
  const { config, now } = deps;
  const regions = [config.regions.primary, config.regions.secondary];
  // A figure that cannot be read is shown with the reason; it does not hide the rest of the screen.
  const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
  const [records, routing, pending, health, drill, audit, runs, replication, oncall] = await Promise.all([
    readRoutingRecords(deps.route53, deps.hostedZoneId, config.dns.zoneName),
    deps.store.getRouting(),
    deps.store.pendingSwitch(),
    deps.health.read(regions, now),
    deps.activeDrill(now),
    deps.store.listAudit(50),
    deps.unfinishedRuns(),
    deps.replicationLag.read(now).then(
      (samples): ReplicationRead => ({ samples }),
      (err: unknown): ReplicationRead => ({ samples: [], error: errorText(err) }),
    ),
    deps.oncallRoute.read().then(
      (route): OncallRead => ({ route }),
      (err: unknown): OncallRead => ({ error: errorText(err) }),
    ),
  ]);
  const lastDrill = deps.lastDrill();
  const zone = config.dns.zoneName;
  const shared = records.get(`shared.${zone}`);
  const count = (tier: Tier) => config.tenants.filter((t) => t.tier === tier).length;
  const traffic: TrafficLine[] = [
    ...(['basic', 'advanced'] as const).map(
      (tier): TrafficLine => ({
        kind: 'tier',
        id: tier,
        record: `shared.${zone}`,
        region: shared?.region,
        expectedRegion: routing.activeRegion,
        tenants: count(tier),
      }),
    ),
    ...config.tenants
      .filter((t) => t.tier === 'premium')
      .map(
        (t): TrafficLine => ({
          kind: 'premium-tenant',
          id: t.id,
          record: `${t.id}.${zone}`,
          region: records.get(`${t.id}.${zone}`)?.region,
          expectedRegion: routing.tenantOverrides[t.id] ?? routing.activeRegion,
          tenants: 1,
        }),
      ),
  ];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const line of traffic) {
    if (seen.has(line.record)) continue;
    seen.add(line.record);
    if (!line.region) warnings.push(`routing record ${line.record} is missing or not shaped as a routing record`);
    else if (line.region !== line.expectedRegion) {
      warnings.push(
        `${line.record} points at ${line.region} but the control table says ${line.expectedRegion}: ` +
          'a switch was interrupted or someone changed the zone; rerun the last switch to converge',
      );
    }
  }
  if (pending) {
    warnings.push(
      `an unfinished switch to ${pending.request.targetRegion} (${pending.caller}, started ${pending.startedAt.toISOString()}): ` +
        'the next switch finishes it, or rerun the runbook that started it',
    );
  }
  for (const run of runs) {
    const done = SWITCH_RUNBOOK_STEPS.filter((step) => run.steps[step]);
    const what = `${run.operation} to ${run.targetRegion} (run ${run.runId}, by ${run.owner}, done: ${done.join(', ') || 'nothing'})`;
    warnings.push(
      run.steps.confirm
        ? `an unfinished ${what}: \`runs show ${run.runId}\`; run \`${run.operation} --to ${run.targetRegion}\` to continue it (stale runs recheck and ask again) or \`runs abandon ${run.runId} --reason "<why>"\``
        : `an unfinished ${what}: stopped before the switch was confirmed, nothing was changed; the next \`${run.operation}\` starts over`,
    );
  }
  const problems = [
    ...Object.values(health)
      .filter((h) => h.status !== 'healthy')
      .map(
        (h) =>
          `${h.region} (${h.region === config.regions.primary ? 'primary' : 'secondary'}) is ${h.status}` +
          (h.alarmsInAlarm.length > 0 ? `: ${h.alarmsInAlarm.join(', ')} in ALARM` : h.detail ? `: ${h.detail}` : ''),
      ),
    ...(routing.automation.enabled
      ? []
      : [
          `automatic failover is DISABLED${routing.automation.reason ? ` (${routing.automation.reason})` : ''}: \`automation enable --reason "<why>"\` when that is over`,
        ]),
    ...replication.samples
      .filter((r) => r.lagMs !== undefined && r.lagMs > deps.maxReplicationLagMs)
      .map(
        (r) =>
          `replication ${r.sourceRegion} -> ${r.receivingRegion} is ${formatMs(r.lagMs!)} behind (more than ${formatMs(deps.maxReplicationLagMs)}): ` +
          `a switch to ${r.receivingRegion} now loses the writes of that window; the switch runbooks refuse it (precheck replication-drained)`,
      ),
    ...(oncall.route && !oncall.route.destinations.some((d) => d.confirmed)
      ? [
          `nobody is paged: the on-call topic ${oncall.route.topicArn} has no confirmed subscription; subscribe on-call (and confirm it)`,
        ]
      : []),
    ...warnings,
  ];
  const { policy } = config;
  const windowStart = now.getTime() - policy.windowSeconds * 1000;
  const sinceSwitchS = routing.lastSwitchAt ? (now.getTime() - routing.lastSwitchAt.getTime()) / 1000 : Infinity;
  return {
    ok: problems.length === 0,
    problems,
    generatedAt: now.toISOString(),
    roles: { primary: config.regions.primary, secondary: config.regions.secondary },
    budget: {
      cooldownRemainingSeconds: Math.max(0, Math.ceil(policy.cooldownSeconds - sinceSwitchS)),
      autoFailoversLeft: Math.max(
        0,
        policy.maxAutoFailovers - routing.recentAutoFailovers.filter((t) => t.getTime() >= windowStart).length,
      ),
      maxAutoFailovers: policy.maxAutoFailovers,
      windowSeconds: policy.windowSeconds,
      tenants: Object.fromEntries(
        Object.keys(routing.tenantScopes ?? {}).map((tenantId) => {
          const { lastMoved, autoFailovers } = cellHistory(routing, tenantId);
          const sinceMoveS = lastMoved ? (now.getTime() - lastMoved.getTime()) / 1000 : Infinity;
          return [
            tenantId,
            {
              cooldownRemainingSeconds: Math.max(0, Math.ceil(policy.cooldownSeconds - sinceMoveS)),
              autoFailoversLeft: Math.max(
                0,
                policy.maxAutoFailovers - autoFailovers.filter((t) => t.getTime() >= windowStart).length,
              ),
            },
          ];
        }),
      ),
    },
    zone: { name: zone, hostedZoneId: deps.hostedZoneId },
    traffic,
    control: {
      activeRegion: routing.activeRegion,
      epoch: routing.epoch,
      ...(lastSwitchOfAnyScope(routing) ? { lastSwitchAt: lastSwitchOfAnyScope(routing)!.toISOString() } : {}),
      tenantOverrides: routing.tenantOverrides,
      ...(pending
        ? {
            pendingSwitch: {
              id: pending.id,
              to: pending.request.targetRegion,
              caller: pending.caller,
              startedAt: pending.startedAt.toISOString(),
            },
          }
        : {}),
    },
    regions: health,
    automation: routing.automation,
    ...(drill ? { drill } : {}),
    ...(lastDrill ? { lastDrill } : {}),
    lastSwitches: audit
      .filter((e) => e.request !== undefined && e.outcome !== 'refused' && e.outcome !== 'verified')
      .slice(0, LAST_SWITCHES),
    replication: { maxLagMs: deps.maxReplicationLagMs, ...replication },
    oncall,
    warnings,
  };
}

function formatMs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : formatAge(ms);
}

function describeAutomation(a: AutomationState): string {
  const by = [a.changedBy && `by ${a.changedBy}`, a.changedAt && `at ${a.changedAt.toISOString()}`]
    .filter(Boolean)
    .join(' ');
  return `${a.enabled ? 'enabled' : 'DISABLED'}${by ? ` ${by}` : ''}${a.reason ? `: ${a.reason}` : ''}`;
}

function describeScope(e: AuditEntry): string {
  if (!e.request) return '';
  const who =
    e.request.scope.kind === 'region' ? describeScopeOf(e.request.scope) : e.request.scope.tenantIds.join(', ');
  return `${who} -> ${e.request.targetRegion}`;
}

/** Colours for a terminal that shows them (a TTY without NO_COLOR); plain text otherwise. */
export interface StatusStyle {
  readonly colour: boolean;
}

/** The report as text for a terminal: short lines, the important word first. */
export function formatStatus(report: StatusReport, style: StatusStyle = { colour: false }): string {
  // node:util's SGR code pairs; the caller decided whether the terminal shows colour (styleText decides by itself).
  const paint = (formats: readonly (keyof typeof inspect.colors)[], text: string) =>
    style.colour
      ? formats.reduce((t, f) => {
          const [on, off] = inspect.colors[f] ?? [];
          return on === undefined ? t : `\u001b[${on}m${t}\u001b[${off}m`;
        }, text)
      : text;
  const good = (text: string) => paint(['green'], text);
  const bad = (text: string) => paint(['red', 'bold'], text);
  const now = new Date(report.generatedAt).getTime();
  const ago = (iso: string) => `${formatAge(now - new Date(iso).getTime())} ago`;
  const role = (region: string | undefined) =>
    region === report.roles.primary ? ' (primary)' : region === report.roles.secondary ? ' (secondary)' : '';
  const lines = [
    `RegionFlip status of ${report.zone.name} (zone ${report.zone.hostedZoneId}) at ${report.generatedAt}`,
    report.ok
      ? good('OK: nothing needs a human')
      : bad(`NEEDS A HUMAN: ${report.problems.length} problem(s), listed at the end`),
    '',
  ];
  lines.push('traffic (from the Route 53 routing records)');
  const width = Math.max(...report.traffic.map((t) => t.id.length + (t.kind === 'tier' ? 0 : 8)));
  for (const t of report.traffic) {
    const label = (t.kind === 'tier' ? t.id : `premium ${t.id}`).padEnd(width);
    const where = t.region ?? 'UNKNOWN';
    const note = t.kind === 'tier' ? `${t.tenants} tenant(s) via ${t.record}` : t.record;
    const mismatch = t.region !== t.expectedRegion ? `  (control table: ${t.expectedRegion})` : '';
    lines.push(`  ${label}  ${`${where}${role(t.region)}`.padEnd(22)}  ${note}${mismatch}`);
  }
  lines.push('');
  lines.push(
    `control table: active Region ${report.control.activeRegion}, epoch ${report.control.epoch}` +
      (report.control.lastSwitchAt
        ? `, last switch ${ago(report.control.lastSwitchAt)} (${report.control.lastSwitchAt})`
        : ', no switch yet'),
  );
  const b = report.budget;
  lines.push(
    `failover budget: cooldown ${b.cooldownRemainingSeconds > 0 ? `${formatAge(b.cooldownRemainingSeconds * 1000)} left` : 'over'}, ` +
      `${b.autoFailoversLeft} of ${b.maxAutoFailovers} automatic failover(s) left per ${formatAge(b.windowSeconds * 1000)}`,
  );
  for (const [tenantId, t] of Object.entries(b.tenants)) {
    lines.push(
      `  premium ${tenantId} (its own cell): cooldown ${t.cooldownRemainingSeconds > 0 ? `${formatAge(t.cooldownRemainingSeconds * 1000)} left` : 'over'}, ` +
        `${t.autoFailoversLeft} of ${b.maxAutoFailovers} automatic failover(s) left`,
    );
  }
  lines.push('', 'regions (alarms)');
  for (const [region, h] of Object.entries(report.regions)) {
    const firing = h.alarmsInAlarm.length > 0 ? `  in ALARM: ${h.alarmsInAlarm.join(', ')}` : '';
    lines.push(
      `  ${`${region}${role(region)}`.padEnd(22)}  ${h.status === 'healthy' ? good(h.status) : bad(h.status)}${h.since ? ` for ${formatAge(now - h.since.getTime())}` : ''}${firing}${h.detail ? `  (${h.detail})` : ''}`,
    );
  }
  lines.push('', `automation: ${describeAutomation(report.automation)}`);
  lines.push(
    report.drill
      ? `drill: "${report.drill.title}" (${report.drill.drillId}) in progress since ${report.drill.startedAt.toISOString()}, by ${report.drill.startedBy}`
      : 'drill: none',
  );
  const d = report.lastDrill;
  lines.push(
    d?.verdict === 'unreadable'
      ? `last drill: ${bad('UNREADABLE')} journal ${d.journal}: ${d.title}`
      : d
        ? `last drill: ${d.verdict === 'passed' ? good('PASSED') : d.verdict === 'failed' ? bad('FAILED') : 'RUNNING'} "${d.title}" ` +
          `(${d.file}), started ${ago(d.startedAt)}; journal ${d.journal}`
        : 'last drill: none run from this checkout',
  );
  lines.push('', `replication (tenant data; a problem above ${formatMs(report.replication.maxLagMs)})`);
  if (report.replication.error) lines.push(`  ${bad('UNKNOWN')}: ${report.replication.error}`);
  for (const r of report.replication.samples) {
    const pair = `${r.sourceRegion} -> ${r.receivingRegion}`.padEnd(24);
    const figure =
      r.lagMs === undefined
        ? `no figure: ${r.detail ?? 'unknown'}`
        : `${r.lagMs > report.replication.maxLagMs ? bad(formatMs(r.lagMs)) : good(formatMs(r.lagMs))}` +
          `${r.at ? `, measured ${ago(r.at)}` : ''}${r.detail ? `  (${r.detail})` : ''}`;
    lines.push(`  ${pair}  ${figure}`);
  }
  const { route, error } = report.oncall;
  lines.push(
    route
      ? `on-call pages: ${route.topicArn} -> ${
          route.destinations.length === 0
            ? bad('NOBODY (no subscription)')
            : route.destinations
                .map((d) => `${d.protocol} ${d.endpoint}${d.confirmed ? '' : ` ${bad('(PENDING CONFIRMATION)')}`}`)
                .join(', ')
        }`
      : `on-call pages: ${bad('UNKNOWN')} (${error})`,
  );
  lines.push('', 'last switches');
  if (report.lastSwitches.length === 0) lines.push('  none');
  for (const e of report.lastSwitches) {
    lines.push(
      `  ${ago(e.at.toISOString()).padEnd(12)}  ${e.caller.padEnd(18)}  ${e.outcome.padEnd(8)}  ${describeScope(e)}` +
        `${e.epoch !== undefined ? `  epoch ${e.epoch}` : ''}  by ${e.actor}: ${e.reason}`,
    );
  }
  if (report.problems.length > 0) {
    lines.push('', 'NEEDS A HUMAN');
    for (const p of report.problems) lines.push(`  ${bad('!')} ${p}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The last switch of any scope: the Region's, or a premium tenant's own move (its cooldown is its own, ARCHITECTURE.md). */
function lastSwitchOfAnyScope(routing: RoutingState): Date | undefined {
  const times = [routing.lastSwitchAt, ...Object.values(routing.tenantScopes ?? {}).map((s) => s.lastSwitchAt)];
  const known = times.filter((t): t is Date => t !== undefined).map((t) => t.getTime());
  return known.length > 0 ? new Date(Math.max(...known)) : undefined;
}
