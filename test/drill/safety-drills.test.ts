import { describeRun, runCatalogueDrill } from './local-env';

describe('safety drills on the local environment', () => {
  it('GIVEN automation disabled WHEN the primary goes down THEN nothing fails over, on-call is paged, and automation is re-enabled after', async () => {
    const run = await runCatalogueDrill('automation-disabled');
    expect(run.passed ? 'passed' : describeRun(run)).toBe('passed');
    expect(run.journal.measurements).toMatchObject({ failovers: 0, paged: true, activeRegionAfterMethod: 'us-east-1' });
    expect(run.journal.measurements?.pageReasons.join(' ')).toMatch(/automat/i);
  });

  it('GIVEN both Regions down WHEN the drill runs THEN nothing fails over and on-call is paged', async () => {
    const run = await runCatalogueDrill('both-regions-unhealthy');
    expect(run.passed ? 'passed' : describeRun(run)).toBe('passed');
    expect(run.journal.measurements).toMatchObject({ failovers: 0, paged: true, activeRegionAfterMethod: 'us-east-1' });
  });
});
