import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { FisClient } from '@aws-sdk/client-fis';
import type { Command } from 'commander';
import { clientConfig, createAwsClients } from '../../failover/aws/clients';
import { EXIT } from '../../failover/cli/exit-codes';
import { type OutputFlags, wantsJson, withOutputOption } from '../../failover/cli/output';
import { loadConfig } from '../../failover/config/load';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { findHostedZoneId } from '../../failover/switch/records';
import { startLocalEnvironment } from '../env/environment';
import type { LocalEnvironment } from '../env/types';
import { awsDriver } from './aws/aws-driver';
import { confirmProductionDrill, PRODUCTION_FLAG } from './aws/confirm';
import { FisFaults } from './aws/fis-faults';
import { fisDryRunPlan } from './aws/fis-plan';
import { drillPlan } from './describe';
import type { DrillDriver } from './driver';
import { type DrillJournal, readJournal } from './journal';
import { listrProgress } from './listr-progress';
import { loadDrill } from './load';
import { localDriver } from './local-driver';
import { recoverDrill } from './recover';
import { runDrill } from './runner';
import { DRILL_TARGETS, type DrillTarget } from './schema';

/** The built-in drills. */
export const DRILL_CATALOGUE_DIR = resolve(__dirname, '../drills');

const out = (line: string) => process.stdout.write(`${line}\n`);

function configOf(cmd: Command): RegionFlipConfig {
  return loadConfig(cmd.optsWithGlobals<{ config?: string }>().config);
}

function targetOf(value: string | undefined, fallback: DrillTarget): DrillTarget {
  if (value === undefined) return fallback;
  if (!(DRILL_TARGETS as readonly string[]).includes(value)) {
    throw new Error(`--target "${value}" is not a drill target: use ${DRILL_TARGETS.join(' or ')}`);
  }
  return value as DrillTarget;
}

async function askLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** One FIS client per Region of the deployment (default credentials chain): experiments run where they act. */
function fisClients(config: RegionFlipConfig): Record<string, FisClient> {
  return Object.fromEntries(
    [config.regions.primary, config.regions.secondary].map((r) => [r, new FisClient(clientConfig(r, {}))]),
  );
}

/** The AWS driver for deployed stacks: real clients (default credentials chain), FIS per Region, the hosted zone. */
async function deployedDriver(config: RegionFlipConfig, runId: string): Promise<DrillDriver> {
  const regions = [config.regions.primary, config.regions.secondary];
  const clients = createAwsClients(regions, {});
  return awsDriver({
    config,
    clients,
    fis: fisClients(config),
    hostedZoneId: config.dns.hostedZoneId ?? (await findHostedZoneId(clients.route53, config.dns.zoneName)),
    tenantTokens: process.env.REGIONFLIP_TENANT_TOKENS,
    runId,
  });
}

