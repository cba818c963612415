import { type AwsTarget, awsTargetFromEnv } from '../../failover/aws/clients';
import type { ServiceFault } from './fault';
import { NO_FAULT, parseServiceFaultText } from './fault';
import type { TokenPolicy } from './token';

/** The tenant service's settings, all from the environment (ECS task definition, or the local environment's spawn). */
export interface TenantServiceSettings {
  readonly port: number;
  readonly host: string;
  readonly region: string;
  readonly tableName: string;
  readonly aws: AwsTarget;
  readonly token: Omit<TokenPolicy, 'peers'> & {
    readonly jwksUrl: string;
    /** The peer Region's user pool, trusted too (TOKEN_PEER_*): tokens stay valid across a failover. */
    readonly peer?: { readonly issuer: string; readonly audience: string; readonly jwksUrl: string };
  };
  /** Undefined: the fault switch is off (on AWS, where FIS injects the faults). */
  readonly adminToken?: string;
  readonly fault: ServiceFault;
}

/** The variables, with what each means; an error names the variable, the value and the fix. */
export const SETTINGS_ENV = {
  PORT: 'TCP port to listen on (default 8080; 0 = any free port)',
  HOST: 'address to bind (default 127.0.0.1; 0.0.0.0 in a container)',
  AWS_REGION: 'the Region this copy serves (required)',
  TENANT_DATA_TABLE: 'the DynamoDB tenant data table (required; names.dataTable)',
  REGIONFLIP_AWS_ENDPOINT: 'moto endpoint on loopback (local only; unset in AWS)',
  TOKEN_ISSUER: 'iss of tenant ID tokens: https://cognito-idp.<region>.amazonaws.com/<user pool id> (required)',
  TOKEN_AUDIENCE: 'aud of tenant ID tokens: the user pool app client id (required)',
  TOKEN_JWKS_URL: "the issuer's JWKS (default <TOKEN_ISSUER>/.well-known/jwks.json, Cognito's path)",
  TOKEN_PEER_ISSUER:
    "iss of the peer Region's user pool, trusted too, so tokens survive a failover (optional; with TOKEN_PEER_AUDIENCE)",
  TOKEN_PEER_AUDIENCE: "the peer Region's app client id (required with TOKEN_PEER_ISSUER)",
  TOKEN_PEER_JWKS_URL: "the peer issuer's JWKS (default <TOKEN_PEER_ISSUER>/.well-known/jwks.json)",
  TOKEN_MAX_LIFETIME_SECONDS: 'longest accepted exp - iat (default 3600, Cognito ID token default validity)',
  ADMIN_TOKEN:
    'secret of the x-admin-token header for /admin/fault, >= 16 characters (local environment only; unset = no fault switch)',
  SERVICE_FAULT: 'fault at start, JSON, for example {"kind":"outage"} (default none)',
} as const;

function required(env: NodeJS.ProcessEnv, name: keyof typeof SETTINGS_ENV): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: ${SETTINGS_ENV[name]}`);
  return value;
}

/** HTTPS only, except on loopback (the local environment's issuer): keys fetched in clear could be swapped. */
function issuerUrl(
  name: 'TOKEN_ISSUER' | 'TOKEN_JWKS_URL' | 'TOKEN_PEER_ISSUER' | 'TOKEN_PEER_JWKS_URL',
  text: string,
): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${name}=${JSON.stringify(text)} is not a URL: ${SETTINGS_ENV[name]}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new Error(`${name}=${JSON.stringify(text)} must be https:// (http:// only on 127.0.0.1 or localhost)`);
  }
  return text;
}

function tokenSettings(env: NodeJS.ProcessEnv): TenantServiceSettings['token'] {
  const issuer = issuerUrl('TOKEN_ISSUER', required(env, 'TOKEN_ISSUER'));
  const lifetimeText = env.TOKEN_MAX_LIFETIME_SECONDS ?? '3600';
  const maxLifetimeSeconds = Number(lifetimeText);
  if (!Number.isInteger(maxLifetimeSeconds) || maxLifetimeSeconds < 60 || maxLifetimeSeconds > 86_400) {
    throw new Error(
      `TOKEN_MAX_LIFETIME_SECONDS=${JSON.stringify(lifetimeText)} must be whole seconds in 60-86400 ` +
        '(Cognito ID tokens last 5 minutes to 1 day)',
    );
  }
  return {
    issuer,
    audience: required(env, 'TOKEN_AUDIENCE'),
    jwksUrl: issuerUrl('TOKEN_JWKS_URL', env.TOKEN_JWKS_URL || `${issuer}/.well-known/jwks.json`),
    maxLifetimeSeconds,
    ...peerSettings(env, issuer),
  };
}

/** The peer Region's issuer: both of TOKEN_PEER_ISSUER and TOKEN_PEER_AUDIENCE, or neither. */
function peerSettings(env: NodeJS.ProcessEnv, ownIssuer: string): Pick<TenantServiceSettings['token'], 'peer'> {
  const { TOKEN_PEER_ISSUER: peerIssuer, TOKEN_PEER_AUDIENCE: audience } = env;
  if (!peerIssuer && !audience && !env.TOKEN_PEER_JWKS_URL) return {};
  if (!peerIssuer || !audience) {
    throw new Error(
      `TOKEN_PEER_ISSUER=${JSON.stringify(peerIssuer ?? '')} and TOKEN_PEER_AUDIENCE=${JSON.stringify(audience ?? '')}: ` +
        "set both (the peer Region's user pool issuer and app client id) or neither",
    );
  }
  const issuer = issuerUrl('TOKEN_PEER_ISSUER', peerIssuer);
  if (issuer === ownIssuer) {
    throw new Error(`TOKEN_PEER_ISSUER=${JSON.stringify(issuer)} is TOKEN_ISSUER itself: name the other Region's pool`);
  }
  const jwksUrl = issuerUrl('TOKEN_PEER_JWKS_URL', env.TOKEN_PEER_JWKS_URL || `${issuer}/.well-known/jwks.json`);
  return { peer: { issuer, audience, jwksUrl } };
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): TenantServiceSettings {
  const portText = env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT=${JSON.stringify(portText)} is not a TCP port: use 0-65535`);
  }
  const adminToken = env.ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new Error(
      `ADMIN_TOKEN is ${adminToken.length} characters: use at least 16, or unset it to turn the fault switch off`,
    );
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    region: required(env, 'AWS_REGION'),
    tableName: required(env, 'TENANT_DATA_TABLE'),
    aws: awsTargetFromEnv(env),
    token: tokenSettings(env),
    ...(adminToken === undefined ? {} : { adminToken }),
    fault: env.SERVICE_FAULT ? parseServiceFaultText(env.SERVICE_FAULT, 'SERVICE_FAULT') : NO_FAULT,
  };
}
