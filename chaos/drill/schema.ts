import { z } from 'zod';

/**
 * The drill file: a chaos experiment in Chaos Toolkit's vocabulary — a steady-state hypothesis checked before and after,
 * a method of actions (faults, which change things) and probes (which only read), rollbacks, plus what Chaos Toolkit
 * leaves out: expectations on RTO, RPO and the failover outcome. The same file runs on the local two-Region environment
 * (compressed timings) and against deployed stacks; a duration may differ per target.
 */

export const DRILL_TARGETS = ['local', 'aws'] as const;
export type DrillTarget = (typeof DRILL_TARGETS)[number];

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration a drill may name: 12 hours, the longest an AWS FIS experiment action runs (aws-facts.md F1,
 * F4). A longer one is a typo (it would also hold the drill-in-progress marker, which blocks the runbooks, that long).
 */
export const MAX_DURATION_MS = 12 * 3_600_000;

/** "1500ms", "20s", "2.5m", "1h", or a number of seconds; at most 12 h. */
const durationValue = z.union([
  z
    .number()
    .nonnegative({ message: 'a duration in seconds must be >= 0' })
    .max(MAX_DURATION_MS / 1000, { message: 'a duration must be at most 43200 s (12 h): write a shorter one' }),
  z
    .string()
    .regex(DURATION, { message: 'must be a duration such as "500ms", "20s", "2m" or "1h"' })
    .refine(
      (v) => {
        const m = DURATION.exec(v);
        return m !== null && Number(m[1]) * UNIT_MS[m[2]!]! <= MAX_DURATION_MS;
      },
      { message: 'a duration must be at most 12h: write a shorter one' },
    ),
]);

/** A duration, or one per target when the local environment's compressed timings differ from AWS's. */
export const durationSchema = z.union([
  durationValue,
  z
    .object({ local: durationValue, aws: durationValue })
    .strict()
    .describe('a duration per target: the local environment runs compressed timings'),
]);
export type Duration = z.infer<typeof durationSchema>;

/** Milliseconds of a duration on a target. */
export function durationMs(duration: Duration, target: DrillTarget): number {
  const value = typeof duration === 'object' ? duration[target] : duration;
  if (typeof value === 'number') return Math.round(value * 1000);
  const match = DURATION.exec(value);
  if (!match) throw new Error(`duration "${value}" is not valid: write it like "500ms", "20s", "2m" or "1h"`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}

/**
 * A Region named by its role (resolved against the configuration, so a drill survives a change of Regions) or by its
 * code.
 */
export const regionRefSchema = z.string().regex(/^(primary|secondary|[a-z]{2}(-gov)?-[a-z]+-\d)$/, {
  message: 'must be "primary", "secondary" or a Region code such as "us-east-1"',
});
export type RegionRef = z.infer<typeof regionRefSchema>;

const name = z.string().min(1).max(120);

// ---- faults (what an action injects) ----

export const FAULT_KINDS = [
  'region-outage',
  'service-outage',
  'error-rate',
  'latency',
  'replication-pause',
  'automation-disable',
  'alarm-flap',
] as const;

export const faultSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('region-outage'), region: regionRefSchema })
    .strict()
    .describe(
      'the whole Region goes down: its service, DynamoDB endpoint, replication out of it, alarms and SNS stop; only the peer Region can see it',
    ),
  z
    .object({ kind: z.literal('service-outage'), region: regionRefSchema })
    .strict()
    .describe(
      "every request to the Region's tenant service fails (503) and its health check fails; the Region's monitoring keeps running",
    ),
  z
    .object({ kind: z.literal('error-rate'), region: regionRefSchema, percent: z.number().gt(0).max(100) })
    .strict()
    .describe('a share of requests fail with 500 (brown-out)'),
  z
    .object({ kind: z.literal('latency'), region: regionRefSchema, ms: z.number().int().positive().max(60_000) })
    .strict()
    .describe('every request is delayed (brown-out)'),
  z
    .object({ kind: z.literal('replication-pause') })
    .strict()
    .describe('DynamoDB global-table replication stops'),
  z
    .object({ kind: z.literal('automation-disable') })
    .strict()
    .describe('the kill switch: automatic failover is turned off in the control table'),
  z
    .object({
      kind: z.literal('alarm-flap'),
      region: regionRefSchema,
      /** How many outage → recovery cycles. */
      cycles: z.number().int().min(1).max(20),
      /** How long each outage lasts, and each recovery after it. */
      down: durationSchema,
      up: durationSchema,
    })
    .strict()
    .describe('the Region goes down and recovers repeatedly, so its alarm flaps'),
]);
export type Fault = z.infer<typeof faultSchema>;
export type FaultKind = (typeof FAULT_KINDS)[number];

