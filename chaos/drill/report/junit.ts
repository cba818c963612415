import type { DrillJournal } from '../journal';

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

interface Case {
  readonly name: string;
  readonly failure?: string;
}

/**
 * JUnit XML for CI: one test case per expectation of the drill file, plus the drill's own guarantees (steady state
 * before and after, rollback verified), so a CI job fails on any of them.
 */
export function junitReport(journal: DrillJournal): string {
  const cases: Case[] = (journal.expectations ?? []).map((e) => ({
    name: `expectation: ${e.name}`,
    failure: e.passed ? undefined : `expected ${e.expected}, got ${e.actual}`,
  }));
  cases.push(
    {
      name: 'steady state before',
      failure: journal.steadyStateBefore?.met
        ? undefined
        : `the steady-state hypothesis did not hold before the method${journal.abortReason ? `: ${journal.abortReason}` : ''}`,
    },
    {
      name: 'steady state after',
      failure:
        journal.deviated || !journal.steadyStateAfter?.met
          ? 'the drill deviated: the steady state did not hold after the rollback'
          : undefined,
    },
    {
      name: 'rollback verified',
      failure: journal.rollbackVerified ? undefined : 'the rollback was not verified: run `regionflip drill rollback`',
    },
  );
  if (journal.status !== 'completed' && journal.status !== 'failed') {
    cases.push({
      name: 'drill ran to the end',
      failure: `status ${journal.status}${journal.abortReason ? `: ${journal.abortReason}` : ''}`,
    });
  }
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const seconds = (((journal.endedAt ?? journal.startedAt) - journal.startedAt) / 1000).toFixed(3);
  const suite = xml(`drill: ${journal.drill.title}`);
  const classname = xml(
    `regionflip.drill.${
      journal.drill.file
        .split('/')
        .pop()
        ?.replace(/\.(ya?ml|json)$/, '') ?? 'drill'
    }`,
  );
  const body = cases
    .map(
      (c) =>
        `    <testcase classname="${classname}" name="${xml(c.name)}">` +
        (c.failure === undefined
          ? ''
          : `\n      <failure message="${xml(c.failure)}">${xml(c.failure)}</failure>\n    `) +
        '</testcase>',
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="regionflip drills" tests="${cases.length}" failures="${failures}" time="${seconds}">
  <testsuite name="${suite}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${new Date(journal.startedAt).toISOString()}">
${body}
  </testsuite>
</testsuites>
`;
}
