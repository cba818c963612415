import type { DrillJournal } from '../journal';
import type { DrillMeasurements } from '../measure/measurements';
import { describeRtoFloor } from '../measure/rto-floor';
import {
  drillWindow,
  escapeHtml,
  overviewStripSvg,
  REGION_COLOURS,
  recoveryWindow,
  rtoBarSvg,
  tierSeriesSvg,
  timelineSvg,
  utcTime,
} from './charts';
import { drillPassed, formatSeconds } from './timeline';

const html = escapeHtml;

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A single self-contained page (inline CSS and SVG, no script, no external asset), fit to attach to a ticket. */
export function htmlReport(journal: DrillJournal): string {
  const m = journal.measurements;
  const passed = drillPassed(journal);
  const sections: string[] = [
    `<h1>Drill: ${html(journal.drill.title)}</h1>`,
    `<p class="verdict ${passed ? 'pass' : 'fail'}">${passed ? 'PASSED' : 'FAILED'}</p>`,
    `<p>status <code>${html(journal.status)}</code> · deviated: ${journal.deviated ? 'yes' : 'no'} · rollback verified: ${
      journal.rollbackVerified ? 'yes' : 'no'
    } · target <code>${html(journal.target)}</code> · started ${html(new Date(journal.startedAt).toISOString())} · all times UTC</p>`,
  ];
  if (journal.abortReason) sections.push(`<p class="fail">Stopped early: ${html(journal.abortReason)}</p>`);
  if (journal.env?.target === 'local' && journal.env.combinedLogFile) {
    sections.push(
      `<p>Every component's log lines, both Regions in one timeline: <code>${html(journal.env.combinedLogFile)}</code></p>`,
    );
  }
  sections.push(
    '<h2>Expectations</h2>',
    table(
      ['expectation', 'expected', 'actual', 'result'],
      (journal.expectations ?? []).map((e) => [e.name, e.expected, e.actual, e.passed ? 'pass' : 'FAIL']),
    ),
    ...timelineSection(journal),
  );
  if (m?.rto) {
    sections.push(
      `<h2>RTO: ${html(formatSeconds(m.rto.rtoMs))}</h2>`,
      table(
        ['stage', 'duration'],
        m.rto.stages.map((s) => [s.label, formatSeconds(s.ms)]),
      ),
      rtoBarSvg(m.rto, m.rtoFloor),
      ...(m.rtoFloor ? [`<p>RTO ${html(describeRtoFloor(m.rto.rtoMs, m.rtoFloor))}.</p>`] : []),
      ...alarmsSection(m),
      ...(m.tenantRecoveryMs
        ? [
            `<h3>Recovery per tenant (last of ${m.clientsPerTenant ?? '?'} clients)</h3>`,
            table(
              ['tenant', 'recovered after'],
              Object.entries(m.tenantRecoveryMs).map(([t, ms]) => [t, ms === undefined ? 'never' : formatSeconds(ms)]),
            ),
          ]
        : []),
    );
  }
  if (m) {
    sections.push(
      ...seriesSection(journal, m),
      '<h2>Data and clients</h2>',
      `<ul><li>RPO: ${
        m.rpo
          ? html(
              `${m.rpo.lostWrites} of ${m.rpo.acknowledged} acknowledged writes missing from ${m.rpo.survivingRegion} (${formatSeconds(m.rpo.rpoMs)})`,
            )
          : 'not measured'
      }</li><li>Client-observed error window: ${html(m.clientErrorWindow ? formatSeconds(m.clientErrorWindow.ms) : 'no failed request')}</li><li>Failovers: ${
        m.failovers
      }; paged: ${m.paged ? 'yes' : 'no'}; Route 53 change calls: ${m.route53.changeCalls}</li></ul>`,
      '<h3>Impact per tier</h3>',
      table(
        ['tier', 'requests', 'failed', 'success', 'error window', 'lost writes'],
        Object.entries(m.impact.tiers).map(([tier, i]) => [
          tier,
          String(i?.requests ?? 0),
          String(i?.failures ?? 0),
          `${((i?.successRate ?? 1) * 100).toFixed(1)} %`,
          formatSeconds(i?.errorWindowMs),
          String(i?.lostWrites ?? 0),
        ]),
      ),
      '<h3>Impact per tenant</h3>',
      table(
        ['tenant', 'tier', 'requests', 'failed', 'error window', 'lost writes'],
        m.impact.tenants.map((t) => [
          t.tenantId,
          t.tier,
          String(t.requests),
          String(t.failures),
          formatSeconds(t.errorWindowMs),
          String(t.lostWrites),
        ]),
      ),
    );
  }
  sections.push(
    '<h2>Steps</h2>',
    table(
      ['step', 'type', 'status', 'started (UTC)', 'took', 'detail'],
      [...journal.steps, ...journal.rollbacks].map((s) => [
        s.name,
        s.type,
        s.status,
        utcTime(s.startedAt),
        formatSeconds(s.endedAt === undefined ? undefined : s.endedAt - s.startedAt),
        s.detail ?? '',
      ]),
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drill: ${html(journal.drill.title)}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222;max-width:1000px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.verdict{font-size:1.4em;font-weight:bold}.pass{color:#2e7d32}.fail{color:#c62828}
</style></head><body>
${sections.join('\n')}
</body></html>
`;
}

/** Zoomed on fault → recovery when the drill measured one, with the whole drill on a small strip under it. */
function timelineSection(journal: DrillJournal): string[] {
  const zoom = recoveryWindow(journal);
  if (!zoom) return ['<h2>Timeline</h2>', timelineSvg(journal, drillWindow(journal), 'drill timeline')];
  return [
    `<h2>Timeline: fault → recovery (${html(utcTime(zoom.from))} → ${html(utcTime(zoom.to))})</h2>`,
    timelineSvg(journal, zoom, 'drill timeline, fault to recovery'),
    overviewStripSvg(journal, zoom),
  ];
}

/** Which alarms fired between the fault and the failover: the child alarm (or peer probe) that triggered it. */
function alarmsSection(m: DrillMeasurements): string[] {
  if (m.alarmsFired === undefined) return ['<p>Alarms that fired: not recorded for this target.</p>'];
  const faultAt = m.rto?.faultAt ?? 0;
  return [
    '<h3>Alarms that fired, fault → failover</h3>',
    table(
      ['time (UTC)', 'after the fault', 'Region', 'alarm', 'kind'],
      m.alarmsFired.map((a) => [
        utcTime(a.at),
        formatSeconds(a.at - faultAt),
        a.region,
        a.alarm,
        a.composite ? 'composite (Region health)' : 'child / probe alarm',
      ]),
    ),
  ];
}

/** Success rate and serving Region over time, one chart per tier, over the same window as the zoomed timeline. */
function seriesSection(journal: DrillJournal, m: DrillMeasurements): string[] {
  const series = m.series;
  if (!series) return [];
  const regions = [
    m.initialRegion,
    ...new Set(Object.values(series.tiers).flatMap((ps) => ps.flatMap((p) => Object.keys(p.byRegion)))),
  ].filter((r, i, all) => all.indexOf(r) === i);
  const window = recoveryWindow(journal) ?? drillWindow(journal);
  const marks = [
    ...(m.rto ? [{ at: m.rto.faultAt, label: 'fault' }] : []),
    ...(m.rto?.rtoMs !== undefined ? [{ at: m.rto.faultAt + m.rto.rtoMs, label: 'recovered' }] : []),
  ];
  return [
    `<h2>Clients over time, per tier (${html(formatSeconds(series.bucketMs))} buckets)</h2>`,
    `<p>Bars: share of requests answered by ${regions
      .map((r, i) => `<span style="color:${REGION_COLOURS[i % REGION_COLOURS.length]}">■</span> ${html(r)}`)
      .join(', ')}, <span style="color:#999">■</span> no answer; line: success rate (0–100 %).</p>`,
    ...Object.entries(series.tiers).map(([tier, points]) =>
      tierSeriesSvg(tier, points ?? [], series.bucketMs, regions, window, marks),
    ),
  ];
}
