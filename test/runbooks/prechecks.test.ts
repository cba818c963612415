import type { ObservedRouting, RegionHealth, RoutingState } from '../../failover/core/types';
import type { HealthReader } from '../../failover/ports';
import type { DrillMarker } from '../../failover/state/drill-marker';
import { defaultRouting } from '../../failover/state/model';
import {
  checkNoDrill,
  checkReplicationDrained,
  checkTargetHealthy,
  describeAutomation,
  describeRouting,
  runPrechecks,
  sourceRegions,
} from '../../runbooks/prechecks';
import type { ReplicationCheck, ReplicationMeasurement } from '../../runbooks/replication-check';

const NOW = new Date('2026-01-01T03:00:00Z');
const EAST = 'us-east-1';
const WEST = 'us-west-2';

function healthOf(h: Partial<RegionHealth>): HealthReader {
  return { read: async () => ({ [EAST]: { region: EAST, status: 'healthy', alarmsInAlarm: [], ...h } }) };
}
function replicationOf(m: ReplicationMeasurement): ReplicationCheck & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    measure: async (from, to) => {
      calls.push(`${from}->${to}`);
      return m;
    },
  };
}
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const settings = { targetHealthySeconds: 300, replicationTimeoutMs: 1000, maxReplicationLagMs: 2000 };
const onWest: RoutingState = { ...defaultRouting(EAST, true), activeRegion: WEST, epoch: 1 };
/** The routing records as Route 53 serves them: label → Region. */
const served = (byLabel: Record<string, string>): ObservedRouting => ({
  records: Object.entries(byLabel).map(([label, region]) => ({ label, name: `${label}.example.com`, region })),
});

describe('precheck: target Region healthy long enough', () => {
  it('GIVEN the target alarm OK for 10 min and 5 min required WHEN checked THEN ok', async () => {
    const r = await checkTargetHealthy(healthOf({ since: minutesAgo(10) }), EAST, 300, NOW);
    expect(r).toMatchObject({ ok: true, blocking: true });
  });

  it('GIVEN the target alarm OK for only 1 min WHEN checked THEN it refuses and says how long to wait', async () => {
    const r = await checkTargetHealthy(healthOf({ since: minutesAgo(1) }), EAST, 300, NOW);
    expect(r.ok).toBe(false);
    expect(r.detail).toBe('us-east-1 alarms OK for only 60 s (need 300 s): wait 240 s more');
  });

  it('GIVEN the target in ALARM WHEN checked THEN it refuses naming the alarms in ALARM', async () => {
    const r = await checkTargetHealthy(
      healthOf({ status: 'unhealthy', since: minutesAgo(30), alarmsInAlarm: ['app-us-east-1-alb-5xx-rate'] }),
      EAST,
      300,
      NOW,
    );
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('in ALARM: app-us-east-1-alb-5xx-rate');
  });

  it('GIVEN the target health unknown (CloudWatch did not answer) WHEN checked THEN it refuses with the detail', async () => {
    const r = await checkTargetHealthy(healthOf({ status: 'unknown', detail: 'timed out' }), EAST, 300, NOW);
    expect(r).toMatchObject({ ok: false, detail: 'us-east-1 is unknown: timed out' });
  });

  it('GIVEN a healthy target without a state time WHEN checked THEN it refuses: it cannot tell for how long', async () => {
    const r = await checkTargetHealthy(healthOf({}), EAST, 300, NOW);
    expect(r.ok).toBe(false);
  });
});

describe('precheck: replication drained', () => {
  it('GIVEN the sentinel seen after 300 ms and a 2 s limit WHEN checked THEN ok, measured from the active Region', async () => {
    const replication = replicationOf({ seen: true, lagMs: 300, waitedMs: 300 });
    const r = await checkReplicationDrained(
      replication,
      sourceRegions(onWest, { targetRegion: EAST, scope: { kind: 'region' } }),
      EAST,
      settings,
    );
    expect(r.ok).toBe(true);
    expect(replication.calls).toEqual(['us-west-2->us-east-1']);
  });

  it('GIVEN the sentinel never arrives WHEN checked THEN it refuses naming the timeout', async () => {
    const r = await checkReplicationDrained(replicationOf({ seen: false, waitedMs: 1000 }), [WEST], EAST, settings);
    expect(r).toMatchObject({
      ok: false,
      detail: 'sentinel written in us-west-2 not seen in us-east-1 within 1000 ms',
    });
  });

  it('GIVEN the sentinel arrives after 4 s and a 2 s limit WHEN checked THEN it refuses: latency too high', async () => {
    const r = await checkReplicationDrained(
      replicationOf({ seen: true, lagMs: 4000, waitedMs: 4000 }),
      [WEST],
      EAST,
      settings,
    );
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('takes 4000 ms (limit 2000 ms)');
  });

  it('GIVEN the active Region cannot be written WHEN checked THEN it refuses with the error', async () => {
    const r = await checkReplicationDrained(
      replicationOf({ seen: false, waitedMs: 0, error: 'cannot write the sentinel in us-west-2: timeout' }),
      [WEST],
      EAST,
      settings,
    );
    expect(r).toMatchObject({ ok: false, detail: 'cannot write the sentinel in us-west-2: timeout' });
  });

  it('GIVEN tenants already on the target WHEN the sources are computed THEN there is nothing to drain', async () => {
    const sources = sourceRegions(defaultRouting(EAST, true), { targetRegion: EAST, scope: { kind: 'region' } });
    expect(sources).toEqual([]);
    const r = await checkReplicationDrained(replicationOf({ seen: false, waitedMs: 0 }), sources, EAST, settings);
    expect(r.ok).toBe(true);
  });

  it('GIVEN one premium tenant moved to the secondary WHEN failing it back THEN data drains from its Region only', () => {
    const routing: RoutingState = { ...defaultRouting(EAST, true), tenantOverrides: { acme: WEST } };
    expect(sourceRegions(routing, { targetRegion: EAST, scope: { kind: 'tenants', tenantIds: ['acme'] } })).toEqual([
      WEST,
    ]);
    expect(sourceRegions(routing, { targetRegion: EAST, scope: { kind: 'region' } })).toEqual([WEST]);
  });
});

