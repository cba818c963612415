import type { DrillJournal } from '../journal';
import { describeRtoFloor, rtoFloorSvg } from '../measure/rto-floor';
import { drillPassed, formatSeconds, type TimelineBar, timelineBars } from './timeline';

const html = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const COLOURS: Readonly<Record<TimelineBar['status'], string>> = { ok: '#2e7d32', failed: '#c62828', info: '#1565c0' };
const ROW = 22;
const LABEL_WIDTH = 300;
const CHART_WIDTH = 640;

/** The timeline as an inline SVG: one row per bar, seconds since the drill started on the axis. */
export function timelineSvg(journal: DrillJournal): string {
  const bars = timelineBars(journal);
  const start = journal.startedAt;
  const end = Math.max(journal.endedAt ?? start, ...bars.map((b) => b.endAt), start + 1);
  const x = (t: number) => LABEL_WIDTH + ((t - start) / (end - start)) * CHART_WIDTH;
  const height = (bars.length + 2) * ROW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="drill timeline" width="${LABEL_WIDTH + CHART_WIDTH + 20}" height="${height}" font-family="sans-serif" font-size="12">`,
  ];
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const t = start + ((end - start) * i) / ticks;
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="0" x2="${x(t).toFixed(1)}" y2="${height - ROW}" stroke="#ddd"/>`,
      `<text x="${x(t).toFixed(1)}" y="${height - 6}" text-anchor="middle" fill="#555">${((t - start) / 1000).toFixed(1)} s</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = i * ROW + 4;
    const x0 = x(bar.startAt);
    const width = Math.max(3, x(bar.endAt) - x0);
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end" fill="#222">${html(`${bar.section}: ${bar.label}`)}</text>`,
      `<rect x="${x0.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${ROW - 8}" rx="3" fill="${COLOURS[bar.status]}"><title>${html(
        `${bar.label}: ${formatSeconds(bar.startAt - start)} → ${formatSeconds(bar.endAt - start)}`,
      )}</title></rect>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

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
    } · target <code>${html(journal.target)}</code> · started ${html(new Date(journal.startedAt).toISOString())}</p>`,
  ];
  if (journal.abortReason) sections.push(`<p class="fail">Stopped early: ${html(journal.abortReason)}</p>`);
  sections.push(
    '<h2>Expectations</h2>',
    table(
      ['expectation', 'expected', 'actual', 'result'],
      (journal.expectations ?? []).map((e) => [e.name, e.expected, e.actual, e.passed ? 'pass' : 'FAIL']),
    ),
    '<h2>Timeline</h2>',
    timelineSvg(journal),
  );
  if (m?.rto) {
    sections.push(
      `<h2>RTO: ${html(formatSeconds(m.rto.rtoMs))}</h2>`,
      table(
        ['stage', 'duration'],
        m.rto.stages.map((s) => [s.label, formatSeconds(s.ms)]),
      ),
      ...(m.rtoFloor
        ? [rtoFloorSvg(m.rto.rtoMs, m.rtoFloor), `<p>RTO ${html(describeRtoFloor(m.rto.rtoMs, m.rtoFloor))}.</p>`]
        : []),
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
      ['step', 'type', 'status', 'took', 'detail'],
      [...journal.steps, ...journal.rollbacks].map((s) => [
        s.name,
        s.type,
        s.status,
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
