import type { RoutingState, SwitchScope } from './types';

/**
 * The words for a switch's scope, one place for every caller (switch, runbooks, status, checks): "all tenants",
 * "all tenants except acme (kept in place)", "tenants acme, globex".
 */
export function describeScope(scope: SwitchScope): string {
  if (scope.kind === 'tenants') return `tenants ${scope.tenantIds.join(', ')}`;
  const keep = scope.keep ?? [];
  return keep.length === 0 ? 'all tenants' : `all tenants except ${keep.join(', ')} (kept in place)`;
}

/** True when the scope moves the routing record `label` (a shard label or a premium tenant id). */
export function scopeMoves(scope: SwitchScope, label: string): boolean {
  return scope.kind === 'region' ? !(scope.keep ?? []).includes(label) : scope.tenantIds.includes(label);
}

/** The CLI flags that ask for this scope again (`--tenant a --tenant b`; a Region scope's kept tenants have none). */
export function scopeFlags(scope: SwitchScope): string {
  return scope.kind === 'tenants' ? scope.tenantIds.map((t) => ` --tenant ${t}`).join('') : '';
}

/** Where the table serves a premium tenant from: its override (an own property only), else the active Region. */
export function regionOfTenant(routing: RoutingState, tenantId: string): string {
  return Object.hasOwn(routing.tenantOverrides, tenantId) ? routing.tenantOverrides[tenantId]! : routing.activeRegion;
}
