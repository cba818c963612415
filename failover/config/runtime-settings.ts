import * as z from 'zod';
import { controlRegionOf, namesFor } from './names';
import { type Policy, policySchema, type RegionFlipConfig, regionCodeSchema } from './schema';

/**
 * What the failover Lambda needs at run time, from its environment variables. The CDK app derives them from the one
 * configuration with {@link runtimeSettingsFromConfig} and {@link toEnvironment}; the Lambda validates them at cold
 * start with {@link loadRuntimeSettings}. No tenant list: the switch reads the routing records from the zone, which
 * keeps the environment far below Lambda's 4 KB limit whatever the number of tenants.
 */

export interface RuntimeSettings {
  readonly app: string;
  readonly regions: { readonly primary: string; readonly secondary: string };
  readonly hostedZoneId: string;
  readonly zoneName: string;
  readonly ttlSeconds: number;
  readonly controlTable: string;
  /**
   * The Region whose control table replica holds the lease. Conditional writes are consistent within one Region only
   * (global tables replicate last-writer-wins), so every Lambda copy must use the same one.
   */
  readonly controlRegion: string;
  readonly oncallTopicArn: string;
  readonly policy: Policy;
}

/** Environment variable → what to put there. Used for the error messages and by toEnvironment. */
export const RUNTIME_ENV = {
  app: ['REGIONFLIP_APP', 'the app prefix of resource names, e.g. "regionflip" (config: app)'],
  primary: ['REGIONFLIP_PRIMARY_REGION', 'a Region code such as "us-east-1" (config: regions.primary)'],
  secondary: ['REGIONFLIP_SECONDARY_REGION', 'a Region code such as "us-west-2" (config: regions.secondary)'],
  hostedZoneId: ['REGIONFLIP_HOSTED_ZONE_ID', 'the Route 53 hosted zone id, e.g. "Z0123456789ABC"'],
  zoneName: ['REGIONFLIP_ZONE_NAME', 'the zone name without trailing dot, e.g. "tenants.example.com"'],
  ttlSeconds: [
    'REGIONFLIP_TTL_SECONDS',
    'the routing records TTL in whole seconds, e.g. "60" (config: dns.ttlSeconds)',
  ],
  controlTable: ['REGIONFLIP_CONTROL_TABLE', 'the control table name, e.g. "regionflip-control"'],
  controlRegion: ['REGIONFLIP_CONTROL_REGION', 'the Region of the control table replica holding the lease'],
  oncallTopicArn: ['REGIONFLIP_ONCALL_TOPIC_ARN', 'the on-call SNS topic ARN, arn:aws:sns:<region>:<account>:<name>'],
  policy: ['REGIONFLIP_POLICY', 'the policy as JSON, e.g. {"cooldownSeconds":900} (config: policy)'],
} as const;
type SettingKey = keyof typeof RUNTIME_ENV;

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const fieldSchemas: Record<Exclude<SettingKey, 'policy'>, z.ZodType> = {
  app: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, { message: 'must be 2-21 lower-case letters, digits or "-"' }),
  primary: regionCodeSchema,
  secondary: regionCodeSchema,
  hostedZoneId: z.string().regex(/^[A-Z0-9]{1,32}$/, {
    message: 'must be a hosted zone id (upper-case letters and digits, no "/hostedzone/")',
  }),
  zoneName: z.string().regex(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, {
    message: 'must be a DNS name without trailing dot',
  }),
  ttlSeconds: z.coerce.number().int().min(1).max(86400),
  controlTable: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { message: 'must be a DynamoDB table name' }),
  controlRegion: regionCodeSchema,
  oncallTopicArn: z.string().regex(SNS_TOPIC_ARN, { message: 'must be an SNS topic ARN' }),
};

/** The Lambda's environment cannot be used. Names every bad variable, the value found and what to set. */
export class RuntimeSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the failover Lambda's environment is not valid (nothing was changed):\n  - ${problems.join('\n  - ')}`);
    this.name = 'RuntimeSettingsError';
  }
}

/**
 * Reads and validates the settings from environment variables. `REGIONFLIP_CONTROL_REGION` defaults to the secondary
 * Region (see controlRegion in failover/config/schema.ts). Throws a RuntimeSettingsError listing every problem.
 */
