import type { AlarmState } from '../../failover/core/types';

/**
 * CloudWatch alarm evaluation, as a pure function (moto stores alarms but never evaluates them). Modelled on the
 * documented behaviour ("Configuring how CloudWatch alarms treat missing data", "Evaluating an alarm"):
 *
 * - the alarm looks at the last `evaluationPeriods` (N) periods; it goes to ALARM when at least `datapointsToAlarm` (M)
 *   of them breach;
 * - missing periods: `breaching` / `notBreaching` fill them in; `missing` and `ignore` leave them out, and when fewer
 *   than M real datapoints remain, ALARM needs every real datapoint to breach (CloudWatch's "- - X" → ALARM row);
 * - no datapoint at all: `missing` → INSUFFICIENT_DATA, `ignore` → state unchanged, `breaching` → ALARM,
 *   `notBreaching` → OK;
 * - composite alarms: the rule (ALARM("a") OR NOT OK("b") AND …) over the children's states; TRUE → ALARM, else OK.
 */

export type Comparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface ThresholdRule {
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

/** One period of the evaluation range: its start and its value (undefined = no datapoint). */
export interface PeriodValue {
  readonly start: Date;
  readonly value: number | undefined;
}

export interface AlarmEvaluation {
  readonly state: AlarmState;
  /** CloudWatch-style StateReason. */
  readonly reason: string;
  /** The datapoints that decided it (for StateReasonData). */
  readonly recentDatapoints: readonly number[];
}

const COMPARISON_WORDS: Record<Comparison, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(comparison: Comparison, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** "dd/MM/yy HH:mm:ss" in UTC, as CloudWatch writes datapoint times in StateReason. */
function reasonTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(Number(n.toPrecision(6)));
}

/**
 * Evaluates a metric alarm over its evaluation range (oldest period first, exactly `evaluationPeriods` entries).
 * `current` is the alarm's state now (kept when missing data is ignored).
 */
export function evaluateMetricAlarm(
  rule: ThresholdRule,
  range: readonly PeriodValue[],
  current: AlarmState,
): AlarmEvaluation {
  if (range.length !== rule.evaluationPeriods) {
    throw new Error(`evaluation range has ${range.length} periods; the alarm evaluates ${rule.evaluationPeriods}`);
  }
  const m = rule.datapointsToAlarm;
  const words = COMPARISON_WORDS[rule.comparison];
  const threshold = formatNumber(rule.threshold);
  const present = range.filter((p): p is PeriodValue & { value: number } => p.value !== undefined).reverse();
  const list = present.map((p) => `${formatNumber(p.value)} (${reasonTime(p.start)})`).join(', ');
  const recentDatapoints = present.map((p) => p.value);

  if (present.length === 0) {
    switch (rule.treatMissingData) {
      case 'missing':
        return {
          state: 'INSUFFICIENT_DATA',
          reason: `Insufficient Data: ${range.length} datapoints were unknown.`,
          recentDatapoints,
        };
      case 'ignore':
        return {
          state: current,
          reason: `no datapoints in ${range.length} periods (missing data ignored)`,
          recentDatapoints,
        };
      case 'breaching':
        return {
          state: m <= range.length ? 'ALARM' : 'OK',
          reason: `Threshold Crossed: no datapoints were received for ${range.length} periods and ${range.length} missing datapoints were treated as [Breaching].`,
          recentDatapoints,
        };
      case 'notBreaching':
        return {
          state: 'OK',
          reason: `Threshold Crossed: no datapoints were received for ${range.length} periods and ${range.length} missing datapoints were treated as [NonBreaching].`,
          recentDatapoints,
        };
    }
  }

  const realBreaching = present.filter((p) => breaches(rule.comparison, p.value, rule.threshold)).length;
  const missing = range.length - present.length;
  let breachingCount: number;
  let needed: number;
  if (rule.treatMissingData === 'breaching') {
    breachingCount = realBreaching + missing;
    needed = m;
  } else if (rule.treatMissingData === 'notBreaching') {
    breachingCount = realBreaching;
    needed = m;
  } else {
    breachingCount = realBreaching;
    needed = Math.min(m, present.length);
  }
  if (breachingCount >= needed) {
    return {
      state: 'ALARM',
      reason:
        `Threshold Crossed: ${breachingCount} out of the last ${range.length} datapoints [${list}] were ${words} the ` +
        `threshold (${threshold}) (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition).`,
      recentDatapoints,
    };
  }
  return {
    state: 'OK',
    reason:
      `Threshold Crossed: ${present.length - realBreaching} out of the last ${range.length} datapoints [${list}] were not ` +
      `${words} the threshold (${threshold}) (minimum ${range.length - m + 1} datapoint${range.length - m + 1 === 1 ? '' : 's'} for ALARM -> OK transition).`,
    recentDatapoints,
  };
}

/**
 * 100 × (sum of numerators) / denominator for one period, as the alarms' metric math computes the 5xx rate:
 * a missing numerator counts as 0 (FILL(m, 0)); no requests (missing or zero denominator) is no datapoint.
 */
export function percentOf(
  numerators: readonly (number | undefined)[],
  denominator: number | undefined,
): number | undefined {
  if (denominator === undefined || denominator === 0) return undefined;
  if (numerators.every((n) => n === undefined)) return 0;
  return (100 * numerators.reduce<number>((sum, n) => sum + (n ?? 0), 0)) / denominator;
}

/* Composite alarm rules */

export type AlarmRuleNode =
  | { readonly kind: 'state'; readonly state: AlarmState; readonly alarm: string }
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'not'; readonly operand: AlarmRuleNode }
  | { readonly kind: 'and' | 'or'; readonly left: AlarmRuleNode; readonly right: AlarmRuleNode };

