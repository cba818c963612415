import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { setTimeout } from 'node:timers/promises';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT } from '../failover/cli/exit-codes';
import { wantsJson, withOutputOption } from '../failover/cli/output';
import { systemClock } from '../failover/switch/execute-switch';
import {
  checkNotifications,
  formatNotifications,
  formatProbe,
  NOTIFIED_SWITCHES_LOOKBACK,
  probeNames,
  runProbe,
} from './check-commands';
import { type ConnectOptions, connect, currentActor, leaseOwner, type RunbookContext } from './connect';
import { RunbookUsageError } from './errors';
import type { RunbookPorts } from './ports';
import type { RunbookOperation } from './progress';
import { abandonRun, formatRun, formatRunLine } from './runs';
import { formatStatus, gatherStatus } from './status';
import { type Prompter, runSwitchRunbook } from './switch-runbook';

/**
 * `regionflip failback|failover|automation|status`: the executable runbooks (runbooks/*.md say when and how to use
 * them). Thin: parse options, connect to the target, call the runbook, print, set the exit code.
 */

/** Default: how long the replication sentinel may take to arrive, and the lag that still counts as drained. */
export const DEFAULT_REPLICATION_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REPLICATION_LAG_MS = 5_000;
const VERIFY_POLL_MS = 1000;
const DEFAULT_WATCH_SECONDS = 2;
/** Default: a confirmed run older than this is not continued as is (prechecks again, confirmation again). */
export const DEFAULT_MAX_RESUME_AGE_MINUTES = 30;

interface TargetFlags {
  target: 'local' | 'aws';
  zoneId?: string;
  controlRegion?: string;
  oncallTopicArn?: string;
}

function withTargetOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--target <target>', 'local: the running local environment; aws: the deployed stacks')
        .choices(['local', 'aws'])
        // One `export REGIONFLIP_TARGET=aws` lets a runbook's commands be typed as written, locally and on AWS.
        .env('REGIONFLIP_TARGET')
        .default('local'),
    )
    .option(
      '--zone-id <id>',
      'Route 53 hosted zone id (optional; default: dns.hostedZoneId, else looked up by zone name)',
      nonEmpty('--zone-id', 'leave --zone-id out to look the zone up by name, or set ZONE_ID first'),
    )
    .option(
      '--control-region <region>',
      'Region of the control table replica holding the lease (default: controlRegion of the config)',
    )
    .option(
      '--oncall-topic-arn <arn>',
      'on-call SNS topic (default: the one named by the config, in the control Region)',
    );
}

/** An empty value (`--zone-id "$ZONE_ID"` with ZONE_ID unset) is refused before anything is called. */
export function nonEmpty(flag: string, fix: string) {
  return (value: string) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} is empty: ${fix}`);
    return value;
  };
}

function connectOptions(cmd: Command): ConnectOptions {
  const o = cmd.optsWithGlobals<TargetFlags & { config?: string }>();
  return {
    target: o.target,
    configFile: o.config,
    zoneId: o.zoneId,
    controlRegion: o.controlRegion,
    oncallTopicArn: o.oncallTopicArn,
  };
}

const print = (line: string) => process.stdout.write(`${line}\n`);

function terminalPrompter(): Prompter {
  return {
    async ask(question) {
      if (!process.stdin.isTTY) {
        throw new RunbookUsageError('no terminal to confirm on: for scripts, pass --yes --reason "<why>"');
      }
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

function positiveInt(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} "${value}" must be a whole number ≥ 0`);
    return n;
  };
}

interface SwitchFlags {
  to: string;
  tenant: string[];
  yes?: boolean;
  reason?: string;
  force?: boolean;
  dryRun?: boolean;
  replicationTimeout: number;
  maxReplicationLag: number;
  maxResumeAge: number;
}

