import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeExpectations } from '../../chaos/drill/expectations';
import type { DrillJournal } from '../../chaos/drill/journal';
import type { DrillMeasurements } from '../../chaos/drill/measure/measurements';
import { countRoute53Calls } from '../../chaos/drill/measure/route53-calls';
import { rtoBreakdown } from '../../chaos/drill/measure/rto';
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
