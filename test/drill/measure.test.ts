import fc from 'fast-check';
import { clientsRecoveredAt, errorWindow, tenantRecoveredAt } from '../../chaos/drill/measure/client-recovery';
import { measureImpact } from '../../chaos/drill/measure/impact';
import { countRoute53Calls } from '../../chaos/drill/measure/route53-calls';
import { measureRpo } from '../../chaos/drill/measure/rpo';
import { RTO_STAGES, rtoBreakdown } from '../../chaos/drill/measure/rto';
import { type AcknowledgedWrite, percentile, type RequestSample } from '../../chaos/drill/measure/samples';

const sample = (tenantId: string, endedAt: number, ok: boolean, region?: string): RequestSample => ({
  tenantId,
  tier: 'basic',
  client: `${tenantId}#0`,
  kind: 'read',
  startedAt: endedAt - 10,
  endedAt,
  ok,
  region,
});

describe('RTO per stage', () => {
  it('GIVEN every moment WHEN broken down THEN the stages chain and add up to the RTO', () => {
    const rto = rtoBreakdown({
      faultAt: 1000,
      alarmAt: 3500,
      notifiedAt: 3600,
      decidedAt: 3900,
      dnsInSyncAt: 4800,
      clientsRecoveredAt: 6500,
    });
    expect(rto.stages.map((s) => s.ms)).toEqual([2500, 100, 300, 900, 1700]);
    expect(rto.rtoMs).toBe(5500);
  });

  it('GIVEN an unobserved notification WHEN broken down THEN that stage is unmeasured and the next starts from the alarm', () => {
    const rto = rtoBreakdown({
      faultAt: 0,
      alarmAt: 2000,
      decidedAt: 2500,
      dnsInSyncAt: 3000,
      clientsRecoveredAt: 4000,
    });
    expect(rto.stages[1]?.stage).toBe('notification');
    expect(rto.stages[1]?.ms).toBeUndefined();
    expect(rto.stages[2]).toMatchObject({ stage: 'decision', startAt: 2000, ms: 500 });
  });

  it('GIVEN clients that never recovered WHEN broken down THEN there is no RTO', () => {
    expect(rtoBreakdown({ faultAt: 0, alarmAt: 10 }).rtoMs).toBeUndefined();
  });

  it('GIVEN any moments (even out of order) WHEN broken down THEN no stage is negative and measured stages sum to the RTO', () => {
    const moment = fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        moment,
        moment,
        moment,
        moment,
        moment,
        (faultAt, a, n, d, s, c) => {
          const rto = rtoBreakdown({
            faultAt,
            alarmAt: a,
            notifiedAt: n,
            decidedAt: d,
            dnsInSyncAt: s,
            clientsRecoveredAt: c,
          });
          expect(rto.stages.map((x) => x.stage)).toEqual([...RTO_STAGES]);
          for (const stage of rto.stages) if (stage.ms !== undefined) expect(stage.ms).toBeGreaterThanOrEqual(0);
          if (c !== undefined && rto.stages[4]?.endAt !== undefined) {
            const sum = rto.stages.reduce((acc, x) => acc + (x.ms ?? 0), 0);
            expect(sum).toBe(rto.stages[4].endAt - faultAt);
            expect(rto.rtoMs).toBe(Math.max(0, c - faultAt));
          }
        },
      ),
    );
  });
});

describe('client recovery and error window', () => {
  const samples = [
    sample('a', 100, true, 'east'),
    sample('a', 200, false),
    sample('a', 300, true, 'east'),
    sample('a', 400, true, 'west'),
    sample('a', 500, true, 'west'),
    sample('b', 150, false),
    sample('b', 450, true, 'west'),
  ];

  it('GIVEN a tenant that flips back once WHEN measured THEN it recovered at its first request on the healthy Region after the last miss', () => {
    expect(tenantRecoveredAt(samples, 'a', 'west', 0)).toBe(400);
    expect(clientsRecoveredAt(samples, ['a', 'b'], 'west', 0)).toBe(450);
  });

  it('GIVEN a tenant whose last request missed WHEN measured THEN clients have not recovered', () => {
    expect(clientsRecoveredAt([...samples, sample('b', 600, false)], ['a', 'b'], 'west', 0)).toBeUndefined();
    expect(clientsRecoveredAt(samples, ['a', 'b', 'silent'], 'west', 0)).toBeUndefined();
  });

  it('GIVEN failed requests WHEN measured THEN the window runs from the first failure start to the last failure end', () => {
    expect(errorWindow(samples, 0)).toEqual({ firstFailureAt: 140, lastFailureAt: 200, ms: 60, failures: 2 });
    expect(errorWindow(samples, 1000)).toBeUndefined();
  });

  it('GIVEN any samples WHEN a tenant recovered THEN every later request of that tenant was served by the Region', () => {
    const arb = fc.array(
      fc.record({
        endedAt: fc.integer({ min: 0, max: 1000 }),
        ok: fc.boolean(),
        region: fc.constantFrom('east', 'west'),
      }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const s = rows.map((r) => sample('t', r.endedAt, r.ok, r.region));
        const at = tenantRecoveredAt(s, 't', 'west', 0);
        if (at === undefined) return;
        for (const x of s) if (x.endedAt > at) expect(x.ok && x.region === 'west').toBe(true);
      }),
    );
  });
});

