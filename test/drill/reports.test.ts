import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { judgeExpectations } from '../../chaos/drill/expectations';
import type { DrillJournal } from '../../chaos/drill/journal';
import type { DrillMeasurements } from '../../chaos/drill/measure/measurements';
import { countRoute53Calls } from '../../chaos/drill/measure/route53-calls';
import { rtoBreakdown } from '../../chaos/drill/measure/rto';
import { trafficSeries } from '../../chaos/drill/measure/series';
import { htmlReport } from '../../chaos/drill/report/html';
import { junitReport } from '../../chaos/drill/report/junit';
import { markdownReport } from '../../chaos/drill/report/markdown';
import { drillPassed } from '../../chaos/drill/report/timeline';
import { writeReports } from '../../chaos/drill/report/write';

const T0 = Date.UTC(2026, 0, 1);

function measurements(overrides: Partial<DrillMeasurements> = {}): DrillMeasurements {
  return {
    initialRegion: 'us-east-1',
    activeRegionAfterMethod: 'us-west-2',
    faultedRegion: 'us-east-1',
    failovers: 1,
    paged: false,
    pageReasons: [],
    rto: rtoBreakdown({
      faultAt: T0 + 2000,
      alarmAt: T0 + 4500,
      notifiedAt: T0 + 4600,
      decidedAt: T0 + 4900,
      dnsInSyncAt: T0 + 5800,
      clientsRecoveredAt: T0 + 7500,
    }),
    rpo: { survivingRegion: 'us-west-2', acknowledged: 40, lostWrites: 0, lostSample: [], rpoMs: 0 },
    clientErrorWindow: { firstFailureAt: T0 + 2000, lastFailureAt: T0 + 7000, ms: 5000, failures: 30 },
    impact: {
      tenants: [
        {
          tenantId: 'acme',
          tier: 'premium',
          requests: 10,
          failures: 2,
          successRate: 0.8,
          errorWindowMs: 4000,
          lostWrites: 0,
          servedBy: { 'us-west-2': 8 },
        },
      ],
      tiers: {
        premium: {
          requests: 10,
          failures: 2,
          successRate: 0.8,
          errorWindowMs: 4000,
          lostWrites: 0,
          servedBy: { 'us-west-2': 8 },
        },
      },
      overall: { requests: 10, failures: 2, successRate: 0.8, errorWindowMs: 4000, lostWrites: 0, servedBy: {} },
    },
    switches: [],
    route53: countRoute53Calls([]),
    ...overrides,
  };
}

function journal(
  m: DrillMeasurements,
  expectations = judgeExpectations({ outcome: 'failover', maxFailovers: 1, rto: '10s' }, m, 'local'),
): DrillJournal {
  return {
    journalVersion: 1,
    runId: 'r1',
    drill: { title: 'Region <outage> & "friends"', file: 'chaos/drills/region-outage.yaml' },
    target: 'local',
    pid: 1,
    startedAt: T0,
    endedAt: T0 + 12_000,
    status: 'completed',
    deviated: false,
    steadyStateBefore: {
      at: T0 + 1000,
      met: true,
      probes: [{ name: 'success', met: true, tolerance: '>= 99 %', value: '100 %' }],
    },
    steadyStateAfter: { at: T0 + 11_000, met: true, probes: [] },
    steps: [
      {
        name: 'take: the primary # down',
        type: 'action',
        startedAt: T0 + 2000,
        endedAt: T0 + 2010,
        status: 'succeeded',
      },
    ],
    rollbackPlan: [],
    undo: [],
    rollbacks: [
      { name: 'failback', type: 'rollback', startedAt: T0 + 9000, endedAt: T0 + 10_000, status: 'succeeded' },
    ],
    rollbackVerified: true,
    measurements: m,
    expectations,
  };
}

