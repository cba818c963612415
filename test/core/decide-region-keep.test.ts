import fc from 'fast-check';
import { decide } from '../../failover/core/decide';
import type { DecisionInput, RegionHealth } from '../../failover/core/types';
import { regionOfTenant, routingAfterSwitch } from '../../failover/state/model';
import { anInput, aRouting, health, PRIMARY, SECONDARY } from './decision-fixtures';

/**
 * Rules between scopes (issue #11): a Region failover moves every tenant, but never drags a premium tenant into a silo
 * that reads unhealthy in the target (decide.ts rule 12): that tenant is kept where it is and named in the reason.
 */

const PREMIUM = ['acme', 'globex', 'initech'];
const silo = (status: RegionHealth['status']) => health(SECONDARY, status);

function regionInput(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return anInput({ premiumTenants: PREMIUM, ...overrides });
}

describe('decide: a Region failover and the premium silos of its target', () => {
  it("GIVEN acme's silo in the target unhealthy WHEN the active Region fails THEN every tenant moves except acme, which is named with the reason", () => {
    const d = decide(regionInput({ targetSilos: { acme: silo('unhealthy'), globex: silo('healthy') } }));

    expect(d).toMatchObject({
      kind: 'failover',
      from: PRIMARY,
      to: SECONDARY,
      scope: { kind: 'region', keep: ['acme'] },
    });
    expect(d.reason).toContain(
      `Premium tenant(s) acme stay in ${PRIMARY}: their own silo in ${SECONDARY} is unhealthy`,
    );
  });

  it('GIVEN every target silo healthy, or unknown, or not read WHEN the active Region fails THEN every tenant moves (no scope)', () => {
    const cases: (Record<string, RegionHealth> | undefined)[] = [
      undefined,
      { acme: silo('healthy') },
      { acme: silo('unknown'), globex: silo('unknown') },
    ];
    for (const targetSilos of cases) {
      const d = decide(regionInput(targetSilos ? { targetSilos } : {}));
      expect(d).toEqual(expect.objectContaining({ kind: 'failover', to: SECONDARY }));
      expect('scope' in d ? d.scope : undefined).toBeUndefined();
    }
  });

  it('GIVEN acme already served from the target on its own WHEN the Region fails over THEN acme is not kept (it is where it belongs) even if that silo alarms', () => {
    const d = decide(
      regionInput({
        routing: aRouting({ tenantOverrides: { acme: SECONDARY } }),
        targetSilos: { acme: silo('unhealthy') },
      }),
    );
    expect(d).toMatchObject({ kind: 'failover', to: SECONDARY });
    expect('scope' in d ? d.scope : undefined).toBeUndefined();
  });

  it('GIVEN acme fled its us-west-2 silo earlier and that silo is still down WHEN us-east-1 (now active again) fails THEN acme is not dragged back into the silo it fled', () => {
    // acme fled its us-west-2 silo while us-west-2 was active; later the Region failed back to us-east-1 with acme's
    // override cleared; now us-east-1 fails while acme's us-west-2 silo is still down.
    const d = decide(regionInput({ targetSilos: { acme: silo('unhealthy') } }));
    expect(d).toMatchObject({ kind: 'failover', scope: { kind: 'region', keep: ['acme'] } });
  });

  it('PROPERTY: after the failover lands, no tenant whose target silo reads unhealthy is served from the target unless it was already there; every other tenant is', () => {
    const status = fc.constantFrom<RegionHealth['status']>('healthy', 'unhealthy', 'unknown');
    fc.assert(
      fc.property(
        fc.record({ acme: status, globex: status, initech: status }, { requiredKeys: [] }),
        fc.dictionary(fc.constantFrom(...PREMIUM), fc.constantFrom(PRIMARY, SECONDARY), { maxKeys: 3 }),
        (statuses, overrides) => {
          const routing = aRouting({ tenantOverrides: overrides });
          const targetSilos = Object.fromEntries(Object.entries(statuses).map(([t, s]) => [t, silo(s)]));
          const d = decide(regionInput({ routing, truth: { kind: 'consistent', activeRegion: PRIMARY }, targetSilos }));
          if (d.kind !== 'failover') return;
          const after = routingAfterSwitch(
            routing,
            { request: { targetRegion: d.to, scope: d.scope ?? { kind: 'region' } }, caller: 'automatic-failover' },
            new Date(),
            3600,
          );
          expect(after.activeRegion).toBe(SECONDARY);
          for (const t of PREMIUM) {
            const before = regionOfTenant(routing, t);
            const now = regionOfTenant(after, t);
            if (statuses[t as keyof typeof statuses] === 'unhealthy' && before !== SECONDARY) expect(now).toBe(before);
            else expect(now).toBe(SECONDARY);
          }
        },
      ),
    );
  });
});
