/**
 * A stacked bar chart drawn as inline SVG: no library and no script, so the report stays one static file that a
 * strict Content-Security-Policy allows. Colours come from CSS classes (`s-<series key>`), which follow the
 * page's light or dark scheme. For screen readers the SVG carries a title and a text summary, and the numbers
 * behind every bar are in a table beside it.
 */
import { html, type Html } from './html.js';
import { fmtInt } from '../format.js';
import { barNumber, type BarUnit } from '../../util/bars.js';

export type BucketInterval = BarUnit;

export interface Series {
  /** CSS class suffix and data-series value; from a fixed list, never from log data */
  key: string;
  label: string;
}

export interface StackedBars {
  /** unique in the page; used for aria ids */
  id: string;
  title: string;
  /** what a unit is: "events", "findings" */
  unit: string;
  interval: BucketInterval;
  starts: number[];
  /** bottom of the stack first */
  series: Series[];
  /** [bucket][series] */
  values: number[][];
  height?: number;
}

const WIDTH = 960;
const MARGIN = { left: 52, right: 12, top: 10, bottom: 38 };

/** Label steps, in buckets, that fall on round times for each interval. */
const STEPS: Record<BucketInterval, number[]> = {
  minute: [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440],
  hour: [1, 2, 3, 6, 12, 24, 48, 72, 168, 336],
  day: [1, 2, 7, 14, 28, 56, 91, 182, 364, 728],
  week: [1, 2, 4, 13, 26, 52, 104],
  month: [1, 2, 3, 6, 12, 24, 60, 120],
  year: [1, 2, 5, 10, 20, 50, 100],
};
const MAX_LABELS = 10;

/** 1, 2 or 5 times a power of ten, so that about `count` steps cover `max`. */
export function niceStep(max: number, count = 4): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return Math.max(1, m * pow);
  return Math.max(1, 10 * pow);
}

const f1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** "2026-11-14 03:00" for minutes and hours, "2026-11-14" for days and weeks (their Monday), "2026-11", "2026" (UTC). */
export function bucketName(ms: number, interval: BucketInterval): string {
  const iso = new Date(ms).toISOString();
  if (interval === 'minute' || interval === 'hour') return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(0, interval === 'year' ? 4 : interval === 'month' ? 7 : 10);
}

/** The part of a tick's time that the second line names once, where it changes: the date, or the year. */
function tickDate(ms: number, interval: BucketInterval): string {
  const iso = new Date(ms).toISOString();
  return interval === 'minute' || interval === 'hour' ? iso.slice(0, 10) : interval === 'year' ? '' : iso.slice(0, 4);
}

function tickLabel(ms: number, interval: BucketInterval, showDate: boolean): { top: string; bottom: string } {
  const iso = new Date(ms).toISOString();
  const bottom = showDate ? tickDate(ms, interval) : '';
  if (interval === 'minute' || interval === 'hour') return { top: iso.slice(11, 16), bottom };
  return { top: interval === 'year' ? iso.slice(0, 4) : interval === 'month' ? iso.slice(5, 7) : iso.slice(5, 10), bottom };
}

const BAR_NAME: Record<BucketInterval, string> = {
  minute: 'one-minute',
  hour: 'one-hour',
  day: 'one-day',
  week: 'one-week',
  month: 'one-month',
  year: 'one-year',
};

