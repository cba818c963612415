import { assessRouting, describeSides } from '../failover/core/truth';
import type { ObservedRouting, RoutingState, SwitchIntent, SwitchRequest } from '../failover/core/types';
import type { HealthReader } from '../failover/ports';
import type { DrillMarker } from '../failover/state/drill-marker';
import { regionOfTenant } from '../failover/state/model';
import type { ReplicationCheck } from './replication-check';

/**
 * The checks a failback or manual failover makes before it moves anybody. Each says ok or not and why in one line;
 * a blocking check that is not ok refuses the run unless the human overrides it with --force and a reason.
 */

export type PrecheckId = 'target-healthy' | 'replication-drained' | 'no-drill' | 'automation' | 'routing';

export interface PrecheckResult {
  readonly id: PrecheckId;
  readonly ok: boolean;
  /** false for checks that only inform (the automation state). */
  readonly blocking: boolean;
  readonly detail: string;
}

export interface PrecheckSettings {
  /** The target Region's health alarm must have been OK at least this long (the policy's targetHealthySeconds). */
  readonly targetHealthySeconds: number;
  /** How long to wait for the sentinel to arrive in the target Region. */
  readonly replicationTimeoutMs: number;
  /** The measured sentinel delay must be below this. */
  readonly maxReplicationLagMs: number;
}

export interface PrecheckDeps {
  /** What Route 53 serves for every routing record now (TrafficSwitch.observe). */
  readonly observeRouting: () => Promise<ObservedRouting>;
  readonly pendingIntent: () => Promise<SwitchIntent | undefined>;
  readonly health: HealthReader;
  readonly replication: ReplicationCheck;
  readonly activeDrill: (now: Date) => Promise<DrillMarker | undefined>;
}

/**
 * The Regions that may have taken the request's tenants' writes and are not the target: where data must drain from.
 * Those the routing records Route 53 serves point at (the truth), and those the control table names — a split or a
 * half-finished switch means both can have served recently.
 */
export function sourceRegions(routing: RoutingState, request: SwitchRequest, observed?: ObservedRouting): string[] {
  const fromTable =
    request.scope.kind === 'region'
      ? [routing.activeRegion, ...Object.values(routing.tenantOverrides)]
      : request.scope.tenantIds.map((t) => regionOfTenant(routing, t));
  const tenantIds = request.scope.kind === 'tenants' ? new Set(request.scope.tenantIds) : undefined;
  const fromRecords = (observed?.records ?? [])
    .filter((r) => tenantIds === undefined || tenantIds.has(r.label))
    .flatMap((r) => (r.region ? [r.region] : []));
  return [...new Set([...fromRecords, ...fromTable])].filter((r) => r !== request.targetRegion);
}

/**
 * Where traffic goes, as Route 53 serves it, set against the table (failover/core/truth.ts). Informs, does not block:
 * the switch finishes a pending intent first and moves every record of the scope, so a split is exactly what a runbook
 * run repairs — but the human confirming the plan must see it.
 */
