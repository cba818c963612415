/**
 * Five tiers, each a jest project (`jest --selectProjects <name>`):
 * - unit: no network, no external process, no Python: pure code, in-memory stand-ins of the ports
 *   (test/state/stand-ins.ts), aws-sdk-client-mock for adapters. `npm run test:unit`.
 * - synth: the CDK app synthesised and asserted on (no Python, no moto; slow).
 * - integration: adapters and the handler against one moto server (started by test/support/global-setup.ts only when
 *   a test of this tier or the next runs), the suites that spawn a process (the CLI, the secret scanner, the leftover
 *   cleanup), and checkov (its global setup installs it first, pinned).
 * - e2e: the local two-Region environment (tenant services, alarm evaluator, Route 53 model on moto).
 * - drill: the drills on the local environment, one at a time (two environments on one moto starve replication).
 * `npm test` runs the first four in one jest run (in parallel), then the drills; `scale` is `npm run test:scale` only.
 * A suite that matches no list is a unit test: one that needs moto fails there at once (motoTarget: no MOTO_ENDPOINT).
 *
 * Tests are type-checked by `npm run build` (tsc covers test/); ts-jest only transpiles (tsconfig's isolatedModules),
 * which keeps the suite fast.
 */

/** Suites that need moto but not the local environment, or that spawn a process (the CLI, the secret scanner, the
 * environment's leftover cleanup). */
const integration = [
  '/test/cli/exit-codes\\.test\\.ts$',
  '/test/cli/status-watch\\.test\\.ts$',
  '/test/cli/read-commands\\.test\\.ts$',
  '/test/handler/unresponsive-dynamodb\\.test\\.ts$',
  '/test/drill/cli\\.test\\.ts$',
  '/test/scan/secrets\\.test\\.ts$',
  '/test/convergence/.*\\.test\\.ts$',
  '/test/integration/.*\\.test\\.ts$',
  '/test/handler/failover-handler\\.test\\.ts$',
  '/test/handler/untrusted-and-hostile\\.test\\.ts$',
  '/test/health/alarm-health\\.test\\.ts$',
  '/test/state/control-table\\.test\\.ts$',
  '/test/switch/execute-switch\\.test\\.ts$',
  '/test/switch/route53-switch\\.moto\\.test\\.ts$',
  '/test/runbooks/(commands|notifications|runs|status|switch-runbook)\\.test\\.ts$',
  '/test/tenant-service/(api|fault|isolation|paths)\\.test\\.ts$',
  '/test/infra/compliance\\.test\\.ts$',
  '/test/scan/checkov\\.test\\.ts$',
  '/test/support/moto-server\\.test\\.ts$',
  '/test/env/(env-state|moto-install)\\.test\\.ts$',
];

/** Suites that synthesise the CDK app: no Python and no moto, but each synthesis (Lambda bundling included) takes tens
 * of seconds, too slow for the unit tier. */
const synth = [
  '/test/infra/(app-stacks|fis-templates|image-scanning|imported-zone|listeners|log-shipping|tenant-stacks)\\.test\\.ts$',
];

/** Drill suites on the local environment: run one at a time, after everything else (`npm test`). */
const drill = [
  '/test/drill/(flapping-drill|region-outage-drill|safety-drills|signal-rollback|crash-rollback)\\.test\\.ts$',
];

/** Suites that start the local environment. */
const e2e = [
  '/test/env/(dns|environment\\.e2e|load-balancer|outage-region-dark|probe-outage|replication|route53-propagation|sns-delivery)\\.test\\.ts$',
  '/test/runbooks/(failback-local-env|runbook-walk)\\.test\\.ts$',
  '/test/cli/env-up-signal\\.test\\.ts$',
];

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/quiet-sdk.ts'],
};
const withMoto = {
  ...common,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
module.exports = {
  testTimeout: 120000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...synth, ...integration, ...e2e, ...drill],
    },
    { ...common, displayName: 'synth', testRegex: synth },
    { ...withMoto, displayName: 'integration', testRegex: integration },
    { ...withMoto, displayName: 'e2e', testRegex: e2e },
    { ...withMoto, displayName: 'drill', testRegex: drill },
    // Synthesises the 100/20/500-tenant deployment: minutes, so only `npm run test:scale` runs it.
    { ...common, displayName: 'scale', testMatch: ['**/test/infra/*.slow.ts'] },
  ],
};
