import { executeSwitch, systemClock } from '../../failover/switch/execute-switch';
import { RunbookUsageError } from '../../runbooks/errors';
import { abandonRun } from '../../runbooks/runs';
import type { ServedByProbe } from '../../runbooks/served-by-probe';
import { runSwitchRunbook } from '../../runbooks/switch-runbook';
import { PRIMARY, provisionDeployment, SECONDARY, type TestDeployment } from './support/deployment';
import { failbackOptions, failOverTo, latestRun, runbookDeps } from './support/runbook-deps';

/** A probe that always sees `region` serving: a DNS cache or a client that never moves. */
const stuckOn = (region: string): ServedByProbe => ({
  probe: async (names) => names.map((name) => ({ name, status: 200, servedBy: region })),
});

const killedAfter = (step: string) => ({
  afterStep: (done: string) => {
    if (done === step) throw new Error(`killed after ${step}`);
  },
});

const failoverOptions = (overrides = {}) =>
  failbackOptions({ operation: 'failover', targetRegion: SECONDARY, reason: 'INC-7', ...overrides });

describe('runbook runs: stale runs, failed verifications, abandon (against moto)', () => {
  let dep: TestDeployment;
  beforeEach(async () => {
    dep = await provisionDeployment();
  });
  afterEach(async () => {
    await dep.stop();
  });

  it('GIVEN a forced failover whose verification failed, then a failback WHEN the next real failover runs THEN it starts a new run with prechecks, not the failed one', async () => {
    const forced = runbookDeps(dep, { probe: stuckOn(PRIMARY) });
    const failed = await runSwitchRunbook(forced, failoverOptions({ force: true, reason: 'game day' }));

    expect(failed.kind).toBe('failed');
    const failedRun = await latestRun(dep, 'failover', SECONDARY);
    expect(failedRun).toMatchObject({ state: 'failed', endReason: expect.stringContaining('verification failed') });
    expect(forced.lines).toContain(`Serving now (probes): ${PRIMARY}. Records moved by the switch stay as they are.`);
    expect(forced.lines).toContain(`To go back: regionflip failback --to ${PRIMARY} --reason "<why>"`);
    expect(forced.lines.some((l) => l.length > 300)).toBe(false);
    const audit = await dep.ctx.store.listAudit(20);
    expect(audit.some((e) => e.caller === 'manual-failover' && e.outcome === 'failed')).toBe(true);

    expect((await runSwitchRunbook(runbookDeps(dep), failbackOptions())).kind).toBe('done');

    const next = runbookDeps(dep);
    const result = await runSwitchRunbook(next, failoverOptions());

    expect(result.kind).toBe('done');
    if (result.kind === 'done') expect(result.run.runId).not.toBe(failedRun!.runId);
    expect(next.lines.some((l) => l.includes('resuming') || l.includes('already done'))).toBe(false);
    expect(next.lines).toContain('[1/6] precheck');
    expect((await dep.ctx.progress.get(failedRun!.runId))?.state).toBe('failed');
  });

  describe('a confirmed run interrupted before its switch', () => {
    beforeEach(async () => {
      await failOverTo(dep, SECONDARY);
      await expect(runSwitchRunbook(runbookDeps(dep, killedAfter('confirm')), failbackOptions())).rejects.toThrow(
        'killed after confirm',
      );
    });

    it('GIVEN it is older than the configured age WHEN the command runs again THEN the prechecks run again and it asks again', async () => {
      const interrupted = await latestRun(dep, 'failback', PRIMARY);
      const deps = runbookDeps(dep, { settings: { ...runbookDeps(dep).settings, maxResumeAgeMs: 0 } }, [
        'INC-2 really over',
        PRIMARY,
      ]);

      const result = await runSwitchRunbook(deps, failbackOptions({ yes: false, reason: undefined }));

      expect(result.kind).toBe('done');
      expect(deps.lines[0]).toMatch(/is not continued as is: it started \d+ s ago \(more than 0 s\)/);
      expect(deps.lines).toContain('[1/6] precheck');
      expect(deps.lines.some((l) => l.includes('already done'))).toBe(false);
      // Asked again: the switch carries the reason typed now, not the one confirmed before.
      const switched = (await dep.ctx.store.listAudit(50)).filter(
        (e) => e.caller === 'manual-failback' && e.outcome === 'switched',
      );
      expect(switched.map((e) => e.reason)).toEqual(['INC-2 really over']);
      if (result.kind === 'done') expect(result.run.runId).toBe(interrupted!.runId);
    });

    it('GIVEN it is stale and the target has turned unhealthy WHEN the command runs again THEN the fresh prechecks refuse and nothing moves', async () => {
      await dep.setRegionAlarm(PRIMARY, 'ALARM');
      const deps = runbookDeps(dep, { settings: { ...runbookDeps(dep).settings, maxResumeAgeMs: 0 } });

      const result = await runSwitchRunbook(deps, failbackOptions());

      expect(result.kind).toBe('refused');
      if (result.kind === 'refused') expect(result.reason).toContain('target-healthy');
      expect((await dep.ctx.store.getRouting()).activeRegion).toBe(SECONDARY);
    });

    it('GIVEN another switch happened since it confirmed WHEN the command runs again THEN it is not resumed silently', async () => {
      const moved = await executeSwitch(
        {
          store: dep.ctx.store,
          trafficSwitch: dep.ctx.trafficSwitch,
          notifier: dep.ctx.notifier,
          clock: systemClock,
          owner: 'someone-else',
        },
        {
          switch: { targetRegion: PRIMARY, scope: { kind: 'tenants', tenantIds: ['acme'] } },
          caller: 'manual-failback',
          actor: 'bob',
          reason: 'acme first',
          trigger: 'test',
          leaseSeconds: 10,
        },
      );
      expect(moved.outcome).toBe('switched');
      const deps = runbookDeps(dep);

      const result = await runSwitchRunbook(deps, failbackOptions());

      expect(result.kind).toBe('done');
      expect(deps.lines[0]).toMatch(
        /is not continued as is: the routing changed since it last looked \(epoch \d+, now \d+\)/,
      );
      expect(deps.lines).toContain('[1/6] precheck');
    });

    it('GIVEN it is fresh and nothing changed WHEN the command runs again THEN it continues after the confirmation', async () => {
      const deps = runbookDeps(dep);

      expect((await runSwitchRunbook(deps, failbackOptions())).kind).toBe('done');

      expect(deps.lines[0]).toContain('resuming run');
      expect(deps.lines.some((l) => l.startsWith('[3/6] confirm: already done'))).toBe(true);
    });

    it('GIVEN it is abandoned WHEN the command runs again THEN a new run starts with prechecks; the abandoned run keeps who and why', async () => {
      const interrupted = (await latestRun(dep, 'failback', PRIMARY))!;

      const ended = await abandonRun({ ...dep.ctx, clock: systemClock }, interrupted.runId, 'wrong ticket', 'carol');

      expect(ended).toMatchObject({ state: 'abandoned', endReason: 'abandoned by carol: wrong ticket' });
      expect(await dep.ctx.progress.unfinished()).toEqual([]);
      const audit = await dep.ctx.store.listAudit(20);
      expect(audit.find((e) => e.trigger === `runbook:runs abandon ${interrupted.runId}`)).toMatchObject({
        actor: 'carol',
        reason: 'wrong ticket',
        outcome: 'noop',
      });
      const deps = runbookDeps(dep);
      const result = await runSwitchRunbook(deps, failbackOptions());
      expect(result.kind).toBe('done');
      if (result.kind === 'done') expect(result.run.runId).not.toBe(interrupted.runId);
      expect(deps.lines.some((l) => l.includes('resuming'))).toBe(false);
    });

    it('GIVEN an unknown id, an ended run or no reason WHEN abandoning THEN a usage error names the fix and nothing changes', async () => {
      const interrupted = (await latestRun(dep, 'failback', PRIMARY))!;
      const deps = { ...dep.ctx, clock: systemClock };

      await expect(abandonRun(deps, 'no-such-run', 'x', 'carol')).rejects.toThrow(
        'no runbook run "no-such-run": `runs list` shows the run ids',
      );
      await expect(abandonRun(deps, interrupted.runId, '  ', 'carol')).rejects.toThrow(RunbookUsageError);
      expect((await dep.ctx.progress.get(interrupted.runId))?.state).toBe('running');
      await abandonRun(deps, interrupted.runId, 'done with it', 'carol');
      await expect(abandonRun(deps, interrupted.runId, 'again', 'carol')).rejects.toThrow(
        `run ${interrupted.runId} is already abandoned: only a running run can be abandoned`,
      );
    });
  });
});
