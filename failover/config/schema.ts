import * as z from 'zod';
import { ADVANCED_PRIORITY_MAX, placementProblems } from './names';

/**
 * The one configuration of a RegionFlip deployment. The CDK app, the local two-Region environment, the CLI and
 * (through {@link ../runtime-settings}) the failover Lambda all read it, so a tenant, a threshold or a TTL is written once.
 */

const REGION_CODE = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** A DNS label: the tenant id becomes `<tenant>.<zone>`. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export const regionCodeSchema = z
  .string()
  .regex(REGION_CODE, { message: 'must be an AWS Region code such as "us-east-1" (not a display name)' });

export const tierSchema = z.enum(['basic', 'advanced', 'premium']);
export type Tier = z.infer<typeof tierSchema>;

export const tenantSchema = z
  .object({
    id: z.string().regex(DNS_LABEL, {
      message: 'must be a lower-case DNS label of 1-32 characters (a-z, 0-9, "-"), for example "acme-corp"',
    }),
    tier: tierSchema,
    name: z.string().min(1).optional(),
    /**
     * Advanced tenants only: the shared load balancer it is on (1 = `shared`, n = `shared-<n>`; default 1) and the
     * priority of its first listener rule there (default derived from its id). Pinned per tenant, so removing another
     * tenant never moves it (names.ts `advancedPlacements`). At most 50 shards: ALBs per Region (ELB quotas, default).
     */
    shard: z.number().int().min(1).max(50).optional(),
    priority: z
      .number()
      .int()
      .min(10)
      .max(ADVANCED_PRIORITY_MAX)
      .multipleOf(10, {
        message: `must be a multiple of 10 from 10 to ${ADVANCED_PRIORITY_MAX} (each tenant has 3 rules)`,
      })
      .optional(),
  })
  .strict();
export type Tenant = z.infer<typeof tenantSchema>;

export const policySchema = z
  .object({
    /** Kill switch for automatic failover; the control table's value wins once it exists. */
    automationEnabled: z.boolean().default(true),
    /** No second automatic switch within this many seconds of the last switch. */
    cooldownSeconds: z.number().int().min(0).default(900),
    /** The target Region's health alarm must have been OK at least this long. */
    targetHealthySeconds: z.number().int().min(0).default(300),
    /** At most this many automatic failovers per window; past that, page instead. */
    maxAutoFailovers: z.number().int().min(1).default(1),
    windowSeconds: z.number().int().min(1).default(3600),
    /**
     * An ALARM notification older than this is not acted on from the notification alone: only if the live health
     * read still shows its Region unhealthy (a delayed retry must not move traffic on yesterday's news).
     */
    maxAlarmAgeSeconds: z.number().int().min(1).default(300),
    /** How long a switch lease lives before another caller may take it over (a crashed holder). */
    leaseSeconds: z.number().int().min(5).default(120),
    /** Failback is a human decision (runbooks/failback.md); the schema refuses anything else. */
    autoFailback: z
      .literal(false, { message: 'automatic failback is not supported: failback is a runbook step' })
      .default(false),
  })
  .strict();
export type Policy = z.infer<typeof policySchema>;

