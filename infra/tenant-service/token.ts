import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { tierSchema } from '../../failover/config/schema';

/**
 * Tenant tokens: ID tokens from an identity provider (on AWS the Region's Cognito user pool, locally the environment's
 * issuer, chaos/env/identity.ts), signed with RS256 and verified with `jose` against the issuer's JWKS. The tenant id
 * and tier come only from a verified token, never from the request body or path, so one tenant cannot name another's
 * data; no task holds a key that can mint a token.
 */

/** Cognito puts custom user attributes into the ID token under `custom:<name>`; the local issuer does the same. */
export const TENANT_CLAIM = 'custom:tenantId';
export const TIER_CLAIM = 'custom:tier';
/** Cognito signs ID tokens with RS256; anything else (`none`, HS256 with the public key as secret, …) is refused. */
export const TOKEN_ALGORITHMS = ['RS256'] as const;

export interface TokenPolicy {
  /** `iss`: the user pool, `https://cognito-idp.<region>.amazonaws.com/<pool id>`, or the local issuer. */
  readonly issuer: string;
  /** `aud`: the app client id the tokens are issued for. */
  readonly audience: string;
  /** Longest accepted `exp - iat`: a token minted for ten years is refused even while unexpired. */
  readonly maxLifetimeSeconds: number;
  /**
   * Other issuers trusted too, each with its own audience and keys: the peer Region's user pool, so a token a tenant
   * got from one Region's pool is still accepted by the other Region's tasks after a failover (infra/README.md,
   * "Tenant identity"). A token is checked against the one entry whose issuer equals its `iss`, never a mix.
   */
  readonly peers?: readonly TrustedIssuer[];
}

export interface TrustedIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly keys: JWTVerifyGetKey;
}

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

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * jose decodes with Node's Buffer, which skips characters outside the alphabet and takes standard base64 too, so a
 * token with junk appended or re-encoded as base64 would still verify; only the canonical encoding is accepted here.
 */
function assertStrictCompactJws(token: string): void {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('token is not a compact JWT (header.payload.signature)');
  for (const [i, part] of parts.entries()) {
    if (!BASE64URL.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) {
      throw new TokenError(`token ${['header', 'payload', 'signature'][i]} is not canonical unpadded base64url`);
    }
  }
}

/**
 * The issuer's signing keys from its JWKS URL, cached for `cacheMaxAgeMs` (a retired key is refused once it lapses);
 * a token with an unknown `kid` refetches the set, at most once per `cooldownMs`, so a rotated-in key is picked up
 * and a flood of made-up key ids cannot hammer the issuer.
 */
export function remoteTokenKeys(
  jwksUrl: string,
  opts: { cooldownMs?: number; cacheMaxAgeMs?: number } = {},
): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: opts.cooldownMs ?? 30_000,
    cacheMaxAge: opts.cacheMaxAgeMs ?? 10 * 60_000,
  });
}

function refusal(err: unknown): TokenError | undefined {
  if (err instanceof TokenError) return err;
  if (err instanceof errors.JWTExpired) return new TokenError('token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new TokenError(`token claim "${err.claim}" is not accepted (${err.reason})`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new TokenError("token key id is not in the issuer's key set");
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenError(`token algorithm is not ${TOKEN_ALGORITHMS}`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenError('token signature does not verify');
  if (err instanceof errors.JOSEError) return new TokenError(`token is not accepted: ${err.code}`);
  return undefined;
}

function tenantClaimsOf(payload: JWTPayload, policy: TokenPolicy): TenantClaims {
  if (payload.token_use !== 'id') throw new TokenError('token is not an ID token (token_use must be "id")');
  const { iat, exp } = payload;
  if (iat === undefined || exp === undefined) throw new TokenError('token must carry iat and exp');
  if (exp - iat > policy.maxLifetimeSeconds) {
    throw new TokenError(`token lifetime ${exp - iat} s is over the maximum of ${policy.maxLifetimeSeconds} s`);
  }
  const claims = tenantClaimsSchema.safeParse({ tenantId: payload[TENANT_CLAIM], tier: payload[TIER_CLAIM], iat, exp });
  if (!claims.success) throw new TokenError(`token must carry ${TENANT_CLAIM} (a tenant id) and ${TIER_CLAIM}`);
  return claims.data;
}

/**
 * The trusted issuer whose `iss` the (not yet verified) token claims: only to pick the keys and audience, which
 * jwtVerify then checks with the signature. An issuer nobody configured is refused before any key is fetched.
 */
function trustedIssuerOf(trusted: readonly TrustedIssuer[], token: string): TrustedIssuer {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw new TokenError('token payload is not a JSON claims set');
  }
  const found = trusted.find((t) => t.issuer === iss);
  if (!found) throw new TokenError('token claim "iss" is not accepted (not a trusted issuer)');
  return found;
}

/**
 * Verifies a tenant token: canonical base64url, an issuer that is trusted (the policy's own, or one of its peers),
 * RS256 with a key of that issuer's JWKS picked by `kid`, that issuer's audience, expiry (no clock tolerance), a
 * maximum lifetime, and the tenant claims. Throws TokenError on refusal.
 */
export async function verifyTenantToken(
  keys: JWTVerifyGetKey,
  policy: TokenPolicy,
  token: string,
  now: Date = new Date(),
): Promise<TenantClaims> {
  try {
    assertStrictCompactJws(token);
    const trusted = trustedIssuerOf(
      [{ issuer: policy.issuer, audience: policy.audience, keys }, ...(policy.peers ?? [])],
      token,
    );
    const { payload } = await jwtVerify(token, trusted.keys, {
      algorithms: [...TOKEN_ALGORITHMS],
      issuer: trusted.issuer,
      audience: trusted.audience,
      requiredClaims: ['iat', 'exp'],
      currentDate: now,
    });
    return tenantClaimsOf(payload, policy);
  } catch (err) {
    const refused = refusal(err);
    if (refused) throw refused;
    throw err;
  }
}
