import { namesFor } from '../../failover/config/names';
import type { TrafficSwitch } from '../../failover/ports';
import { markDrillEnded, markDrillStarted } from '../../failover/state/drill-marker';
import { SWITCH_RUNBOOK_STEPS, type SwitchRunbookStep } from '../../runbooks/definitions/types';
import { RunbookStepError, RunbookUsageError } from '../../runbooks/errors';
import { runSwitchRunbook } from '../../runbooks/switch-runbook';
import { PRIMARY, provisionDeployment, SECONDARY, type TestDeployment } from './support/deployment';
import { failbackOptions, failOverTo, latestRun, runbookDeps } from './support/runbook-deps';

/** Where every routing record points now (read through the switch's own plan: nothing to change = on target). */
async function recordsOn(dep: TestDeployment, region: string): Promise<boolean> {
  const plan = await dep.ctx.trafficSwitch.plan({ targetRegion: region, scope: { kind: 'region' } });
  return plan.changes.length === 0;
}

async function switchedEntries(dep: TestDeployment) {
  return (await dep.ctx.store.listAudit(100)).filter((e) => e.outcome === 'switched' && e.caller === 'manual-failback');
}

describe('failback runbook against moto', () => {
  let dep: TestDeployment;
  beforeEach(async () => {
    dep = await provisionDeployment();
    await failOverTo(dep, SECONDARY);
  });
  afterEach(async () => {
    await dep.stop();
  });

  it('GIVEN traffic on the secondary after a failover WHEN failback --yes --reason THEN every record and probe is on the primary, audited once', async () => {
    const deps = runbookDeps(dep);
    const before = await dep.ctx.store.getRouting();

    const result = await runSwitchRunbook(deps, failbackOptions());

    expect(result.kind).toBe('done');
    expect(await recordsOn(dep, PRIMARY)).toBe(true);
    const after = await dep.ctx.store.getRouting();
    expect(after.activeRegion).toBe(PRIMARY);
    expect(after.epoch).toBe(before.epoch + 1);
    if (result.kind === 'done') {
      expect(result.probes).toHaveLength(dep.config.tenants.length);
      expect(result.probes.every((p) => p.servedBy === PRIMARY)).toBe(true);
    }
    const audit = await dep.ctx.store.listAudit(20);
    expect(
      audit
        .filter((e) => e.caller === 'manual-failback')
        .map((e) => e.outcome)
        .sort(),
    ).toEqual(['switched', 'verified']);
    expect((await switchedEntries(dep))[0]!.reason).toBe('INC-1 resolved');
    const progress = await latestRun(dep, 'failback', PRIMARY);
    expect(progress?.state).toBe('done');
    expect(Object.keys(progress!.steps).sort()).toEqual([...SWITCH_RUNBOOK_STEPS].sort());
    expect(deps.lines.at(-1)).toBe('DONE: traffic is on us-east-1');
  });

  it('GIVEN a recording on-call WHEN failback THEN on-call hears the switch and then the verified failback with the reason', async () => {
    const heard: { subject: string; message: Record<string, unknown> }[] = [];
    const deps = runbookDeps(dep, {
      notifier: { notify: async (subject, message) => void heard.push({ subject, message }) },
    });

    await runSwitchRunbook(deps, failbackOptions());

    expect(heard.map((h) => h.subject)).toEqual([
      'RegionFlip switched all tenants → us-east-1',
      'RegionFlip failback to us-east-1 done and verified',
    ]);
    expect(heard[1]!.message).toMatchObject({ actor: 'alice', reason: 'INC-1 resolved', forced: false });
  });

  it('GIVEN on-call cannot be reached WHEN failback THEN traffic still moves, the run ends, and the human is told to call on-call', async () => {
    const deps = runbookDeps(dep, {
      notifier: {
        notify: async () => {
          throw new Error('SNS is down');
        },
      },
    });

    const result = await runSwitchRunbook(deps, failbackOptions());

    expect(result.kind).toBe('done');
    expect(deps.lines).toContain('  audit written, on-call NOT notified (SNS is down): tell them yourself');
    expect((await latestRun(dep, 'failback', PRIMARY))?.state).toBe('done');
  });

  it('GIVEN the target Region in ALARM WHEN failback THEN it refuses naming the alarm, changes nothing and audits the refusal', async () => {
    await dep.setRegionAlarm(PRIMARY, 'ALARM');
    const deps = runbookDeps(dep);

    const result = await runSwitchRunbook(deps, failbackOptions());

    expect(result.kind).toBe('refused');
    if (result.kind === 'refused') expect(result.reason).toContain('target-healthy');
    expect(await recordsOn(dep, SECONDARY)).toBe(true);
    const audit = await dep.ctx.store.listAudit(20);
    expect(audit.some((e) => e.caller === 'manual-failback' && e.outcome === 'refused')).toBe(true);
    expect(deps.lines.some((l) => l.includes('FAIL') && l.includes('us-east-1 is unhealthy'))).toBe(true);
  });

  it('GIVEN a drill marked active WHEN failback THEN it refuses; once the drill ends THEN it proceeds', async () => {
    await markDrillStarted(dep.ctx.controlTable, { drillId: 'd-1', title: 'Region outage', startedBy: 'bob' });

    const refused = await runSwitchRunbook(runbookDeps(dep), failbackOptions());
    expect(refused.kind).toBe('refused');
    if (refused.kind === 'refused') expect(refused.reason).toContain('Region outage');
    expect(await recordsOn(dep, SECONDARY)).toBe(true);

    await markDrillEnded(dep.ctx.controlTable, 'd-1');
    expect((await runSwitchRunbook(runbookDeps(dep), failbackOptions())).kind).toBe('done');
  });

  it('GIVEN no replication between the Regions WHEN failback with the real sentinel check THEN it refuses: the sentinel never arrives', async () => {
    const deps = runbookDeps(dep, { replication: dep.ctx.replication });

    const result = await runSwitchRunbook(deps, failbackOptions());

    expect(result.kind).toBe('refused');
    if (result.kind === 'refused') expect(result.reason).toContain('not seen in us-east-1 within 500 ms');
    expect(await recordsOn(dep, SECONDARY)).toBe(true);
  });

  it('GIVEN a failed precheck WHEN --force --reason THEN it switches and the switch audit records the override and the failed check', async () => {
    await dep.setRegionAlarm(PRIMARY, 'ALARM');

    const result = await runSwitchRunbook(runbookDeps(dep), failbackOptions({ force: true, reason: 'CEO says go' }));

    expect(result.kind).toBe('done');
    expect(await recordsOn(dep, PRIMARY)).toBe(true);
    const [switched] = await switchedEntries(dep);
    expect(switched!.reason).toContain('CEO says go');
    expect(switched!.reason).toContain('--force past failed prechecks: target-healthy');
    const verified = (await dep.ctx.store.listAudit(20)).find((e) => e.outcome === 'verified');
    expect(verified?.detail).toContain('overridden with --force');
  });

  it('GIVEN --yes without --reason, or --force without --reason, or a basic tenant WHEN failback THEN a usage error names the fix', async () => {
    await expect(runSwitchRunbook(runbookDeps(dep), failbackOptions({ reason: undefined }))).rejects.toThrow(
      '--yes needs --reason',
    );
    await expect(
      runSwitchRunbook(runbookDeps(dep), failbackOptions({ yes: false, force: true, reason: undefined })),
    ).rejects.toThrow('--force needs --reason');
    await expect(runSwitchRunbook(runbookDeps(dep), failbackOptions({ tenantIds: ['hooli'] }))).rejects.toThrow(
      RunbookUsageError,
    );
    await expect(runSwitchRunbook(runbookDeps(dep), failbackOptions({ targetRegion: 'eu-west-1' }))).rejects.toThrow(
      'unknown Region "eu-west-1"',
    );
  });

  it('GIVEN an interactive run WHEN the typed Region does not match THEN nothing changes; WHEN it matches THEN it switches with the typed reason', async () => {
    const wrong = await runSwitchRunbook(
      runbookDeps(dep, {}, ['INC-9 over', 'us-west-2']),
      failbackOptions({ yes: false, reason: undefined }),
    );
    expect(wrong.kind).toBe('refused');
    expect(await recordsOn(dep, SECONDARY)).toBe(true);

    const right = await runSwitchRunbook(
      runbookDeps(dep, {}, ['', 'INC-9 over', 'us-east-1']),
      failbackOptions({ yes: false, reason: undefined }),
    );
    expect(right.kind).toBe('done');
    expect((await switchedEntries(dep))[0]!.reason).toBe('INC-9 over');
  });

  it('GIVEN --dry-run WHEN failback THEN it shows the plan with every routing record and changes nothing', async () => {
    const deps = runbookDeps(dep);

    const result = await runSwitchRunbook(deps, failbackOptions({ dryRun: true }));

    expect(result.kind).toBe('dry-run');
    const zone = dep.config.dns.zoneName;
    if (result.kind === 'dry-run') {
      expect(result.plan.changes.map((c) => c.name).sort()).toEqual([
        `acme.${zone}`,
        `globex.${zone}`,
        `shared.${zone}`,
      ]);
    }
    expect(deps.lines).toContain('DRY RUN: nothing was changed');
    expect(await recordsOn(dep, SECONDARY)).toBe(true);
    expect(await latestRun(dep, 'failback', PRIMARY)).toBeUndefined();
  });

  it('GIVEN one premium tenant WHEN failback --tenant acme THEN only its record moves and probes cover only it', async () => {
    const result = await runSwitchRunbook(runbookDeps(dep), failbackOptions({ tenantIds: ['acme'] }));

    expect(result.kind).toBe('done');
    const names = namesFor(dep.config);
    const plan = await dep.ctx.trafficSwitch.plan({ targetRegion: PRIMARY, scope: { kind: 'region' } });
    expect(plan.changes.map((c) => c.name).sort()).toEqual([names.tenantRecord('globex'), names.sharedRoutingRecord]);
    expect((await dep.ctx.store.getRouting()).tenantOverrides).toEqual({ acme: PRIMARY });
  });

  describe.each(SWITCH_RUNBOOK_STEPS.slice(0, -1).map((step, i) => [i + 1, step] as const))(
    'interrupted after step %i (%s)',
    (_k, step: SwitchRunbookStep) => {
      it('GIVEN a run that died after this step WHEN the same command runs again THEN it continues from the next step and switches once', async () => {
        const before = await dep.ctx.store.getRouting();
        const first = runbookDeps(dep, {
          afterStep: (done) => {
            if (done === step) throw new Error(`killed after ${step}`);
          },
        });
        await expect(runSwitchRunbook(first, failbackOptions())).rejects.toThrow(`killed after ${step}`);

        const second = runbookDeps(dep);
        const result = await runSwitchRunbook(second, failbackOptions({ reason: 'a different reason' }));

        expect(result.kind).toBe('done');
        expect(await recordsOn(dep, PRIMARY)).toBe(true);
        expect((await dep.ctx.store.getRouting()).epoch).toBe(before.epoch + 1);
        const switched = await switchedEntries(dep);
        expect(switched).toHaveLength(1);
        const doneBefore = SWITCH_RUNBOOK_STEPS.slice(0, SWITCH_RUNBOOK_STEPS.indexOf(step) + 1);
        if (doneBefore.includes('confirm')) {
          // Confirmed: the rerun continues the same run, with the reason confirmed in the first run.
          expect(switched[0]!.reason).toBe('INC-1 resolved');
          for (const s of doneBefore) {
            expect(second.lines.some((l) => l.includes(`] ${s}: already done`))).toBe(true);
          }
          expect(second.lines[0]).toContain('resuming run');
        } else {
          // Not confirmed yet, nothing changed: the rerun starts over with fresh prechecks and its own reason.
          expect(switched[0]!.reason).toBe('a different reason');
          expect(second.lines[0]).toContain('starts over with fresh prechecks');
          expect(second.lines.some((l) => l.includes('already done'))).toBe(false);
        }
        expect((await dep.ctx.store.listAudit(50)).filter((e) => e.outcome === 'verified')).toHaveLength(1);
      });
    },
  );

  it('GIVEN a crash inside the switch after Route 53 changed WHEN the command runs again THEN the pending intent is finished, once', async () => {
    const before = await dep.ctx.store.getRouting();
    const real = dep.ctx.trafficSwitch;
    const crashing: TrafficSwitch = {
      mode: real.mode,
      plan: (r) => real.plan(r),
      observe: () => real.observe(),
      apply: async (plan, onProgress) => {
        await real.apply(plan, onProgress);
        throw new Error('process killed after the records changed');
      },
    };
    await expect(runSwitchRunbook(runbookDeps(dep, { trafficSwitch: crashing }), failbackOptions())).rejects.toThrow(
      RunbookStepError,
    );
    expect(await dep.ctx.store.pendingSwitch()).toBeDefined();

    const result = await runSwitchRunbook(runbookDeps(dep), failbackOptions());

    expect(result.kind).toBe('done');
    expect(await dep.ctx.store.pendingSwitch()).toBeUndefined();
    expect((await dep.ctx.store.getRouting()).epoch).toBe(before.epoch + 1);
    expect(await switchedEntries(dep)).toHaveLength(1);
  });

  it('GIVEN a confirmed, unfinished run for all tenants WHEN the command runs for one tenant THEN it refuses to mix them', async () => {
    await expect(
      runSwitchRunbook(
        runbookDeps(dep, {
          afterStep: (step) => {
            if (step === 'confirm') throw new Error('killed');
          },
        }),
        failbackOptions(),
      ),
    ).rejects.toThrow('killed');

    await expect(runSwitchRunbook(runbookDeps(dep), failbackOptions({ tenantIds: ['acme'] }))).rejects.toThrow(
      'same --tenant options',
    );
  });

  it('GIVEN a run abandoned at the confirmation WHEN the target Region turns unhealthy and the command runs again THEN the prechecks run afresh and refuse', async () => {
    const abandoned = await runSwitchRunbook(
      runbookDeps(dep, {}, ['INC-9 over', 'typo']),
      failbackOptions({ yes: false, reason: undefined }),
    );
    expect(abandoned.kind).toBe('refused');
    await dep.setRegionAlarm(PRIMARY, 'ALARM');

    const deps = runbookDeps(dep);
    const rerun = await runSwitchRunbook(deps, failbackOptions());

    expect(rerun.kind).toBe('refused');
    if (rerun.kind === 'refused') expect(rerun.reason).toContain('target-healthy');
    expect(await recordsOn(dep, SECONDARY)).toBe(true);
    expect(await switchedEntries(dep)).toHaveLength(0);
  });

  it('GIVEN a run for all tenants abandoned before confirmation WHEN the command runs for one tenant THEN that run proceeds', async () => {
    await expect(
      runSwitchRunbook(
        runbookDeps(dep, {
          afterStep: (step) => {
            if (step === 'plan') throw new Error('Ctrl-C');
          },
        }),
        failbackOptions(),
      ),
    ).rejects.toThrow('Ctrl-C');

    const result = await runSwitchRunbook(runbookDeps(dep), failbackOptions({ tenantIds: ['acme'] }));

    expect(result.kind).toBe('done');
    expect((await dep.ctx.store.getRouting()).tenantOverrides).toEqual({ acme: PRIMARY });
    expect(await dep.ctx.progress.unfinished()).toEqual([]);
  });
});