/** Runs one of the switch runbooks from parsed flags; exported for tests that drive the command with a context. */
export async function runSwitchCommand(
  ctx: RunbookContext,
  operation: RunbookOperation,
  flags: SwitchFlags,
  prompt: Prompter,
  out: (line: string) => void,
): Promise<number> {
  const actor = currentActor();
  // A usage or step error propagates to main.ts: stderr, one line then the fix, exit code from the table.
  const result = await runSwitchRunbook(
    {
      ...ctx,
      prompt,
      clock: systemClock,
      owner: leaseOwner(actor),
      out,
      settings: {
        targetHealthySeconds: ctx.config.policy.targetHealthySeconds,
        replicationTimeoutMs: flags.replicationTimeout,
        maxReplicationLagMs: flags.maxReplicationLag,
        // A resolver may hold the old answer for a TTL; give it two, plus slack.
        verifyTimeoutMs: (ctx.config.dns.ttlSeconds * 2 + 10) * 1000,
        verifyPollMs: VERIFY_POLL_MS,
        maxResumeAgeMs: flags.maxResumeAge * 60_000,
      },
      onSwitchProgress: (p) => {
        if (p.type === 'batch-applied') out(`  batch ${p.index}/${p.of} applied (${p.changeId})`);
        if (p.type === 'throttled') out(`  throttled (${p.code}), retry ${p.attempt} in ${p.delayMs} ms`);
        if (p.type === 'in-sync') out(`  ${p.changeId} INSYNC`);
      },
    },
    {
      operation,
      targetRegion: flags.to,
      tenantIds: flags.tenant,
      yes: Boolean(flags.yes),
      reason: flags.reason,
      force: Boolean(flags.force),
      dryRun: Boolean(flags.dryRun),
      actor,
    },
  );
  return result.kind === 'refused' || result.kind === 'failed' ? EXIT.needsHuman : EXIT.ok;
}

type Open = (cmd: Command) => Promise<RunbookContext>;

function registerSwitch(program: Command, open: Open, operation: RunbookOperation, description: string): void {
  withTargetOptions(
    program
      .command(operation)
      .description(description)
      .requiredOption('--to <region>', 'the Region to move traffic to')
      .option('--tenant <id>', 'move only this premium tenant (repeat for more)', (v, acc: string[]) => [...acc, v], [])
      .option('--yes', 'do not ask: for scripts, needs --reason')
      .option('--reason <text>', 'why (ticket or one sentence): recorded in the audit and sent to on-call')
      .option('--force', 'override failed prechecks (needs --reason; recorded in the audit)')
      .option('--dry-run', 'run the prechecks and show the plan; change nothing')
      .option(
        '--replication-timeout <ms>',
        'how long the replication sentinel may take',
        positiveInt('--replication-timeout'),
        DEFAULT_REPLICATION_TIMEOUT_MS,
      )
      .option(
        '--max-replication-lag <ms>',
        'replication lag that still counts as drained',
        positiveInt('--max-replication-lag'),
        DEFAULT_MAX_REPLICATION_LAG_MS,
      )
      .option(
        '--max-resume-age <minutes>',
        'a confirmed, unfinished run older than this is rechecked and confirmed again instead of continued',
        positiveInt('--max-resume-age'),
        DEFAULT_MAX_RESUME_AGE_MINUTES,
      ),
  ).action(async (flags: SwitchFlags, cmd: Command) => {
    const ctx = await open(cmd);
    process.exitCode = await runSwitchCommand(ctx, operation, flags, terminalPrompter(), print);
  });
}

/** Turns automatic failover off or on: the control table's kill switch, audited and announced. */
export async function setAutomation(
  ctx: RunbookContext,
  enabled: boolean,
  reason: string,
  actor: string,
  now: Date = new Date(),
): Promise<string> {
  if (!reason.trim()) throw new RunbookUsageError('--reason "<why>" is required: it is stored with the state');
  const routing = await ctx.store.setAutomation(enabled, reason, actor, now);
  await ctx.store.appendAudit({
    id: randomUUID(),
    at: now,
    caller: 'automation-toggle',
    actor,
    trigger: `runbook:automation ${enabled ? 'enable' : 'disable'}`,
    reason,
    outcome: 'automation-changed',
    epoch: routing.epoch,
    detail: `automatic failover ${enabled ? 'enabled' : 'disabled'}`,
  });
  await ctx.notifier.notify(`RegionFlip automatic failover ${enabled ? 'ENABLED' : 'DISABLED'} by ${actor}`, {
    automation: enabled ? 'enabled' : 'disabled',
    actor,
    reason,
    at: now.toISOString(),
  });
  return `automation ${enabled ? 'enabled' : 'disabled'} by ${actor}: ${reason}`;
}

