/**
 * The dependency rules of ARCHITECTURE.md ("Dependency rules"), checked by `npm run lint:deps` (part of `npm run lint`,
 * so `npm test` fails when one is broken). Violations already being removed on another branch are listed, one by one,
 * in .dependency-cruiser-known-violations.json: every other import is held to the rules.
 */
module.exports = {
  forbidden: [
    {
      name: 'failover-not-to-chaos-or-runbooks',
      comment:
        'The automatic failover path is deployed: it must not depend on the local environment or drills (chaos/) nor on ' +
        'the human runbooks. Only the CLI (failover/cli: the composition root main.ts, the commands it registers in ' +
        'program.ts and their exit codes) wires them together.',
      severity: 'error',
      from: { path: '^failover/', pathNot: '^failover/cli/' },
      to: { path: '^(chaos|runbooks)/' },
    },
    {
      name: 'infra-not-to-chaos',
      comment:
        'What is deployed (infra/, the tenant service among it) must not import the local test harness (chaos/).',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^chaos/' },
    },
    {
      name: 'runbooks-not-to-chaos',
      comment:
        'Runbooks are production operations: they reach a deployment through ports they own, which chaos/env implements ' +
        'for the local environment (wired in the CLI), never by importing chaos/.',
      severity: 'error',
      from: { path: '^runbooks/' },
      to: { path: '^chaos/' },
    },
    {
      name: 'runbooks-reach-aws-through-adapters',
      comment:
        "The runbooks' steps, prechecks and status work on ports and injected clients; only their adapters (the AWS " +
        'deployment, the run and replication-sentinel stores) and the composition of the AWS deployment (connect.ts) ' +
        'call the AWS SDK or create clients. A type-only import of a client type is allowed: it is the injected client.',
      severity: 'error',
      from: { path: '^runbooks/', pathNot: '^runbooks/(connect|aws-deployment|progress|replication-check)\\.ts$' },
      to: { path: '(^|/)node_modules/@aws-sdk/|^failover/aws/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment:
        'Import cycles hide which module owns a concept and break module initialisation order; move the shared code ' +
        'to its natural home instead. A cycle closed only by an `import type` (erased at compile time) is tolerated: ' +
        'ARCHITECTURE.md, "Dependency rules", lists the ones there are.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(cdk\\.out|\\.cache|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