export function stackedBarChart(c: StackedBars): Html {
  const n = c.starts.length;
  const height = c.height ?? 220;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const totals = c.values.map((row) => row.reduce((a, b) => a + b, 0));
  const seriesTotals = c.series.map((_, s) => c.values.reduce((a, row) => a + row[s], 0));
  const max = totals.reduce((a, b) => Math.max(a, b), 0);
  const step = niceStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, n);
  const gap = slot >= 4 ? slot * 0.18 : 0;
  const barW = Math.max(0.5, slot - gap);
  const x = (i: number) => MARGIN.left + i * slot + gap / 2;

  const grid: Html[] = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(html`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${f1(y(v))}" y2="${f1(y(v))}"/>`);
    grid.push(html`<text class="yl" x="${MARGIN.left - 6}" y="${f1(y(v) + 4)}">${fmtInt(v)}</text>`);
  }

  const every = STEPS[c.interval].find((k) => n / k <= MAX_LABELS) ?? Math.ceil(n / MAX_LABELS);
  const ticks: Html[] = [];
  let lastDate = '';
  for (let i = 0; i < n; i++) {
    if (barNumber(c.starts[i], c.interval) % every !== 0) continue;
    const date = tickDate(c.starts[i], c.interval);
    const label = tickLabel(c.starts[i], c.interval, date !== lastDate);
    lastDate = date;
    const cx = f1(x(i) + barW / 2);
    ticks.push(
      html`<line x1="${cx}" x2="${cx}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}"/><text x="${cx}" y="${MARGIN.top + plotH + 16}">${label.top}</text>${
        label.bottom && html`<text x="${cx}" y="${MARGIN.top + plotH + 30}">${label.bottom}</text>`
      }`,
    );
  }

  // One group per series (bottom of the stack first), one rect per non-empty bucket.
  const base = c.values.map(() => 0);
  const groups = c.series.map((s, si) => {
    const rects: Html[] = [];
    for (let i = 0; i < n; i++) {
      const v = c.values[i][si];
      if (v <= 0) continue;
      const y0 = y(base[i]);
      base[i] += v;
      const h = Math.max(1, y0 - y(base[i]));
      rects.push(
        html`<rect x="${f1(x(i))}" y="${f1(y0 - h)}" width="${f1(barW)}" height="${f1(h)}"><title>${bucketName(c.starts[i], c.interval)} UTC, ${s.label}: ${fmtInt(v)} ${c.unit}</title></rect>`,
      );
    }
    return html`<g class="s-${s.key}" data-series="${s.key}">${rects}</g>`;
  });

  const total = totals.reduce((a, b) => a + b, 0);
  const busiest = totals.indexOf(max);
  const parts = c.series.map((s, i) => ({ s, n: seriesTotals[i] })).filter((p) => p.n > 0);
  const summary =
    total === 0
      ? `No ${c.unit} from ${bucketName(c.starts[0], c.interval)} to ${bucketName(c.starts[n - 1], c.interval)} UTC.`
      : `${fmtInt(total)} ${c.unit} in ${n} ${BAR_NAME[c.interval]} bars from ${bucketName(c.starts[0], c.interval)} to ${bucketName(c.starts[n - 1], c.interval)} UTC; ` +
        `the busiest, ${bucketName(c.starts[busiest], c.interval)}, holds ${fmtInt(max)}. ` +
        `By series: ${parts.map((p) => `${p.s.label} ${fmtInt(p.n)}`).join(', ')}.`;

  const filled = c.values.map((row, i) => ({ row, i })).filter((b) => totals[b.i] > 0);
  return html`<figure class="chart" id="${c.id}">
<figcaption>${c.title}</figcaption>
<svg class="bars" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${c.id}-t ${c.id}-d">
<title id="${c.id}-t">${c.title}</title>
<desc id="${c.id}-d">${summary}</desc>
<g class="grid">${grid}</g>
<g class="xaxis">${ticks}</g>
${groups}
</svg>
<ul class="legend">${parts.map((p) => html`<li><span class="sw s-${p.s.key}"></span>${p.s.label} <b>${fmtInt(p.n)}</b></li>`)}</ul>
<details class="chart-data"><summary>Chart data: ${filled.length} of ${n} bars hold ${c.unit}</summary>
<table>
<thead><tr><th scope="col">UTC</th>${c.series.map((s) => html`<th scope="col" class="num">${s.label}</th>`)}<th scope="col" class="num">total</th></tr></thead>
<tbody>${filled.map(
    (b) =>
      html`<tr><th scope="row">${bucketName(c.starts[b.i], c.interval)}</th>${b.row.map((v) => html`<td class="num">${v ? fmtInt(v) : ''}</td>`)}<td class="num">${fmtInt(totals[b.i])}</td></tr>`,
  )}</tbody>
</table>
</details>
</figure>`;
}
