import { parseConfig } from '../../failover/config/load';
import type { RegionFlipConfig } from '../../failover/config/schema';
import { uniqueName } from './moto';

/** Polls `probe` every `pollMs` (100 ms) until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A configuration of its own for one local environment on the shared moto (unique app and zone names). */
export function localEnvConfig(prefix: string, tenants: string): RegionFlipConfig {
  const app = uniqueName(prefix)
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 21);
  return parseConfig(`app: ${app}\ndns: { zoneName: ${app}.example.com }\ntenants: ${tenants}`);
}
