import { generateKeyPairSync, sign } from 'node:crypto';
import { LocalIdentityProvider } from '../../chaos/env/identity';
import { settingsFromEnv } from '../../infra/tenant-service/settings';
import { remoteTokenKeys, TokenError, verifyTenantToken } from '../../infra/tenant-service/token';

/** Tokens as the tenant services verify them: jose against the issuer's JWKS, fetched over HTTP on loopback. */
describe('tenant tokens', () => {
  let idp: LocalIdentityProvider;
  let other: LocalIdentityProvider;
  beforeAll(async () => {
    idp = await LocalIdentityProvider.start({ audience: 'app-client', maxLifetimeSeconds: 3600 });
    other = await LocalIdentityProvider.start({ audience: 'app-client', maxLifetimeSeconds: 3600 });
  });
  afterAll(async () => {
    await idp.stop();
    await other.stop();
  });

  const verify = (token: string, now?: Date, keys = remoteTokenKeys(idp.jwksUrl)) =>
    verifyTenantToken(keys, idp.policy, token, now);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const partsOf = (token: string) => token.split('.') as [string, string, string];
  const payloadOf = (token: string) =>
    JSON.parse(Buffer.from(partsOf(token)[1], 'base64url').toString()) as Record<string, unknown>;
  /** A token signed by a key the issuer never published, claiming that issuer and a key id of its choosing. */
  const forged = (payload: Record<string, unknown>, kid: string) => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(payload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };

  it('GIVEN a token from the issuer WHEN verified THEN the tenant and tier come from its claims', async () => {
    const now = new Date();
    const token = idp.issue({ tenantId: 'acme', tier: 'premium' }, { now, ttlSeconds: 60 });
    await expect(verify(token, now)).resolves.toMatchObject({ tenantId: 'acme', tier: 'premium' });
  });

  it('GIVEN a token past its exp WHEN verified THEN it is refused as expired', async () => {
    const now = new Date();
    const token = idp.issue({ tenantId: 'acme', tier: 'basic' }, { now, ttlSeconds: 60 });
    await expect(verify(token, new Date(now.getTime() + 61_000))).rejects.toThrow(/expired/);
  });

  it('GIVEN a token for another app client WHEN verified THEN the audience check refuses it', async () => {
    const elsewhere = await LocalIdentityProvider.start({ audience: 'other-client' });
    try {
      const token = elsewhere.issue({ tenantId: 'acme', tier: 'basic' });
      const keys = remoteTokenKeys(elsewhere.jwksUrl);
      await expect(verifyTenantToken(keys, { ...elsewhere.policy, audience: 'app-client' }, token)).rejects.toThrow(
        /claim "aud"/,
      );
    } finally {
      await elsewhere.stop();
    }
  });

  it('GIVEN a token from another issuer WHEN verified against ours THEN the issuer check refuses it', async () => {
    const token = other.issue({ tenantId: 'acme', tier: 'basic' });
    await expect(verify(token, undefined, remoteTokenKeys(other.jwksUrl))).rejects.toThrow(/claim "iss"/);
  });

  it('GIVEN a token whose kid is in no key set WHEN verified THEN it is refused before any signature check', async () => {
    const good = idp.issue({ tenantId: 'acme', tier: 'basic' });
    await expect(verify(forged(payloadOf(good), 'made-up-kid'))).rejects.toThrow(/key id is not in the issuer/);
  });

  it("GIVEN a token signed by another key under the issuer's current kid WHEN verified THEN the signature fails", async () => {
    const good = idp.issue({ tenantId: 'acme', tier: 'basic' });
    await expect(verify(forged(payloadOf(good), idp.currentKid))).rejects.toThrow(/signature does not verify/);
  });

  it('GIVEN a rotated key WHEN tokens of the new and the old key arrive THEN both verify until the old key is retired', async () => {
    const oldToken = idp.issue({ tenantId: 'acme', tier: 'basic' });
    const keys = remoteTokenKeys(idp.jwksUrl, { cooldownMs: 0 });
    await expect(verify(oldToken, undefined, keys)).resolves.toMatchObject({ tenantId: 'acme' });
    const oldKid = idp.currentKid;
    const newKid = idp.rotate();
    const newToken = idp.issue({ tenantId: 'acme', tier: 'basic' });
    expect(JSON.parse(Buffer.from(partsOf(newToken)[0], 'base64url').toString()).kid).toBe(newKid);
    // The cached key set lacks the new kid: the verifier refetches it rather than refusing.
    await expect(verify(newToken, undefined, keys)).resolves.toMatchObject({ tenantId: 'acme' });
    await expect(verify(oldToken, undefined, keys)).resolves.toMatchObject({ tenantId: 'acme' });
    idp.retire(oldKid);
    await expect(verify(oldToken)).rejects.toThrow(/key id is not in the issuer/);
    await expect(verify(newToken)).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('GIVEN a payload changed to another tenant WHEN verified THEN the signature check refuses it', async () => {
    const [header, , sig] = partsOf(idp.issue({ tenantId: 'acme', tier: 'basic' }));
    const payload = payloadOf(idp.issue({ tenantId: 'acme', tier: 'basic' }));
    const tampered = `${header}.${b64({ ...payload, 'custom:tenantId': 'globex', 'custom:tier': 'premium' })}.${sig}`;
    await expect(verify(tampered)).rejects.toThrow(/signature does not verify/);
  });

  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The last character of a 256-byte signature carries 2 bits and 4 unused ones: setting one still decodes the same. */
  const unusedBitSet = (t: string) => `${t.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(t.at(-1)!) | 1]}`;

  it.each([
    ['junk characters appended to the signature', (t: string) => `${t}!!`],
    ['padding appended to the signature', (t: string) => `${t}==`],
    ['standard base64 in the signature', (t: string) => t.replace(/-/g, '+').replace(/_/g, '/')],
    ['padding on the payload', (t: string) => t.replace(/^([^.]+)\.([^.]+)\./, '$1.$2==.')],
    ['a non-canonical last character', unusedBitSet],
  ])('GIVEN %s WHEN verified THEN the strict base64url check refuses it', async (_what, mangle) => {
    // A token whose signature contains "-" or "_", so re-encoding it as standard base64 changes it.
    let token = idp.issue({ tenantId: 'acme', tier: 'basic' });
    while (!/[-_]/.test(partsOf(token)[2])) token = idp.issue({ tenantId: 'acme', tier: 'basic' });
    const mangled = mangle(token);
    expect(mangled).not.toBe(token);
    // The lenient decoder jose uses reads the same bytes: only the strict check stands between this and a pass.
    const bytes = (t: string) => t.split('.').map((p) => Buffer.from(p, 'base64url').toString('hex'));
    expect(bytes(mangled)).toEqual(bytes(token));
    await expect(verify(mangled)).rejects.toThrow(/not canonical unpadded base64url/);
  });

  it('GIVEN a fourth segment WHEN verified THEN it is refused as not a compact JWT', async () => {
    await expect(verify(`${idp.issue({ tenantId: 'acme', tier: 'basic' })}.e30`)).rejects.toThrow(/compact JWT/);
  });

  it('GIVEN an unsigned "alg: none" token WHEN verified THEN it is refused', async () => {
    const payload = payloadOf(idp.issue({ tenantId: 'acme', tier: 'basic' }));
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: idp.currentKid })}.${b64(payload)}.`;
    await expect(verify(none)).rejects.toThrow(TokenError);
  });

  it('GIVEN an HS256 token keyed with the public JWK WHEN verified THEN the algorithm is refused', async () => {
    const payload = payloadOf(idp.issue({ tenantId: 'acme', tier: 'basic' }));
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: idp.currentKid })}.${b64(payload)}`;
    const { createHmac } = await import('node:crypto');
    const jwks = (await (await fetch(idp.jwksUrl)).json()) as { keys: { n: string }[] };
    const mac = createHmac('sha256', jwks.keys.at(-1)!.n).update(input).digest('base64url');
    await expect(verify(`${input}.${mac}`)).rejects.toThrow(/algorithm/);
  });

  it('GIVEN a validly signed token that lives longer than the maximum WHEN verified THEN it is refused', async () => {
    const long = await LocalIdentityProvider.start({ audience: 'app-client', maxLifetimeSeconds: 10 * 365 * 86_400 });
    try {
      const token = long.issue({ tenantId: 'acme', tier: 'basic' }, { ttlSeconds: 10 * 365 * 86_400 });
      const policy = { ...long.policy, maxLifetimeSeconds: 3600 };
      await expect(verifyTenantToken(remoteTokenKeys(long.jwksUrl), policy, token)).rejects.toThrow(
        /lifetime 315360000 s is over the maximum of 3600 s/,
      );
    } finally {
      await long.stop();
    }
  });

  it('GIVEN a ttl over the maximum WHEN the local issuer is asked THEN it refuses and names the range', () => {
    expect(() => idp.issue({ tenantId: 'acme', tier: 'basic' }, { ttlSeconds: 7200 })).toThrow(/7200 s .* 1-3600/);
  });

  it('GIVEN the current key WHEN retired THEN the issuer refuses (it would leave nothing to sign with)', () => {
    expect(() => idp.retire(idp.currentKid)).toThrow(/rotate\(\) before retiring/);
  });

  describe('across Regions: each Region has its own user pool and trusts the peer pool too', () => {
    /** Region B's tasks: their own pool (`other`, its own audience) plus Region A's pool (`idp`) as the peer. */
    let regionB: LocalIdentityProvider;
    beforeAll(async () => {
      regionB = await LocalIdentityProvider.start({ audience: 'region-b-client', maxLifetimeSeconds: 3600 });
    });
    afterAll(async () => regionB.stop());
    const verifyInB = (token: string) =>
      verifyTenantToken(
        remoteTokenKeys(regionB.jwksUrl),
        {
          ...regionB.policy,
          peers: [{ issuer: idp.issuer, audience: idp.policy.audience, keys: remoteTokenKeys(idp.jwksUrl) }],
        },
        token,
      );

    it("GIVEN a token Region A's pool issued WHEN Region B's tasks verify it after a failover THEN it is accepted, tenant from its claims", async () => {
      const token = idp.issue({ tenantId: 'acme', tier: 'premium' });
      await expect(verifyInB(token)).resolves.toMatchObject({ tenantId: 'acme', tier: 'premium' });
      await expect(verifyInB(regionB.issue({ tenantId: 'beta', tier: 'basic' }))).resolves.toMatchObject({
        tenantId: 'beta',
      });
    });

    it('GIVEN a token from an issuer neither Region configured WHEN Region B verifies it THEN it is refused as untrusted', async () => {
      await expect(verifyInB(other.issue({ tenantId: 'acme', tier: 'basic' }))).rejects.toThrow(
        new TokenError('token claim "iss" is not accepted (not a trusted issuer)'),
      );
    });

    it("GIVEN a token claiming Region A's issuer and key id but signed with another key WHEN Region B verifies it THEN it is refused: the peer's own keys decide", async () => {
      const claims = payloadOf(idp.issue({ tenantId: 'acme', tier: 'basic' }));
      await expect(verifyInB(forged(claims, idp.currentKid))).rejects.toThrow(/signature does not verify/);
    });
  });

  const env = {
    AWS_REGION: 'us-east-1',
    TENANT_DATA_TABLE: 't',
    TOKEN_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
    TOKEN_AUDIENCE: 'client-1',
    ADMIN_TOKEN: 'a'.repeat(16),
  };

  it('GIVEN the token variables WHEN reading settings THEN the JWKS defaults to Cognito’s path', () => {
    expect(settingsFromEnv(env)).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      region: 'us-east-1',
      token: {
        issuer: env.TOKEN_ISSUER,
        audience: 'client-1',
        jwksUrl: `${env.TOKEN_ISSUER}/.well-known/jwks.json`,
        maxLifetimeSeconds: 3600,
      },
    });
  });

  it.each([
    [{ AWS_REGION: '' }, /AWS_REGION is not set/],
    [{ PORT: 'eighty' }, /PORT="eighty"/],
    [{ TOKEN_AUDIENCE: '' }, /TOKEN_AUDIENCE is not set/],
    [{ TOKEN_ISSUER: 'http://issuer.example.com' }, /TOKEN_ISSUER="http:\/\/issuer.example.com" must be https/],
    [{ TOKEN_JWKS_URL: 'not a url' }, /TOKEN_JWKS_URL="not a url" is not a URL/],
    [{ TOKEN_MAX_LIFETIME_SECONDS: '315360000' }, /TOKEN_MAX_LIFETIME_SECONDS="315360000" must be whole seconds/],
  ])('GIVEN %j WHEN reading settings THEN the error names the variable and the fix', (change, message) => {
    expect(() => settingsFromEnv({ ...env, ...change })).toThrow(message);
  });

  it('GIVEN no ADMIN_TOKEN (AWS) WHEN reading settings THEN the fault switch is off; a short one is refused with the fix', () => {
    const { ADMIN_TOKEN: _, ...aws } = env;
    expect(settingsFromEnv(aws).adminToken).toBeUndefined();
    expect(settingsFromEnv(env).adminToken).toBe(env.ADMIN_TOKEN);
    expect(() => settingsFromEnv({ ...env, ADMIN_TOKEN: 'short' })).toThrow(
      'ADMIN_TOKEN is 5 characters: use at least 16, or unset it to turn the fault switch off',
    );
  });

  it("GIVEN the peer Region's pool WHEN reading settings THEN it is trusted with its own audience and Cognito's JWKS path", () => {
    const peer = 'https://cognito-idp.us-west-2.amazonaws.com/us-west-2_def';
    expect(settingsFromEnv({ ...env, TOKEN_PEER_ISSUER: peer, TOKEN_PEER_AUDIENCE: 'client-2' }).token.peer).toEqual({
      issuer: peer,
      audience: 'client-2',
      jwksUrl: `${peer}/.well-known/jwks.json`,
    });
    expect(settingsFromEnv(env).token.peer).toBeUndefined();
  });

  it.each([
    [{ TOKEN_PEER_ISSUER: 'https://cognito-idp.us-west-2.amazonaws.com/x' }, /set both .* or neither/],
    [{ TOKEN_PEER_AUDIENCE: 'client-2' }, /set both .* or neither/],
    [{ TOKEN_PEER_ISSUER: 'http://cognito.example/x', TOKEN_PEER_AUDIENCE: 'c' }, /TOKEN_PEER_ISSUER=.* must be https/],
    [
      { TOKEN_PEER_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc', TOKEN_PEER_AUDIENCE: 'c' },
      /is TOKEN_ISSUER itself/,
    ],
  ])(
    'GIVEN peer settings %j WHEN reading settings THEN the error names the variables and the fix',
    (change, message) => {
      expect(() => settingsFromEnv({ ...env, ...change })).toThrow(message);
    },
  );

  it('GIVEN a loopback http issuer WHEN reading settings THEN it is accepted (the local environment)', () => {
    expect(settingsFromEnv({ ...env, TOKEN_ISSUER: 'http://127.0.0.1:4000' }).token.jwksUrl).toBe(
      'http://127.0.0.1:4000/.well-known/jwks.json',
    );
  });
});
