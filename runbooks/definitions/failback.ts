import { CHOOSE_TARGET, CLI, NOTIFICATIONS_EXIT, type Runbook } from './types';

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
    CHOOSE_TARGET,
    'A reason you can write in one sentence, for example the incident ticket: "INC-123 resolved, us-east-1 healthy".',
  ],
  steps: [
    {
      title: 'Look at where traffic is now',
      purpose: 'Know the starting point: which Region serves each tier, and whether alarms are quiet.',
      command: {
        line: `${CLI} status`,
        output: [
          'control table: active Region us-west-2',
          'us-east-1 (primary)     healthy',
          'us-west-2 -> us-east-1',
          'on-call pages: ',
        ],
        exit: [0, 1],
      },
      expect:
        'basic, advanced and each premium tenant on the secondary Region; the health of both Regions; replication lag each way, with its age; the automation state; where on-call is paged; the last switches. `NEEDS A HUMAN` (exit code 1) lists what is not right, for example automation still disabled, or replication behind by more than 5 s.',
      verify:
        'The primary Region shows `healthy` and no alarm in ALARM; `us-west-2 -> us-east-1` replication is not flagged (the failback precheck measures it again).',
      ifItFails:
        'If the primary Region is not healthy, stop. Failback is not safe yet. Wait, and watch its alarms. If the command itself errors, its second line says what to do (credentials, network, permissions).',
    },
    {
      title: 'Dry run: prechecks and plan, nothing changes',
      purpose: 'See what the failback would do before doing it.',
      command: {
        line: `${CLI} failback --to us-east-1 --dry-run`,
        output: ['ok    target-healthy', 'ok    replication-drained', 'shared.', 'DRY RUN: nothing was changed'],
      },
      expect:
        'Every precheck `ok`, then the plan: each routing record with its old and new value. Last line: `DRY RUN: nothing was changed`.',
      verify: 'The plan lists `shared.<zone>` and every premium tenant you expect to move. Nothing else.',
      ifItFails:
        'A `FAIL` line says which precheck failed and why (exit code 1). Fix that first (wait for alarms to stay OK; wait for replication to catch up; end the drill). Then run the dry run again.',
      runs: ['precheck', 'plan'],
    },
    {
      title: 'Fail back (dangerous!)',
      purpose:
        'Move traffic to the primary Region. The command runs the prechecks again, shows the plan, asks for a reason and for the Region name, switches, verifies, records and tells on-call.',
      command: {
        line: `${CLI} failback --to us-east-1`,
        input: ['INC-123 resolved, us-east-1 healthy', 'us-east-1'],
        output: ['[1/6] precheck', '[5/6] verify', '[6/6] announce', 'DONE: traffic is on us-east-1'],
      },
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
      command: {
        line: `${CLI} probe --expect us-east-1`,
        output: ['served by us-east-1 (primary)', 'OK: every name'],
      },
      expect:
        'Every tenant name `ok`, served by us-east-1, each through its DNS answer (`via …`). Exit code 1 if any is not.',
      verify: `On-call got the message that the failback is done and verified. ${NOTIFICATIONS_EXIT}`,
      check: { line: `${CLI} notifications --last 1`, output: ['RegionFlip failback to us-east-1 done and verified'] },
      ifItFails:
        'If some records still show the secondary Region, run step 3 again. If the probes fail but the records are right, wait one DNS TTL (see `dns.ttlSeconds`) and check again.',
    },
    {
      title: 'Re-enable automation if you disabled it',
      purpose: 'Automatic failover only protects you again once it is on.',
      command: {
        line: `${CLI} automation enable --reason "failback done"`,
        output: ['automation enabled by', 'failback done'],
      },
      expect: '`automation enabled` and the reason.',
      verify: '`status` says `OK: nothing needs a human`, with traffic on us-east-1 and `automation: enabled`.',
      check: {
        line: `${CLI} status`,
        output: ['OK: nothing needs a human', 'control table: active Region us-east-1', 'automation: enabled'],
      },
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
