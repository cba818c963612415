import { regionOfTenant } from '../core/scope';
import type { RoutingState, SwitchIntent, SwitchRequest, TenantScopeState } from '../core/types';

/** Routing before any switch was recorded: everything on the primary Region, automation as the config policy says. */
export function defaultRouting(primaryRegion: string, automationEnabled: boolean): RoutingState {
  return {
    activeRegion: primaryRegion,
    epoch: 0,
    automation: { enabled: automationEnabled },
    recentAutoFailovers: [],
    tenantOverrides: {},
  };
}

export { regionOfTenant } from '../core/scope';

/** True when the routing state already says what the request asks for (so, with no record to change, it is a no-op). */
export function routingSatisfies(routing: RoutingState, request: SwitchRequest): boolean {
  if (request.scope.kind === 'region') {
    // Kept tenants may stay where they are; every other tenant must follow the active Region.
    const keep = request.scope.keep ?? [];
    return (
      routing.activeRegion === request.targetRegion &&
      Object.keys(routing.tenantOverrides).every((t) => keep.includes(t))
    );
  }
  return request.scope.tenantIds.every((t) => regionOfTenant(routing, t) === request.targetRegion);
}

/**
 * The routing state once a switch lands (pure; the control table writes exactly this, fenced by epoch and lease):
 * epoch + 1; a Region switch moves every tenant, so overrides go, except for the tenants it keeps in place (each stays
 * where it was: an override when that is not the new active Region); a tenant switch records an override unless the
 * tenant lands on the active Region. Each scope keeps its own last switch and automatic failovers (for the policy's window):
 * the Region's in `lastSwitchAt`/`recentAutoFailovers`, each tenant's in `tenantScopes`.
 */
export function routingAfterSwitch(
  routing: RoutingState,
  intent: Pick<SwitchIntent, 'request' | 'caller'>,
  now: Date,
  autoFailoverWindowSeconds: number,
): RoutingState {
  const { request } = intent;
  let activeRegion = routing.activeRegion;
  let tenantOverrides: Record<string, string> = { ...routing.tenantOverrides };
  if (request.scope.kind === 'region') {
    activeRegion = request.targetRegion;
    tenantOverrides = {};
    for (const tenantId of request.scope.keep ?? []) {
      const where = regionOfTenant(routing, tenantId);
      if (where !== activeRegion) tenantOverrides[tenantId] = where;
    }
  } else {
    for (const tenantId of request.scope.tenantIds) {
      if (request.targetRegion === activeRegion) delete tenantOverrides[tenantId];
      else tenantOverrides[tenantId] = request.targetRegion;
    }
  }
  const windowStart = now.getTime() - autoFailoverWindowSeconds * 1000;
  const recent = (times: readonly Date[]) => [
    ...times.filter((t) => t.getTime() >= windowStart),
    ...(intent.caller === 'automatic-failover' ? [now] : []),
  ];
  const epoch = routing.epoch + 1;
  if (request.scope.kind === 'tenants') {
    // The cell scope keeps its own cooldown and window: one tenant's move never holds back a Region failover.
    const tenantScopes: Record<string, TenantScopeState> = { ...routing.tenantScopes };
    for (const tenantId of request.scope.tenantIds) {
      tenantScopes[tenantId] = {
        lastSwitchAt: now,
        recentAutoFailovers: recent(tenantScopes[tenantId]?.recentAutoFailovers ?? []),
      };
    }
    return { ...routing, epoch, tenantOverrides, tenantScopes };
  }
  return {
    ...routing,
    activeRegion,
    epoch,
    lastSwitchAt: now,
    recentAutoFailovers: recent(routing.recentAutoFailovers),
    tenantOverrides,
  };
}
