import { PriorRequestNotComplete, Route53ServiceException } from '@aws-sdk/client-route-53';
import fc from 'fast-check';
import {
  type BackoffOptions,
  errorCode,
  fullJitterDelay,
  isRetryable,
  RetriesExhaustedError,
  type RetryReport,
  withBackoff,
} from '../../failover/switch/backoff';

function throttling(): Route53ServiceException {
  return new Route53ServiceException({ name: 'Throttling', $fault: 'client', $metadata: {}, message: 'Rate exceeded' });
}

function options(overrides: Partial<BackoffOptions> = {}): BackoffOptions & { slept: number[] } {
  const slept: number[] = [];
  return {
    baseMs: 100,
    capMs: 1000,
    maxAttempts: 5,
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
    },
    slept,
    ...overrides,
  };
}

describe('fullJitterDelay', () => {
  it('GIVEN any retry and random draw WHEN computed THEN the delay is within [0, min(cap, base * 2^retry))', () => {
    fc.assert(
      fc.property(fc.nat({ max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, draw) => {
        const delay = fullJitterDelay(retry, { baseMs: 100, capMs: 5000, random: () => draw });
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(Math.min(5000, 100 * 2 ** retry));
      }),
    );
  });

  it('GIVEN a draw near 1 WHEN the exponential passes the cap THEN the cap bounds the delay', () => {
    const draw = { baseMs: 100, capMs: 1000, random: () => 0.999 };
    expect([0, 1, 2, 3, 4, 10].map((retry) => fullJitterDelay(retry, draw))).toEqual([99, 199, 399, 799, 999, 999]);
  });
});

describe('errorCode / isRetryable', () => {
  it('GIVEN SDK v3 errors and plain errors WHEN classified THEN only throttling codes are retryable', () => {
    expect(isRetryable(throttling())).toBe(true);
    expect(isRetryable(new PriorRequestNotComplete({ $metadata: {}, message: 'still processing' }))).toBe(true);
    expect(isRetryable({ name: 'Error', Code: 'ThrottlingException' })).toBe(true);
    expect(isRetryable(new Error('InvalidChangeBatch'))).toBe(false);
    expect(isRetryable('Throttling')).toBe(false);
    expect(errorCode({ name: 'InvalidInput' })).toBe('InvalidInput');
  });
});

describe('withBackoff', () => {
  it('GIVEN two Throttling errors THEN the third call succeeds, each wait is jittered and reported', async () => {
    const opts = options();
    const reports: RetryReport[] = [];
    let calls = 0;
    const result = await withBackoff(
      'ChangeResourceRecordSets',
      async () => {
        calls++;
        if (calls <= 2) throw throttling();
        return 'ok';
      },
      opts,
      (r) => reports.push(r),
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(opts.slept).toEqual([50, 100]);
    expect(reports).toEqual([
      { attempt: 1, delayMs: 50, code: 'Throttling' },
      { attempt: 2, delayMs: 100, code: 'Throttling' },
    ]);
  });

  it('GIVEN an error that is not throttling WHEN called THEN it is thrown at once without a retry', async () => {
    const opts = options();
    let calls = 0;
    const call = async () => {
      calls++;
      throw new Route53ServiceException({ name: 'InvalidChangeBatch', $fault: 'client', $metadata: {}, message: 'x' });
    };
    await expect(withBackoff('ChangeResourceRecordSets', call, opts)).rejects.toThrow('x');
    expect(calls).toBe(1);
    expect(opts.slept).toEqual([]);
  });

  it('GIVEN throttling on every call WHEN maxAttempts is reached THEN a clear error names operation, code and attempts', async () => {
    const opts = options({ maxAttempts: 3 });
    let calls = 0;
    const call = async () => {
      calls++;
      throw throttling();
    };
    const failure = withBackoff('ChangeResourceRecordSets', call, opts);
    await expect(failure).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(failure).rejects.toThrow(/ChangeResourceRecordSets still failed with Throttling after 3 attempts/);
    expect(calls).toBe(3);
    expect(opts.slept).toHaveLength(2);
  });

  it('GIVEN maxAttempts 0 WHEN called THEN the error names the bad value', async () => {
    await expect(withBackoff('GetChange', async () => 1, options({ maxAttempts: 0 }))).rejects.toThrow(
      /maxAttempts must be an integer >= 1 \(got 0\)/,
    );
  });
});
