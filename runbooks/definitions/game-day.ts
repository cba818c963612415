import { CLI, type Runbook } from './types';

/** Rehearse a Region outage on purpose, then practise the manual runbooks on the local environment. */
export const gameDayRunbook: Runbook = {
  file: 'game-day.md',
  title: 'Game day: rehearse a Region outage',
  whenToUse: [
    'A planned drill: inject a fault into one Region, watch automatic failover, measure RTO and RPO, roll back.',
    'Then practise manual failover and failback by hand, so the first time is not at 3 a.m.',
    'Start on the local two-Region environment. Run against AWS only with the owners of the account agreeing.',
  ],
  before: [
    'A terminal in the repository root. Python 3 (the local environment installs moto by itself).',
    'Practise on the local environment: `export REGIONFLIP_TARGET=local` in the terminals you use.',
    'Tell the team that a drill is running, and for how long.',
  ],
  steps: [
    {
      title: 'Pick the drill and read its plan',
      purpose: 'Know what will be broken, what is expected, and how it is rolled back. Nothing is touched.',
      command: {
        line: `${CLI} drill run chaos/drills/region-outage.yaml --dry-run`,
        output: ['Drill: Region outage (target: local)', 'Steady-state hypothesis:'],
      },
      expect: 'The steps, the faults, the expectations (RTO, RPO) and the rollbacks.',
      verify: 'The catalogue shows the other drills if you want another one.',
      check: { line: `${CLI} drill list`, output: ['chaos/drills/region-outage.yaml', 'chaos/drills/brown-out.yaml'] },
      ifItFails: `The error names the line and field of the drill file. \`${CLI} drill validate <file>\` checks a file.`,
    },
    {
      title: 'Run the Region-outage drill',
      purpose:
        'Start a local environment, inject an outage into us-east-1, drive tenant traffic, watch automatic failover, roll back, write the reports.',
      command: {
        line: `${CLI} drill run chaos/drills/region-outage.yaml`,
        output: ['PASSED: Region outage', 'Reports: reports/region-outage-'],
      },
      notWalked:
        'it starts an environment of its own and runs for about a minute; test/drill/ runs the drills (the walk keeps to one environment)',
      expect:
        'Live progress, then RTO per stage, RPO and the paths of the reports. Exit code 0 when expectations hold.',
      verify:
        'The Markdown report under `reports/` shows the failover, the measured RTO and RPO, and every rollback `done`.',
      ifItFails: `Restore everything the drill left behind: \`${CLI} drill rollback\`. Read the report for the deviation.`,
    },
    {
      title: 'Start a local environment to practise on',
      purpose: 'A fresh two-Region environment for the manual runbooks. It runs until Ctrl-C.',
      command: { line: `${CLI} env up`, output: ['RegionFlip local environment', 'hosted zone'] },
      notWalked:
        'it runs in the foreground until Ctrl-C (test/cli/env-up-signal.test.ts starts it and stops it with a real SIGINT); the walk starts its environment itself and follows the next steps against it',
      expect:
        'Both Regions listed with their URLs. The terminal stays busy: use a second terminal for the next steps. Ctrl-C there later stops everything it started (exit code 130).',
      verify:
        'In a second terminal, with `export REGIONFLIP_TARGET=local`: every tenant on us-east-1, both Regions healthy, `drill: none`.',
      check: {
        line: `${CLI} status`,
        output: ['OK: nothing needs a human', 'control table: active Region us-east-1', 'drill: none'],
      },
      ifItFails: `Run \`${CLI} env down\`, then \`env up\` again. Check that Python 3 is installed.`,
    },
    {
      title: 'Practise the manual failover',
      purpose: 'Follow manual-failover.md against the local environment.',
      command: {
        line: `${CLI} failover --to us-west-2`,
        input: ['game day practice', 'us-west-2'],
        output: ['DONE: traffic is on us-west-2'],
      },
      expect: 'Six steps, the typed reason and Region, then `DONE: traffic is on us-west-2`.',
      verify: 'Every tenant name is served by us-west-2.',
      check: { line: `${CLI} probe --expect us-west-2`, output: ['OK: every name'] },
      ifItFails: 'Run the same command again: it continues where it stopped.',
    },
    {
      title: 'Practise the failback',
      purpose: 'Follow failback.md exactly as you would after a real incident.',
      command: {
        line: `${CLI} failback --to us-east-1`,
        input: ['game day practice over', 'us-east-1'],
        output: ['DONE: traffic is on us-east-1'],
      },
      expect: 'Six steps, the typed reason and Region, then `DONE: traffic is on us-east-1`.',
      verify: 'Every tenant name is served by us-east-1 again.',
      check: { line: `${CLI} probe --expect us-east-1`, output: ['OK: every name'] },
      ifItFails: 'Run the same command again: it continues where it stopped.',
      runs: ['precheck', 'plan', 'confirm', 'switch', 'verify', 'announce'],
    },
    {
      title: 'Stop the environment',
      purpose: 'Leave no process behind.',
      command: { line: `${CLI} env down`, output: ['stopped'] },
      notWalked: "it stops every local environment, the walk's own included; the walk stops its environment itself",
      expect: 'How many environments were stopped and which leftover processes were killed.',
      verify: '`status` now says that no local environment is running (exit code 3).',
      ifItFails: 'Press Ctrl-C in the `env up` terminal, then run `env down` again.',
    },
    {
      title: 'The same drill against AWS (dangerous!)',
      purpose:
        'Only when the local drill passes and the account owners agree: it breaks a real Region on purpose, through the ' +
        'FIS experiment templates the Region stacks deploy (infra/README.md, "Drill experiments (FIS)"). Set REGIONFLIP_TENANT_TOKENS to the drill-probe users\' ID tokens first.',
      command: {
        line: `${CLI} drill run chaos/drills/region-outage.yaml --target aws`,
        output: ['PASSED: Region outage'],
      },
      notWalked: 'it breaks a Region of the AWS account on purpose',
      expect:
        "A typed confirmation first, then the same progress and reports as locally; the journal records the FIS experiment id, and the FIS report lands in the Region stack's reports bucket.",
      verify: 'The report, and `status --target aws` showing traffic back where it started.',
      ifItFails: `\`${CLI} drill rollback\` (it stops the FIS experiment the journal names), then failback.md if traffic is still on the secondary Region. A template missing or refusing to start: the error names its tags; deploy the Region stacks.`,
      risky: true,
    },
  ],
  notes: [
    'Reports of a drill are written under `reports/`. Share the Markdown report with the team.',
    'While a drill runs, failback and manual failover refuse (precheck `no-drill`).',
  ],
};
