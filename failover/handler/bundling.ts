/**
 * How the failover Lambda is bundled, in one place: the CDK app (NodejsFunction) and the bundle-size benchmark use
 * the same options, so the benchmark measures what is deployed.
 *
 * - The pinned SDK clients are bundled rather than taken from the runtime, so AWS runs what the tests ran.
 * - ESM entry points first ("module" before "main") let esbuild tree-shake the SDK and zod; with CommonJS entry
 *   points the bundle is ~300 KB larger.
 */
export const FAILOVER_LAMBDA_ENTRY = 'failover/handler/failover.lambda.ts';

export const FAILOVER_LAMBDA_BUNDLING = {
  minify: true,
  target: 'node22',
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
} as const;
