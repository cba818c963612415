import type { ObservedRouting, RegionHealth, RoutingState, RoutingTruth } from './types';

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
  intent: { readonly id: string; readonly fromRegion: string; readonly targetRegion: string } | undefined,
  observed: ObservedRouting,
): RoutingTruth {
  const byRegion = groupByRegion(observed);
  if (intent) {
    return {
      kind: 'pending',
      intentId: intent.id,
      fromRegion: intent.fromRegion,
      targetRegion: intent.targetRegion,
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
 *   pending intent  finish it toward its target when the target is healthy (the decision was taken under the lease
 *                   and written ahead; a rerun is idempotent); else go back to where it came from when that Region is
 *                   healthy (the table still says so: done was never written); else page with both sides.
 *   split           the table wins when its Region is healthy: it records the last switch that completed under the
 *                   lease, so records that disagree were written outside the protocol (a stale writer, a hand edit)
 *                   and are stragglers; else page with both sides — never move traffic into a Region not seen healthy.
 *   either          with automation disabled nothing moves by itself: page (a human finishes with the runbook).
 */
export type Convergence =
  | { readonly kind: 'converge'; readonly to: string; readonly reason: string }
  | { readonly kind: 'page'; readonly reason: string };

export function convergence(
  truth: Exclude<RoutingTruth, { kind: 'consistent' }>,
  health: Readonly<Record<string, RegionHealth>>,
  automationEnabled: boolean,
): Convergence {
  const healthy = (region: string) => health[region]?.status === 'healthy';
  const sides = describeSides(truth.byRegion);
  const status = (region: string) => health[region]?.status ?? 'unknown';
  let to: string | undefined;
  let why: string;
  if (truth.kind === 'pending') {
    if (healthy(truth.targetRegion)) {
      to = truth.targetRegion;
      why = `switch ${truth.intentId} (${truth.fromRegion} → ${truth.targetRegion}) was left unfinished; its target is healthy, so it is finished`;
    } else if (healthy(truth.fromRegion)) {
      to = truth.fromRegion;
      why =
        `switch ${truth.intentId} (${truth.fromRegion} → ${truth.targetRegion}) was left unfinished and its target is ` +
        `${status(truth.targetRegion)}; the table still names ${truth.fromRegion}, which is healthy, so the records go back there`;
    } else {
      why =
        `switch ${truth.intentId} (${truth.fromRegion} → ${truth.targetRegion}) was left unfinished and neither Region ` +
        `is healthy (${truth.fromRegion}: ${status(truth.fromRegion)}, ${truth.targetRegion}: ${status(truth.targetRegion)})`;
    }
  } else if (healthy(truth.tableRegion)) {
    to = truth.tableRegion;
    why =
      `routing records disagree with the control table (${truth.stragglers.length} straggler(s): ` +
      `${truth.stragglers.slice(0, 10).join(', ')}${truth.stragglers.length > 10 ? ', …' : ''}); the table's Region ` +
      `${truth.tableRegion} is healthy, so the stragglers go back to it`;
  } else {
    why =
      `routing records disagree with the control table and the table's Region ${truth.tableRegion} is ` +
      `${status(truth.tableRegion)}: traffic never moves into a Region not seen healthy`;
  }
  if (to && !automationEnabled) {
    return {
      kind: 'page',
      reason:
        `Routing is not converged: ${why}, but automation is disabled. Records now: ${sides}. ` +
        `Finish it by hand: regionflip failover --to ${to} (runbooks/manual-failover.md).`,
    };
  }
  if (!to) {
    return {
      kind: 'page',
      reason: `Routing is not converged: ${why}. Records now: ${sides}. A human decides (runbooks/manual-failover.md).`,
    };
  }
  return { kind: 'converge', to, reason: `Converging routing: ${why}. Records before: ${sides}.` };
}
