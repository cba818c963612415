import fc from 'fast-check';
import {
  evaluateCompositeAlarm,
  evaluateMetricAlarm,
  evaluationRangePeriods,
  type PeriodValue,
  parseAlarmRule,
  percentOf,
  type ThresholdRule,
  type TreatMissingData,
} from '../../chaos/env/alarm-evaluation';
import type { AlarmState } from '../../failover/core/types';
import { CURRENT_TABLES, EARLIER_TABLES, type MissingDataTable } from './fixtures/cloudwatch-missing-data-tables';

const rule = (over: Partial<ThresholdRule> = {}): ThresholdRule => ({
  threshold: 5,
  comparison: 'GreaterThanThreshold',
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  treatMissingData: 'missing',
  ...over,
});

const STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const TREATMENTS: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

/** X = breaching (10), 0 = not breaching (1), - = missing; oldest first, as in the CloudWatch documentation's tables. */
function range(pattern: string): PeriodValue[] {
  return [...pattern.replaceAll(' ', '')].map((c, i) => ({
    start: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    value: c === 'X' ? 10 : c === '0' ? 1 : undefined,
  }));
}

function cells(tables: readonly MissingDataTable[]) {
  return tables.flatMap((t) =>
    t.rows.flatMap((r) =>
      TREATMENTS.flatMap((treat) =>
        STATES.map((from) => ({
          table: t,
          row: r,
          treat,
          from,
          want: r.states[treat] === 'RETAIN' ? from : r.states[treat],
        })),
      ),
    ),
  );
}

describe("metric alarm evaluation against CloudWatch's published missing-data tables", () => {
  it('GIVEN the transcribed tables WHEN counted THEN the current ones have the 40 published cells', () => {
    expect(CURRENT_TABLES.flatMap((t) => t.rows).length * TREATMENTS.length).toBe(40);
    for (const t of [...CURRENT_TABLES, ...EARLIER_TABLES]) {
      for (const r of t.rows) expect(range(r.dataPoints)).toHaveLength(evaluationRangePeriods(t.evaluationPeriods));
    }
  });

  it.each(cells(CURRENT_TABLES).map((c) => [c.table.title, c.row.dataPoints, c.treat, c.from, c.want, c] as const))(
    'GIVEN %s, data points %s, TreatMissingData %s, the alarm in %s WHEN evaluated THEN %s',
    (_title, points, treat, from, want, c) => {
      const r = rule({
        evaluationPeriods: c.table.evaluationPeriods,
        datapointsToAlarm: c.table.datapointsToAlarm,
        treatMissingData: treat,
      });
      expect(evaluateMetricAlarm(r, range(points), from).state).toBe(want);
    },
  );

  it.each(cells(EARLIER_TABLES).map((c) => [c.table.title, c.row.dataPoints, c.treat, c.from, c.want, c] as const))(
    'GIVEN %s, data points %s, TreatMissingData %s, the alarm in %s WHEN evaluated THEN %s',
    (_title, points, treat, from, want, c) => {
      const r = rule({
        evaluationPeriods: c.table.evaluationPeriods,
        datapointsToAlarm: c.table.datapointsToAlarm,
        treatMissingData: treat,
      });
      expect(evaluateMetricAlarm(r, range(points), from).state).toBe(want);
    },
  );

  it('GIVEN 3 evaluation periods WHEN the evaluation range is asked THEN it is the documented 5 periods', () => {
    expect(evaluationRangePeriods(3)).toBe(5);
  });
});

