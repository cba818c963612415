import type { DrillJournal } from '../journal';
import type { RtoBreakdown } from '../measure/rto';
import type { RtoFloor } from '../measure/rto-floor';
import type { SeriesPoint } from '../measure/series';
import { formatSeconds, type TimelineBar, timelineBars } from './timeline';

/** Inline SVG charts for the HTML report: no script, no external asset, every time on an axis in UTC. */

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A wall-clock time as people on a call read it off a log: UTC, to the tenth of a second. */
export const utcTime = (t: number) => `${new Date(t).toISOString().slice(11, 21)}Z`;

const COLOURS: Readonly<Record<TimelineBar['status'], string>> = { ok: '#2e7d32', failed: '#c62828', info: '#1565c0' };
const ROW = 22;
const LABEL_WIDTH = 300;
const CHART_WIDTH = 640;
const SVG_OPEN = (label: string, width: number, height: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(label)}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`;

export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

/** The drill's whole run, from its start to its end (or its last bar). */
export function drillWindow(journal: DrillJournal): TimeWindow {
  const bars = timelineBars(journal);
  const from = journal.startedAt;
  return { from, to: Math.max(journal.endedAt ?? from, ...bars.map((b) => b.endAt), from + 1) };
}

/**
 * Fault → recovery, with a little margin either side: where a reader's attention belongs. Undefined when the drill
 * measured no recovery (then the full timeline is the only one).
 */
export function recoveryWindow(journal: DrillJournal): TimeWindow | undefined {
  const rto = journal.measurements?.rto;
  if (!rto) return undefined;
  const ends = rto.stages.flatMap((s) => (s.endAt === undefined ? [] : [s.endAt]));
  const to = Math.max(rto.faultAt + 1, ...ends);
  const margin = Math.max(500, (to - rto.faultAt) * 0.1);
  const all = drillWindow(journal);
  return { from: Math.max(all.from, rto.faultAt - margin), to: Math.min(all.to, to + margin) };
}

function axis(parts: string[], window: TimeWindow, x: (t: number) => number, top: number, bottom: number): void {
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = window.from + ((window.to - window.from) * i) / ticks;
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top}" x2="${x(t).toFixed(1)}" y2="${bottom}" stroke="#ddd"/>`,
      `<text x="${x(t).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" fill="#555">${utcTime(t)}</text>`,
    );
  }
}

