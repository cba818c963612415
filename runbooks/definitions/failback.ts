import { AWS_FLAGS, CLI, type Runbook } from './types';

/** Bring traffic home to the primary Region after an incident. Automatic failback is off by design: this is the way back. */
export const failbackRunbook: Runbook = {
  file: 'failback.md',
  title: 'Failback: bring traffic back to the primary Region',
  whenToUse: [
    'The incident is over and traffic runs in the secondary Region after a failover.',
    'The primary Region has been healthy for a while. You decide it is time to go home.',
    'Not during a drill: finish or roll back the drill first (see game-day.md).',
  ],
  before: [
    'A terminal in the repository root, with AWS credentials for the account (`aws sts get-caller-identity` works).',
    'Nothing about the zone: it is found by the name in the config. Add `--zone-id Z...` only if two zones share that name (an empty `--zone-id` is refused).',
    'A reason you can write in one sentence, for example the incident ticket: "INC-123 resolved, us-east-1 healthy".',
    `For the local environment, use \`--target local\` instead of \`${AWS_FLAGS}\`, with \`env up\` running.`,
  ],
  steps: [
    {
      title: 'Look at where traffic is now',
      purpose: 'Know the starting point: which Region serves each tier, and whether alarms are quiet.',
      command: `${CLI} status ${AWS_FLAGS}`,
      expect:
        'A table: basic, advanced and each premium tenant on the secondary Region; alarms of both Regions; the automation state; the last switches.',
      verify: 'The primary Region shows `healthy` and no alarm in ALARM.',
      ifItFails:
        'If the primary Region is not healthy, stop. Failback is not safe yet. Wait, and watch its alarms. If the command itself errors, its second line says what to do (credentials, network, permissions).',
    },
    {
      title: 'Dry run: prechecks and plan, nothing changes',
      purpose: 'See what the failback would do before doing it.',
      command: `${CLI} failback --to us-east-1 ${AWS_FLAGS} --dry-run`,
      expect:
        'Every precheck `ok`, then the plan: each routing record with its old and new value. Last line: `DRY RUN: nothing was changed`.',
      verify: 'The plan lists `shared.<zone>` and every premium tenant you expect to move. Nothing else.',
      ifItFails:
        'A `FAIL` line says which precheck failed and why. Fix that first (wait for alarms to stay OK; wait for replication to catch up; end the drill). Then run the dry run again.',
      runs: ['precheck', 'plan'],
    },
    {
      title: 'Fail back (dangerous!)',
      purpose:
        'Move traffic to the primary Region. The command runs the prechecks again, shows the plan, asks for a reason and for the Region name, switches, verifies, records and tells on-call.',
      command: `${CLI} failback --to us-east-1 ${AWS_FLAGS}`,
      expect:
        'Six steps: `[1/6] precheck` … `[6/6] announce`. Type the reason, then type `us-east-1` to confirm. Last line: `DONE: traffic is on us-east-1`.',
      verify:
        '`[5/6] verify` says every routing record reads back on us-east-1 and every probe was served by us-east-1.',
      ifItFails:
        'Interrupted: run the same command again. It continues the run where it stopped (an unfinished switch is completed, nothing is switched twice) — unless the run is older than `--max-resume-age` or another switch happened since: then it rechecks and asks again. `runs list` shows the runs; `runs abandon <id> --reason "<why>"` ends one. If the verification fails, the run ends and the output says which Region serves and the command that goes back. If a precheck refuses, read the reason; only if you are sure, add `--force --reason "<why>"` (both are recorded in the audit).',
      risky: true,
      runs: ['precheck', 'plan', 'confirm', 'switch', 'verify', 'announce'],
    },
    {
      title: 'Check the result',
      purpose: 'Confirm from the outside that tenants are served by the primary Region.',
      command: `${CLI} status ${AWS_FLAGS}`,
      expect: 'basic, advanced and every premium tenant on us-east-1. The last switch is your `manual-failback`.',
      verify:
        'Open a tenant URL, for example `curl -si https://acme.<zone>/health`, and check `x-served-by-region: us-east-1`.',
      ifItFails:
        'If some records still show the secondary Region, run step 3 again. If the probes fail but the records are right, wait one DNS TTL (see `dns.ttlSeconds`) and check again.',
    },
    {
      title: 'Re-enable automation if you disabled it',
      purpose: 'Automatic failover only protects you again once it is on.',
      command: `${CLI} automation enable --reason "failback done" ${AWS_FLAGS}`,
      expect: '`automation enabled` and the reason.',
      verify: '`status` shows `automation: enabled`.',
      ifItFails: 'See automation.md.',
      risky: true,
    },
  ],
  notes: [
    'Scripted use: `--yes --reason "<why>"` skips the questions. `--yes` without `--reason` is refused.',
    'One premium tenant only: add `--tenant <id>` (repeat it for more tenants).',
    'Every run is recorded in the control table with its id, owner, start, state and steps (`runs list`, `runs show <id>`), plus an audit record and an on-call message.',
  ],
};
