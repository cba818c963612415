import type { ObservedRouting, RegionHealth, RoutingState, RoutingTruth, SwitchIntent, SwitchScope } from './types';

/**
 * Observation against belief (architecture principle 8). The routing records Route 53 serves are the truth of where
 * traffic goes; the control table is a log (the last switch that completed under the lease) and a lock; a pending
 * intent is a switch that started and never finished. Pure: no AWS, no clock.
 */

const SHARED = 'shared';

/** Where the table says a record's traffic should be: the tenant's override, else the active Region. */
function expectedRegion(routing: RoutingState, label: string): string {
  return label === SHARED ? routing.activeRegion : (routing.tenantOverrides[label] ?? routing.activeRegion);
}

function groupByRegion(observed: ObservedRouting): Record<string, string[]> {
  const byRegion: Record<string, string[]> = {};
  for (const r of observed.records) {
    const key = r.region ?? 'missing';
    byRegion[key] = [...(byRegion[key] ?? []), r.label];
  }
  for (const labels of Object.values(byRegion)) labels.sort();
  return byRegion;
}

export function assessRouting(
  routing: RoutingState,
  intent: Pick<SwitchIntent, 'id' | 'fromRegion' | 'request'> | undefined,
  observed: ObservedRouting,
): RoutingTruth {
  const byRegion = groupByRegion(observed);
  if (intent) {
    return {
      kind: 'pending',
      intentId: intent.id,
      fromRegion: intent.fromRegion,
      targetRegion: intent.request.targetRegion,
      scope: intent.request.scope,
      byRegion,
    };
  }
  const stragglers = observed.records.filter((r) => r.region !== expectedRegion(routing, r.label)).map((r) => r.label);
  if (stragglers.length === 0) return { kind: 'consistent', activeRegion: routing.activeRegion };
  return { kind: 'split', tableRegion: routing.activeRegion, byRegion, stragglers: stragglers.sort() };
}

/** "us-east-1: shared, acme (2); us-west-2: globex (1)" — the exact records on each side, for a page. */
export function describeSides(byRegion: Readonly<Record<string, readonly string[]>>, max = 20): string {
  return Object.entries(byRegion)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, labels]) => {
      const shown = labels.slice(0, max).join(', ');
      return `${region}: ${shown}${labels.length > max ? `, … ${labels.length - max} more` : ''} (${labels.length})`;
    })
    .join('; ');
}

/**
 * What to do about a routing state that is not consistent. The rule (ARCHITECTURE.md, "The truth model"):
 *   pending intent  finish it, in ITS scope (a one-tenant move stays a one-tenant move), toward its target when the
 *                   target is healthy (the decision was taken under the lease and written ahead; a rerun is
 *                   idempotent); else put its records back where the table says they are when that Region is healthy
 *                   (done was never written); else page with both sides.
 *   split           the table wins where the Region it names for a record is healthy: it records the last switch that
 *                   completed under the lease, so records that disagree were written outside the protocol (a stale
 *                   writer, a hand edit) and are stragglers. Only the stragglers move, premium tenants one group at a
 *                   time (a deliberate override elsewhere is kept); a straggling `shared` record needs a Region move,
 *                   which also brings overridden tenants home. When the table's Region is NOT healthy and the
 *                   stragglers sit in the other Region, healthy and not the primary, the Region has failed under a
 *                   split: everything moves there (a failover, never an automatic failback). Else page with both sides.
 *   either          with automation disabled nothing moves by itself: page (a human finishes with the runbook).
 */
export type Convergence =
  | { readonly kind: 'converge'; readonly to: string; readonly scope: SwitchScope; readonly reason: string }
  | { readonly kind: 'page'; readonly reason: string };

const REGION: SwitchScope = { kind: 'region' };
const list = (labels: readonly string[]) => `${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', …' : ''}`;

