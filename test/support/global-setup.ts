import { type MotoServer, startMotoServer } from '../../chaos/env/moto-server';
import { ensureCheckovInstalled } from './checkov';

/**
 * One moto server for the whole run; tests isolate themselves by unique resource names (test/support/moto.ts). The
 * integration, e2e and drill jest projects name this setup: a run of several starts one server.
 *
 * The integration tier runs the checkov scan (test/scan/checkov.test.ts): its first install takes minutes on a fresh
 * clone, so it happens here, before any test starts, rather than inside a test's timeout while other suites compete.
 */
export default async function globalSetup(
  _globalConfig: unknown,
  projectConfig: { readonly displayName?: { readonly name: string } },
): Promise<void> {
  if (projectConfig.displayName?.name === 'integration') ensureCheckovInstalled();
  if ((globalThis as { __moto?: MotoServer }).__moto) return;
  const moto = await startMotoServer({ log: (l) => process.stderr.write(`${l}\n`) });
  process.env.MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { __moto?: MotoServer }).__moto = moto;
}
