import { type MotoServer, startMotoServer } from '../../chaos/env/moto-server';

/**
 * One moto server for the whole run; tests isolate themselves by unique resource names (test/support/moto.ts). Both the
 * integration and the e2e jest projects name this setup: a run of both starts one server.
 */
export default async function globalSetup(): Promise<void> {
  if ((globalThis as { __moto?: MotoServer }).__moto) return;
  const moto = await startMotoServer({ log: (l) => process.stderr.write(`${l}\n`) });
  process.env.MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { __moto?: MotoServer }).__moto = moto;
}