/** `regionflip drill run|validate|list|rollback`. */
export function registerDrillCommands(program: Command): void {
  const drill = program.command('drill').description('chaos drills: rehearse a regional outage and measure RTO / RPO');

  drill
    .command('run <file>')
    .description('run a drill (local two-Region environment by default) and write reports')
    .option(
      '--dry-run',
      'print the plan (steps, faults, rollbacks; on AWS the FIS templates it would start) and touch nothing',
    )
    .option('--target <target>', `where to run: ${DRILL_TARGETS.join(' | ')} (default: the drill file's target)`)
    .option('--report-dir <dir>', 'where reports go (a <drill>-<timestamp> folder is created inside)', 'reports')
    .option(PRODUCTION_FLAG, 'skip the typed confirmation for --target aws (dangerous!)')
    .option(
      '--moto-endpoint <url>',
      'local: use this running moto server (http://127.0.0.1:<port>) instead of starting one',
    )
    .action(
      async (
        file: string,
        opts: {
          dryRun?: boolean;
          target?: string;
          reportDir: string;
          yesIKnowThisIsProduction?: boolean;
          motoEndpoint?: string;
        },
        cmd: Command,
      ) => {
        // Everything is checked before anything starts: the file (lines, fields, Regions), the target, the endpoint.
        const config = configOf(cmd);
        const parsed = loadDrill(file, config);
        const target = targetOf(opts.target, parsed.target);
        const motoEndpoint = motoEndpointOf(opts.motoEndpoint);
        if (opts.dryRun) {
          out(drillPlan(parsed, config, target));
          // On AWS the plan also shows the deployed FIS templates it would start: read, never started.
          const fisPlan =
            target === 'aws' ? await fisDryRunPlan(new FisFaults(fisClients(config)), parsed, config) : undefined;
          if (fisPlan) out(fisPlan.text);
          out('(dry run: nothing was started or changed)');
          // A template missing (or a fault FIS cannot inject) means the real run would refuse: say so in the exit code.
          if (fisPlan && fisPlan.problems.length > 0) process.exitCode = EXIT.needsHuman;
          return;
        }
        if (target === 'aws') {
          await confirmProductionDrill({
            flag: opts.yesIKnowThisIsProduction === true,
            expected: `${config.app}${config.account ? `@${config.account}` : ''}`,
            interactive: process.stdin.isTTY === true,
            ask: askLine,
          });
        }
        const controller = new AbortController();
        let running: { journal: DrillJournal; file: string } | undefined;
        const onSignal = (signal: NodeJS.Signals) => {
          if (controller.signal.aborted) {
            // A second Ctrl-C never exits half-way: it says what is still being restored.
            process.stderr.write(`\n${signal} again: ${stillRestoring(running)}\n`);
            return;
          }
          process.stderr.write(`\n${signal}: stopping the drill and rolling back (do not kill it: it is restoring)\n`);
          controller.abort(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        let env: LocalEnvironment | undefined;
        const { progress, done } = listrProgress(
          parsed.method.map((s) => s.name),
          process.stdout.isTTY ? 'default' : 'simple',
        );
        try {
          const run = await runDrill({
            drill: parsed,
            drillFile: file,
            target,
            reportBase: opts.reportDir,
            progress,
            signal: controller.signal,
            onJournal: (journal, journalFile) => {
              running = { journal, file: journalFile };
            },
            driver: async (runId) => {
              if (target === 'aws') return deployedDriver(config, runId);
              env = await startLocalEnvironment({ config, motoEndpoint });
              return localDriver(env, true);
            },
          });
          await done;
          out('');
          for (const e of run.journal.expectations ?? []) {
            out(`${e.passed ? 'pass' : 'FAIL'}  ${e.name}: expected ${e.expected}, got ${e.actual}`);
          }
          out(
            `\n${run.passed ? 'PASSED' : 'FAILED'}: ${run.journal.drill.title} (status ${run.journal.status}, deviated ${run.journal.deviated})`,
          );
          if (run.journal.abortReason) out(`  ${run.journal.abortReason}`);
          out(
            `Reports: ${run.files.markdown}\n         ${run.files.html}\n         ${run.files.junit}\n         ${run.files.journal}`,
          );
          // Stopped by a signal: the shell's convention (128 + signal number), after the rollback finished.
          const stoppedBy = controller.signal.aborted ? String(controller.signal.reason) : undefined;
          process.exitCode =
            stoppedBy === 'SIGINT'
              ? EXIT.sigint
              : stoppedBy === 'SIGTERM'
                ? EXIT.sigterm
                : run.passed
                  ? EXIT.ok
                  : EXIT.needsHuman;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await env?.stop();
        }
      },
    );

  withOutputOption(
    drill
      .command('validate <files...>')
      .description('check drill files against the schema; errors name the line and field'),
  ).action((files: string[], flags: OutputFlags, cmd: Command) => {
    const config = configOf(cmd);
    const results = files.map((file) => {
      try {
        const parsed = loadDrill(file, config);
        drillPlan(parsed, config, parsed.target);
        return { file, ok: true, title: parsed.title };
      } catch (err) {
        return { file, ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    });
    if (wantsJson(flags)) out(JSON.stringify(results, null, 2));
    else
      for (const r of results) {
        if (r.ok) out(`ok  ${r.file}: ${r.title}`);
        else process.stderr.write(`${r.error}\n`);
      }
    if (results.some((r) => !r.ok)) process.exitCode = EXIT.needsHuman;
  });

  withOutputOption(drill.command('list').description('list the built-in drills')).action((flags: OutputFlags) => {
    const drills = readdirSync(DRILL_CATALOGUE_DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((name) => {
        const parsed = loadDrill(join(DRILL_CATALOGUE_DIR, name));
        return { file: join('chaos/drills', name), title: parsed.title, expects: parsed.expectations.outcome };
      });
    if (wantsJson(flags)) out(JSON.stringify(drills, null, 2));
    else for (const d of drills) out(`${d.file.padEnd(42)} ${d.title} — expects ${d.expects}`);
  });

  drill
    .command('rollback')
    .description('restore everything a crashed or killed drill left behind, from its journal, and verify it')
    .option('--journal <file>', 'the journal.json of the drill run (default: the last drill started here)')
    .option('--keep-env', 'local: leave the environment processes running after restoring routing')
    .action(async (opts: { journal?: string; keepEnv?: boolean }) => {
      const result = await recoverDrill({
        journalFile: opts.journal,
        keepProcesses: opts.keepEnv === true,
        awsOps: await awsOpsFor(opts.journal),
        note: (t) => out(`  ${t}`),
      });
      for (const r of result.journal.rollbacks)
        out(`${r.status.padEnd(9)} ${r.name}${r.detail ? `: ${r.detail}` : ''}`);
      out(`\n${result.verified ? 'Rollback verified' : 'Rollback NOT verified'} — report: ${result.files.markdown}`);
      process.exitCode = result.verified ? EXIT.ok : EXIT.needsHuman;
    });
}

/** A moto server to reuse must be on loopback: the drill changes whatever it points at. */
function motoEndpointOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}\/?$/.test(value)) {
    throw new Error(`--moto-endpoint "${value}" is not a loopback moto server: use http://127.0.0.1:<port>`);
  }
  return value;
}

/** What a drill stopped by a signal is still restoring, from its journal, for a second Ctrl-C. */
export function stillRestoring(running: { journal: DrillJournal; file: string } | undefined): string {
  if (!running) return 'the drill has not started yet; it stops as soon as it can';
  const { journal, file } = running;
  const now = journal.rollbacks.find((r) => r.status === 'running');
  const faults = journal.undo.map((u) =>
    u.kind === 'fault' ? `${u.fault.kind}${'region' in u.fault ? ` in ${u.fault.region}` : ''}` : u.kind,
  );
  const parts = [
    now
      ? `restoring now: ${now.name}`
      : journal.rollbacks.length === 0
        ? 'the rollback has not started yet (measuring or stopping the method)'
        : 'verifying and writing the reports',
    faults.length > 0 ? `still to undo: ${faults.join(', ')}` : 'no fault left to lift',
  ];
  return `${parts.join('; ')}. Waiting for the rollback to finish; if you must kill it, run \`regionflip drill rollback --journal ${file}\` afterwards`;
}

/** For an AWS drill's journal, the live AWS operations; undefined for a local one. */
async function awsOpsFor(journalFile: string | undefined) {
  const { journal } = readJournal(journalFile);
  if (journal.env?.target !== 'aws') return undefined;
  return deployedDriver(journal.env.config, journal.runId);
}
