import { settingsFromEnv } from '../../infra/tenant-service/settings';
import { assertTokenSecret, signTenantToken, verifyTenantToken } from '../../infra/tenant-service/token';

const SECRET = 'unit-secret-0123456789abcdef012345678';

describe('tenant tokens', () => {
  it('GIVEN a signed token WHEN verified THEN the claims come back', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const token = signTenantToken(SECRET, { tenantId: 'acme', tier: 'premium' }, { now, ttlSeconds: 60 });
    expect(verifyTenantToken(SECRET, token, now)).toMatchObject({ tenantId: 'acme', tier: 'premium' });
    expect(() => verifyTenantToken(SECRET, token, new Date(now.getTime() + 61_000))).toThrow(/expired/);
  });

  it('GIVEN a token whose payload was changed WHEN verified THEN the signature check refuses it', () => {
    const token = signTenantToken(SECRET, { tenantId: 'acme', tier: 'basic' });
    const [header, , sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ tenantId: 'globex', tier: 'premium', iat: 0, exp: 9e9 })).toString(
      'base64url',
    );
    expect(() => verifyTenantToken(SECRET, `${header}.${forged}.${sig}`)).toThrow(/signature/);
  });

  it('GIVEN a short secret WHEN used THEN the error says how long it must be and how to make one', () => {
    expect(() => assertTokenSecret('short')).toThrow(/at least 32 characters \(got 5\).*openssl rand/);
  });

  it('GIVEN a missing variable or a bad port WHEN reading settings THEN the error names it', () => {
    const env = { AWS_REGION: 'us-east-1', TENANT_DATA_TABLE: 't', TOKEN_SECRET: SECRET, ADMIN_TOKEN: 'a'.repeat(16) };
    expect(settingsFromEnv(env)).toMatchObject({ port: 8080, host: '127.0.0.1', region: 'us-east-1' });
    expect(() => settingsFromEnv({ ...env, AWS_REGION: '' })).toThrow(/AWS_REGION is not set/);
    expect(() => settingsFromEnv({ ...env, PORT: 'eighty' })).toThrow(/PORT="eighty"/);
  });
});