export function describeRouting(
  routing: RoutingState,
  intent: SwitchIntent | undefined,
  observed: ObservedRouting,
): PrecheckResult {
  const truth = assessRouting(routing, intent, observed);
  const n = observed.records.length;
  const detail =
    truth.kind === 'consistent'
      ? `Route 53 serves ${n} routing record(s) as the control table says (active ${truth.activeRegion})`
      : truth.kind === 'pending'
        ? `a switch from ${truth.fromRegion} to ${truth.targetRegion} was started and never recorded done (${intent?.caller}): ` +
          `the switch finishes it first; Route 53 serves ${describeSides(truth.byRegion, 5)}`
        : `SPLIT: Route 53 serves ${describeSides(truth.byRegion, 5)} while the control table says ${truth.tableRegion}; ` +
          'this run moves every record of its scope';
  return { id: 'routing', blocking: false, ok: truth.kind === 'consistent', detail };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export async function checkTargetHealthy(
  health: HealthReader,
  target: string,
  minSeconds: number,
  now: Date,
): Promise<PrecheckResult> {
  const base = { id: 'target-healthy' as const, blocking: true };
  let h: Awaited<ReturnType<HealthReader['read']>>[string];
  try {
    h = (await health.read([target], now))[target];
  } catch (err) {
    return { ...base, ok: false, detail: `cannot read the alarms of ${target}: ${(err as Error).message}` };
  }
  if (!h) return { ...base, ok: false, detail: `no health reported for ${target}` };
  if (h.status !== 'healthy') {
    const firing = h.alarmsInAlarm.length > 0 ? ` (in ALARM: ${h.alarmsInAlarm.join(', ')})` : '';
    return { ...base, ok: false, detail: `${target} is ${h.status}${firing}${h.detail ? `: ${h.detail}` : ''}` };
  }
  if (!h.since) return { ...base, ok: false, detail: `${target} is healthy but the alarm does not say since when` };
  const okForMs = now.getTime() - h.since.getTime();
  if (okForMs < minSeconds * 1000) {
    return {
      ...base,
      ok: false,
      detail: `${target} alarms OK for only ${seconds(okForMs)} (need ${minSeconds} s): wait ${seconds(minSeconds * 1000 - okForMs)} more`,
    };
  }
  return { ...base, ok: true, detail: `${target} alarms OK for ${seconds(okForMs)} (need ${minSeconds} s)` };
}

export async function checkReplicationDrained(
  replication: ReplicationCheck,
  sources: readonly string[],
  target: string,
  settings: Pick<PrecheckSettings, 'replicationTimeoutMs' | 'maxReplicationLagMs'>,
): Promise<PrecheckResult> {
  const base = { id: 'replication-drained' as const, blocking: true };
  if (sources.length === 0) return { ...base, ok: true, detail: `nothing to drain: already served by ${target}` };
  const lines: string[] = [];
  let ok = true;
  for (const source of sources) {
    const m = await replication.measure(source, target, settings.replicationTimeoutMs);
    if (m.error) {
      ok = false;
      lines.push(m.error);
    } else if (!m.seen) {
      ok = false;
      lines.push(`sentinel written in ${source} not seen in ${target} within ${settings.replicationTimeoutMs} ms`);
    } else if ((m.lagMs ?? 0) > settings.maxReplicationLagMs) {
      ok = false;
      lines.push(
        `replication ${source} -> ${target} takes ${m.lagMs} ms (limit ${settings.maxReplicationLagMs} ms): wait and retry`,
      );
    } else {
      lines.push(
        `sentinel from ${source} seen in ${target} after ${m.lagMs} ms (limit ${settings.maxReplicationLagMs} ms)`,
      );
    }
  }
  return { ...base, ok, detail: lines.join('; ') };
}

export async function checkNoDrill(activeDrill: PrecheckDeps['activeDrill'], now: Date): Promise<PrecheckResult> {
  const drill = await activeDrill(now);
  return drill
    ? {
        id: 'no-drill',
        blocking: true,
        ok: false,
        detail: `drill "${drill.title}" (${drill.drillId}) is in progress since ${drill.startedAt.toISOString()}, started by ${drill.startedBy}: finish it or run \`drill rollback\``,
      }
    : { id: 'no-drill', blocking: true, ok: true, detail: 'no drill in progress' };
}

export function describeAutomation(routing: RoutingState): PrecheckResult {
  const a = routing.automation;
  const who = [
    a.changedBy && `by ${a.changedBy}`,
    a.changedAt && `at ${a.changedAt.toISOString()}`,
    a.reason && `(${a.reason})`,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    id: 'automation',
    blocking: false,
    ok: true,
    detail: `automatic failover is ${a.enabled ? 'enabled' : 'disabled'}${who ? ` ${who}` : ''}`,
  };
}

export async function runPrechecks(
  deps: PrecheckDeps,
  routing: RoutingState,
  request: SwitchRequest,
  settings: PrecheckSettings,
  now: Date,
): Promise<PrecheckResult[]> {
  const target = request.targetRegion;
  const [observed, intent] = await Promise.all([deps.observeRouting(), deps.pendingIntent()]);
  return Promise.all([
    checkTargetHealthy(deps.health, target, settings.targetHealthySeconds, now),
    checkReplicationDrained(deps.replication, sourceRegions(routing, request, observed), target, settings),
    checkNoDrill(deps.activeDrill, now),
    describeAutomation(routing),
    describeRouting(routing, intent, observed),
  ]);
}
