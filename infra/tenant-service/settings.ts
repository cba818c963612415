import { type AwsTarget, awsTargetFromEnv } from '../../failover/aws/clients';
import type { ServiceFault } from './fault';
import { NO_FAULT, parseServiceFaultText } from './fault';
import { assertTokenSecret } from './token';

/** The tenant service's settings, all from the environment (ECS task definition, or the local environment's spawn). */
export interface TenantServiceSettings {
  readonly port: number;
  readonly host: string;
  readonly region: string;
  readonly tableName: string;
  readonly aws: AwsTarget;
  readonly tokenSecret: string;
  readonly adminToken: string;
  readonly fault: ServiceFault;
}

/** The variables, with what each means; an error names the variable, the value and the fix. */
export const SETTINGS_ENV = {
  PORT: 'TCP port to listen on (default 8080; 0 = any free port)',
  HOST: 'address to bind (default 127.0.0.1; 0.0.0.0 in a container)',
  AWS_REGION: 'the Region this copy serves (required)',
  TENANT_DATA_TABLE: 'the DynamoDB tenant data table (required; names.dataTable)',
  REGIONFLIP_AWS_ENDPOINT: 'moto endpoint on loopback (local only; unset in AWS)',
  TOKEN_SECRET: 'HS256 secret of tenant tokens, >= 32 characters (required)',
  ADMIN_TOKEN: 'secret of the x-admin-token header for /admin/fault (required, >= 16 characters)',
  SERVICE_FAULT: 'fault at start, JSON, for example {"kind":"outage"} (default none)',
} as const;

function required(env: NodeJS.ProcessEnv, name: keyof typeof SETTINGS_ENV): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: ${SETTINGS_ENV[name]}`);
  return value;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): TenantServiceSettings {
  const portText = env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT=${JSON.stringify(portText)} is not a TCP port: use 0-65535`);
  }
  const adminToken = required(env, 'ADMIN_TOKEN');
  if (adminToken.length < 16) throw new Error(`ADMIN_TOKEN is ${adminToken.length} characters: use at least 16`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    region: required(env, 'AWS_REGION'),
    tableName: required(env, 'TENANT_DATA_TABLE'),
    aws: awsTargetFromEnv(env),
    tokenSecret: assertTokenSecret(env.TOKEN_SECRET),
    adminToken,
    fault: env.SERVICE_FAULT ? parseServiceFaultText(env.SERVICE_FAULT, 'SERVICE_FAULT') : NO_FAULT,
  };
}
