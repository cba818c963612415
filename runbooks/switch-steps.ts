import { randomUUID } from 'node:crypto';
import { namesFor } from '../failover/config/names';
import type { RegionFlipConfig } from '../failover/config/schema';
import { describeScope as describeScopeOf } from '../failover/core/scope';
import type { SwitchRequest } from '../failover/core/types';
import type { SwitchPlan } from '../failover/ports';
import { executeSwitch } from '../failover/switch/execute-switch';
import { RunbookStepError } from './errors';
import { type PrecheckResult, runPrechecks } from './prechecks';
import type { RunbookOperation } from './progress';
import type { ProbeResult } from './served-by-probe';
import type { EngineContext, RunStep } from './step-engine';
import type { SwitchRunbookDeps, SwitchRunbookOptions, SwitchRunbookResult } from './switch-runbook';

/**
 * The steps of the failback / manual failover runbook, as data for the step engine (runbooks/step-engine.ts):
 *
 *   precheck → plan → confirm → switch (executeSwitch, the one switch) → verify → announce
 */

export interface SwitchRunContext extends EngineContext {
  readonly deps: SwitchRunbookDeps;
  readonly opts: SwitchRunbookOptions;
  readonly request: SwitchRequest;
  /** What this invocation found (a resumed run skips the steps that found them). */
  prechecks: PrecheckResult[];
  probes: ProbeResult[];
}

type Step = RunStep<SwitchRunContext, SwitchRunbookResult>;

export const callerOf = (op: RunbookOperation) => (op === 'failback' ? 'manual-failback' : 'manual-failover');
const triggerOf = (ctx: SwitchRunContext) => `runbook:${ctx.opts.operation} run ${ctx.run.runId}`;

/** The tenant names whose traffic the request moves: every tenant for a Region, else the premium tenants named. */
export function probedNames(config: RegionFlipConfig, request: SwitchRequest): string[] {
  const names = namesFor(config);
  const ids = request.scope.kind === 'region' ? config.tenants.map((t) => t.id) : request.scope.tenantIds;
  return ids.map((id) => names.tenantRecord(id));
}

export function describeScope(request: SwitchRequest): string {
  return request.scope.kind === 'region' && (request.scope.keep ?? []).length === 0
    ? 'every tenant'
    : describeScopeOf(request.scope);
}

export function formatPrecheck(r: PrecheckResult): string {
  const mark = !r.blocking ? 'info' : r.ok ? 'ok  ' : 'FAIL';
  return `  ${mark}  ${r.id.padEnd(20)} ${r.detail}`;
}

export function formatPlan(plan: SwitchPlan): string[] {
  const width = Math.max(0, ...plan.changes.map((c) => c.name.length));
  return [
    ...plan.changes.map((c) => `  ${c.name.padEnd(width)}  ${c.from ?? '(missing)'} -> ${c.to}`),
    ...(plan.unchanged.length > 0 ? [`  already right: ${plan.unchanged.join(', ')}`] : []),
  ];
}

/** The reason recorded with the switch: the confirmed one, plus the override when prechecks were forced. */
export function switchReason(ctx: SwitchRunContext): string {
  const { run } = ctx;
  return run.forced
    ? `${run.reason} [--force past failed prechecks: ${run.failedPrechecks.join('; ')}]`
    : (run.reason ?? '');
}

const precheck: Step = {
  id: 'precheck',
  async run(ctx, header) {
    const { deps, opts, request } = ctx;
    header();
    const routing = await deps.store.getRouting();
    ctx.prechecks = await runPrechecks(
      {
        ...deps,
        observeRouting: () => deps.trafficSwitch.observe(),
        pendingIntent: () => deps.store.pendingSwitch(),
      },
      routing,
      request,
      deps.settings,
      deps.clock.now(),
    );
    for (const r of ctx.prechecks) deps.out(formatPrecheck(r));
    const failed = ctx.prechecks.filter((r) => r.blocking && !r.ok);
    if (failed.length > 0 && !opts.force) {
      const reason = `precheck failed: ${failed.map((f) => `${f.id} (${f.detail})`).join('; ')}`;
      if (ctx.persist) {
        await deps.store.appendAudit({
          id: randomUUID(),
          at: deps.clock.now(),
          caller: callerOf(opts.operation),
          actor: opts.actor,
          trigger: triggerOf(ctx),
          reason: opts.reason ?? 'no reason given',
          request,
          outcome: 'refused',
          detail: `${reason}. Nothing was changed.`,
        });
      }
      deps.out(`REFUSED: ${reason}. Nothing was changed.`);
      deps.out(
        'Fix the cause and run the command again, or override with --force --reason "<why>" (recorded in the audit).',
      );
      return { kind: 'stop', result: { kind: 'refused', reason, prechecks: ctx.prechecks } };
    }
    if (failed.length > 0) {
      deps.out(
        `WARNING: --force overrides failed prechecks: ${failed.map((f) => f.id).join(', ')} (recorded in the audit)`,
      );
    }
    return {
      kind: 'done',
      detail: failed.length > 0 ? `forced past ${failed.map((f) => f.id).join(', ')}` : 'all prechecks ok',
      changes: { forced: failed.length > 0, failedPrechecks: failed.map((f) => `${f.id}: ${f.detail}`) },
    };
  },
};

