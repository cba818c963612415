import { readFileSync } from 'node:fs';
import { describeRun, runCatalogueDrill } from './local-env';

describe('region-outage drill on the local environment', () => {
  it('GIVEN the local two-Region environment WHEN the region-outage drill runs THEN it fails over once, meets its RTO and RPO, rolls back and reports', async () => {
    const run = await runCatalogueDrill('region-outage');
    expect(run.passed ? 'passed' : describeRun(run)).toBe('passed');
    const m = run.journal.measurements!;
    expect(m.failovers).toBe(1);
    expect(m.rto?.stages.every((s) => s.ms !== undefined)).toBe(true);
    // A population of clients, and an RTO that is never below what detection and DNS (propagation included) physically cost.
    expect(m.clientsPerTenant).toBe(3);
    expect(m.rtoFloor?.bestMs).toBe(2300);
    expect(m.rto?.rtoMs).toBeGreaterThanOrEqual(m.rtoFloor?.bestMs ?? Number.POSITIVE_INFINITY);
    expect(Object.values(m.tenantRecoveryMs ?? {}).every((ms) => ms !== undefined && ms <= (m.rto?.rtoMs ?? 0))).toBe(
      true,
    );
    expect(readFileSync(run.files.markdown, 'utf8')).toMatch(/RTO floor 2\.30 s – \d+\.\d\d s/);
    expect(readFileSync(run.files.html, 'utf8')).toContain('aria-label="RTO against its floor"');
    // The primary's replication stopped at the fault: what it had not handed over is missing from the secondary, and
    // each lost write was acknowledged within the last replication window before the fault (the schema's RPO time).
    expect(m.rpo?.acknowledged).toBeGreaterThan(0);
    expect(m.rpo?.lostWrites).toBe(m.rpo?.lostSample.length);
    const faultAt = run.journal.steps[0]!.startedAt;
    for (const w of m.rpo?.lostSample ?? []) expect(faultAt - w.ackAt).toBeLessThanOrEqual(m.rpo!.rpoMs);
    expect(m.rpo!.rpoMs).toBeLessThanOrEqual(2000);
    expect(Object.keys(m.impact.tiers).sort()).toEqual(['advanced', 'basic', 'premium']);
    expect(m.route53.byCaller['failover-handler']).toBeGreaterThan(0);
    expect(m.route53.byCaller['drill-rollback']).toBeGreaterThan(0);
    expect(run.journal.rollbackVerified).toBe(true);
    expect(run.journal.undo).toEqual([]);
    expect(readFileSync(run.files.junit, 'utf8')).toContain('failures="0"');

    // One timeline of both Regions, referenced from the report: both tenant services and the handler, in time order.
    const env = run.journal.env;
    const combined = env?.target === 'local' ? env.combinedLogFile : undefined;
    expect(readFileSync(run.files.markdown, 'utf8')).toContain(`\`${combined}\``);
    const lines = readFileSync(combined!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { time: string; component: string; region?: string });
    const from = (component: string, region?: string) =>
      lines.some((l) => l.component === component && (region === undefined || l.region === region));
    expect([
      from('tenant-service', 'us-east-1'),
      from('tenant-service', 'us-west-2'),
      from('failover-handler'),
    ]).toEqual([true, true, true]);
    const times = lines.map((l) => Date.parse(l.time));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });
});
