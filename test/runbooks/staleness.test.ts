import fc from 'fast-check';
import type { RunbookRun } from '../../runbooks/progress';
import { formatAge, staleness } from '../../runbooks/runs';

const run = (startedAt: Date, epochSeen: number | undefined): RunbookRun => ({
  runId: 'r-1',
  operation: 'failback',
  targetRegion: 'us-east-1',
  request: { targetRegion: 'us-east-1', scope: { kind: 'region' } },
  owner: 'alice',
  startedAt,
  state: 'running',
  forced: false,
  failedPrechecks: [],
  epochSeen,
  steps: {},
});

describe('when a confirmed run may be continued as is', () => {
  it('GIVEN any age, limit and epochs WHEN judged THEN it is continued exactly when it is young enough and the routing has not moved', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.nat(1000),
        fc.option(fc.nat(1000), { nil: undefined }),
        (ageMs, maxAgeMs, epochNow, epochSeen) => {
          const now = new Date(1_800_000_000_000);
          const why = staleness(run(new Date(now.getTime() - ageMs), epochSeen), now, epochNow, maxAgeMs);
          const resumable = ageMs <= maxAgeMs && (epochSeen === undefined || epochSeen === epochNow);
          expect(why.length === 0).toBe(resumable);
        },
      ),
    );
  });

  it.each([
    [42_000, '42 s'],
    [17 * 60_000, '17 min'],
    [(3 * 60 + 5) * 60_000, '3 h 5 min'],
    [(52 * 60 + 10) * 60_000, '2 d 4 h'],
  ])('GIVEN %i ms WHEN formatted as an age THEN it reads "%s"', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
