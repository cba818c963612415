import type { MotoServer } from '../../chaos/env/moto-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __moto?: MotoServer }).__moto?.stop();
}