describe('metric alarm evaluation (CloudWatch semantics)', () => {
  it.each([
    ['- - X X 0', 'ALARM'],
    ['- - X 0 X', 'ALARM'],
    ['- - 0 X 0', 'OK'],
    ['- - 0 0 0', 'OK'],
    ['X X 0 0 0', 'OK'],
  ])('GIVEN 2 of 3 and datapoints %s WHEN evaluated THEN %s', (pattern, state) => {
    expect(evaluateMetricAlarm(rule(), range(pattern), 'OK').state).toBe(state);
  });

  it('GIVEN an alarm in ALARM WHEN it is evaluated THEN the reason reads like CloudWatch and names the datapoints', () => {
    const result = evaluateMetricAlarm(rule(), range('X X 0 X X'), 'OK');
    expect(result.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [10.0 (01/01/26 00:00:04), 10.0 (01/01/26 00:00:03), ' +
        '1.0 (01/01/26 00:00:02)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(result.recentDatapoints).toEqual([10, 10, 1]);
  });

  it('GIVEN gaps filled as breaching WHEN evaluated THEN the reason says how many were filled', () => {
    expect(evaluateMetricAlarm(rule({ treatMissingData: 'breaching' }), range('- - - - 0'), 'OK').reason).toContain(
      'and 2 missing datapoints were treated as [Breaching]',
    );
  });

  it('GIVEN a range of the wrong length WHEN evaluated THEN the error names both lengths and the fix', () => {
    expect(() => evaluateMetricAlarm(rule(), range('X X X'), 'OK')).toThrow(
      'evaluation range has 3 periods; an alarm of 3 evaluation periods is evaluated over 5 (evaluationRangePeriods): pass the last 5 periods',
    );
  });

  const cell = fc.constantFrom('X', '0', '-');
  const anyRule = fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      m: fc.integer({ min: 1, max: n }),
      treat: fc.constantFrom(...TREATMENTS),
      from: fc.constantFrom(...STATES),
    }),
  );

  it('GIVEN any alarm WHEN its last N periods all breach THEN it is in ALARM, whatever the treatment and the state', () => {
    fc.assert(
      fc.property(anyRule, fc.array(cell, { minLength: 2, maxLength: 2 }), ({ n, m, treat, from }, older) => {
        const r = rule({ evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat });
        const pattern = [...older, ...Array<string>(n).fill('X')].join('');
        expect(evaluateMetricAlarm(r, range(pattern), from).state).toBe('ALARM');
      }),
    );
  });

  it('GIVEN any alarm WHEN its last N periods are all real and not breaching THEN it is OK, whatever came before', () => {
    fc.assert(
      fc.property(anyRule, fc.array(cell, { minLength: 2, maxLength: 2 }), ({ n, m, treat, from }, older) => {
        const r = rule({ evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat });
        const pattern = [...older, ...Array<string>(n).fill('0')].join('');
        expect(evaluateMetricAlarm(r, range(pattern), from).state).toBe('OK');
      }),
    );
  });

  it('GIVEN any datapoints WHEN one more period breaches THEN an alarm in ALARM never goes back to OK (monotonic)', () => {
    fc.assert(
      fc.property(
        anyRule,
        fc.array(cell, { minLength: 7, maxLength: 7 }),
        fc.nat(),
        ({ n, m, treat, from }, all, at) => {
          const cells = all.slice(0, n + 2);
          const r = rule({ evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat });
          const before = evaluateMetricAlarm(r, range(cells.join('')), from);
          const worse = [...cells];
          worse[at % cells.length] = 'X';
          const after = evaluateMetricAlarm(r, range(worse.join('')), from);
          if (before.state === 'ALARM') expect(after.state).toBe('ALARM');
        },
      ),
    );
  });

  it('GIVEN ignore WHEN the data cannot decide THEN the state is kept, and any state it gives otherwise is not INSUFFICIENT_DATA', () => {
    fc.assert(
      fc.property(anyRule, fc.array(cell, { minLength: 7, maxLength: 7 }), ({ n, m }, all) => {
        const r = rule({ evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: 'ignore' });
        const pattern = all.slice(0, n + 2).join('');
        const fromOk = evaluateMetricAlarm(r, range(pattern), 'OK').state;
        const fromAlarm = evaluateMetricAlarm(r, range(pattern), 'ALARM').state;
        const fromMissing = evaluateMetricAlarm(r, range(pattern), 'INSUFFICIENT_DATA').state;
        const retained = fromOk === 'OK' && fromAlarm === 'ALARM' && fromMissing === 'INSUFFICIENT_DATA';
        if (!retained) {
          expect(fromOk).toBe(fromAlarm);
          expect(fromAlarm).toBe(fromMissing);
          expect(fromOk).not.toBe('INSUFFICIENT_DATA');
        }
      }),
    );
  });

  it('GIVEN notBreaching WHEN fewer than M real datapoints of the last N breach THEN never ALARM', () => {
    fc.assert(
      fc.property(anyRule, fc.array(cell, { minLength: 7, maxLength: 7 }), ({ n, m, from }, all) => {
        const cells = all.slice(0, n + 2);
        const real = cells.filter((c) => c !== '-').slice(-n);
        const breaching = real.filter((c) => c === 'X').length;
        const state = evaluateMetricAlarm(
          rule({ evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: 'notBreaching' }),
          range(cells.join('')),
          from,
        ).state;
        expect(state === 'ALARM').toBe(breaching >= m);
      }),
    );
  });
});

describe('the 5xx percent query', () => {
  it.each([
    [[3, 2], 100, 5],
    [[undefined, 2], 10, 20],
    [[undefined, undefined], 10, 0],
    [[1, 1], undefined, undefined],
    [[1, 1], 0, undefined],
  ])('GIVEN numerators %p and denominator %p THEN %p', (numerators, denominator, want) => {
    expect(percentOf(numerators as (number | undefined)[], denominator as number | undefined)).toBe(want);
  });
});

describe('composite alarm rules', () => {
  const children = ['a', 'b', 'c'];
  it('GIVEN ANY-of rule WHEN one child is in ALARM THEN the composite is ALARM and names it', () => {
    const r = evaluateCompositeAlarm('ALARM("a") OR ALARM("b") OR ALARM("c")', children, {
      a: 'OK',
      b: 'ALARM',
      c: 'INSUFFICIENT_DATA',
    });
    expect(r).toEqual({ state: 'ALARM', reason: 'The alarm rule is TRUE: b in ALARM.', triggeringChildren: ['b'] });
  });

  it('GIVEN children with no data WHEN the rule only asks ALARM() THEN the composite is OK', () => {
    expect(evaluateCompositeAlarm('ALARM("a") OR ALARM("b")', children, {}).state).toBe('OK');
  });

  it('GIVEN NOT, AND, OR and parentheses WHEN evaluated THEN NOT binds tighter than AND, AND tighter than OR', () => {
    const states = { a: 'ALARM', b: 'OK', c: 'OK' } as const;
    expect(evaluateCompositeAlarm('ALARM("a") AND NOT OK("b") OR OK("c")', children, states).state).toBe('ALARM');
    expect(evaluateCompositeAlarm('ALARM("a") AND (NOT OK("b") OR ALARM("c"))', children, states).state).toBe('OK');
    expect(evaluateCompositeAlarm('INSUFFICIENT_DATA("z") AND TRUE', children, states).state).toBe('ALARM');
  });

  it('GIVEN a malformed rule WHEN parsed THEN the error quotes the rule and says what is wrong', () => {
    expect(() => parseAlarmRule('ALARM("a") OR')).toThrow('ends too early');
    expect(() => parseAlarmRule('ALARM(a)')).toThrow(/cannot read from position 0/);
    expect(() => parseAlarmRule('(ALARM("a")')).toThrow('missing ")"');
  });
});
