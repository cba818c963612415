import fc from 'fast-check';
import type { RoutingState, SwitchCaller, SwitchRequest } from '../../failover/core/types';
import { regionOfTenant, routingAfterSwitch, routingSatisfies } from '../../failover/state/model';

const REGIONS = ['us-east-1', 'us-west-2'] as const;
const NOW = new Date('2026-03-01T03:00:00Z');
const WINDOW = 3600;

const region = fc.constantFrom(...REGIONS);
const tenantId = fc.constantFrom('acme', 'globex', 'initech', 'umbrella');
const routing: fc.Arbitrary<RoutingState> = fc.record({
  activeRegion: region,
  epoch: fc.nat(1000),
  automation: fc.record({ enabled: fc.boolean() }),
  recentAutoFailovers: fc.array(
    fc.integer({ min: 0, max: 4 * WINDOW }).map((s) => new Date(NOW.getTime() - s * 1000)),
    {
      maxLength: 5,
    },
  ),
  tenantOverrides: fc.dictionary(tenantId, region, { maxKeys: 4 }),
});
const request: fc.Arbitrary<SwitchRequest> = fc.record({
  targetRegion: region,
  scope: fc.oneof(
    fc.constant({ kind: 'region' as const }),
    fc.uniqueArray(tenantId, { minLength: 1, maxLength: 2 }).map((keep) => ({ kind: 'region' as const, keep })),
    fc
      .uniqueArray(tenantId, { minLength: 1, maxLength: 4 })
      .map((tenantIds) => ({ kind: 'tenants' as const, tenantIds })),
  ),
});
const caller = fc.constantFrom<SwitchCaller>('automatic-failover', 'manual-failover', 'manual-failback', 'drill');

describe('routingAfterSwitch (the state a switch lands)', () => {
  it('GIVEN any routing and switch WHEN it lands THEN epoch + 1 and the routing satisfies the request', () => {
    fc.assert(
      fc.property(routing, request, caller, (before, req, who) => {
        const after = routingAfterSwitch(before, { request: req, caller: who }, NOW, WINDOW);
        expect(after.epoch).toBe(before.epoch + 1);
        // Each scope dates its own last switch: a tenant move leaves the Region's alone.
        if (req.scope.kind === 'region') expect(after.lastSwitchAt).toEqual(NOW);
        else {
          expect(after.lastSwitchAt).toEqual(before.lastSwitchAt);
          for (const t of req.scope.tenantIds) expect(after.tenantScopes?.[t]?.lastSwitchAt).toEqual(NOW);
        }
        expect(routingSatisfies(after, req)).toBe(true);
        expect(after.automation).toEqual(before.automation);
      }),
    );
  });

  it('GIVEN a tenant switch WHEN it lands THEN tenants outside it keep their Region and no override equals the active Region', () => {
    fc.assert(
      fc.property(routing, request, caller, (before, req, who) => {
        fc.pre(req.scope.kind === 'tenants');
        const after = routingAfterSwitch(before, { request: req, caller: who }, NOW, WINDOW);
        const moved = new Set(req.scope.kind === 'tenants' ? req.scope.tenantIds : []);
        for (const tenant of ['acme', 'globex', 'initech', 'umbrella'].filter((t) => !moved.has(t))) {
          expect(regionOfTenant(after, tenant)).toBe(regionOfTenant(before, tenant));
        }
        for (const t of moved) expect(after.tenantOverrides[t]).not.toBe(after.activeRegion);
      }),
    );
  });

  it('GIVEN a Region switch that keeps some tenants in place WHEN it lands THEN each kept tenant is served where it was and every other tenant from the target', () => {
    fc.assert(
      fc.property(routing, request, caller, (before, req, who) => {
        fc.pre(req.scope.kind === 'region');
        const after = routingAfterSwitch(before, { request: req, caller: who }, NOW, WINDOW);
        const keep = new Set(req.scope.kind === 'region' ? (req.scope.keep ?? []) : []);
        for (const tenant of ['acme', 'globex', 'initech', 'umbrella']) {
          const expected = keep.has(tenant) ? regionOfTenant(before, tenant) : req.targetRegion;
          expect(regionOfTenant(after, tenant)).toBe(expected);
        }
        for (const region of Object.values(after.tenantOverrides)) expect(region).not.toBe(after.activeRegion);
      }),
    );
  });

  it("GIVEN past automatic failovers WHEN a switch lands THEN its scope's budget keeps those in the window, plus this one if automatic; the other scopes' budgets are untouched", () => {
    fc.assert(
      fc.property(routing, request, caller, (before, req, who) => {
        const after = routingAfterSwitch(before, { request: req, caller: who }, NOW, WINDOW);
        const kept = (times: readonly Date[]) => [
          ...times.filter((t) => NOW.getTime() - t.getTime() <= WINDOW * 1000),
          ...(who === 'automatic-failover' ? [NOW] : []),
        ];
        if (req.scope.kind === 'region') {
          expect(after.recentAutoFailovers).toEqual(kept(before.recentAutoFailovers));
          expect(after.tenantScopes).toEqual(before.tenantScopes);
          return;
        }
        expect(after.recentAutoFailovers).toEqual(before.recentAutoFailovers);
        for (const t of req.scope.tenantIds) {
          expect(after.tenantScopes?.[t]?.recentAutoFailovers).toEqual(
            kept(before.tenantScopes?.[t]?.recentAutoFailovers ?? []),
          );
        }
      }),
    );
  });
});
