import * as z from 'zod';
import type { AlarmEvent } from '../core/types';

/**
 * Schemas for what reaches the failover Lambda: the SNS event (the record shape of Powertools Parser's SnsRecordSchema,
 * restated here because Parser's schemas import zod as one namespace object, which bundles all 264 KB of zod's locales
 * into the Lambda and pushes it past its 1 MB budget) and the
 * CloudWatch alarm notification JSON in its `Message`: metric alarms carry `Trigger`, composite alarms `AlarmRule`.
 * The Region comes from the `AlarmArn` (arn:aws:cloudwatch:<region>:<account>:alarm:<name>); the message's `Region`
 * field is a display name ("US East (N. Virginia)") and is not used.
 *
 * Parsing never throws: it returns the alarm, or a rejection whose reason names the bad field and value.
 */

export type AlarmParse =
  | { readonly ok: true; readonly alarm: AlarmEvent }
  | { readonly ok: false; readonly reason: string; readonly messageId?: string };

const alarmStateSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** arn:<partition>:cloudwatch:<region>:<account>:alarm:<name> (the name may itself contain ":"). */
const ALARM_ARN = /^arn:(aws[a-z-]*):cloudwatch:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):alarm:(.+)$/;

/** CloudWatch writes `2015-06-03T17:43:27.123+0000`; a colon in the offset (ISO 8601 extended) is accepted too. */
const STATE_CHANGE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

const alarmMessageSchema = z
  .looseObject({
    AlarmName: z.string().min(1).max(255),
    AlarmDescription: z.string().nullish(),
    AWSAccountId: z.string().regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' }),
    NewStateValue: alarmStateSchema,
    OldStateValue: alarmStateSchema,
    NewStateReason: z.string(),
    StateChangeTime: z
      .string()
      .regex(STATE_CHANGE_TIME, { message: 'must be a timestamp such as "2015-06-03T17:43:27.123+0000"' })
      .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'is not a real date and time' }),
    AlarmArn: z.string().regex(ALARM_ARN, {
      message: 'must be an alarm ARN "arn:aws:cloudwatch:<region>:<account>:alarm:<name>" (the Region is read from it)',
    }),
    Trigger: z.looseObject({ MetricName: z.string().optional(), Namespace: z.string().optional() }).optional(),
    AlarmRule: z.string().min(1).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.Trigger === undefined && m.AlarmRule === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['Trigger'],
        message:
          'neither "Trigger" (metric alarm) nor "AlarmRule" (composite alarm) is present: not an alarm state change',
      });
    }
    const arn = ALARM_ARN.exec(m.AlarmArn);
    if (arn && arn[3] !== m.AWSAccountId) {
      ctx.addIssue({
        code: 'custom',
        path: ['AlarmArn'],
        message: `names account ${arn[3]} but AWSAccountId is ${m.AWSAccountId}`,
      });
    }
    if (arn && arn[4] !== m.AlarmName) {
      ctx.addIssue({
        code: 'custom',
        path: ['AlarmArn'],
        message: `names alarm "${arn[4]}" but AlarmName is "${m.AlarmName}"`,
      });
    }
  });

/** An SNS → Lambda record (docs: "Invoking Lambda functions with Amazon SNS notifications"). */
const snsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  EventVersion: z.string(),
  EventSubscriptionArn: z.string(),
  Sns: z.object({
    Type: z.literal('Notification'),
    // SNS MessageIds are UUIDs; a long one would also break the ledger key (DynamoDB sort keys stop at 1,024 bytes).
    MessageId: z.string().min(1).max(100, { message: 'is longer than 100 characters (SNS MessageIds are UUIDs)' }),
    TopicArn: z.string().min(1).max(256),
    Subject: z.string().nullish(),
    Message: z.string(),
    Timestamp: z.iso.datetime(),
    UnsubscribeUrl: z.url(),
    SignatureVersion: z.string().optional(),
    Signature: z.string().optional(),
    SigningCertUrl: z.url().optional(),
    MessageAttributes: z.record(z.string(), z.object({ Type: z.string(), Value: z.string() })).optional(),
  }),
});

const snsEventSchema = z.object({ Records: z.array(snsRecordSchema).min(1) });

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** "Records.0.Sns.MessageId: expected string (got nothing)" for each issue, the first three. */
function describeIssues(prefix: string, error: z.ZodError, data: unknown): string {
  const lines = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const where = [prefix, ...path].filter((p) => p !== '').join('.');
    return `${where || '(top level)'}: ${issue.message} (got ${show(valueAt(data, path))})`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '';
  return lines.join('; ') + more;
}

/** Deeper than any CloudWatch notification: deeper JSON is refused before it reaches a recursive schema or logger. */
export const MAX_MESSAGE_DEPTH = 32;

/** The nesting depth of a JSON text (brackets outside strings), stopping as soon as it passes `limit`. */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** Parses the alarm JSON of one SNS message. */
export function parseAlarmMessage(messageId: string, message: string, topicArn?: string): AlarmParse {
  if (jsonDepthExceeds(message, MAX_MESSAGE_DEPTH)) {
    return {
      ok: false,
      messageId,
      reason:
        `Sns.Message nests deeper than ${MAX_MESSAGE_DEPTH} levels (${message.length} characters): not a CloudWatch ` +
        'alarm notification; acknowledged without acting',
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return {
      ok: false,
      messageId,
      reason: `Sns.Message is not JSON (got ${show(message)}): the failover Lambda expects a CloudWatch alarm notification`,
    };
  }
  const parsed = alarmMessageSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      messageId,
      reason: `not a CloudWatch alarm notification: ${describeIssues('Sns.Message', parsed.error, json)}`,
    };
  }
  const m = parsed.data;
  const [, , region, accountId] = ALARM_ARN.exec(m.AlarmArn)!;
  return {
    ok: true,
    alarm: {
      messageId,
      alarmName: m.AlarmName,
      alarmArn: m.AlarmArn,
      region: region!,
      accountId: accountId!,
      newState: m.NewStateValue,
      oldState: m.OldStateValue,
      reason: m.NewStateReason,
      stateChangeTime: new Date(m.StateChangeTime),
      composite: m.AlarmRule !== undefined,
      ...(topicArn ? { topicArn } : {}),
    },
  };
}

/** Parses an SNS event into one result per record (SNS → Lambda delivers one record per event). */
export function parseSnsEvent(event: unknown): AlarmParse[] {
  const raw = valueAt(event, ['Records', 0, 'Sns', 'Message']);
  if (typeof raw === 'string' && jsonDepthExceeds(raw, MAX_MESSAGE_DEPTH)) {
    const messageId = valueAt(event, ['Records', 0, 'Sns', 'MessageId']);
    return [
      {
        ok: false,
        ...(typeof messageId === 'string' && messageId.length <= 100 ? { messageId } : {}),
        reason: `Sns.Message nests deeper than ${MAX_MESSAGE_DEPTH} levels: not a CloudWatch alarm notification`,
      },
    ];
  }
  const parsed = snsEventSchema.safeParse(event);
  if (!parsed.success) {
    const messageId = valueAt(event, ['Records', 0, 'Sns', 'MessageId']);
    return [
      {
        ok: false,
        ...(typeof messageId === 'string' && messageId.length <= 100 ? { messageId } : {}),
        reason: `not an SNS event: ${describeIssues('', parsed.error, event)}`,
      },
    ];
  }
  return parsed.data.Records.map((record) =>
    parseAlarmMessage(record.Sns.MessageId, record.Sns.Message, record.Sns.TopicArn),
  );
}
