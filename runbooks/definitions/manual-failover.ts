import { CHOOSE_TARGET, CLI, NOTIFICATIONS_EXIT, type Runbook } from './types';

/** Move traffic away from a sick Region by hand: automation is broken, disabled, or paged instead of acting. */
export const manualFailoverRunbook: Runbook = {
  file: 'manual-failover.md',
  title: 'Manual failover: move traffic to the standby Region by hand',
  whenToUse: [
    'The active Region is hurting tenants and automatic failover did not move traffic.',
    'For example: automation is disabled, the failover Lambda is broken, or it paged you instead of acting (both Regions looked unhealthy, cooldown, too many failovers).',
    'Not when the standby Region is sick too: moving traffic there makes things worse.',
  ],
  before: [
    'A terminal in the repository root, with AWS credentials for the account (`aws sts get-caller-identity` works).',
    CHOOSE_TARGET,
    'The incident ticket, for the reason.',
  ],
  steps: [
    {
      title: 'Look at where traffic is now',
      purpose: 'Know which Region serves tenants, which alarms fire, and whether automation is on.',
      command: {
        line: `${CLI} status`,
        output: ['traffic (from the Route 53 routing records)', 'us-west-2 (secondary)', 'us-east-1 -> us-west-2'],
        exit: [0, 1],
      },
      expect:
        'Tiers and premium tenants on the sick Region; its alarms in ALARM (then the first line says `NEEDS A HUMAN` and the exit code is 1); the standby Region `healthy`; replication lag into the standby Region, with its age (above 5 s it is listed under `NEEDS A HUMAN`: writes of that window would be lost by moving now).',
      verify: 'The standby Region (the one you move to) shows `healthy`.',
      ifItFails: 'If both Regions are unhealthy, do not fail over. Page the incident commander.',
    },
    {
      title: 'Stop automation from fighting you (dangerous!)',
      purpose: 'A half-working automation could switch back while you work. Turn it off first.',
      command: {
        line: `${CLI} automation disable --reason "manual failover, INC-123"`,
        output: ['automation disabled by', 'manual failover, INC-123'],
      },
      expect: '`automation disabled` and your reason.',
      verify: `On-call got a message saying automatic failover is DISABLED. ${NOTIFICATIONS_EXIT}`,
      check: { line: `${CLI} notifications --last 1`, output: ['RegionFlip automatic failover DISABLED by'] },
      ifItFails: 'Continue anyway: the switch holds a lease, so two switches never run at the same time.',
      risky: true,
    },
    {
      title: 'Fail over (dangerous!)',
      purpose:
        'Move traffic to the standby Region. Prechecks, plan, typed reason and Region, switch, verification, audit, on-call message.',
      command: {
        line: `${CLI} failover --to us-west-2`,
        input: ['INC-123 us-east-1 unhealthy', 'us-west-2'],
        output: ['[1/6] precheck', '[3/6] confirm', '[5/6] verify', '[6/6] announce', 'DONE: traffic is on us-west-2'],
      },
      expect:
        'Six steps: `[1/6] precheck` … `[6/6] announce`. Type the reason, then `us-west-2`. Last line: `DONE: traffic is on us-west-2`.',
      verify:
        '`[5/6] verify` says every routing record reads back on us-west-2 and every probe was served by us-west-2.',
      ifItFails:
        'Interrupted: run the same command again; it continues the run (a stale one rechecks and asks again; `runs abandon <id> --reason "<why>"` ends one). A failed verification ends the run and prints the command that goes back. A precheck that refuses names the reason. During an outage the replication precheck can fail (the sick Region cannot write): if you accept the data loss, add `--force --reason "<why>"`. Both are recorded in the audit.',
      risky: true,
      runs: ['precheck', 'plan', 'confirm', 'switch', 'verify', 'announce'],
    },
    {
      title: 'Check the result',
      purpose: 'Confirm from the outside that tenants are served by the standby Region.',
      command: {
        line: `${CLI} probe --expect us-west-2`,
        output: ['served by us-west-2 (secondary)', 'OK: every name'],
      },
      expect:
        'Every tenant name `ok`, served by us-west-2, through its DNS answer (`via …`). Exit code 1 if any is not.',
      verify:
        '`status` shows basic, advanced and every premium tenant on us-west-2, the last switch your `manual-failover`, and `NEEDS A HUMAN` only for the automation you disabled.',
      check: {
        line: `${CLI} status`,
        output: ['control table: active Region us-west-2', 'manual-failover', 'automatic failover is DISABLED'],
        exit: 1,
      },
      ifItFails: 'Wait one DNS TTL and check again. If records are wrong, run step 3 again.',
    },
    {
      title: 'Plan the way back',
      purpose: 'Automatic failback is off. Going home is a human decision, later.',
      expect: 'A ticket to run failback.md once the primary Region is healthy again.',
      verify: 'The ticket names who will do it.',
      ifItFails: 'Tell the incident commander.',
    },
  ],
  notes: [
    'Scripted use: `--yes --reason "<why>"`. `--yes` without `--reason` is refused.',
    'Move only some premium tenants: `--tenant acme --tenant globex`.',
  ],
};