describe('expectations', () => {
  it('GIVEN a failover within the RTO WHEN judged THEN every expectation passes', () => {
    expect(
      judgeExpectations(
        { outcome: 'failover', maxFailovers: 1, rto: '10s', rpoMaxLostWrites: 0 },
        measurements(),
        'local',
      ).every((e) => e.passed),
    ).toBe(true);
  });

  it('GIVEN a slow recovery and lost writes WHEN judged THEN RTO and RPO fail with the measured values', () => {
    const m = measurements({
      rpo: { survivingRegion: 'us-west-2', acknowledged: 40, lostWrites: 3, lostSample: [], rpoMs: 1200 },
    });
    const results = judgeExpectations({ outcome: 'failover', rto: '2s', rpoMaxLostWrites: 0, rpo: '1s' }, m, 'local');
    expect(results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.actual}`)).toEqual([
      'RTO: 5.5 s',
      'RPO (lost writes): 3 of 40 lost',
      'RPO (time): 1.2 s',
    ]);
  });

  it('GIVEN the kill switch drill WHEN no failover happened and on-call was paged THEN "no-failover-page" passes, and fails without the page', () => {
    const quiet = measurements({
      failovers: 0,
      activeRegionAfterMethod: 'us-east-1',
      rto: undefined,
      paged: true,
      pageReasons: ['automation disabled'],
    });
    expect(
      judgeExpectations({ outcome: 'no-failover-page', maxFailovers: 0 }, quiet, 'local').every((e) => e.passed),
    ).toBe(true);
    expect(judgeExpectations({ outcome: 'no-failover-page' }, { ...quiet, paged: false }, 'local')[0]?.passed).toBe(
      false,
    );
  });

  it('GIVEN a flapping alarm that caused two failovers WHEN judged against at most one THEN it fails', () => {
    expect(
      judgeExpectations({ outcome: 'failover', maxFailovers: 1 }, measurements({ failovers: 2 }), 'local')[1],
    ).toMatchObject({ passed: false, actual: '2' });
  });
});

describe('reports', () => {
  it('GIVEN a passing drill WHEN reported in Markdown THEN it has the verdict, the RTO stages and a Mermaid gantt with safe task names', () => {
    const md = markdownReport(journal(measurements()));
    expect(md).toContain('**PASSED**');
    expect(md).toContain('| fault → alarm | 2.50 s |');
    expect(md).toMatch(/```mermaid\ngantt\n/);
    expect(md).toContain('dateFormat x');
    expect(md).toMatch(/ {2}take the primary down :done, b\d+, \d+, \d+/);
  });

  it('GIVEN a drill WHEN reported in HTML THEN the page is self-contained with an inline SVG and escaped text', () => {
    const page = htmlReport(journal(measurements()));
    expect(page).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(page).not.toMatch(/<script|<link|src=|href=/);
    expect(page).toContain('Region &lt;outage&gt; &amp; &quot;friends&quot;');
  });

  it('GIVEN a failed expectation WHEN reported in JUnit THEN there is one test case per expectation plus the drill guarantees, and the failure is counted', () => {
    const j = journal(measurements({ failovers: 2 }));
    const xml = junitReport(j);
    expect((xml.match(/<testcase /g) ?? []).length).toBe((j.expectations?.length ?? 0) + 3);
    expect(xml).toMatch(
      /<testsuite name="drill: Region &lt;outage&gt; &amp; &quot;friends&quot;" tests="6" failures="1"/,
    );
    expect(xml).toContain('<failure message="expected at most 1, got 2">');
    expect(drillPassed(j)).toBe(false);
  });

  it('GIVEN a deviated drill WHEN judged THEN it does not pass even with every expectation met', () => {
    const j = { ...journal(measurements()), deviated: true };
    expect(drillPassed(j)).toBe(false);
    expect(junitReport(j)).toContain('name="steady state after">\n      <failure');
  });

  it('GIVEN a report directory WHEN the reports are written THEN the four files exist and the journal round-trips', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-report-'));
    try {
      const j = journal(measurements());
      const files = writeReports(dir, j);
      expect(JSON.parse(readFileSync(files.journal, 'utf8'))).toEqual(JSON.parse(JSON.stringify(j)));
      for (const f of [files.markdown, files.html, files.junit])
        expect(readFileSync(f, 'utf8').length).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reports people want to read', () => {
  const floor = {
    bestMs: 1300,
    worstMs: 6100,
    inputs: {
      periodMs: 1000,
      datapointsToAlarm: 2,
      evaluationDelayMs: 300,
      publishDelayMs: 50,
      route53PropagationMs: 0,
      dnsTtlMs: 2000,
      requestIntervalMs: 750,
    },
    position: 'within-floor' as const,
  };
  const sample = (tier: 'premium' | 'basic', endedAt: number, region: string | undefined, ok: boolean) => ({
    tenantId: tier === 'premium' ? 'acme' : 'initech',
    tier,
    client: 'c0',
    kind: 'read' as const,
    startedAt: endedAt - 10,
    endedAt,
    ok,
    ...(region ? { region } : {}),
  });
  const samples = [
    sample('premium', T0 + 1000, 'us-east-1', true),
    sample('premium', T0 + 2600, undefined, false),
    sample('premium', T0 + 7600, 'us-west-2', true),
    sample('basic', T0 + 1100, 'us-east-1', true),
    sample('basic', T0 + 7700, 'us-west-2', true),
  ];
  const rich = () =>
    journal(
      measurements({
        rtoFloor: floor,
        alarmsFired: [
          { at: T0 + 4400, region: 'us-east-1', alarm: 'app-us-east-1-probe-unavailable', composite: false },
          { at: T0 + 4500, region: 'us-east-1', alarm: 'app-us-east-1-region-unhealthy', composite: true },
        ],
        series: trafficSeries(samples),
      }),
    );

  it('GIVEN a drill with a recovery WHEN reported in HTML THEN the timeline is zoomed on fault → recovery in UTC and the whole drill is on a strip with the zoom outlined', () => {
    const page = htmlReport(rich());
    // Fault at 00:00:02.0, clients recovered at 00:00:07.5: 10 % margin (at least 0.5 s) either side.
    expect(page).toContain('Timeline: fault → recovery (00:00:01.4Z → 00:00:08.0Z)');
    const zoomed = page.slice(page.indexOf('aria-label="drill timeline, fault to recovery"'));
    const zoomedSvg = zoomed.slice(0, zoomed.indexOf('</svg>'));
    expect(zoomedSvg).toContain('method: take: the primary # down');
    // Outside the zoom: the steady state (00:00:01.0) and the rollback (00:00:09.0) are left to the strip.
    expect(zoomedSvg).not.toContain('steady state before');
    expect(zoomedSvg).not.toContain('rollback: failback');
    const strip = page.slice(page.indexOf('aria-label="whole drill"'));
    expect(strip).toMatch(/<rect class="zoom"[^>]*><title>zoomed: 00:00:01\.4Z → 00:00:08\.0Z<\/title>/);
    expect(strip).toContain('00:00:00.0Z');
    expect(page).toContain('all times UTC');
  });

  it('GIVEN a drill without a recovery WHEN reported in HTML THEN the one timeline is the whole drill and there is no strip', () => {
    const page = htmlReport(journal(measurements({ rto: undefined })));
    expect(page).toContain('aria-label="drill timeline"');
    expect(page).not.toContain('aria-label="whole drill"');
  });

  it('GIVEN an RTO and its floor WHEN reported in HTML THEN the floor range is drawn on the RTO bar of stages', () => {
    const page = htmlReport(rich());
    const bar = page.slice(page.indexOf('aria-label="RTO against its floor"'));
    const svg = bar.slice(0, bar.indexOf('</svg>'));
    expect(svg).toContain('<title>fault → alarm: 2.50 s</title>');
    expect(svg).toContain('<title>floor 1.30 s – 6.10 s</title>');
    expect(svg).toContain('<title>RTO 5.50 s</title>');
    // The RTO mark sits right of the floor's best case and left of its worst case, as the numbers say.
    const xOf = (cls: string) => Number(new RegExp(`<rect class="${cls}" x="([\\d.]+)"`).exec(svg)?.[1]);
    const floorWidth = Number(/<rect class="floor" x="[\d.]+" y="\d+" width="([\d.]+)"/.exec(svg)?.[1]);
    expect(xOf('rto')).toBeGreaterThan(xOf('floor'));
    expect(xOf('rto')).toBeLessThan(xOf('floor') + floorWidth);
  });

  it('GIVEN alarms that fired WHEN reported THEN HTML and Markdown name each child alarm with its UTC time and delay after the fault', () => {
    const j = rich();
    const page = htmlReport(j);
    expect(page).toContain(
      '<tr><td>00:00:04.4Z</td><td>2.40 s</td><td>us-east-1</td><td>app-us-east-1-probe-unavailable</td><td>child / probe alarm</td></tr>',
    );
    expect(page).toContain('<td>app-us-east-1-region-unhealthy</td><td>composite (Region health)</td>');
    const md = markdownReport(j);
    expect(md).toContain(
      '| 00:00:04.4Z | 2.40 s | us-east-1 | app-us-east-1-probe-unavailable | child / probe alarm |',
    );
    expect(md).toContain('| take: the primary # down | action | succeeded | 00:00:02.0Z | 0.01 s |  |');
    expect(htmlReport(journal(measurements()))).toContain('Alarms that fired: not recorded for this target.');
  });

  it('GIVEN traffic per tier WHEN reported in Markdown THEN each tier says how low its success went, when, and when it left the primary', () => {
    const md = markdownReport(rich());
    // premium: its one request at 00:00:02.6 failed (0 %), the next was answered by us-west-2 at 00:00:07.6.
    expect(md).toMatch(/\| premium \| 0\.0 % \| 00:00:02\.[0-9]Z \| 00:00:02\.[0-9]Z \| 00:00:07\.[0-9]Z \|/);
    expect(md).toMatch(/\| basic \| 100\.0 % \| 00:00:01\.[0-9]Z \| no failure \| 00:00:07\.[0-9]Z \|/);
  });

  it('GIVEN traffic per tier WHEN reported in HTML THEN each tier has a chart of success rate and serving Region, fault and recovery marked', () => {
    const page = htmlReport(rich());
    expect(page).toContain('aria-label="premium: success rate and serving Region"');
    expect(page).toContain('aria-label="basic: success rate and serving Region"');
    const premium = page.slice(page.indexOf('aria-label="premium: success rate'));
    const svg = premium.slice(0, premium.indexOf('</svg>'));
    expect(svg).toMatch(/<title>00:00:02\.[0-9]Z: 1 of 1 not answered<\/title>/);
    expect(svg).toMatch(/<title>00:00:07\.[0-9]Z: 1 of 1 answered by us-west-2<\/title>/);
    expect(svg).toContain('>fault</text>');
    expect(svg).toContain('>recovered</text>');
    expect(svg).toContain('<polyline class="success"');
    expect(page).not.toMatch(/<script|<link|src=|href=/);
  });
});

describe('traffic series', () => {
  it('GIVEN no samples WHEN bucketed THEN there is no series', () => {
    expect(trafficSeries([])).toBeUndefined();
  });

  it('GIVEN any samples WHEN bucketed THEN every request is counted once in its tier, successes and answering Regions never exceed requests, and buckets are contiguous', () => {
    const arbSample = fc.record({
      tier: fc.constantFrom('premium' as const, 'advanced' as const, 'basic' as const),
      endedAt: fc.integer({ min: T0, max: T0 + 3_600_000 }),
      ok: fc.boolean(),
      region: fc.option(fc.constantFrom('us-east-1', 'us-west-2'), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arbSample, { minLength: 1, maxLength: 200 }), (raw) => {
        const input = raw.map((s) => ({
          tenantId: 't',
          client: 'c',
          kind: 'read' as const,
          startedAt: s.endedAt,
          tier: s.tier,
          endedAt: s.endedAt,
          ok: s.ok,
          ...(s.region ? { region: s.region } : {}),
        }));
        const series = trafficSeries(input);
        if (!series) return false;
        expect(series.bucketMs % 250).toBe(0);
        for (const tier of ['premium', 'advanced', 'basic'] as const) {
          const points = series.tiers[tier] ?? [];
          const mine = input.filter((s) => s.tier === tier);
          expect(points.reduce((n, p) => n + p.requests, 0)).toBe(mine.length);
          expect(points.reduce((n, p) => n + p.ok, 0)).toBe(mine.filter((s) => s.ok).length);
          points.forEach((p, i) => {
            expect(p.at).toBe(series.startAt + i * series.bucketMs);
            expect(p.ok).toBeLessThanOrEqual(p.requests);
            expect(Object.values(p.byRegion).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(p.requests);
          });
          expect(points.length).toBeLessThanOrEqual(121);
        }
        return true;
      }),
    );
  });
});
