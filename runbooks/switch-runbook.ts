import { randomUUID } from 'node:crypto';
import { assertKnownRegion, namesFor } from '../failover/config/names';
import type { RegionFlipConfig } from '../failover/config/schema';
import type {
  ControlStore,
  HealthReader,
  Notifier,
  SwitchPlan,
  SwitchProgress,
  SwitchRequest,
  TrafficSwitch,
} from '../failover/ports';
import type { DrillMarker } from '../failover/state/drill-marker';
import { type Clock, executeSwitch, type SwitchReport } from '../failover/switch/execute-switch';
import { SWITCH_RUNBOOK_STEPS, type SwitchRunbookStep } from './definitions/types';
import { type PrecheckResult, type PrecheckSettings, runPrechecks } from './prechecks';
import type { RunbookOperation, RunbookProgressStore, RunbookRun } from './progress';
import type { ReplicationCheck } from './replication-check';
import type { ProbeResult, ServedByProbe } from './served-by-probe';

/**
 * The executable failback / manual failover runbook (runbooks/failback.md, runbooks/manual-failover.md):
 *
 *   precheck → plan → confirm → switch (executeSwitch, the one switch) → verify → announce
 *
 * Each step is recorded as done in the control table (runbooks/progress.ts); once the switch is confirmed, running the
 * same command again skips the steps already done and continues, and the switch itself converges, so an interruption
 * anywhere never switches twice. Before the confirmation nothing has changed, so a rerun starts over (fresh prechecks).
 */

/** Asks a human a question on the terminal; tests answer from a script. */
export interface Prompter {
  ask(question: string): Promise<string>;
}

export interface RunbookSettings extends PrecheckSettings {
  /** How long verification waits for probes to be served by the target (DNS caches hold old answers for a TTL). */
  readonly verifyTimeoutMs: number;
  readonly verifyPollMs: number;
}

export interface SwitchRunbookDeps {
  readonly config: RegionFlipConfig;
  readonly store: ControlStore;
  readonly progress: RunbookProgressStore;
  readonly activeDrill: (now: Date) => Promise<DrillMarker | undefined>;
  readonly health: HealthReader;
  readonly replication: ReplicationCheck;
  readonly trafficSwitch: TrafficSwitch;
  readonly notifier: Notifier;
  readonly probe: ServedByProbe;
  readonly prompt: Prompter;
  readonly clock: Clock;
  readonly settings: RunbookSettings;
  /** Lease owner of the switch: `runbook:<user>@<host>`. */
  readonly owner: string;
  readonly out: (line: string) => void;
  /** Called once a step is recorded as done: progress output, and the interruption point of the resume tests. */
  readonly afterStep?: (step: SwitchRunbookStep) => void | Promise<void>;
  readonly onSwitchProgress?: (progress: SwitchProgress) => void;
}

export interface SwitchRunbookOptions {
  readonly operation: RunbookOperation;
  readonly targetRegion: string;
  /** Premium tenants to move on their own; empty = the whole Region. */
  readonly tenantIds: readonly string[];
  readonly yes: boolean;
  readonly reason?: string;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly actor: string;
}

export type SwitchRunbookResult =
  | { readonly kind: 'done'; readonly run: RunbookRun; readonly probes: readonly ProbeResult[] }
  | { readonly kind: 'dry-run'; readonly prechecks: readonly PrecheckResult[]; readonly plan: SwitchPlan }
  | { readonly kind: 'refused'; readonly reason: string; readonly prechecks?: readonly PrecheckResult[] };

/** Bad command-line input: nothing was read or changed. */
export class RunbookUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunbookUsageError';
  }
}

/** A step failed after the run started: rerunning the same command continues from that step. */
export class RunbookStepError extends Error {
  constructor(
    readonly step: SwitchRunbookStep,
    message: string,
  ) {
    super(`step "${step}" failed: ${message}. Run the same command again: it continues from this step.`);
    this.name = 'RunbookStepError';
  }
}

const callerOf = (op: RunbookOperation) => (op === 'failback' ? 'manual-failback' : 'manual-failover');

export function requestFor(config: RegionFlipConfig, opts: Pick<SwitchRunbookOptions, 'targetRegion' | 'tenantIds'>) {
  assertKnownRegion(config, opts.targetRegion);
  const premium = config.tenants.filter((t) => t.tier === 'premium').map((t) => t.id);
  const notPremium = opts.tenantIds.filter((id) => !premium.includes(id));
  if (notPremium.length > 0) {
    throw new RunbookUsageError(
      `--tenant ${notPremium.map((t) => `"${t}"`).join(', ')}: only premium tenants move on their own ` +
        `(premium tenants: ${premium.join(', ') || 'none'}); leave --tenant out to move every tenant`,
    );
  }
  const request: SwitchRequest = {
    targetRegion: opts.targetRegion,
    scope:
      opts.tenantIds.length === 0 ? { kind: 'region' } : { kind: 'tenants', tenantIds: [...new Set(opts.tenantIds)] },
  };
  return request;
}