describe('precheck: no drill in progress, automation shown', () => {
  const drill: DrillMarker = {
    drillId: 'd-7',
    title: 'Region outage',
    startedBy: 'carol',
    startedAt: minutesAgo(2),
    expiresAt: minutesAgo(-58),
  };

  it('GIVEN a drill marker WHEN checked THEN it refuses naming the drill and how to end it', async () => {
    const r = await checkNoDrill(async () => drill, NOW);
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('drill "Region outage" (d-7)');
    expect(r.detail).toContain('drill rollback');
  });

  it('GIVEN no drill WHEN checked THEN ok', async () => {
    expect((await checkNoDrill(async () => undefined, NOW)).ok).toBe(true);
  });

  it('GIVEN automation disabled WHEN described THEN it informs without blocking', () => {
    const routing: RoutingState = {
      ...onWest,
      automation: { enabled: false, reason: 'maintenance', changedBy: 'dave', changedAt: NOW },
    };
    expect(describeAutomation(routing)).toEqual({
      id: 'automation',
      ok: true,
      blocking: false,
      detail: 'automatic failover is disabled by dave at 2026-01-01T03:00:00.000Z (maintenance)',
    });
  });

  it('GIVEN all ports WHEN every precheck runs THEN there is one result per check, in order', async () => {
    const results = await runPrechecks(
      {
        observeRouting: async () => served({ shared: WEST, acme: WEST }),
        pendingIntent: async () => undefined,
        health: healthOf({ since: minutesAgo(10) }),
        replication: replicationOf({ seen: true, lagMs: 10, waitedMs: 10 }),
        activeDrill: async () => drill,
      },
      onWest,
      { targetRegion: EAST, scope: { kind: 'region' } },
      settings,
      NOW,
    );
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ['target-healthy', true],
      ['replication-drained', true],
      ['no-drill', false],
      ['automation', true],
      ['routing', true],
    ]);
  });
});

describe('precheck: routing as Route 53 serves it', () => {
  it('GIVEN the table on us-west-2 but a straggler record still on us-east-1 WHEN failing back to us-east-1 THEN the drain source comes from the records too', () => {
    // The table alone would say "drain us-west-2"; the records say us-west-2 serves acme while the table claims east.
    const onEast: RoutingState = defaultRouting(EAST, true);
    expect(
      sourceRegions(onEast, { targetRegion: EAST, scope: { kind: 'region' } }, served({ shared: EAST, acme: WEST })),
    ).toEqual([WEST]);
    expect(sourceRegions(onEast, { targetRegion: EAST, scope: { kind: 'region' } })).toEqual([]);
  });

  it('GIVEN a tenant scope WHEN sources are computed THEN only that tenant’s record counts', () => {
    const onEast: RoutingState = defaultRouting(EAST, true);
    const observed = served({ shared: WEST, acme: EAST });
    expect(
      sourceRegions(onEast, { targetRegion: EAST, scope: { kind: 'tenants', tenantIds: ['acme'] } }, observed),
    ).toEqual([]);
  });

  it('GIVEN records split behind the table WHEN described THEN it informs (never blocks) with the records on each side', () => {
    const r = describeRouting(
      defaultRouting(EAST, true),
      undefined,
      served({ shared: EAST, acme: WEST, globex: WEST }),
    );
    expect(r).toMatchObject({ id: 'routing', ok: false, blocking: false });
    expect(r.detail).toBe(
      'SPLIT: Route 53 serves us-east-1: shared (1); us-west-2: acme, globex (2) while the control table says us-east-1; this run moves every record of its scope',
    );
  });

  it('GIVEN a pending intent WHEN described THEN it says the switch finishes it first', () => {
    const r = describeRouting(
      defaultRouting(EAST, true),
      {
        id: 'i-1',
        request: { targetRegion: WEST, scope: { kind: 'region' } },
        fromRegion: EAST,
        caller: 'automatic-failover',
        actor: 'lambda',
        reason: 'alarm',
        startedAt: NOW,
        token: 3,
        baseEpoch: 0,
      },
      served({ shared: WEST, acme: EAST }),
    );
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(
      /^a switch from us-east-1 to us-west-2 was started and never recorded done \(automatic-failover\): the switch finishes it first/,
    );
  });

  it('GIVEN every record where the table says WHEN described THEN ok', () => {
    expect(describeRouting(onWest, undefined, served({ shared: WEST, acme: WEST })).detail).toBe(
      'Route 53 serves 2 routing record(s) as the control table says (active us-west-2)',
    );
  });
});
