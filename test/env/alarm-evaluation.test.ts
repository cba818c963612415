import fc from 'fast-check';
import {
  evaluateCompositeAlarm,
  evaluateMetricAlarm,
  type PeriodValue,
  parseAlarmRule,
  percentOf,
  type ThresholdRule,
  type TreatMissingData,
} from '../../chaos/env/alarm-evaluation';

const rule = (over: Partial<ThresholdRule> = {}): ThresholdRule => ({
  threshold: 5,
  comparison: 'GreaterThanThreshold',
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  treatMissingData: 'missing',
  ...over,
});

/** X = breaching (10), 0 = not breaching (1), - = missing; oldest first, as in the CloudWatch documentation's table. */
function range(pattern: string): PeriodValue[] {
  return [...pattern].map((c, i) => ({
    start: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    value: c === 'X' ? 10 : c === '0' ? 1 : undefined,
  }));
}

describe('metric alarm evaluation (CloudWatch semantics)', () => {
  it.each([
    ['XX0', 'ALARM'],
    ['X0X', 'ALARM'],
    ['0X0', 'OK'],
    ['000', 'OK'],
  ])('GIVEN 2 of 3 and datapoints %s WHEN evaluated THEN %s', (pattern, state) => {
    expect(evaluateMetricAlarm(rule(), range(pattern), 'OK').state).toBe(state);
  });

  // 3 of 3, the documentation's "how missing data is treated" table.
  it.each<[string, Record<TreatMissingData, string>]>([
    ['0-X', { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' }],
    ['--X', { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'OK' }],
    ['X-X', { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'OK' }],
    ['--0', { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' }],
    ['---', { missing: 'INSUFFICIENT_DATA', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'OK' }],
  ])(
    'GIVEN 3 of 3 and datapoints %s WHEN missing data is treated each way THEN the states match the table',
    (pattern, want) => {
      for (const treat of Object.keys(want) as TreatMissingData[]) {
        // "ignore" keeps the current state: here the alarm is in ALARM before.
        const got = evaluateMetricAlarm(
          rule({ datapointsToAlarm: 3, treatMissingData: treat }),
          range(pattern),
          'ALARM',
        );
        expect(`${treat}: ${got.state}`).toBe(`${treat}: ${want[treat]}`);
      }
    },
  );

  it('GIVEN an alarm in ALARM WHEN it is evaluated THEN the reason reads like CloudWatch and names the datapoints', () => {
    const result = evaluateMetricAlarm(rule(), range('0XX'), 'OK');
    expect(result.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [10.0 (01/01/26 00:00:02), 10.0 (01/01/26 00:00:01), ' +
        '1.0 (01/01/26 00:00:00)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(result.recentDatapoints).toEqual([10, 10, 1]);
  });

  it('GIVEN a range of the wrong length WHEN evaluated THEN the error names both lengths', () => {
    expect(() => evaluateMetricAlarm(rule(), range('XX'), 'OK')).toThrow(
      'evaluation range has 2 periods; the alarm evaluates 3',
    );
  });

  it('GIVEN any datapoints WHEN one more period breaches THEN an alarm in ALARM never goes back to OK (monotonic)', () => {
    const cell = fc.constantFrom('X', '0', '-');
    fc.assert(
      fc.property(
        fc.array(cell, { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<TreatMissingData>('missing', 'breaching', 'notBreaching'),
        (cells, i, m, treat) => {
          const r = rule({ evaluationPeriods: 4, datapointsToAlarm: m, treatMissingData: treat });
          const before = evaluateMetricAlarm(r, range(cells.join('')), 'OK');
          const worse = [...cells];
          worse[i] = 'X';
          const after = evaluateMetricAlarm(r, range(worse.join('')), 'OK');
          if (before.state === 'ALARM') expect(after.state).toBe('ALARM');
        },
      ),
    );
  });

  it('GIVEN notBreaching WHEN fewer than M real datapoints breach THEN never ALARM', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('X', '0', '-'), { minLength: 3, maxLength: 3 }), (cells) => {
        const breaching = cells.filter((c) => c === 'X').length;
        const state = evaluateMetricAlarm(
          rule({ treatMissingData: 'notBreaching' }),
          range(cells.join('')),
          'OK',
        ).state;
        expect(state === 'ALARM').toBe(breaching >= 2);
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
