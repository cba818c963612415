import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { TENANT_CLAIM, TIER_CLAIM } from '../tenant-service/token';

/**
 * The Region's tenant identity provider: a Cognito user pool whose ID tokens carry `custom:tenantId` and
 * `custom:tier`, and one app client the tenants' applications (and the drills' probe users) sign in with. The tenant
 * services verify those tokens against the pool's JWKS (infra/tenant-service/token.ts); no task holds a signing key.
 * The tenant attributes are immutable and not writable by the app client: a user cannot move itself to another tenant.
 */
export class TenantIdentity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The tenant service's TOKEN_* settings (infra/tenant-service/settings.ts). */
  readonly serviceEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const customName = (claim: string) => claim.replace(/^custom:/, '');
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      customAttributes: {
        [customName(TENANT_CLAIM)]: new StringAttribute({ minLen: 1, maxLen: 32, mutable: false }),
        [customName(TIER_CLAIM)]: new StringAttribute({ minLen: 1, maxLen: 16, mutable: false }),
      },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.PLUS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      "MFA is optional (TOTP): the drills' probe users sign in by machine (ADMIN_USER_PASSWORD_AUTH); tenants' people may enrol.",
      'AwsSolutions-COG2',
    );
    const standard = new ClientAttributes().withStandardAttributes({ email: true, fullname: true });
    this.client = this.userPool.addClient('TenantClients', {
      authFlows: { userSrp: true, adminUserPassword: true },
      generateSecret: false,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      preventUserExistenceErrors: true,
      readAttributes: standard.withCustomAttributes(customName(TENANT_CLAIM), customName(TIER_CLAIM)),
      // Without the tenant attributes: only an administrator (AdminCreateUser) sets them.
      writeAttributes: standard,
    });
    this.serviceEnvironment = {
      // Cognito's `iss` (its ProviderURL attribute lacks the scheme): https://cognito-idp.<region>.amazonaws.com/<id>.
      TOKEN_ISSUER: `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`,
      TOKEN_AUDIENCE: this.client.userPoolClientId,
      TOKEN_MAX_LIFETIME_SECONDS: String(Duration.hours(1).toSeconds()),
    };
  }
}
