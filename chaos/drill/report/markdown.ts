import type { DrillJournal } from '../journal';
import type { DrillMeasurements } from '../measure/measurements';
import { describeRtoFloor } from '../measure/rto-floor';
import type { SeriesPoint } from '../measure/series';
import { utcTime } from './charts';
import { drillPassed, formatSeconds, timelineBars } from './timeline';

/** Mermaid gantt task names end at ":" and comments start at "#" or "%%". */
const mermaidText = (s: string) =>
  s
    .replace(/[:;#%]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mermaidTimeline(journal: DrillJournal): string[] {
  const lines = [
    '```mermaid',
    'gantt',
    `  title ${mermaidText(journal.drill.title)}`,
    '  dateFormat x',
    '  axisFormat %M:%S',
  ];
  let section = '';
  timelineBars(journal).forEach((bar, i) => {
    if (bar.section !== section) {
      section = bar.section;
      lines.push(`  section ${section}`);
    }
    const tags = [bar.status === 'failed' ? 'crit' : bar.status === 'info' ? 'active' : 'done'];
    if (bar.endAt <= bar.startAt) tags.push('milestone');
    // Mermaid draws a zero-length bar as nothing; a milestone needs an end at least 1 ms after its start.
    lines.push(
      `  ${mermaidText(bar.label)} :${tags.join(', ')}, b${i}, ${bar.startAt}, ${Math.max(bar.endAt, bar.startAt + 1)}`,
    );
  });
  lines.push('```');
  return lines;
}

/** The report for people: verdict, expectations, RTO by stage, RPO, impact per tier and tenant, and a timeline. */
export function markdownReport(journal: DrillJournal): string {
  const m = journal.measurements;
  const passed = drillPassed(journal);
  const out: string[] = [
    `# Drill: ${journal.drill.title}`,
    '',
    `**${passed ? 'PASSED' : 'FAILED'}** — status \`${journal.status}\`, deviated: ${journal.deviated ? 'yes' : 'no'}, ` +
      `rollback verified: ${journal.rollbackVerified ? 'yes' : 'no'}, target \`${journal.target}\`, ` +
      `started ${new Date(journal.startedAt).toISOString()} (all times UTC), ` +
      `took ${formatSeconds((journal.endedAt ?? journal.startedAt) - journal.startedAt)}.`,
  ];
  if (journal.env?.target === 'local' && journal.env.combinedLogFile) {
    out.push('', `Every component's log lines, both Regions in one timeline: \`${journal.env.combinedLogFile}\``);
  }
  if (journal.drill.description) out.push('', journal.drill.description.trim());
  if (journal.abortReason) out.push('', `> Stopped early: ${journal.abortReason}`);
  out.push('', '## Expectations', '', '| expectation | expected | actual | result |', '| --- | --- | --- | --- |');
  for (const e of journal.expectations ?? []) {
    out.push(`| ${cell(e.name)} | ${cell(e.expected)} | ${cell(e.actual)} | ${e.passed ? 'pass' : '**FAIL**'} |`);
  }
  for (const [title, ss] of [
    ['Steady state before', journal.steadyStateBefore],
    ['Steady state after', journal.steadyStateAfter],
  ] as const) {
    if (!ss) continue;
    out.push(
      '',
      `## ${title}: ${ss.met ? 'met' : '**not met**'}`,
      '',
      '| probe | tolerance | value | met |',
      '| --- | --- | --- | --- |',
    );
    for (const p of ss.probes)
      out.push(`| ${cell(p.name)} | ${cell(p.tolerance)} | ${cell(p.value)} | ${p.met ? 'yes' : '**no**'} |`);
  }
  if (m?.rto) {
    out.push('', `## RTO: ${formatSeconds(m.rto.rtoMs)}`, '', '| stage | duration |', '| --- | --- |');
    for (const s of m.rto.stages) out.push(`| ${s.label} | ${formatSeconds(s.ms)} |`);
    if (m.rtoFloor) out.push('', `RTO ${describeRtoFloor(m.rto.rtoMs, m.rtoFloor)}.`);
    if (m.alarmsFired) {
      out.push(
        '',
        '### Alarms that fired, fault → failover',
        '',
        '| time (UTC) | after the fault | Region | alarm | kind |',
        '| --- | ---: | --- | --- | --- |',
      );
      for (const a of m.alarmsFired) {
        out.push(
          `| ${utcTime(a.at)} | ${formatSeconds(a.at - m.rto.faultAt)} | ${a.region} | ${cell(a.alarm)} | ${a.composite ? 'composite (Region health)' : 'child / probe alarm'} |`,
        );
      }
    }
    if (m.tenantRecoveryMs) {
      out.push(
        '',
        `### Recovery per tenant (last of ${m.clientsPerTenant ?? '?'} clients)`,
        '',
        '| tenant | recovered after |',
        '| --- | ---: |',
      );
      for (const [tenant, ms] of Object.entries(m.tenantRecoveryMs))
        out.push(`| ${cell(tenant)} | ${ms === undefined ? '**never**' : formatSeconds(ms)} |`);
    }
  }
  if (m) {
    out.push('', '## Data and clients', '');
    out.push(
      m.rpo
        ? `- RPO: ${m.rpo.lostWrites} of ${m.rpo.acknowledged} acknowledged writes missing from ${m.rpo.survivingRegion} ` +
            `(${formatSeconds(m.rpo.rpoMs)} of writes)`
        : '- RPO: not measured',
    );
    out.push(
      `- Client-observed error window: ${m.clientErrorWindow ? `${formatSeconds(m.clientErrorWindow.ms)} (${m.clientErrorWindow.failures} failed requests)` : 'no failed request'}`,
    );
    out.push(
      `- Failovers: ${m.failovers}; on-call paged: ${m.paged ? `yes (${m.pageReasons.join('; ')})` : 'no'}; ` +
        `Route 53 change calls: ${m.route53.changeCalls} (${m.route53.retries} retries, ${m.route53.recordsChanged} records)`,
    );
    out.push(
      '',
      '### Impact per tier',
      '',
      '| tier | requests | failed | success | p99 | error window | lost writes |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [tier, i] of Object.entries(m.impact.tiers)) {
      if (!i) continue;
      out.push(
        `| ${tier} | ${i.requests} | ${i.failures} | ${(i.successRate * 100).toFixed(1)} % | ${i.p99LatencyMs ?? '—'} ms | ${formatSeconds(i.errorWindowMs)} | ${i.lostWrites} |`,
      );
    }
    out.push(
      '',
      '### Impact per tenant',
      '',
      '| tenant | tier | requests | failed | error window | lost writes | served by |',
    );
    out.push('| --- | --- | ---: | ---: | ---: | ---: | --- |');
    for (const t of m.impact.tenants) {
      const servedBy = Object.entries(t.servedBy)
        .map(([r, n]) => `${r}: ${n}`)
        .join(', ');
      out.push(
        `| ${t.tenantId} | ${t.tier} | ${t.requests} | ${t.failures} | ${formatSeconds(t.errorWindowMs)} | ${t.lostWrites} | ${servedBy} |`,
      );
    }
  }
  if (m?.series) out.push('', ...tierSeriesSummary(m));
  out.push('', '## Timeline', '', ...mermaidTimeline(journal));
  out.push(
    '',
    '## Steps',
    '',
    '| step | type | status | started (UTC) | took | detail |',
    '| --- | --- | --- | --- | ---: | --- |',
  );
  for (const s of [...journal.steps, ...journal.rollbacks]) {
    out.push(
      `| ${cell(s.name)} | ${s.type} | ${s.status} | ${utcTime(s.startedAt)} | ${formatSeconds(s.endedAt === undefined ? undefined : s.endedAt - s.startedAt)} | ${cell(s.detail ?? '')} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** The per-tier charts of the HTML page, in words: how low each tier's success went, when, and when it moved. */
function tierSeriesSummary(m: DrillMeasurements): string[] {
  const series = m.series;
  if (!series) return [];
  const out = [
    `### Clients over time, per tier (${formatSeconds(series.bucketMs)} buckets)`,
    '',
    `| tier | lowest success | at (UTC) | last failure by (UTC) | first answered outside ${m.initialRegion} (UTC) |`,
    '| --- | ---: | --- | --- | --- |',
  ];
  for (const [tier, points] of Object.entries(series.tiers)) {
    const answered = (points ?? []).filter((p) => p.requests > 0);
    const lowest = answered.reduce<SeriesPoint | undefined>(
      (low, p) => (low === undefined || p.ok / p.requests < low.ok / low.requests ? p : low),
      undefined,
    );
    const lastFailure = answered.filter((p) => p.ok < p.requests).at(-1);
    const moved = answered.find((p) => Object.keys(p.byRegion).some((r) => r !== m.initialRegion));
    out.push(
      `| ${tier} | ${lowest ? `${((lowest.ok / lowest.requests) * 100).toFixed(1)} %` : '—'} | ${lowest ? utcTime(lowest.at) : '—'} | ${
        lastFailure ? utcTime(lastFailure.at + series.bucketMs) : 'no failure'
      } | ${moved ? utcTime(moved.at) : 'never'} |`,
    );
  }
  return out;
}