/** `ports` reach the local deployment and the drill journal (wired by the CLI's composition root). */
export function registerRunbookCommands(program: Command, ports: RunbookPorts): void {
  const open: Open = (cmd) => connect(connectOptions(cmd), ports.locateLocal);
  registerSwitch(
    program,
    open,
    'failback',
    'Bring traffic back to the primary Region after an incident (runbooks/failback.md) (dangerous!)',
  );
  registerSwitch(
    program,
    open,
    'failover',
    'Move traffic to the standby Region by hand (runbooks/manual-failover.md) (dangerous!)',
  );

  withOutputOption(
    withTargetOptions(
      program
        .command('automation')
        .description('Show, disable or re-enable automatic failover (runbooks/automation.md) (dangerous!)')
        .addArgument(new Argument('<action>', 'status, disable or enable').choices(['status', 'disable', 'enable']))
        .option('--reason <text>', 'why (disable, enable): stored with the state, in the audit and sent to on-call'),
    ),
  ).action(
    async (
      action: 'status' | 'disable' | 'enable',
      flags: { reason?: string; output?: string; json?: boolean },
      cmd: Command,
    ) => {
      if (action !== 'status' && !flags.reason?.trim()) {
        throw new RunbookUsageError(`automation ${action} needs --reason "<why>": it is stored with the state`);
      }
      const ctx = await open(cmd);
      const line =
        action === 'status' ? undefined : await setAutomation(ctx, action === 'enable', flags.reason!, currentActor());
      const { automation } = await ctx.store.getRouting();
      if (wantsJson(flags)) print(JSON.stringify(automation));
      else
        print(
          line ??
            `automation ${automation.enabled ? 'enabled' : 'DISABLED'}${automation.changedBy ? ` by ${automation.changedBy}` : ''}${automation.reason ? `: ${automation.reason}` : ''}`,
        );
    },
  );

  withOutputOption(
    withTargetOptions(
      program
        .command('status')
        .description('Which Region serves each tier and premium tenant, alarms, automation, last switches')
        .option('--watch [seconds]', 'redraw every N seconds (default 2) until Ctrl-C', positiveInt('--watch'))
        .option(
          '--max-replication-lag <ms>',
          'replication lag above this is a problem (as the switch precheck replication-drained counts it)',
          positiveInt('--max-replication-lag'),
          DEFAULT_MAX_REPLICATION_LAG_MS,
        ),
    ),
  ).action(
    async (
      flags: { output?: string; json?: boolean; watch?: number | true; maxReplicationLag: number },
      cmd: Command,
    ) => {
      const seconds = flags.watch === true ? DEFAULT_WATCH_SECONDS : flags.watch;
      if (seconds !== undefined && seconds < 1) {
        throw new RunbookUsageError(`--watch ${seconds}: redraw every 1 second or more`);
      }
      const ctx = await open(cmd);
      const json = wantsJson(flags);
      const colour = !json && process.stdout.isTTY === true && process.stdout.hasColors();
      const draw = async () => {
        const report = await gatherStatus({
          config: ctx.config,
          route53: ctx.clients.route53,
          hostedZoneId: ctx.hostedZoneId,
          store: ctx.store,
          health: ctx.health,
          activeDrill: ctx.activeDrill,
          unfinishedRuns: () => ctx.progress.unfinished(),
          lastDrill: ports.lastDrill,
          replicationLag: ctx.replicationLag,
          maxReplicationLagMs: flags.maxReplicationLag,
          oncallRoute: ctx.oncallRoute,
          now: new Date(),
        });
        return { report, text: json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, { colour }) };
      };
      if (seconds === undefined) {
        const { report, text } = await draw();
        process.stdout.write(text);
        // Scripts and pagers can act on it: something in `problems` needs a human.
        if (!report.ok) process.exitCode = EXIT.needsHuman;
        return;
      }
      // Ctrl-C is how a watch ends: finish the redraw under way, then exit as interrupted (130).
      const stopped = new AbortController();
      process.once('SIGINT', () => stopped.abort());
      while (!stopped.signal.aborted) {
        const { text } = await draw();
        // On a terminal, redraw in place (clear, home); piped, each redraw follows the last.
        process.stdout.write(process.stdout.isTTY && !json ? `\x1b[2J\x1b[H${text}` : text);
        await setTimeout(seconds * 1000, undefined, { signal: stopped.signal }).catch(() => undefined);
      }
      process.exitCode = EXIT.sigint;
    },
  );

  registerRunsCommands(program, open);
  registerCheckCommands(program, open);
}

