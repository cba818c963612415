import * as z from 'zod';

/**
 * The control table's keys, in one place (one key builder per table, as Powertools' DynamoDBPersistenceLayer has),
 * and codecs that VALIDATE an item when it is read: a corrupt or hand-edited item is an error naming the item and the
 * field, never a silently defaulted value that a decision would then trust.
 *
 *   pk          sk                    item
 *   routing     state                 activeRegion, epoch, automation, lastSwitchAt, recentAutoFailovers, tenantOverrides,
 *                                     tenantScopes (per premium tenant: lastSwitchAt, recentAutoFailovers)
 *   routing     intent                the write-ahead switch intent (present only while a switch is in flight)
 *   lease       switch                owner, token, version, durationMs, released (ARCHITECTURE.md, "The lease protocol")
 *   audit       <ISO time>#<id>       one audit entry (sorts by time)
 *   audit-once  <key>                 marks an audit entry written at most once (a delivery's page)
 *   delivery    <SNS MessageId>       deduplication of SNS deliveries (delivery-ledger.ts)
 *   announce    <intent id>           a switch recorded done, not yet audited and announced (the outbox)
 *   reconcile   last-page             what the reconciler last paged about, so it does not page every minute
 *   DRILL       ACTIVE                the drill-in-progress marker (drill-marker.ts)
 *   RUNBOOK     <operation>#<target>  a runbook run's progress (runbooks/progress.ts)
 */
export const CONTROL_KEYS = {
  routing: { pk: 'routing', sk: 'state' },
  intent: { pk: 'routing', sk: 'intent' },
  lease: { pk: 'lease', sk: 'switch' },
  auditPk: 'audit',
  audit: (at: Date, id: string) => ({ pk: 'audit', sk: `${at.toISOString()}#${id}` }),
  auditOnce: (key: string) => ({ pk: 'audit-once', sk: key }),
  deliveryPk: 'delivery',
  delivery: (messageId: string) => ({ pk: 'delivery', sk: messageId }),
  announcePk: 'announce',
  announcement: (intentId: string) => ({ pk: 'announce', sk: intentId }),
  reconcilePage: { pk: 'reconcile', sk: 'last-page' },
  drillMarker: { pk: 'DRILL', sk: 'ACTIVE' },
  runbookPk: 'RUNBOOK',
} as const;

/** A control-table item that does not have the shape the code writes. */
export class CorruptItemError extends Error {
  constructor(what: string, error: z.ZodError) {
    const issues = error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`)
      .join('; ');
    super(
      `the control table's ${what} item is not valid (${issues}): it was written by something other than RegionFlip ` +
        'or by an incompatible version; fix or delete the item (see runbooks/automation.md) before automation acts',
    );
    this.name = 'CorruptItemError';
  }
}

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

function codec<S extends z.ZodType>(what: string, schema: S) {
  return {
    decode(item: Record<string, unknown>): z.infer<S> {
      const parsed = schema.safeParse(item);
      if (!parsed.success) throw new CorruptItemError(what, parsed.error);
      return parsed.data;
    },
  };
}

export const leaseCodec = codec(
  'lease',
  z.object({
    owner: z.string().min(1),
    token: z.number().int().min(0),
    version: z.string().min(1),
    durationMs: z.number().positive(),
    released: z.boolean(),
    renewedAt: isoDate.optional(),
  }),
);

const scopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('region'), keep: z.array(z.string().min(1)).optional() }),
  z.object({ kind: z.literal('tenants'), tenantIds: z.array(z.string().min(1)).min(1) }),
]);

export const intentCodec = codec(
  'switch intent',
  z.object({
    id: z.string().min(1),
    request: z.object({ targetRegion: z.string().min(1), scope: scopeSchema }),
    fromRegion: z.string().min(1),
    caller: z.enum(['automatic-failover', 'manual-failover', 'manual-failback', 'drill', 'reconciler']),
    actor: z.string(),
    reason: z.string(),
    startedAt: isoDate,
    token: z.number().int(),
    baseEpoch: z.number().int().min(0),
  }),
);

export const routingCodec = codec(
  'routing state',
  z.object({
    activeRegion: z.string().min(1).optional(),
    epoch: z.number().int().min(0).optional(),
    automation: z
      .object({
        enabled: z.boolean(),
        reason: z.string().optional(),
        changedBy: z.string().optional(),
        changedAt: isoDate.optional(),
      })
      .optional(),
    lastSwitchAt: isoDate.optional(),
    recentAutoFailovers: z.array(isoDate).optional(),
    tenantOverrides: z.record(z.string(), z.string()).optional(),
    tenantScopes: z
      .record(z.string(), z.object({ lastSwitchAt: isoDate.optional(), recentAutoFailovers: z.array(isoDate) }))
      .optional(),
  }),
);

/** An outbox item: the announcement's body is one JSON attribute, written and read whole. */
export const announcementCodec = codec(
  'switch announcement',
  z.object({
    sk: z.string().min(1),
    token: z.number().int(),
    body: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'body is not JSON' });
          return z.NEVER;
        }
      })
      .pipe(
        z.object({
          audit: z.looseObject({
            caller: z.string().min(1),
            actor: z.string(),
            trigger: z.string(),
            reason: z.string(),
            outcome: z.literal('switched'),
          }),
          subject: z.string().min(1),
          message: z.record(z.string(), z.unknown()),
        }),
      ),
  }),
);
