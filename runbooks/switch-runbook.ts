import { randomUUID } from 'node:crypto';
import { assertKnownRegion } from '../failover/config/names';
import type { RegionFlipConfig } from '../failover/config/schema';
import type { Clock, SwitchRequest } from '../failover/core/types';
import type {
  ControlStore,
  HealthReader,
  Notifier,
  SwitchPlan,
  SwitchProgress,
  TrafficSwitch,
} from '../failover/ports';
import type { DrillMarker } from '../failover/state/drill-marker';
import { RunbookUsageError } from './errors';
import type { PrecheckResult, PrecheckSettings } from './prechecks';
import type { RunbookOperation, RunbookProgressStore, RunbookRun } from './progress';
import type { ReplicationCheck } from './replication-check';
import { doneSteps, openRun } from './runs';
import type { ProbeResult, ServedByProbe } from './served-by-probe';
import { type EngineDeps, runSteps } from './step-engine';
import { describeScope, SWITCH_STEPS, type SwitchRunContext } from './switch-steps';

/**
 * The executable failback / manual failover runbook (runbooks/failback.md, runbooks/manual-failover.md): the steps
 * (runbooks/switch-steps.ts) run on the resumable step engine (runbooks/step-engine.ts) as one run
 * (runbooks/progress.ts). Once the switch is confirmed, running the same command again continues the run — unless it
 * is stale (older than `maxResumeAgeMs`, or another switch happened since), then its prechecks run again and it asks
 * again (runbooks/runs.ts). Before the confirmation nothing has changed, so a rerun starts over.
 */

/** Asks a human a question on the terminal; tests answer from a script. */
export interface Prompter {
  ask(question: string): Promise<string>;
}

export interface RunbookSettings extends PrecheckSettings {
  /** How long verification waits for probes to be served by the target (DNS caches hold old answers for a TTL). */
  readonly verifyTimeoutMs: number;
  readonly verifyPollMs: number;
  /** A confirmed run older than this is not continued as is: its prechecks run again and it asks again. */
  readonly maxResumeAgeMs: number;
}

export interface SwitchRunbookDeps extends EngineDeps {
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
  | { readonly kind: 'refused'; readonly reason: string; readonly prechecks?: readonly PrecheckResult[] }
  /** The verification failed: the run is ended (state failed), with advice printed. */
  | { readonly kind: 'failed'; readonly reason: string; readonly run: RunbookRun };

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

export async function runSwitchRunbook(
  deps: SwitchRunbookDeps,
  opts: SwitchRunbookOptions,
): Promise<SwitchRunbookResult> {
  if (opts.yes && !opts.reason?.trim()) {
    throw new RunbookUsageError('--yes needs --reason "<why>": the reason goes into the audit and to on-call');
  }
  if (opts.force && !opts.reason?.trim()) {
    throw new RunbookUsageError('--force needs --reason "<why>": an override is recorded with its reason');
  }
  const request = requestFor(deps.config, opts);
  const run = opts.dryRun
    ? newRun(deps, opts, request)
    : await openRun(deps, opts, request, () => newRun(deps, opts, request));
  if (!opts.dryRun && doneSteps(run).length === 0) {
    deps.out(`${opts.operation} to ${opts.targetRegion} for ${describeScope(request)} (run ${run.runId})`);
  }
  const ctx: SwitchRunContext = { run, persist: !opts.dryRun, deps, opts, request, prechecks: [], probes: [] };
  const outcome = await runSteps(SWITCH_STEPS, ctx, deps);
  if (outcome.kind === 'stopped') return outcome.result;
  deps.out(
    `DONE: traffic is on ${opts.targetRegion}${request.scope.kind === 'tenants' ? ` for ${describeScope(request)}` : ''}`,
  );
  return { kind: 'done', run: ctx.run, probes: ctx.probes };
}

function newRun(deps: SwitchRunbookDeps, opts: SwitchRunbookOptions, request: SwitchRequest): RunbookRun {
  return {
    runId: randomUUID(),
    operation: opts.operation,
    targetRegion: opts.targetRegion,
    request,
    owner: opts.actor,
    startedAt: deps.clock.now(),
    state: 'running',
    forced: false,
    failedPrechecks: [],
    steps: {},
  };
}
