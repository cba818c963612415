import { AWS_FLAGS, CLI, type Runbook } from './types';

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
    'Nothing about the zone: it is found by the name in the config (`--zone-id Z...` only if two zones share that name).',
    'The incident ticket, for the reason.',
    `For the local environment, use \`--target local\` instead of \`${AWS_FLAGS}\`.`,
  ],
  steps: [
    {
      title: 'Look at where traffic is now',
      purpose: 'Know which Region serves tenants, which alarms fire, and whether automation is on.',
      command: `${CLI} status ${AWS_FLAGS}`,
      expect: 'Tiers and premium tenants on the sick Region; its alarms in ALARM; the standby Region `healthy`.',
      verify: 'The standby Region (the one you move to) shows `healthy`.',
      ifItFails: 'If both Regions are unhealthy, do not fail over. Page the incident commander.',
    },
    {
      title: 'Stop automation from fighting you (dangerous!)',
      purpose: 'A half-working automation could switch back while you work. Turn it off first.',
      command: `${CLI} automation disable --reason "manual failover, INC-123" ${AWS_FLAGS}`,
      expect: '`automation disabled` and your reason.',
      verify: '`status` shows `automation: DISABLED`.',
      ifItFails: 'Continue anyway: the switch holds a lease, so two switches never run at the same time.',
      risky: true,
    },
    {
      title: 'Fail over (dangerous!)',
      purpose:
        'Move traffic to the standby Region. Prechecks, plan, typed reason and Region, switch, verification, audit, on-call message.',
      command: `${CLI} failover --to us-west-2 ${AWS_FLAGS}`,
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
      purpose: 'Confirm that tenants are served by the standby Region.',
      command: `${CLI} status ${AWS_FLAGS}`,
      expect: 'basic, advanced and every premium tenant on us-west-2. The last switch is your `manual-failover`.',
      verify: '`curl -si https://acme.<zone>/health` shows `x-served-by-region: us-west-2`.',
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
