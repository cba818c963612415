import { type MotoServer, startMotoServer } from '../../chaos/env/moto-server';

/** One moto server for the whole run; tests isolate themselves by unique resource names (test/support/moto.ts). */
export default async function globalSetup(): Promise<void> {
  const moto = await startMotoServer({ log: (l) => process.stderr.write(`${l}\n`) });
  process.env.MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { __moto?: MotoServer }).__moto = moto;
}
