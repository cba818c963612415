import { describeRun, runCatalogueDrill } from './local-env';

describe('flapping-alarm drill on the local environment', () => {
  it('GIVEN the primary going down and up repeatedly WHEN the drill runs THEN traffic fails over exactly once', async () => {
    const run = await runCatalogueDrill('flapping-alarm');
    expect(run.passed ? 'passed' : describeRun(run)).toBe('passed');
    expect(run.journal.measurements?.failovers).toBe(1);
  });
});
