import type { AlarmState } from '../../failover/core/types';

/**
 * CloudWatch alarm evaluation, as a pure function (moto stores alarms but never evaluates them). Modelled on CloudWatch
 * User Guide, "Configuring how CloudWatch alarms treat missing data" and "Avoiding premature transitions to alarm state"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data,
 * CW1 in /work/shared/aws-facts.md); test/env/alarm-evaluation.test.ts checks every cell of its tables:
 *
 * - CloudWatch reads an evaluation range longer than the N = `evaluationPeriods` periods (5 for N = 3);
 * - at least N real datapoints in the range: the N most recent are evaluated, TreatMissingData is not used;
 * - fewer: the gaps are filled as few times as possible (N minus the real ones) with the treatment; `breaching` /
 *   `notBreaching` fill them as such; `missing` and `ignore` count only real datapoints, and when those cannot decide
 *   (none at all, or all breaching but fewer than M) `missing` gives INSUFFICIENT_DATA and `ignore` keeps the state;
 * - premature alarm: all real datapoints breach and the oldest is at least M = `datapointsToAlarm` periods old →
 *   `missing` goes to ALARM with fewer than M datapoints, `ignore` keeps the state (the tables' rows 5);
 * - M or more breaching → ALARM, else OK;
 * - composite alarms: the rule (ALARM("a") OR NOT OK("b") AND …) over the children's states; TRUE → ALARM, else OK.
 */

/**
 * How many periods CloudWatch reads to evaluate an alarm of `evaluationPeriods` periods. CW1 documents one figure: "5
 * most recent data points" for 3 evaluation periods; the count for other N is not documented, so the model keeps the
 * same 2 extra periods.
 */
export function evaluationRangePeriods(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

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

interface RealDatapoint {
  readonly start: Date;
  readonly value: number;
  /** Periods before the newest period of the range (0 = the newest). */
  readonly age: number;
  readonly breaching: boolean;
}

/**
 * Evaluates a metric alarm over its evaluation range (oldest period first, `evaluationRangePeriods(N)` entries).
 * `current` is the alarm's state now (kept when missing data is ignored and the data cannot decide).
 */
export function evaluateMetricAlarm(
  rule: ThresholdRule,
  range: readonly PeriodValue[],
  current: AlarmState,
): AlarmEvaluation {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const rangePeriods = evaluationRangePeriods(n);
  if (range.length !== rangePeriods) {
    throw new Error(
      `evaluation range has ${range.length} periods; an alarm of ${n} evaluation periods is evaluated over ` +
        `${rangePeriods} (evaluationRangePeriods): pass the last ${rangePeriods} periods`,
    );
  }
  const real: RealDatapoint[] = [];
  range.forEach((p, i) => {
    if (p.value === undefined) return;
    real.unshift({
      start: p.start,
      value: p.value,
      age: range.length - 1 - i,
      breaching: breaches(rule.comparison, p.value, rule.threshold),
    });
  });
  const words = COMPARISON_WORDS[rule.comparison];
  const threshold = formatNumber(rule.threshold);
  // Newest first, as CloudWatch lists them in StateReason.
  const evaluated = real.slice(0, n);
  const list = evaluated.map((p) => `${formatNumber(p.value)} (${reasonTime(p.start)})`).join(', ');
  const recentDatapoints = evaluated.map((p) => p.value);
  const realBreaching = evaluated.filter((p) => p.breaching).length;
  const fill = n - evaluated.length;

  const crossed = (breachingCount: number, filledAs?: string): AlarmEvaluation => {
    const filled =
      fill > 0 && filledAs
        ? ` and ${fill} missing datapoint${fill === 1 ? ' was' : 's were'} treated as [${filledAs}]`
        : '';
    if (breachingCount >= m) {
      return {
        state: 'ALARM',
        reason:
          `Threshold Crossed: ${breachingCount} out of the last ${n} datapoints [${list}] were ${words} the ` +
          `threshold (${threshold})${filled} (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition).`,
        recentDatapoints,
      };
    }
    return {
      state: 'OK',
      reason:
        `Threshold Crossed: ${n - breachingCount} out of the last ${n} datapoints [${list}] were not ${words} the ` +
        `threshold (${threshold})${filled} (minimum ${n - m + 1} datapoint${n - m + 1 === 1 ? '' : 's'} for ALARM -> OK transition).`,
      recentDatapoints,
    };
  };
  const undecided = (why: string): AlarmEvaluation =>
    rule.treatMissingData === 'ignore'
      ? { state: current, reason: `${why} (missing data ignored: state kept)`, recentDatapoints }
      : { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${why}.`, recentDatapoints };

  if (fill === 0) return crossed(realBreaching);
  switch (rule.treatMissingData) {
    case 'breaching':
      return crossed(realBreaching + fill, 'Breaching');
    case 'notBreaching':
      return crossed(realBreaching, 'NonBreaching');
    case 'missing':
    case 'ignore': {
      if (realBreaching >= m || evaluated.some((p) => !p.breaching)) return crossed(realBreaching);
      if (evaluated.length === 0) return undecided(`${range.length} datapoints were unknown`);
      const oldest = evaluated[evaluated.length - 1]!;
      if (oldest.age + 1 < m) {
        return undecided(
          `${evaluated.length} breaching datapoint${evaluated.length === 1 ? '' : 's'} [${list}], fewer than ${m}`,
        );
      }
      // "Avoiding premature transitions to alarm state": the oldest breaching datapoint is at least M old and nothing
      // newer is non-breaching. The text says N for M-of-N alarms; the 2-of-3 table (row 5) alarms at M.
      if (rule.treatMissingData === 'ignore') {
        return {
          state: current,
          reason: `premature-alarm rule with missing data ignored: state kept`,
          recentDatapoints,
        };
      }
      return {
        state: 'ALARM',
        reason:
          `Threshold Crossed: ${realBreaching} out of the last ${n} datapoints [${list}] were ${words} the threshold ` +
          `(${threshold}), the oldest ${oldest.age + 1} periods old and none newer not breaching (minimum ${m} ` +
          `datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition).`,
        recentDatapoints,
      };
    }
  }
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
