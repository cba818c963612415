import type { DrillMeasurements } from './measure/measurements';
import { type DrillExpectations, type DrillTarget, durationMs } from './schema';

/** One expectation of the drill file, judged. The JUnit report has one test case per result. */
export interface ExpectationResult {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
  readonly passed: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function judgeOutcome(e: DrillExpectations, m: DrillMeasurements): ExpectationResult {
  const moved = m.activeRegionAfterMethod !== m.initialRegion;
  const actual =
    `${m.failovers} failover(s), traffic on ${m.activeRegionAfterMethod}` +
    (m.paged ? `, on-call paged (${m.pageReasons.join('; ') || 'no reason given'})` : ', no page');
  switch (e.outcome) {
    case 'failover':
      return {
        name: 'outcome',
        expected: `failover away from ${m.initialRegion}`,
        actual,
        passed: m.failovers >= 1 && moved,
      };
    case 'no-failover':
      return {
        name: 'outcome',
        expected: `no failover, traffic stays on ${m.initialRegion}`,
        actual,
        passed: m.failovers === 0 && !moved,
      };
    case 'no-failover-page':
      return {
        name: 'outcome',
        expected: `no failover, traffic stays on ${m.initialRegion}, on-call paged`,
        actual,
        passed: m.failovers === 0 && !moved && m.paged,
      };
  }
}

/** Judges every expectation the drill file states; durations are read for the drill's target. */
export function judgeExpectations(
  e: DrillExpectations,
  m: DrillMeasurements,
  target: DrillTarget,
): ExpectationResult[] {
  const results = [judgeOutcome(e, m)];
  if (e.maxFailovers !== undefined) {
    results.push({
      name: 'max failovers',
      expected: `at most ${e.maxFailovers}`,
      actual: String(m.failovers),
      passed: m.failovers <= e.maxFailovers,
    });
  }
  if (e.rto !== undefined) {
    const limit = durationMs(e.rto, target);
    const rto = m.rto?.rtoMs;
    results.push({
      name: 'RTO',
      expected: `<= ${seconds(limit)}`,
      actual: rto === undefined ? 'clients never recovered' : seconds(rto),
      passed: rto !== undefined && rto <= limit,
    });
  }
  if (e.rpoMaxLostWrites !== undefined) {
    results.push({
      name: 'RPO (lost writes)',
      expected: `<= ${e.rpoMaxLostWrites} acknowledged write(s) lost`,
      actual: m.rpo ? `${m.rpo.lostWrites} of ${m.rpo.acknowledged} lost` : 'not measured',
      passed: m.rpo !== undefined && m.rpo.lostWrites <= e.rpoMaxLostWrites,
    });
  }
  if (e.rpo !== undefined) {
    const limit = durationMs(e.rpo, target);
    results.push({
      name: 'RPO (time)',
      expected: `<= ${seconds(limit)}`,
      actual: m.rpo ? seconds(m.rpo.rpoMs) : 'not measured',
      passed: m.rpo !== undefined && m.rpo.rpoMs <= limit,
    });
  }
  if (e.clientErrorWindow !== undefined) {
    const limit = durationMs(e.clientErrorWindow, target);
    const window = m.clientErrorWindow?.ms ?? 0;
    results.push({
      name: 'client error window',
      expected: `<= ${seconds(limit)}`,
      actual: m.clientErrorWindow
        ? `${seconds(window)} (${m.clientErrorWindow.failures} failed requests)`
        : 'no failed request',
      passed: window <= limit,
    });
  }
  return results;
}