export function convergence(
  truth: Exclude<RoutingTruth, { kind: 'consistent' }>,
  health: Readonly<Record<string, RegionHealth>>,
  routing: RoutingState,
  primaryRegion: string,
): Convergence {
  const healthy = (region: string) => health[region]?.status === 'healthy';
  const sides = describeSides(truth.byRegion);
  const status = (region: string) => health[region]?.status ?? 'unknown';
  let to: string | undefined;
  let scope: SwitchScope = REGION;
  let why: string;
  if (truth.kind === 'pending') {
    scope = truth.scope;
    const what = `switch ${truth.intentId} (${truth.fromRegion} → ${truth.targetRegion}${truth.scope.kind === 'tenants' ? `, tenants ${list(truth.scope.tenantIds)}` : ''})`;
    // Where the table still puts the intent's records: done was never written.
    const back =
      truth.scope.kind === 'region'
        ? [truth.fromRegion]
        : [...new Set(truth.scope.tenantIds.map((t) => expectedRegion(routing, t)))];
    if (healthy(truth.targetRegion)) {
      to = truth.targetRegion;
      why = `${what} was left unfinished; its target is healthy, so it is finished`;
    } else if (back.length === 1 && healthy(back[0]!)) {
      to = back[0]!;
      why =
        `${what} was left unfinished and its target is ${status(truth.targetRegion)}; the table still puts its ` +
        `records in ${to}, which is healthy, so they go back there`;
    } else {
      why =
        `${what} was left unfinished and neither Region is healthy (its target ${truth.targetRegion}: ` +
        `${status(truth.targetRegion)}; where the table puts its records: ${back.map((r) => `${r}: ${status(r)}`).join(', ')})`;
    }
  } else {
    const stragglers = truth.stragglers;
    const elsewhere = Object.keys(truth.byRegion).filter((r) => r !== truth.tableRegion && r !== 'missing');
    if (stragglers.includes(SHARED)) {
      if (healthy(truth.tableRegion)) {
        to = truth.tableRegion;
        why =
          `the shared routing record disagrees with the control table (${stragglers.length} straggler(s): ` +
          `${list(stragglers)}); the table's Region ${truth.tableRegion} is healthy, so every record goes back to it`;
      } else {
        why = `the shared routing record disagrees with the control table and the table's Region ${truth.tableRegion} is ${status(truth.tableRegion)}`;
      }
    } else {
      // Premium stragglers, grouped by where the table puts them; one group per round (the caller re-reads).
      const groups = new Map<string, string[]>();
      for (const label of stragglers) {
        const region = expectedRegion(routing, label);
        groups.set(region, [...(groups.get(region) ?? []), label]);
      }
      const group = [...groups.entries()].find(([region]) => healthy(region));
      if (group) {
        [to] = group;
        scope = { kind: 'tenants', tenantIds: group[1] };
        why =
          `${stragglers.length} routing record(s) disagree with the control table (${list(stragglers)}); ` +
          `the table puts ${list(group[1])} in ${to}, which is healthy, so those records go back (nothing else moves)`;
      } else {
        why =
          `routing records disagree with the control table (${list(stragglers)}) and the Regions the table puts ` +
          `them in are not healthy (${[...groups.keys()].map((r) => `${r}: ${status(r)}`).join(', ')})`;
      }
    }
    if (!to && !healthy(truth.tableRegion) && elsewhere.length === 1) {
      const other = elsewhere[0]!;
      if (healthy(other) && other !== primaryRegion) {
        to = other;
        scope = REGION;
        why =
          `the table's Region ${truth.tableRegion} is ${status(truth.tableRegion)} while routing is split with ` +
          `records already in ${other}, which is healthy: every record goes to ${other} (a failover)`;
      }
    }
    if (!to) why = `${why!}: traffic never moves into a Region not seen healthy`;
  }
  if (to && !routing.automation.enabled) {
    return {
      kind: 'page',
      reason:
        `Routing is not converged: ${why!}, but automation is disabled. Records now: ${sides}. ` +
        `Finish it by hand: regionflip failover --to ${to}${scope.kind === 'tenants' ? ` --tenant ${scope.tenantIds.join(' --tenant ')}` : ''} (runbooks/manual-failover.md).`,
    };
  }
  if (!to) {
    return {
      kind: 'page',
      reason: `Routing is not converged: ${why!}. Records now: ${sides}. A human decides (runbooks/manual-failover.md).`,
    };
  }
  return { kind: 'converge', to, scope, reason: `Converging routing: ${why!}. Records before: ${sides}.` };
}