/** `probe` and `notifications`: the check steps of the runbooks, the same command locally and on AWS. */
function registerCheckCommands(program: Command, open: Open): void {
  withOutputOption(
    withTargetOptions(
      program
        .command('probe')
        .description("which Region serves each tenant's name, asked through the deployment's DNS (GET /health)")
        .argument('[tenants...]', 'tenant ids or names (default: every tenant of the configuration)')
        .option('--expect <region>', 'exit 1 unless every name is served by this Region'),
    ),
  ).action(async (tenants: string[], flags: { expect?: string; output?: string; json?: boolean }, cmd: Command) => {
    const ctx = await open(cmd);
    const report = await runProbe(ctx, probeNames(ctx.config, tenants), flags.expect);
    if (wantsJson(flags)) print(JSON.stringify(report, null, 2));
    else for (const line of formatProbe(report, ctx.config.regions)) print(line);
    if (!report.ok) process.exitCode = EXIT.needsHuman;
  });
  withOutputOption(
    withTargetOptions(
      program
        .command('notifications')
        .description('what on-call received from the on-call topic (locally); on AWS, where the topic delivers')
        .option('--last <n>', 'show the last n messages', positiveInt('--last'), 10),
    ),
  ).action(async (flags: { last: number; output?: string; json?: boolean }, cmd: Command) => {
    const ctx = await open(cmd);
    const [received, route, audit] = await Promise.all([
      ctx.inbox.received(),
      ctx.oncallRoute.read(),
      ctx.store.listAudit(NOTIFIED_SWITCHES_LOOKBACK),
    ]);
    const report = checkNotifications(received, route, audit);
    if (wantsJson(flags)) print(JSON.stringify(report, null, 2));
    else for (const line of formatNotifications(report, new Date(), flags.last)) print(line);
    // A switch nobody was paged about, or nobody to page: a human must tell on-call.
    if (!report.ok) process.exitCode = EXIT.needsHuman;
  });
}

/** `runs list|show|abandon`: the runbook runs as objects a human can inspect and end. */
function registerRunsCommands(program: Command, open: Open): void {
  const runs = program.command('runs').description('Runbook runs (failback, failover): list, show, abandon');
  withOutputOption(withTargetOptions(runs.command('list').description('every run, newest first'))).action(
    async (flags: { output?: string; json?: boolean }, cmd: Command) => {
      const ctx = await open(cmd);
      const all = await ctx.progress.list();
      const now = new Date();
      if (wantsJson(flags)) print(JSON.stringify(all, null, 2));
      else if (all.length === 0) print('no runbook runs recorded');
      else for (const run of all) print(formatRunLine(run, now));
    },
  );
  withOutputOption(
    withTargetOptions(
      runs.command('show').description('one run: state, owner, age, every step').argument('<run-id>', 'from runs list'),
    ),
  ).action(async (runId: string, flags: { output?: string; json?: boolean }, cmd: Command) => {
    const ctx = await open(cmd);
    const run = await ctx.progress.get(runId);
    if (!run) throw new RunbookUsageError(`no runbook run "${runId}": \`runs list\` shows the run ids`);
    if (wantsJson(flags)) print(JSON.stringify(run, null, 2));
    else for (const line of formatRun(run, new Date())) print(line);
  });
  withTargetOptions(
    runs
      .command('abandon')
      .description('end an unfinished run without switching anything; the next command starts a new run')
      .argument('<run-id>', 'from runs list')
      .requiredOption('--reason <text>', 'why: stored with the run and in the audit'),
  ).action(async (runId: string, flags: { reason: string }, cmd: Command) => {
    const ctx = await open(cmd);
    const run = await abandonRun({ ...ctx, clock: systemClock }, runId, flags.reason, currentActor());
    print(`run ${run.runId} abandoned: ${run.endReason}`);
  });
}
