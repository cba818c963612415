import { AWS_FLAGS, CLI, type Runbook } from './types';

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
    'A reason: it is stored with the state, in the audit and in the on-call message.',
  ],
  steps: [
    {
      title: 'See the current state',
      purpose: 'Know who changed it last and why.',
      command: `${CLI} status ${AWS_FLAGS}`,
      expect: '`automation: enabled` or `automation: DISABLED`, with who, when and why.',
      verify: 'You know whether you need to change it.',
      ifItFails: 'The second line of the error says what to do (credentials, network, permissions).',
    },
    {
      title: 'Disable automation (dangerous!)',
      purpose: 'The failover Lambda keeps running, but it pages on-call instead of switching.',
      command: `${CLI} automation disable --reason "<why>" ${AWS_FLAGS}`,
      expect: '`automation disabled by <you>: <why>`.',
      verify: '`status` shows `automation: DISABLED` with your reason. On-call got a message.',
      ifItFails: 'Run it again. The change is a single write to the control table.',
      risky: true,
    },
    {
      title: 'Re-enable automation (dangerous!)',
      purpose: 'Turn automatic failover back on.',
      command: `${CLI} automation enable --reason "<why>" ${AWS_FLAGS}`,
      expect: '`automation enabled by <you>: <why>`.',
      verify: '`status` shows `automation: enabled`.',
      ifItFails:
        'Run it again. If it keeps failing, the control table is unreachable: check the Region and credentials.',
      risky: true,
    },
  ],
};