export const detectionSchema = z
  .object({
    periodSeconds: z.number().int().min(1).default(60),
    evaluationPeriods: z.number().int().min(1).default(3),
    datapointsToAlarm: z.number().int().min(1).default(2),
    treatMissingData: z.enum(['breaching', 'notBreaching', 'ignore', 'missing']).default('missing'),
    thresholds: z
      .object({
        /** The source design's signal, now monitoring only: more than this many requests per period notifies on-call. */
        requestsPerPeriod: z.number().positive().default(500),
        http5xxRatePercent: z.number().positive().max(100).default(5),
        /** The 5xx rate counts only in periods with at least this many requests (a handful cannot trip it). */
        minRequestsPerPeriod: z.number().int().min(1).default(50),
        /** Below this share of healthy targets in any one target group (min over target groups) the unit is down. */
        healthyHostPercent: z.number().positive().max(100).default(50),
        p99LatencyMs: z.number().positive().default(2000),
        /** Outside-in probes: below this success percentage (best tier) the probed Region is unavailable. */
        probeSuccessPercent: z.number().positive().max(100).default(50),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((d) => d.datapointsToAlarm <= d.evaluationPeriods, {
    message: 'datapointsToAlarm must be <= evaluationPeriods (CloudWatch "M out of N")',
    path: ['datapointsToAlarm'],
  });
export type Detection = z.infer<typeof detectionSchema>;

/** Severities of ECR basic scans and Amazon Inspector findings, lowest first. */
export const FINDING_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

export const imageScanningSchema = z
  .object({
    /**
     * basic: ECR scans each image on push (OS packages, no charge). enhanced: Amazon Inspector scans on push and again
     * as new CVEs appear (OS and language packages; charged per image, Inspector must be activated in the account).
     */
    scanType: z.enum(['basic', 'enhanced']).default('basic'),
    /** A finding at or above this severity pages on-call. */
    alarmSeverity: z
      .enum(FINDING_SEVERITIES, { message: `must be one of ${FINDING_SEVERITIES.join(', ')} (upper case)` })
      .default('HIGH'),
  })
  .strict();
export type ImageScanning = z.infer<typeof imageScanningSchema>;

const s3LogDestinationSchema = z
  .object({
    type: z.literal('s3'),
    /** The Region of the central bucket; default the secondary (the Region a primary outage leaves standing). */
    region: regionCodeSchema.optional(),
    /** An existing bucket (a log archive account's, say); without it the stack of `region` creates one. */
    bucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        message: 'must be an S3 bucket name (3-63 lower-case characters)',
      })
      .optional(),
  })
  .strict();

const httpLogDestinationSchema = z
  .object({
    type: z.literal('http'),
    /** An HTTPS endpoint that takes Firehose's HTTP endpoint delivery format, such as a Splunk HEC Firehose endpoint. */
    url: z.url({ protocol: /^https$/, message: 'must be an https:// URL (Firehose delivers only over TLS)' }),
    /** Shown in the Firehose console. */
    name: z.string().min(1).max(256).default('central-logs'),
    /** The Secrets Manager secret (same name in both Regions) holding the endpoint's access key. */
    accessKeySecretName: z.string().min(1),
  })
  .strict();

export const logsSchema = z
  .object({
    /** Where both Regions' forwarders deliver every log group's events. */
    destination: z
      .discriminatedUnion('type', [s3LogDestinationSchema, httpLogDestinationSchema], {
        message: 'logs.destination.type must be "s3" or "http"',
      })
      .default({ type: 's3' }),
    /** Firehose buffering before a delivery: whichever comes first. */
    bufferSeconds: z.number().int().min(0).max(900).default(60),
    bufferMiB: z.number().int().min(1).max(128).default(5),
  })
  .strict();
export type Logs = z.infer<typeof logsSchema>;

export const configSchema = z
  .object({
    /** Prefix of every resource name: tables, topics, alarms, stacks. */
    app: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,20}$/, {
        message: 'must be 2-21 lower-case letters, digits or "-", starting with a letter',
      })
      .default('regionflip'),
    account: z
      .string()
      .regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' })
      .optional(),
    regions: z
      .object({ primary: regionCodeSchema.default('us-east-1'), secondary: regionCodeSchema.default('us-west-2') })
      .strict()
      .prefault({})
      .refine((r) => r.primary !== r.secondary, { message: 'primary and secondary must be different Regions' }),
    /**
     * The Region whose control-table replica holds the switch lease and the routing state (global tables replicate
     * last-writer-wins, so a lease is only safe in one replica). Default: the secondary, because the switch that
     * matters most — out of the primary — must work while the primary is down. ARCHITECTURE.md, "Where the lease lives".
     */
    controlRegion: regionCodeSchema.optional(),
    dns: z
      .object({
        zoneName: z
          .string()
          .regex(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, {
            message: 'must be a DNS name without trailing dot, for example "tenants.example.com"',
          })
          .default('tenants.example.com'),
        /** Import this hosted zone instead of creating one. */
        hostedZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{1,31}$/)
          .optional(),
        ttlSeconds: z.number().int().min(1).max(86400).default(60),
      })
      .strict()
      .prefault({}),
    tenants: z.array(tenantSchema).min(1, { message: 'list at least one tenant' }),
    /**
     * How advanced tenants are spread over the Region's shared load balancers (ARCHITECTURE.md, "Stack layout and
     * load balancer shards"). An ALB allows 100 rules and 100 target groups (ELB quotas, not adjustable for target
     * groups); each advanced tenant takes 3 of each and the pool 3, so at most 32 fit. The default leaves headroom.
     */
    sharding: z
      .object({ advancedTenantsPerLoadBalancer: z.number().int().min(1).max(32).default(25) })
      .strict()
      .prefault({}),
    /**
     * How a switch moves traffic (ARCHITECTURE.md, "Switch modes"). route53-records: UPSERT the routing records
     * (Route 53 control plane, served from us-east-1). health-check-alarms: the routing records are failover pairs made
     * ahead of time by the CDK app, the primary one guarded by a Route 53 health check on a routing-control alarm in
     * the control Region; the switch publishes one CloudWatch datapoint there (data plane: no Route 53 call at all).
     */
    switching: z
      .object({ mode: z.enum(['route53-records', 'health-check-alarms']).default('route53-records') })
      .strict()
      .prefault({}),
    policy: policySchema.prefault({}),
    detection: detectionSchema.prefault({}),
    service: z
      .object({
        minTasks: z.number().int().min(1).default(2),
        maxTasks: z.number().int().min(1).default(10),
        cpu: z.number().int().default(256),
        memoryMiB: z.number().int().default(512),
      })
      .strict()
      .prefault({})
      .refine((s) => s.minTasks <= s.maxTasks, { message: 'minTasks must be <= maxTasks', path: ['minTasks'] }),
    imageScanning: imageScanningSchema.prefault({}),
    logs: logsSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.controlRegion !== undefined && ![cfg.regions.primary, cfg.regions.secondary].includes(cfg.controlRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['controlRegion'],
        message: `"${cfg.controlRegion}" is neither configured Region: use "${cfg.regions.primary}" or "${cfg.regions.secondary}" (or leave it out for the secondary)`,
      });
    }
    const seen = new Set<string>();
    const reserved = new Set(['shared', cfg.regions.primary, cfg.regions.secondary]);
    cfg.tenants.forEach((t, i) => {
      if (seen.has(t.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'id'],
          message: `duplicate tenant id "${t.id}": ids must be unique`,
        });
      }
      if (reserved.has(t.id) || /^shared-\d+$/.test(t.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'id'],
          message: `tenant id "${t.id}" is reserved (it names a routing record); choose another id`,
        });
      }
      seen.add(t.id);
      for (const field of ['shard', 'priority'] as const) {
        if (t[field] !== undefined && t.tier !== 'advanced') {
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', i, field],
            message: `tenant "${t.id}" is ${t.tier}: only advanced tenants sit on a shared load balancer by "${field}"; remove it`,
          });
        }
      }
    });
    for (const problem of placementProblems(cfg)) {
      ctx.addIssue({ code: 'custom', path: ['tenants', problem.tenantIndex, problem.field], message: problem.message });
    }
    // A bucket the app creates lives in one of its own stacks; an existing bucket may be anywhere.
    const { destination } = cfg.logs;
    const logRegion = destination.type === 's3' && !destination.bucketName ? destination.region : undefined;
    if (logRegion !== undefined && ![cfg.regions.primary, cfg.regions.secondary].includes(logRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['logs', 'destination', 'region'],
        message: `"${logRegion}" is neither configured Region: use "${cfg.regions.primary}" or "${cfg.regions.secondary}" (or leave it out for the secondary), or name an existing bucket in logs.destination.bucketName`,
      });
    }
  });

export type RegionFlipConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