export function loadRuntimeSettings(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  const problems: string[] = [];
  const read = (key: Exclude<SettingKey, 'policy'>, fallback?: string): string => {
    const [variable, fix] = RUNTIME_ENV[key];
    const raw = env[variable] ?? fallback;
    if (raw === undefined || raw === '') {
      problems.push(`${variable} is not set: set it to ${fix}`);
      return '';
    }
    const parsed = fieldSchemas[key].safeParse(raw);
    if (!parsed.success) {
      problems.push(`${variable}="${raw}" ${parsed.error.issues[0]?.message ?? 'is not valid'}: set it to ${fix}`);
    }
    return raw;
  };
  const primary = read('primary');
  const secondary = read('secondary');
  const settings = {
    app: read('app'),
    regions: { primary, secondary },
    hostedZoneId: read('hostedZoneId'),
    zoneName: read('zoneName'),
    ttlSeconds: Number(read('ttlSeconds')),
    controlTable: read('controlTable'),
    controlRegion: read('controlRegion', secondary || undefined),
    oncallTopicArn: read('oncallTopicArn'),
    policy: readPolicy(env, problems),
  };
  if (primary && primary === secondary) {
    problems.push(
      `REGIONFLIP_PRIMARY_REGION and REGIONFLIP_SECONDARY_REGION are both "${primary}": set two different Regions`,
    );
  }
  if (settings.controlRegion && primary && ![primary, secondary].includes(settings.controlRegion)) {
    problems.push(
      `REGIONFLIP_CONTROL_REGION="${settings.controlRegion}" is neither Region of this deployment: ` +
        `set it to "${primary}" or "${secondary}"`,
    );
  }
  if (problems.length > 0) throw new RuntimeSettingsError(problems);
  return settings as RuntimeSettings;
}

function readPolicy(env: NodeJS.ProcessEnv, problems: string[]): Policy {
  const [variable, fix] = RUNTIME_ENV.policy;
  const raw = env[variable];
  let json: unknown = {};
  if (raw !== undefined && raw !== '') {
    try {
      json = JSON.parse(raw);
    } catch (err) {
      problems.push(`${variable} is not JSON (${(err as Error).message}): set it to ${fix}`);
      return policySchema.parse({});
    }
  }
  const parsed = policySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = issue.path.join('.');
    const found = field ? (json as Record<PropertyKey, unknown>)[issue.path[0]!] : json;
    const got = issue.code === 'unrecognized_keys' ? '' : ` (got ${JSON.stringify(found) ?? 'nothing'})`;
    problems.push(`${variable}${field ? `.${field}` : ''}: ${issue.message}${got}: set it to ${fix}`);
  }
  return policySchema.parse({});
}

/** The settings of a deployment of this configuration (the CDK app knows the zone id and topic ARN it created). */
export function runtimeSettingsFromConfig(
  config: RegionFlipConfig,
  deployed: { readonly hostedZoneId: string; readonly oncallTopicArn: string; readonly controlRegion?: string },
): RuntimeSettings {
  return {
    app: config.app,
    regions: config.regions,
    hostedZoneId: deployed.hostedZoneId,
    zoneName: config.dns.zoneName,
    ttlSeconds: config.dns.ttlSeconds,
    controlTable: namesFor(config).controlTable,
    controlRegion: deployed.controlRegion ?? controlRegionOf(config),
    oncallTopicArn: deployed.oncallTopicArn,
    policy: config.policy,
  };
}

/** The Lambda environment for these settings; loadRuntimeSettings(toEnvironment(s)) gives s back. */
export function toEnvironment(settings: RuntimeSettings): Record<string, string> {
  const v = (key: SettingKey) => RUNTIME_ENV[key][0];
  return {
    [v('app')]: settings.app,
    [v('primary')]: settings.regions.primary,
    [v('secondary')]: settings.regions.secondary,
    [v('hostedZoneId')]: settings.hostedZoneId,
    [v('zoneName')]: settings.zoneName,
    [v('ttlSeconds')]: String(settings.ttlSeconds),
    [v('controlTable')]: settings.controlTable,
    [v('controlRegion')]: settings.controlRegion,
    [v('oncallTopicArn')]: settings.oncallTopicArn,
    [v('policy')]: JSON.stringify(settings.policy),
  };
}