/** The timeline, one row per bar, over `window` (bars outside it are left out, bars across its edges clipped). */
export function timelineSvg(journal: DrillJournal, window: TimeWindow, label: string): string {
  const bars = timelineBars(journal).filter((b) => b.endAt >= window.from && b.startAt <= window.to);
  const span = window.to - window.from;
  const x = (t: number) =>
    LABEL_WIDTH + ((Math.min(Math.max(t, window.from), window.to) - window.from) / span) * CHART_WIDTH;
  const height = (bars.length + 2) * ROW;
  const parts = [SVG_OPEN(label, LABEL_WIDTH + CHART_WIDTH + 40, height)];
  axis(parts, window, x, 0, height - ROW);
  bars.forEach((bar, i) => {
    const y = i * ROW + 4;
    const x0 = x(bar.startAt);
    const width = Math.max(3, x(bar.endAt) - x0);
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end" fill="#222">${escapeHtml(`${bar.section}: ${bar.label}`)}</text>`,
      `<rect x="${x0.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${ROW - 8}" rx="3" fill="${COLOURS[bar.status]}"><title>${escapeHtml(
        `${bar.label}: ${utcTime(bar.startAt)} → ${utcTime(bar.endAt)} (${formatSeconds(bar.endAt - bar.startAt)})`,
      )}</title></rect>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The whole drill on one thin strip, the zoomed window outlined on it, so the zoom is never read out of context. */
export function overviewStripSvg(journal: DrillJournal, zoom: TimeWindow): string {
  const all = drillWindow(journal);
  const width = LABEL_WIDTH + CHART_WIDTH;
  const x = (t: number) => LABEL_WIDTH + ((t - all.from) / (all.to - all.from)) * CHART_WIDTH;
  const parts = [SVG_OPEN('whole drill', width + 40, 60)];
  parts.push(`<text x="${LABEL_WIDTH - 8}" y="22" text-anchor="end" fill="#222">whole drill</text>`);
  for (const bar of timelineBars(journal)) {
    const x0 = x(bar.startAt);
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="12" width="${Math.max(1, x(bar.endAt) - x0).toFixed(1)}" height="14" fill="${COLOURS[bar.status]}" opacity="0.6"/>`,
    );
  }
  parts.push(
    `<rect class="zoom" x="${x(zoom.from).toFixed(1)}" y="8" width="${Math.max(2, x(zoom.to) - x(zoom.from)).toFixed(1)}" height="22" fill="none" stroke="#000" stroke-width="1.5"><title>zoomed: ${utcTime(zoom.from)} → ${utcTime(zoom.to)}</title></rect>`,
    `<text x="${LABEL_WIDTH}" y="48" fill="#555">${utcTime(all.from)}</text>`,
    `<text x="${width}" y="48" text-anchor="end" fill="#555">${utcTime(all.to)}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

const STAGE_COLOURS = ['#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/**
 * The RTO as one bar of its stages from the fault, with the floor range [best, worst] drawn over it: a measured RTO
 * left of the band is faster than detection and DNS allow, so something is not measured honestly.
 */
export function rtoBarSvg(rto: RtoBreakdown, floor: RtoFloor | undefined): string {
  const stages = rto.stages.filter((s) => s.ms !== undefined && s.endAt !== undefined);
  const max =
    Math.max(floor?.worstMs ?? 0, rto.rtoMs ?? 0, ...stages.map((s) => (s.endAt ?? 0) - rto.faultAt), 1) * 1.1;
  const x = (ms: number) => LABEL_WIDTH + (ms / max) * CHART_WIDTH;
  const parts = [SVG_OPEN('RTO against its floor', LABEL_WIDTH + CHART_WIDTH + 40, 90)];
  parts.push(`<text x="${LABEL_WIDTH - 8}" y="34" text-anchor="end" fill="#222">RTO by stage</text>`);
  stages.forEach((s, i) => {
    const x0 = x(s.startAt - rto.faultAt);
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="22" width="${Math.max(1, x((s.endAt ?? s.startAt) - rto.faultAt) - x0).toFixed(1)}" height="18" fill="${STAGE_COLOURS[i % STAGE_COLOURS.length]}"><title>${escapeHtml(`${s.label}: ${formatSeconds(s.ms)}`)}</title></rect>`,
    );
  });
  if (floor) {
    parts.push(
      `<rect class="floor" x="${x(floor.bestMs).toFixed(1)}" y="14" width="${Math.max(2, x(floor.worstMs) - x(floor.bestMs)).toFixed(1)}" height="34" fill="#fdae6b" fill-opacity="0.35" stroke="#e6550d" stroke-dasharray="4 2"><title>floor ${formatSeconds(floor.bestMs)} – ${formatSeconds(floor.worstMs)}</title></rect>`,
      `<text x="${x(floor.bestMs).toFixed(1)}" y="10" fill="#e6550d">floor ${formatSeconds(floor.bestMs)} – ${formatSeconds(floor.worstMs)}</text>`,
    );
  }
  if (rto.rtoMs !== undefined) {
    parts.push(
      `<rect class="rto" x="${x(rto.rtoMs).toFixed(1)}" y="12" width="3" height="40" fill="#c0392b"><title>RTO ${formatSeconds(rto.rtoMs)}</title></rect>`,
      `<text x="${x(rto.rtoMs).toFixed(1)}" y="66" text-anchor="middle" fill="#c0392b">RTO ${formatSeconds(rto.rtoMs)}</text>`,
    );
  }
  parts.push(
    `<text x="${LABEL_WIDTH}" y="84" fill="#555">0 s (fault, ${utcTime(rto.faultAt)})</text>`,
    `<text x="${LABEL_WIDTH + CHART_WIDTH}" y="84" text-anchor="end" fill="#555">${formatSeconds(max)}</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/** Colours of the serving Regions: the primary blue, the other orange; no answer grey. */
export const REGION_COLOURS = ['#3182bd', '#e6550d', '#31a354', '#756bb1'];

/**
 * One tier over time: the share of requests each Region answered (stacked, grey for no answer) and the success rate
 * as a line. Fault and recovery are marked, so the outage reads at a glance.
 */
export function tierSeriesSvg(
  tier: string,
  points: readonly SeriesPoint[],
  bucketMs: number,
  regions: readonly string[],
  window: TimeWindow,
  marks: readonly { readonly at: number; readonly label: string }[],
): string {
  const height = 110;
  const top = 10;
  const plot = 70;
  const span = window.to - window.from;
  const x = (t: number) =>
    LABEL_WIDTH + ((Math.min(Math.max(t, window.from), window.to) - window.from) / span) * CHART_WIDTH;
  const y = (share: number) => top + plot - share * plot;
  const parts = [SVG_OPEN(`${tier}: success rate and serving Region`, LABEL_WIDTH + CHART_WIDTH + 40, height + 10)];
  parts.push(
    `<text x="${LABEL_WIDTH - 8}" y="${top + plot / 2}" text-anchor="end" fill="#222">${escapeHtml(tier)}</text>`,
    `<text x="${LABEL_WIDTH - 8}" y="${top + plot / 2 + 14}" text-anchor="end" fill="#555">success rate, serving Region</text>`,
  );
  axis(parts, window, x, top, top + plot);
  const line: string[] = [];
  for (const p of points) {
    if (p.at + bucketMs < window.from || p.at > window.to || p.requests === 0) continue;
    const x0 = x(p.at);
    const w = Math.max(1, x(p.at + bucketMs) - x0);
    let share = 0;
    regions.forEach((region, i) => {
      const n = p.byRegion[region] ?? 0;
      if (n === 0) return;
      const h = (n / p.requests) * plot;
      parts.push(
        `<rect x="${x0.toFixed(1)}" y="${(y(share) - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${REGION_COLOURS[i % REGION_COLOURS.length]}" opacity="0.45"><title>${escapeHtml(`${utcTime(p.at)}: ${n} of ${p.requests} answered by ${region}`)}</title></rect>`,
      );
      share += n / p.requests;
    });
    const answered = Object.values(p.byRegion).reduce((a, b) => a + b, 0);
    if (answered < p.requests) {
      const h = ((p.requests - answered) / p.requests) * plot;
      parts.push(
        `<rect x="${x0.toFixed(1)}" y="${(y(share) - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#999" opacity="0.45"><title>${escapeHtml(`${utcTime(p.at)}: ${p.requests - answered} of ${p.requests} not answered`)}</title></rect>`,
      );
    }
    line.push(`${(x0 + w / 2).toFixed(1)},${y(p.ok / p.requests).toFixed(1)}`);
  }
  if (line.length > 0) {
    parts.push(`<polyline class="success" points="${line.join(' ')}" fill="none" stroke="#000" stroke-width="1.5"/>`);
  }
  for (const mark of marks) {
    if (mark.at < window.from || mark.at > window.to) continue;
    parts.push(
      `<line x1="${x(mark.at).toFixed(1)}" y1="${top}" x2="${x(mark.at).toFixed(1)}" y2="${top + plot}" stroke="#c0392b" stroke-dasharray="3 2"/>`,
      `<text x="${x(mark.at).toFixed(1)}" y="${top - 1}" text-anchor="middle" fill="#c0392b" font-size="10">${escapeHtml(mark.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