describe('RPO from the write ledger', () => {
  const write = (tenantId: string, seq: number, ackAt: number): AcknowledgedWrite => ({
    tenantId,
    tier: 'premium',
    seq,
    region: 'east',
    ackAt,
  });

  it('GIVEN writes the surviving Region lacks WHEN measured THEN exactly those are lost and RPO reaches back to the oldest', () => {
    const ledger = [write('a', 1, 100), write('a', 2, 200), write('a', 3, 300), write('b', 1, 150)];
    const present = new Map([
      ['a', new Set([1])],
      ['b', new Set([1])],
    ]);
    const rpo = measureRpo(ledger, present, 'west', 1000);
    expect(rpo.lost.map((w) => `${w.tenantId}:${w.seq}`)).toEqual(['a:2', 'a:3']);
    expect(rpo.rpoMs).toBe(800);
    expect(rpo.acknowledged).toBe(4);
  });

  it('GIVEN any ledger and any surviving data WHEN measured THEN lost = acknowledged minus present, exactly', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ tenant: fc.constantFrom('a', 'b', 'c'), seq: fc.integer({ min: 1, max: 50 }) }), {
          selector: (w) => `${w.tenant}:${w.seq}`,
          maxLength: 60,
        }),
        fc.func(fc.boolean()),
        (writes, kept) => {
          const ledger = writes.map((w, i) => write(w.tenant, w.seq, i));
          const present = new Map<string, Set<number>>();
          for (const w of ledger) {
            if (!kept(`${w.tenantId}:${w.seq}`)) continue;
            present.set(w.tenantId, (present.get(w.tenantId) ?? new Set()).add(w.seq));
          }
          const rpo = measureRpo(ledger, present, 'west', 10_000);
          expect(rpo.lost.length).toBe(ledger.filter((w) => !present.get(w.tenantId)?.has(w.seq)).length);
          expect(rpo.rpoMs === 0).toBe(rpo.lost.length === 0);
        },
      ),
    );
  });
});

describe('impact per tenant and tier', () => {
  it('GIVEN traffic of two tiers WHEN measured THEN each tenant and tier gets its own numbers, and a silent tenant shows zero', () => {
    const samples: RequestSample[] = [
      { ...sample('acme', 100, true, 'east'), tier: 'premium' },
      { ...sample('acme', 200, false), tier: 'premium' },
      sample('hooli', 150, true, 'west'),
    ];
    const report = measureImpact(
      [
        { id: 'acme', tier: 'premium' },
        { id: 'hooli', tier: 'basic' },
        { id: 'quiet', tier: 'basic' },
      ],
      samples,
      [{ tenantId: 'acme', tier: 'premium', seq: 1, region: 'east', ackAt: 90 }],
      0,
    );
    expect(report.tenants.find((t) => t.tenantId === 'acme')).toMatchObject({
      requests: 2,
      failures: 1,
      successRate: 0.5,
      lostWrites: 1,
    });
    expect(report.tenants.find((t) => t.tenantId === 'quiet')).toMatchObject({ requests: 0, successRate: 1 });
    expect(report.tiers.basic).toMatchObject({ requests: 1, failures: 0, servedBy: { west: 1 } });
    expect(report.overall.requests).toBe(3);
  });

  it('GIVEN latencies WHEN the p99 is taken THEN it is the nearest-rank value', () => {
    expect(percentile([], 99)).toBeUndefined();
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99);
  });
});

describe('Route 53 change calls', () => {
  it('GIVEN the handler failover and the drill failback WHEN counted THEN calls, retries and records add up per caller', () => {
    const calls = countRoute53Calls([
      { at: 1, by: 'failover-handler', toRegion: 'west', recordsChanged: 3, changeCalls: 2, retries: 1 },
      { at: 2, by: 'drill-rollback', toRegion: 'east', recordsChanged: 3, changeCalls: 1, retries: 0 },
    ]);
    expect(calls).toEqual({
      changeCalls: 3,
      retries: 1,
      recordsChanged: 6,
      byCaller: { 'failover-handler': 2, 'drill-rollback': 1 },
    });
  });
});
