import { CHOOSE_TARGET, CLI, NOTIFICATIONS_EXIT, type Runbook } from './types';

/** The kill switch of automatic failover. */
export const automationRunbook: Runbook = {
  file: 'automation.md',
  title: 'Disable and re-enable automatic failover',
  whenToUse: [
    'Disable: maintenance in a Region, a drill that must not trigger failover, a runaway automation, or a manual failover in progress.',
    'Re-enable: as soon as the reason is gone. While it is off, nobody moves traffic for you at 3 a.m.',
  ],
  before: [
    'A terminal in the repository root, with AWS credentials (`aws sts get-caller-identity` works).',
    CHOOSE_TARGET,
    'A reason: it is stored with the state, in the audit and in the on-call message.',
  ],
  steps: [
    {
      title: 'See the current state',
      purpose: 'Know who changed it last and why.',
      command: { line: `${CLI} automation status`, output: ['automation '] },
      expect: '`automation enabled` or `automation DISABLED`, with who changed it and why.',
      verify: 'You know whether you need to change it.',
      ifItFails: 'The second line of the error says what to do (credentials, network, permissions).',
    },
    {
      title: 'Disable automation (dangerous!)',
      purpose: 'The failover Lambda keeps running, but it pages on-call instead of switching.',
      command: {
        line: `${CLI} automation disable --reason "maintenance of us-east-1, CHG-42"`,
        output: ['automation disabled by', 'maintenance of us-east-1, CHG-42'],
      },
      expect: '`automation disabled by <you>: <why>`.',
      verify: '`status` lists `automatic failover is DISABLED` with your reason under `NEEDS A HUMAN` (exit code 1).',
      check: {
        line: `${CLI} status`,
        output: ['automatic failover is DISABLED (maintenance of us-east-1, CHG-42)'],
        exit: 1,
      },
      ifItFails: 'Run it again. The change is a single write to the control table.',
      risky: true,
    },
    {
      title: 'Re-enable automation (dangerous!)',
      purpose: 'Turn automatic failover back on.',
      command: {
        line: `${CLI} automation enable --reason "CHG-42 done"`,
        output: ['automation enabled by', 'CHG-42 done'],
      },
      expect: '`automation enabled by <you>: <why>`.',
      verify: `On-call got both messages: DISABLED, then ENABLED. ${NOTIFICATIONS_EXIT}`,
      check: {
        line: `${CLI} notifications --last 2`,
        output: ['RegionFlip automatic failover DISABLED by', 'RegionFlip automatic failover ENABLED by'],
      },
      ifItFails:
        'Run it again. If it keeps failing, the control table is unreachable: check the Region and credentials.',
      risky: true,
    },
  ],
};
