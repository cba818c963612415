import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tier } from '../../failover/config/schema';
import { TENANT_CLAIM, TIER_CLAIM, type TokenPolicy } from '../../infra/tenant-service/token';

/**
 * The local stand-in for the Region's Cognito user pool: an issuer on 127.0.0.1 that serves its JWKS at
 * `/.well-known/jwks.json` (Cognito's path) and issues short-lived RS256 ID tokens shaped like Cognito's (`token_use`,
 * `aud` = app client id, `custom:tenantId`, `custom:tier`). The tenant services verify them with the same code as on
 * AWS; nobody but this process holds a signing key. Signing uses node:crypto because jose's signer is async and the
 * environment hands tokens out synchronously (`LocalEnvironment.tenantToken`).
 */

/** Cognito's default ID token validity is 1 hour (its allowed range is 5 minutes to 1 day). */
export const LOCAL_TOKEN_POLICY_DEFAULTS = { ttlSeconds: 15 * 60, maxLifetimeSeconds: 3600 } as const;

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface IssueOptions {
  readonly ttlSeconds?: number;
  readonly now?: Date;
}

export class LocalIdentityProvider {
  private readonly keys: SigningKey[] = [newSigningKey()];

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    readonly audience: string,
    private readonly ttlSeconds: number,
    readonly maxLifetimeSeconds: number,
  ) {
    server.on('request', (req, res) => {
      if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
        res.end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not-found', message: 'this issuer serves GET /.well-known/jwks.json only' }));
    });
  }

  /** Starts the issuer on 127.0.0.1 (any free port). */
  static async start(opts: { audience?: string; ttlSeconds?: number; maxLifetimeSeconds?: number } = {}) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new LocalIdentityProvider(
      server,
      issuer,
      opts.audience ?? 'regionflip-local-clients',
      opts.ttlSeconds ?? LOCAL_TOKEN_POLICY_DEFAULTS.ttlSeconds,
      opts.maxLifetimeSeconds ?? LOCAL_TOKEN_POLICY_DEFAULTS.maxLifetimeSeconds,
    );
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  /** What the tenant services must check (their TOKEN_* settings). */
  get policy(): TokenPolicy {
    return { issuer: this.issuer, audience: this.audience, maxLifetimeSeconds: this.maxLifetimeSeconds };
  }

  /** The key id new tokens are signed with. */
  get currentKid(): string {
    return this.keys.at(-1)!.kid;
  }

  /** An ID token for one tenant, signed with the newest key. */
  issue(claims: { tenantId: string; tier: Tier }, opts: IssueOptions = {}): string {
    const ttl = opts.ttlSeconds ?? this.ttlSeconds;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > this.maxLifetimeSeconds) {
      throw new Error(`token ttl ${ttl} s must be a whole number of seconds in 1-${this.maxLifetimeSeconds}`);
    }
    const key = this.keys.at(-1)!;
    const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
    const payload = {
      iss: this.issuer,
      aud: this.audience,
      sub: randomUUID(),
      token_use: 'id',
      [TENANT_CLAIM]: claims.tenantId,
      [TIER_CLAIM]: claims.tier,
      iat,
      exp: iat + ttl,
    };
    const signingInput = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64(payload)}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
  }

  /**
   * Rotation as an identity provider does it: a new key signs from now on; the old one stays in the JWKS (tokens it
   * signed still verify) until `retire` removes it.
   */
  rotate(): string {
    this.keys.push(newSigningKey());
    return this.currentKid;
  }

  /** Removes a key from the JWKS: tokens it signed are refused once verifiers refetch the key set. */
  retire(kid: string): void {
    if (kid === this.currentKid) throw new Error(`key ${kid} signs new tokens: rotate() before retiring it`);
    const i = this.keys.findIndex((k) => k.kid === kid);
    if (i < 0) throw new Error(`no key ${kid} in the key set (keys: ${this.keys.map((k) => k.kid).join(', ')})`);
    this.keys.splice(i, 1);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