const plan: Step = {
  id: 'plan',
  async run(ctx, header) {
    const planned = await ctx.deps.trafficSwitch.plan(ctx.request);
    header(`${planned.changes.length} record(s) change, ${planned.unchanged.length} already right`);
    for (const line of formatPlan(planned)) ctx.deps.out(line);
    if (ctx.opts.dryRun) {
      ctx.deps.out('DRY RUN: nothing was changed');
      return { kind: 'stop', result: { kind: 'dry-run', prechecks: ctx.prechecks, plan: planned } };
    }
    return {
      kind: 'done',
      detail: `${planned.changes.length} record(s) to change: ${planned.changes.map((c) => c.name).join(', ')}`,
    };
  },
};

const confirm: Step = {
  id: 'confirm',
  async run(ctx, header) {
    const { deps, opts } = ctx;
    header();
    let reason = opts.reason?.trim() ?? '';
    if (!opts.yes) {
      while (reason === '')
        reason = (await deps.prompt.ask('Why? (ticket or one sentence, goes into the audit): ')).trim();
      const typed = (await deps.prompt.ask(`Type the target Region "${opts.targetRegion}" to switch: `)).trim();
      if (typed !== opts.targetRegion) {
        const refusal = `confirmation "${typed}" does not match "${opts.targetRegion}"`;
        deps.out(`REFUSED: ${refusal}. Nothing was changed.`);
        return { kind: 'stop', result: { kind: 'refused', reason: refusal } };
      }
    }
    // The epoch confirmed against: a switch by anyone else after this makes the run stale (runbooks/runs.ts).
    const { epoch } = await deps.store.getRouting();
    return {
      kind: 'done',
      detail: `confirmed by ${opts.actor}${opts.yes ? ' (--yes)' : ''}`,
      changes: { reason, epochSeen: epoch },
    };
  },
};

const switchStep: Step = {
  id: 'switch',
  async run(ctx, header) {
    const { deps, opts, request } = ctx;
    header(`moving ${describeScope(request)} to ${opts.targetRegion}`);
    const report = await executeSwitch(
      {
        store: deps.store,
        trafficSwitch: deps.trafficSwitch,
        notifier: deps.notifier,
        clock: deps.clock,
        owner: deps.owner,
        onProgress: deps.onSwitchProgress,
      },
      {
        switch: request,
        caller: callerOf(opts.operation),
        actor: opts.actor,
        reason: switchReason(ctx),
        trigger: triggerOf(ctx),
        leaseSeconds: deps.config.policy.leaseSeconds,
      },
    );
    if (report.outcome === 'lease-held') {
      throw new RunbookStepError(
        'switch',
        'another switch holds the lease right now (nothing was changed); wait a minute',
      );
    }
    if (report.outcome === 'failed') throw new RunbookStepError('switch', report.error ?? 'the switch failed');
    const detail =
      report.outcome === 'noop'
        ? `nothing to change, epoch ${report.epoch}`
        : `${report.switchOutcome?.recordsChanged ?? 0} record(s) changed, epoch ${report.epoch}`;
    deps.out(`  ${detail}${report.notifyError ? ` (on-call NOT notified: ${report.notifyError})` : ''}`);
    return { kind: 'done', detail, changes: { epochSeen: report.epoch } };
  },
};

const verify: Step = {
  id: 'verify',
  async run(ctx, header) {
    const { deps, opts, request } = ctx;
    header();
    const readBack = await deps.trafficSwitch.plan(request);
    if (readBack.changes.length > 0) {
      return verificationFailed(
        ctx,
        `${readBack.changes.length} routing record(s) do not point at ${opts.targetRegion}`,
        readBack.changes.map((c) => `${c.name} -> ${c.from ?? '(missing)'}`),
      );
    }
    deps.out(`  ${readBack.unchanged.length} routing record(s) read back on ${opts.targetRegion}`);
    ctx.probes = await probeUntilServed(deps, probedNames(deps.config, request), opts.targetRegion);
    for (const p of ctx.probes) {
      deps.out(`  ${p.servedBy === opts.targetRegion ? 'ok  ' : 'FAIL'}  ${p.name} ${describeProbe(p)}`);
    }
    const wrong = ctx.probes.filter((p) => p.servedBy !== opts.targetRegion);
    if (wrong.length > 0) {
      return verificationFailed(
        ctx,
        `${wrong.length} probe(s) not served by ${opts.targetRegion}`,
        wrong.map((p) => `${p.name} ${describeProbe(p)}`),
      );
    }
    return {
      kind: 'done',
      detail: `${readBack.unchanged.length} record(s) read back, ${ctx.probes.length} probe(s) served by ${opts.targetRegion}`,
    };
  },
};

