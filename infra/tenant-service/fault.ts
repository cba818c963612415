import { z } from 'zod';

/**
 * The fault switch of the tenant service: what a drill injects into one Region (locally, and in ECS through the same
 * admin endpoint). Admin routes are never faulted, so a drill can always roll the fault back.
 */

/** What the tenant service's fault switch can do (the same switch is reachable in ECS). */
export type ServiceFault =
  | { readonly kind: 'none' }
  /** Every request fails with 503 and the health check fails: the Region is down for tenants. */
  | { readonly kind: 'outage' }
  /** A share of requests fail with 500 (brown-out). */
  | { readonly kind: 'error-rate'; readonly percent: number }
  /** Every request is delayed (brown-out). */
  | { readonly kind: 'latency'; readonly ms: number };

export const serviceFaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('outage') }).strict(),
  z.object({ kind: z.literal('error-rate'), percent: z.number().min(0).max(100) }).strict(),
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(60_000) }).strict(),
]) satisfies z.ZodType<ServiceFault>;

export const NO_FAULT: ServiceFault = { kind: 'none' };

/** Parses a fault from JSON text (the SERVICE_FAULT env var or a request body); the error names the value and the fix. */
export function parseServiceFault(value: unknown, source: string): ServiceFault {
  const result = serviceFaultSchema.safeParse(value);
  if (result.success) return result.data;
  throw new Error(
    `${source}: ${JSON.stringify(value)} is not a fault (${result.error.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ')}); ` +
      'use {"kind":"none"}, {"kind":"outage"}, {"kind":"error-rate","percent":50} or {"kind":"latency","ms":3000}',
  );
}

export function parseServiceFaultText(text: string, source: string): ServiceFault {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${source}: ${JSON.stringify(text)} is not JSON; use for example {"kind":"outage"}`);
  }
  return parseServiceFault(value, source);
}
