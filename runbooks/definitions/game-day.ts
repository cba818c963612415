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
    'Tell the team that a drill is running, and for how long.',
  ],
  steps: [
    {
      title: 'Pick the drill and read its plan',
      purpose: 'Know what will be broken, what is expected, and how it is rolled back. Nothing is touched.',
      command: `${CLI} drill run chaos/drills/region-outage.yaml --dry-run`,
      expect: 'The steps, the faults, the expectations (RTO, RPO) and the rollbacks.',
      verify: `\`${CLI} drill list\` shows the other drills of the catalogue if you want another one.`,
      ifItFails: `The error names the line and field of the drill file. \`${CLI} drill validate <file>\` checks a file.`,
    },
    {
      title: 'Run the Region-outage drill',
      purpose:
        'Start a local environment, inject an outage into us-east-1, drive tenant traffic, watch automatic failover, roll back, write the reports.',
      command: `${CLI} drill run chaos/drills/region-outage.yaml`,
      expect:
        'Live progress, then RTO per stage, RPO and the paths of the reports. Exit code 0 when expectations hold.',
      verify:
        'The Markdown report under `reports/` shows the failover, the measured RTO and RPO, and every rollback `done`.',
      ifItFails: `Restore everything the drill left behind: \`${CLI} drill rollback\`. Read the report for the deviation.`,
    },
    {
      title: 'Start a local environment to practise on',
      purpose: 'A fresh two-Region environment for the manual runbooks. It runs until Ctrl-C.',
      command: `${CLI} env up`,
      expect: 'Both Regions listed with their URLs. The terminal stays busy: use a second terminal for the next steps.',
      verify: `\`${CLI} status --target local\` shows every tenant on us-east-1, both Regions healthy, \`drill: none\`.`,
      ifItFails: `Run \`${CLI} env down\`, then \`env up\` again. Check that Python 3 is installed.`,
    },
    {
      title: 'Practise the manual failover',
      purpose: 'Follow manual-failover.md against the local environment.',
      command: `${CLI} failover --to us-west-2 --target local`,
      expect: 'Six steps, the typed reason and Region, then `DONE: traffic is on us-west-2`.',
      verify: `\`${CLI} status --target local\` shows every tenant on us-west-2 and the last switch \`manual-failover\`.`,
      ifItFails: 'Run the same command again: it continues where it stopped.',
    },
    {
      title: 'Practise the failback',
      purpose: 'Follow failback.md exactly as you would after a real incident.',
      command: `${CLI} failback --to us-east-1 --target local`,
      expect: 'Six steps, the typed reason and Region, then `DONE: traffic is on us-east-1`.',
      verify: '`[5/6] verify` shows every probe served by us-east-1.',
      ifItFails: 'Run the same command again: it continues where it stopped.',
      runs: ['precheck', 'plan', 'confirm', 'switch', 'verify', 'announce'],
    },
    {
      title: 'Stop the environment',
      purpose: 'Leave no process behind.',
      command: `${CLI} env down`,
      expect: 'How many environments were stopped and which leftover processes were killed.',
      verify: `\`${CLI} status --target local\` now says that no local environment is running.`,
      ifItFails: 'Press Ctrl-C in the `env up` terminal, then run `env down` again.',
    },
    {
      title: 'The same drill against AWS (dangerous!)',
      purpose: 'Only when the local drill passes and the account owners agree: it breaks a real Region on purpose.',
      command: `${CLI} drill run chaos/drills/region-outage.yaml --target aws`,
      expect: 'A typed confirmation first, then the same progress and reports as locally.',
      verify: 'The report, and `status --target aws` showing traffic back where it started.',
      ifItFails: `\`${CLI} drill rollback\`, then failback.md if traffic is still on the secondary Region.`,
      risky: true,
    },
  ],
  notes: [
    'Reports of a drill are written under `reports/`. Share the Markdown report with the team.',
    'While a drill runs, failback and manual failover refuse (precheck `no-drill`).',
  ],
};