/**
 * A failed verification ends the run (it is never resumed: rerunning the same verification would fail the same way,
 * and a later switch must not inherit it) and says what fits: where traffic is, how to go back, how to try again.
 */
async function verificationFailed(
  ctx: SwitchRunContext,
  summary: string,
  details: readonly string[],
): Promise<{ kind: 'stop'; result: SwitchRunbookResult }> {
  const { deps, opts, request } = ctx;
  const { primary, secondary } = deps.config.regions;
  const from = opts.targetRegion === primary ? secondary : primary;
  const back = `${deps.config.regions.primary === from ? 'failback' : 'failover'} --to ${from}`;
  const tenants = request.scope.kind === 'tenants' ? request.scope.tenantIds.map((t) => ` --tenant ${t}`).join('') : '';
  const reason = `verification failed: ${summary}`;
  const now = deps.clock.now();
  ctx.run = { ...ctx.run, state: 'failed', endedAt: now, endReason: reason };
  await deps.progress.save(ctx.run);
  await deps.store.appendAudit({
    id: randomUUID(),
    at: now,
    caller: callerOf(opts.operation),
    actor: opts.actor,
    trigger: triggerOf(ctx),
    reason: switchReason(ctx),
    request,
    outcome: 'failed',
    detail: `${reason}: ${details.join('; ')}`,
  });
  const served = [...new Set(ctx.probes.map((p) => p.servedBy ?? 'nobody (no answer)'))];
  deps.out(`FAILED: ${reason}. Run ${ctx.run.runId} is ended; it will not be resumed.`);
  for (const d of details.slice(0, 5)) deps.out(`  ${d}`);
  if (details.length > 5) deps.out(`  … and ${details.length - 5} more`);
  deps.out(
    served.length > 0
      ? `Serving now (probes): ${served.join(', ')}. Records moved by the switch stay as they are.`
      : 'The routing records were not all moved; see `status` for where each scope is served.',
  );
  deps.out(`To go back: regionflip ${back}${tenants} --reason "<why>"`);
  deps.out(
    `To try again (a new run, fresh prechecks): regionflip ${opts.operation} --to ${opts.targetRegion}${tenants}`,
  );
  return { kind: 'stop', result: { kind: 'failed', reason, run: ctx.run } };
}

const announce: Step = {
  id: 'announce',
  async run(ctx, header) {
    const { deps, opts, request, run } = ctx;
    header();
    const routing = await deps.store.getRouting();
    const verified = run.steps.verify?.detail ?? '';
    const reason = switchReason(ctx);
    await deps.store.appendAudit({
      id: randomUUID(),
      at: deps.clock.now(),
      caller: callerOf(opts.operation),
      actor: run.owner,
      trigger: triggerOf(ctx),
      reason,
      request,
      outcome: 'verified',
      epoch: routing.epoch,
      detail: `${opts.operation} verified: ${verified}${run.forced ? '; prechecks overridden with --force' : ''}`,
    });
    // On-call must hear about it, but a failed announcement must not hide a switch that happened and was verified.
    let announced = 'on-call notified';
    try {
      await deps.notifier.notify(`RegionFlip ${opts.operation} to ${opts.targetRegion} done and verified`, {
        operation: opts.operation,
        runId: run.runId,
        actor: run.owner,
        reason,
        targetRegion: opts.targetRegion,
        scope: request.scope,
        forced: run.forced,
        failedPrechecks: run.failedPrechecks,
        verified,
        epoch: routing.epoch,
      });
    } catch (err) {
      announced = `on-call NOT notified (${(err as Error).message}): tell them yourself`;
    }
    deps.out(`  audit written, ${announced}`);
    const detail = `audit written, ${announced}`;
    return { kind: 'done', detail, changes: { state: 'done', endedAt: deps.clock.now(), endReason: 'verified' } };
  },
};

export const SWITCH_STEPS: readonly Step[] = [precheck, plan, confirm, switchStep, verify, announce];

function describeProbe(p: ProbeResult): string {
  if (p.error) return p.error;
  return `HTTP ${p.status}, served by ${p.servedBy ?? '(no x-served-by-region header)'}`;
}

async function probeUntilServed(deps: SwitchRunbookDeps, names: string[], target: string): Promise<ProbeResult[]> {
  const deadline = deps.clock.now().getTime() + deps.settings.verifyTimeoutMs;
  for (;;) {
    const probes = await deps.probe.probe(names);
    if (probes.every((p) => p.servedBy === target) || deps.clock.now().getTime() >= deadline) return probes;
    await new Promise((r) => setTimeout(r, deps.settings.verifyPollMs));
  }
}