/** The tenant names whose traffic the request moves: every tenant for a Region, else the premium tenants named. */
export function probedNames(config: RegionFlipConfig, request: SwitchRequest): string[] {
  const names = namesFor(config);
  const ids = request.scope.kind === 'region' ? config.tenants.map((t) => t.id) : request.scope.tenantIds;
  return ids.map((id) => names.tenantRecord(id));
}

function describeScope(request: SwitchRequest): string {
  return request.scope.kind === 'region' ? 'every tenant' : `tenants ${request.scope.tenantIds.join(', ')}`;
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

export async function runSwitchRunbook(
  deps: SwitchRunbookDeps,
  opts: SwitchRunbookOptions,
): Promise<SwitchRunbookResult> {
  const { out, clock, config } = deps;
  if (opts.yes && !opts.reason?.trim()) {
    throw new RunbookUsageError('--yes needs --reason "<why>": the reason goes into the audit and to on-call');
  }
  if (opts.force && !opts.reason?.trim()) {
    throw new RunbookUsageError('--force needs --reason "<why>": an override is recorded with its reason');
  }
  const request = requestFor(config, opts);
  const total = SWITCH_RUNBOOK_STEPS.length;
  const header = (step: SwitchRunbookStep, text = '') =>
    out(`[${SWITCH_RUNBOOK_STEPS.indexOf(step) + 1}/${total}] ${step}${text ? `: ${text}` : ''}`);

  const stored = opts.dryRun ? undefined : await deps.progress.load(opts.operation, opts.targetRegion);
  // A run that stopped before its switch was confirmed changed nothing: it starts over, so the prechecks and the plan are
  // fresh (not hours old), and a run abandoned at the confirmation (Ctrl-C, a wrong Region typed) cannot block another.
  const abandoned = stored?.status === 'running' && stored.steps.confirm === undefined ? stored : undefined;
  let run: RunbookRun;
  if (stored && stored.status === 'running' && !abandoned) {
    if (JSON.stringify(stored.request) !== JSON.stringify(request)) {
      throw new RunbookUsageError(
        `an unfinished ${opts.operation} to ${opts.targetRegion} for ${describeScope(stored.request)} ` +
          `(run ${stored.runId}, started by ${stored.actor}) is in the control table: run the same command with the ` +
          'same --tenant options to finish it first',
      );
    }
    run = stored;
    const done = SWITCH_RUNBOOK_STEPS.filter((s) => run.steps[s]);
    out(
      `${opts.operation} to ${opts.targetRegion}: resuming run ${run.runId} started by ${run.actor} at ` +
        `${run.startedAt.toISOString()} (done: ${done.join(', ') || 'nothing yet'})`,
    );
  } else {
    if (abandoned) {
      const done = SWITCH_RUNBOOK_STEPS.filter((s) => abandoned.steps[s]);
      out(
        `${opts.operation} to ${opts.targetRegion}: run ${abandoned.runId} by ${abandoned.actor} stopped before the ` +
          `switch was confirmed (done: ${done.join(', ') || 'nothing yet'}); nothing was changed, so this run starts ` +
          'over with fresh prechecks',
      );
    }
    run = {
      operation: opts.operation,
      targetRegion: opts.targetRegion,
      runId: randomUUID(),
      request,
      actor: opts.actor,
      startedAt: clock.now(),
      status: 'running',
      forced: false,
      failedPrechecks: [],
      steps: {},
    };
    out(`${opts.operation} to ${opts.targetRegion} for ${describeScope(request)} (run ${run.runId})`);
  }

  const markDone = async (step: SwitchRunbookStep, detail: string, changes: Partial<RunbookRun> = {}) => {
    run = { ...run, ...changes, steps: { ...run.steps, [step]: { at: clock.now(), detail } } };
    await deps.progress.save(run);
    await deps.afterStep?.(step);
  };
  const skip = (step: SwitchRunbookStep) => {
    const rec = run.steps[step];
    if (rec) header(step, `already done at ${rec.at.toISOString()} (${rec.detail})`);
    return rec !== undefined;
  };
  const trigger = `runbook:${opts.operation} run ${run.runId}`;

  // 1. precheck
  let prechecks: PrecheckResult[] = [];
  if (!skip('precheck')) {
    header('precheck');
    const routing = await deps.store.getRouting();
    prechecks = await runPrechecks(deps, routing, request, deps.settings, clock.now());
    for (const r of prechecks) out(formatPrecheck(r));
    const failed = prechecks.filter((r) => r.blocking && !r.ok);
    if (failed.length > 0 && !opts.force) {
      const reason = `precheck failed: ${failed.map((f) => `${f.id} (${f.detail})`).join('; ')}`;
      if (!opts.dryRun) {
        await deps.store.appendAudit({
          id: randomUUID(),
          at: clock.now(),
          caller: callerOf(opts.operation),
          actor: opts.actor,
          trigger,
          reason: opts.reason ?? 'no reason given',
          request,
          outcome: 'refused',
          detail: `${reason}. Nothing was changed.`,
        });
      }
      out(`REFUSED: ${reason}. Nothing was changed.`);
      out(
        'Fix the cause and run the command again, or override with --force --reason "<why>" (recorded in the audit).',
      );
      return { kind: 'refused', reason, prechecks };
    }
    if (failed.length > 0) {
      out(`WARNING: --force overrides failed prechecks: ${failed.map((f) => f.id).join(', ')} (recorded in the audit)`);
    }
    if (!opts.dryRun) {
      await markDone(
        'precheck',
        failed.length > 0 ? `forced past ${failed.map((f) => f.id).join(', ')}` : 'all prechecks ok',
        { forced: failed.length > 0, failedPrechecks: failed.map((f) => `${f.id}: ${f.detail}`) },
      );
    }
  }

  // 2. plan
  if (!skip('plan')) {
    const plan = await deps.trafficSwitch.plan(request);
    header('plan', `${plan.changes.length} record(s) change, ${plan.unchanged.length} already right`);
    for (const line of formatPlan(plan)) out(line);
    if (opts.dryRun) {
      out('DRY RUN: nothing was changed');
      return { kind: 'dry-run', prechecks, plan };
    }
    await markDone('plan', `${plan.changes.length} record(s) to change: ${plan.changes.map((c) => c.name).join(', ')}`);
  }

  // 3. confirm
  if (!skip('confirm')) {
    header('confirm');
    let reason = opts.reason?.trim() ?? '';
    if (!opts.yes) {
      while (reason === '')
        reason = (await deps.prompt.ask('Why? (ticket or one sentence, goes into the audit): ')).trim();
      const typed = (await deps.prompt.ask(`Type the target Region "${opts.targetRegion}" to switch: `)).trim();
      if (typed !== opts.targetRegion) {
        const refusal = `confirmation "${typed}" does not match "${opts.targetRegion}"`;
        out(`REFUSED: ${refusal}. Nothing was changed.`);
        return { kind: 'refused', reason: refusal };
      }
    }
    await markDone('confirm', `confirmed by ${opts.actor}${opts.yes ? ' (--yes)' : ''}`, { reason });
  }

  const reason = run.forced
    ? `${run.reason} [--force past failed prechecks: ${run.failedPrechecks.join('; ')}]`
    : (run.reason ?? '');

  // 4. switch
  if (!skip('switch')) {
    header('switch', `moving ${describeScope(request)} to ${opts.targetRegion}`);
    const report: SwitchReport = await executeSwitch(
      {
        store: deps.store,
        trafficSwitch: deps.trafficSwitch,
        notifier: deps.notifier,
        clock,
        owner: deps.owner,
        onProgress: deps.onSwitchProgress,
      },
      {
        switch: request,
        caller: callerOf(opts.operation),
        actor: opts.actor,
        reason,
        trigger,
        leaseSeconds: config.policy.leaseSeconds,
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
    out(`  ${detail}${report.notifyError ? ` (on-call NOT notified: ${report.notifyError})` : ''}`);
    await markDone('switch', detail);
  }

  // 5. verify
  let probes: ProbeResult[] = [];
  if (!skip('verify')) {
    header('verify');
    const readBack = await deps.trafficSwitch.plan(request);
    if (readBack.changes.length > 0) {
      throw new RunbookStepError(
        'verify',
        `${readBack.changes.length} routing record(s) do not point at ${opts.targetRegion}: ` +
          readBack.changes.map((c) => `${c.name} -> ${c.from ?? '(missing)'}`).join(', '),
      );
    }
    out(`  ${readBack.unchanged.length} routing record(s) read back on ${opts.targetRegion}`);
    probes = await probeUntilServed(deps, probedNames(config, request), opts.targetRegion);
    const wrong = probes.filter((p) => p.servedBy !== opts.targetRegion);
    for (const p of probes) {
      out(`  ${p.servedBy === opts.targetRegion ? 'ok  ' : 'FAIL'}  ${p.name} ${describeProbe(p)}`);
    }
    if (wrong.length > 0) {
      throw new RunbookStepError(
        'verify',
        `${wrong.length} probe(s) not served by ${opts.targetRegion}: ${wrong.map((p) => `${p.name} ${describeProbe(p)}`).join('; ')}`,
      );
    }
    await markDone(
      'verify',
      `${readBack.unchanged.length} record(s) read back, ${probes.length} probe(s) served by ${opts.targetRegion}`,
    );
  }

  // 6. announce
  if (!skip('announce')) {
    header('announce');
    const routing = await deps.store.getRouting();
    const verified = run.steps.verify?.detail ?? '';
    await deps.store.appendAudit({
      id: randomUUID(),
      at: clock.now(),
      caller: callerOf(opts.operation),
      actor: run.actor,
      trigger,
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
        actor: run.actor,
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
    out(`  audit written, ${announced}`);
    await markDone('announce', `audit written, ${announced}`, { status: 'done' });
  }
  out(
    `DONE: traffic is on ${opts.targetRegion}${request.scope.kind === 'tenants' ? ` for ${describeScope(request)}` : ''}`,
  );
  return { kind: 'done', run, probes };
}

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
