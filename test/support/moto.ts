import { randomUUID } from 'node:crypto';
import type { AwsTarget } from '../../failover/aws/clients';

/** The moto server started by test/support/global-setup.ts. */
export function motoTarget(): AwsTarget {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: run the tests through jest (test/support/global-setup.ts)');
  return { endpoint };
}

/** A name no other test uses, so tests share one moto server without resetting it. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