// ---- probes (read only) ----

/** Client-side measures are taken over the synthetic traffic of the last `window`. */
const windowField = durationSchema.optional().describe('traffic window the probe looks at (default 3s local, 1m aws)');

export const probeSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('success-rate'),
      name: name.optional(),
      min: z.number().min(0).max(1).describe('share of requests that must succeed, 0..1'),
      window: windowField,
    })
    .strict(),
  z
    .object({
      type: z.literal('p99-latency'),
      name: name.optional(),
      maxMs: z.number().positive(),
      window: windowField,
    })
    .strict(),
  z
    .object({
      type: z.literal('serving-region'),
      name: name.optional(),
      region: regionRefSchema.describe('the Region that must answer every tenant'),
      window: windowField,
    })
    .strict(),
  z
    .object({
      type: z.literal('replication-lag'),
      name: name.optional(),
      maxMs: z.number().nonnegative(),
    })
    .strict(),
  z
    .object({
      type: z.literal('routing'),
      name: name.optional(),
      activeRegion: regionRefSchema.describe('the Region the control table and the routing records point at'),
    })
    .strict(),
  z
    .object({
      type: z.literal('automation'),
      name: name.optional(),
      enabled: z.boolean(),
    })
    .strict(),
]);
export type Probe = z.infer<typeof probeSchema>;

// ---- what a wait can wait for ----

export const waitConditionSchema = z.discriminatedUnion('event', [
  z
    .object({ event: z.literal('alarm'), region: regionRefSchema })
    .strict()
    .describe("the Region's health alarm fires"),
  z
    .object({ event: z.literal('failover') })
    .strict()
    .describe('a failover switch completes'),
  z
    .object({ event: z.literal('page') })
    .strict()
    .describe('the failover handler pages on-call instead of switching'),
  z
    .object({ event: z.literal('clients-served-by'), region: regionRefSchema })
    .strict()
    .describe('every tenant is answered by the Region again'),
]);
export type WaitCondition = z.infer<typeof waitConditionSchema>;

// ---- method ----

export const stepSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('action'),
      name,
      fault: faultSchema,
      /** Hold the fault this long, then lift it; without a duration it stays until the rollbacks. */
      duration: durationSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('clear'),
      name,
      /** Lift the faults of these kinds (all injected so far when absent). */
      kinds: z.array(z.enum(FAULT_KINDS)).min(1).optional(),
    })
    .strict(),
  z.object({ type: z.literal('probe'), name, probe: probeSchema }).strict(),
  z
    .object({
      type: z.literal('wait'),
      name,
      /** Wait for an event; `timeout` bounds it. Without `until`, just wait `timeout`. */
      until: waitConditionSchema.optional(),
      timeout: durationSchema,
      /** When the event does not come in time: fail the step (default) or carry on (the event was not required). */
      onTimeout: z.enum(['fail', 'continue']).default('fail'),
    })
    .strict(),
]);
export type DrillStep = z.infer<typeof stepSchema>;

// ---- expectations ----

export const OUTCOMES = ['failover', 'no-failover', 'no-failover-page'] as const;
export type DrillOutcome = (typeof OUTCOMES)[number];

export const expectationsSchema = z
  .object({
    outcome: z
      .enum(OUTCOMES)
      .describe(
        'failover: traffic moves to the healthy Region; no-failover: routing unchanged; no-failover-page: and on-call paged',
      ),
    /** At most this many failovers for the whole drill (a flapping alarm must not cause a second one). */
    maxFailovers: z.number().int().min(0).optional(),
    /** Fault → clients served by the healthy Region. */
    rto: durationSchema.optional(),
    /** Acknowledged writes missing from the surviving Region. */
    rpoMaxLostWrites: z.number().int().min(0).optional(),
    /** Age of the oldest lost write when the fault began (bounded by the replication lag); 0 when none was lost. */
    rpo: durationSchema.optional(),
    /** From the first to the last failed client request. */
    clientErrorWindow: durationSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.outcome !== 'failover' && e.maxFailovers !== undefined && e.maxFailovers > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxFailovers'],
        message: `outcome "${e.outcome}" means zero failovers: remove maxFailovers or set it to 0`,
      });
    }
    if (e.outcome !== 'failover' && e.rto !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rto'],
        message: 'an RTO needs a failover: remove rto or expect outcome "failover"',
      });
    }
  });