const TOKEN = /\s*(?:(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*"([^"]+)"\s*\)|(AND|OR|NOT|TRUE|FALSE)\b|([()]))/y;

/** Parses CloudWatch AlarmRule syntax (NOT binds tighter than AND, AND tighter than OR). Errors name the position. */
export function parseAlarmRule(rule: string): AlarmRuleNode {
  type Tok = { t: 'state'; state: AlarmState; alarm: string } | { t: string };
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < rule.length && rule.slice(at).trim() !== '') {
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(rule);
    if (!m)
      throw new Error(
        `alarm rule ${JSON.stringify(rule)}: cannot read from position ${at}: use ALARM("name"), AND, OR, NOT, ( )`,
      );
    if (m[1]) toks.push({ t: 'state', state: m[1] as AlarmState, alarm: m[2]! });
    else toks.push({ t: (m[3] ?? m[4])! });
    at = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => toks[i]?.t;
  const fail = (what: string): never => {
    throw new Error(`alarm rule ${JSON.stringify(rule)}: ${what}`);
  };
  const primary = (): AlarmRuleNode => {
    const tok = toks[i++];
    if (!tok) return fail('ends too early');
    if (tok.t === 'state') {
      const s = tok as { state: AlarmState; alarm: string };
      return { kind: 'state', state: s.state, alarm: s.alarm };
    }
    if (tok.t === 'TRUE' || tok.t === 'FALSE') return { kind: 'const', value: tok.t === 'TRUE' };
    if (tok.t === 'NOT') return { kind: 'not', operand: primary() };
    if (tok.t === '(') {
      const inner = or();
      if (toks[i++]?.t !== ')') fail('missing ")"');
      return inner;
    }
    return fail(`unexpected ${tok.t}`);
  };
  const and = (): AlarmRuleNode => {
    let left = primary();
    while (peek() === 'AND') {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): AlarmRuleNode => {
    let left = and();
    while (peek() === 'OR') {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const root = or();
  if (i !== toks.length) fail(`unexpected ${toks[i]?.t} after a complete rule`);
  return root;
}

/** Children not in `states` count as INSUFFICIENT_DATA. */
export function evaluateAlarmRule(node: AlarmRuleNode, states: Readonly<Record<string, AlarmState>>): boolean {
  switch (node.kind) {
    case 'state':
      return (states[node.alarm] ?? 'INSUFFICIENT_DATA') === node.state;
    case 'const':
      return node.value;
    case 'not':
      return !evaluateAlarmRule(node.operand, states);
    case 'and':
      return evaluateAlarmRule(node.left, states) && evaluateAlarmRule(node.right, states);
    case 'or':
      return evaluateAlarmRule(node.left, states) || evaluateAlarmRule(node.right, states);
  }
}

export interface CompositeEvaluation {
  readonly state: 'OK' | 'ALARM';
  readonly reason: string;
  /** Children in ALARM (the ones that made the rule true, for TriggeringChildren). */
  readonly triggeringChildren: readonly string[];
}

export function evaluateCompositeAlarm(
  rule: string,
  children: readonly string[],
  states: Readonly<Record<string, AlarmState>>,
): CompositeEvaluation {
  const inAlarm = children.filter((c) => states[c] === 'ALARM');
  const fired = evaluateAlarmRule(parseAlarmRule(rule), states);
  return fired
    ? {
        state: 'ALARM',
        reason: `The alarm rule is TRUE: ${inAlarm.length ? inAlarm.join(', ') : 'no child'} in ALARM.`,
        triggeringChildren: inAlarm,
      }
    : { state: 'OK', reason: 'The alarm rule is FALSE.', triggeringChildren: [] };
}
