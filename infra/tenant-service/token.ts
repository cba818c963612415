import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { tierSchema } from '../../failover/config/schema';

/**
 * Tenant tokens: compact JWTs signed with HS256 (HMAC-SHA256) over a shared secret. The tenant id and tier come only
 * from a verified token, never from the request body or path, so one tenant cannot name another's data.
 */

export const tenantClaimsSchema = z.object({
  tenantId: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/),
  tier: tierSchema,
  /** Seconds since the epoch, as in JWT. */
  iat: z.number().int(),
  exp: z.number().int(),
});
export type TenantClaims = z.infer<typeof tenantClaimsSchema>;

/** Why a token was refused. The message is safe to return to the caller (it never echoes the token). */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const MIN_SECRET_LENGTH = 32;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signature(secret: string, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** A secret shorter than 32 characters is refused: HS256 is only as strong as its key. */
export function assertTokenSecret(secret: string | undefined, source = 'TOKEN_SECRET'): string {
  if (!secret || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(
      `${source} must be at least ${MIN_SECRET_LENGTH} characters (got ${secret ? secret.length : 0}): ` +
        'use a random value, for example `openssl rand -hex 32`',
    );
  }
  return secret;
}

export function signTenantToken(
  secret: string,
  claims: { tenantId: string; tier: TenantClaims['tier'] },
  opts: { ttlSeconds?: number; now?: Date } = {},
): string {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const payload: TenantClaims = tenantClaimsSchema.parse({ ...claims, iat, exp: iat + (opts.ttlSeconds ?? 3600) });
  const signingInput = `${base64url(JSON.stringify(HEADER))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${base64url(signature(secret, signingInput))}`;
}

function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError(`token ${what} is not base64url JSON`);
  }
}

/** Verifies signature, algorithm (only HS256: "none" and others are refused), expiry and claim shapes. */
export function verifyTenantToken(secret: string, token: string, now: Date = new Date()): TenantClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('token is not a compact JWT (header.payload.signature)');
  const [header, payload, sig] = parts as [string, string, string];
  const headerJson = decodeJson(header, 'header') as { alg?: unknown };
  if (headerJson?.alg !== 'HS256')
    throw new TokenError(`token algorithm ${JSON.stringify(headerJson?.alg)} is not HS256`);
  const expected = signature(secret, `${header}.${payload}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('token signature does not verify');
  }
  const claims = tenantClaimsSchema.safeParse(decodeJson(payload, 'payload'));
  if (!claims.success) throw new TokenError('token claims must include tenantId, tier, iat and exp');
  if (claims.data.exp * 1000 <= now.getTime()) throw new TokenError('token has expired');
  return claims.data;
}