export type DrillExpectations = z.infer<typeof expectationsSchema>;

// ---- stop conditions: abort the method and roll back ----

export const stopConditionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('max-duration'),
      duration: durationSchema.describe('the method must finish within this'),
    })
    .strict(),
  z
    .object({
      type: z.literal('client-error-rate'),
      /** Share of failed requests (0..1) over `window` that aborts the drill. */
      above: z.number().gt(0).max(1),
      window: durationSchema,
      /** Ignore this long after each fault (errors are the point until failover completes). */
      grace: durationSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('alarm'),
      /** A CloudWatch alarm (name) that, in ALARM, aborts the drill: the FIS stop condition on AWS. */
      alarmName: z.string().min(1),
      region: regionRefSchema,
    })
    .strict(),
]);
export type StopCondition = z.infer<typeof stopConditionSchema>;

// ---- rollbacks ----

export const ROLLBACK_KINDS = ['clear-faults', 'resume-replication', 'enable-automation', 'failback'] as const;
export type RollbackKind = (typeof ROLLBACK_KINDS)[number];

export const rollbackSchema = z
  .object({
    type: z.enum(ROLLBACK_KINDS),
    /** failback only: the Region traffic returns to (through the same switch as a failover). */
    region: regionRefSchema.optional(),
  })
  .strict()
  .refine((r) => r.type === 'failback' || r.region === undefined, {
    message: 'only a failback rollback takes a region',
    path: ['region'],
  });
export type Rollback = z.infer<typeof rollbackSchema>;

// ---- synthetic traffic ----

/** Unset fields come from the target: the local profile's traffic settings, or gentle defaults on AWS. */
export const trafficSchema = z
  .object({
    /** Client loops per tenant; each has its own DNS resolver cache, so each honours the TTL on its own. */
    clientsPerTenant: z.number().int().min(1).max(20).default(3),
    /** Requests per second per client. */
    ratePerClient: z.number().positive().max(200).optional(),
    /** Share of requests that are sequence-numbered writes (0..1). */
    writeShare: z.number().min(0).max(1).optional(),
    /** Client request timeout. */
    timeout: durationSchema.optional(),
  })
  .strict();

// ---- the drill ----

export const drillSchema = z
  .object({
    version: z.literal(1, { message: 'the only drill file version is 1' }).default(1),
    title: z.string().min(1),
    description: z.string().optional(),
    tags: z.array(z.string().min(1)).default([]),
    target: z.enum(DRILL_TARGETS).default('local').describe('where it runs by default; --target overrides'),
    traffic: trafficSchema.prefault({}),
    steadyStateHypothesis: z
      .object({
        title: z.string().min(1),
        probes: z.array(probeSchema).min(1, { message: 'a steady-state hypothesis needs at least one probe' }),
      })
      .strict(),
    method: z.array(stepSchema).min(1, { message: 'the method needs at least one step' }),
    expectations: expectationsSchema,
    stopConditions: z.array(stopConditionSchema).default([]),
    /** Run after the method, always (also on Ctrl-C, error, or `drill rollback` after a crash). */
    rollbacks: z
      .array(rollbackSchema)
      .default([
        { type: 'clear-faults' },
        { type: 'resume-replication' },
        { type: 'enable-automation' },
        { type: 'failback', region: 'primary' },
      ]),
  })
  .strict()
  .superRefine((drill, ctx) => {
    const names = new Map<string, number>();
    drill.method.forEach((step, i) => {
      const seen = names.get(step.name);
      if (seen !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['method', i, 'name'],
          message: `step name "${step.name}" is already used by step ${seen + 1}: step names must be unique`,
        });
      }
      names.set(step.name, i);
    });
    if (!drill.method.some((s) => s.type === 'action')) {
      ctx.addIssue({ code: 'custom', path: ['method'], message: 'the method injects no fault: add an "action" step' });
    }
    const types = drill.rollbacks.map((r) => r.type);
    const duplicate = types.find((t, i) => types.indexOf(t) !== i);
    if (duplicate) {
      ctx.addIssue({ code: 'custom', path: ['rollbacks'], message: `rollback "${duplicate}" is listed twice` });
    }
  });

export type Drill = z.output<typeof drillSchema>;
export type DrillInput = z.input<typeof drillSchema>;
