import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import { buildFilter, parseLimit, terminalWidth, type FilterFlags } from './search.js';
import type { EventFilter, FindingCounts, Interval, Overview, TopValues } from '../../store/read.js';

/** A histogram bucket: events, and findings that start in it. */
interface Bucket {
  start: number;
  count: number;
  findings: number;
}

interface StatsFlags extends FilterFlags {
  top?: string;
  by?: string;
  limit?: string;
  json?: boolean;
}

/** Past this many buckets the histogram shows only the buckets that hold events (no zero rows). */
const MAX_FILLED_BUCKETS = 2000;
const BAR_WIDTH = 40;

function bucketLabel(ms: number, interval: Interval): string {
  const iso = new Date(ms).toISOString();
  return interval === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

async function runStats(app: App, flags: StatsFlags): Promise<void> {
  const by = flags.by;
  if (by !== undefined && by !== 'minute' && by !== 'hour' && by !== 'day') {
    throw new UsageError(`--by ${by}: expected minute, hour or day`);
  }
  const limit = parseLimit(flags.limit, 10) ?? Number.MAX_SAFE_INTEGER;
  if (flags.top !== undefined) {
    const { isFieldName } = await import('../../store/fieldsql.js');
    if (!isFieldName(flags.top)) throw new UsageError(`--top: "${flags.top}" is not a field name`);
  }
  // checked before the store opens, so that a syntax error is reported as one
  await buildFilter(flags);
  const { openReadStore, overview, topValues, histogram, findingCounts, findingHistogram, heldAddresses, INTERVALS } = await import('../../store/read.js');
  const db = openReadStore(app.dbPath);
  try {
    const filter = await buildFilter(flags, heldAddresses(db));
    const o = overview(db, filter);
    const findings = findingCounts(db, filter);
    const top = flags.top !== undefined ? topValues(db, filter, flags.top, limit) : undefined;
    const buckets = by ? fill(histogram(db, filter, by), findingHistogram(db, filter, by), INTERVALS[by], filter) : undefined;
    if (flags.json) await printJson(app, flags, filter, o, findings, top, by, buckets);
    else await printText(app, o, findings, top, by, buckets);
  } finally {
    db.close();
  }
}

/**
 * Empty buckets between the first and last (or --since and --until) so gaps show in the drawing; a range too
 * long for that keeps only the buckets with events or findings.
 */
function fill(
  events: { start: number; count: number }[],
  findings: Map<number, number>,
  size: number,
  f: EventFilter,
): { buckets: Bucket[]; filled: boolean } {
  const byStart = new Map<number, Bucket>(events.map((b) => [b.start, { ...b, findings: 0 }]));
  for (const [start, n] of findings) {
    const b = byStart.get(start) ?? { start, count: 0, findings: 0 };
    b.findings = n;
    byStart.set(start, b);
  }
  const found = [...byStart.values()].sort((a, b) => a.start - b.start);
  if (!found.length) return { buckets: found, filled: true };
  const from = Math.floor((f.since ?? found[0].start) / size) * size;
  const to = Math.floor((f.until !== undefined ? f.until - 1 : found[found.length - 1].start) / size) * size;
  if ((to - from) / size + 1 > MAX_FILLED_BUCKETS) return { buckets: found, filled: false };
  const buckets: Bucket[] = [];
  for (let t = from; t <= to; t += size) buckets.push(byStart.get(t) ?? { start: t, count: 0, findings: 0 });
  return { buckets, filled: true };
}

async function printJson(
  app: App,
  flags: StatsFlags,
  filter: EventFilter,
  o: Overview,
  findings: FindingCounts | undefined,
  top: TopValues | undefined,
  by: Interval | undefined,
  hist: { buckets: Bucket[] } | undefined,
): Promise<void> {
    const { isoUtc } = await import('../../util/time.js');
  const lines: Record<string, unknown>[] = [];
  if (!top && !by) {
    for (const d of o.datasets) lines.push({ type: 'dataset', dataset: d.dataset, count: d.count, unparsed: d.unparsed });
    for (const s of o.statusClasses) lines.push({ type: 'status_class', class: s.class, count: s.count });
    for (const x of o.outcomes) lines.push({ type: 'outcome', outcome: x.outcome, count: x.count });
    for (const l of findings?.levels ?? []) lines.push({ type: 'finding_level', level: l.level, count: l.count });
    for (const r of findings?.rules ?? []) lines.push({ type: 'finding_rule', rule_id: r.rule_id, title: r.title, level: r.level, count: r.count });
  }
  if (top) for (const v of top.values) lines.push({ type: 'top', field: top.field, value: v.value, count: v.count });
  if (by && hist) {
    for (const b of hist.buckets) {
      if (b.count > 0 || b.findings > 0) lines.push({ type: 'bucket', interval: by, start: isoUtc(b.start), count: b.count, findings: b.findings });
    }
  }
  const summary: Record<string, unknown> = {
    type: 'summary',
    events: o.events,
    parsed: o.parsed,
    unparsed: o.unparsed,
    first: o.first === null ? null : isoUtc(o.first),
    last: o.last === null ? null : isoUtc(o.last),
    findings: findings?.total ?? 0,
    since: filter.since === undefined ? null : isoUtc(filter.since),
    until: filter.until === undefined ? null : isoUtc(filter.until),
    query: flags.query ?? null,
  };
  if (top) Object.assign(summary, { top_field: top.field, with_field: top.present });
  lines.push(summary);
  for (const l of lines) {
    if (app.out.closed) return;
    if (!app.out.line(jsonLine(l))) await app.out.drain();
  }
}

async function printText(
  app: App,
  o: Overview,
  findings: FindingCounts | undefined,
  top: TopValues | undefined,
  by: Interval | undefined,
  hist: { buckets: Bucket[]; filled: boolean } | undefined,
): Promise<void> {
  const { levelText } = await import('../../output/findings.js');
  const { fmtInt } = await import('../../output/format.js');
  const { escapeTerminal } = await import('../../output/escape.js');
  const { ColumnWriter, bar, unicodeTerminal } = await import('../../output/columns.js');
  const { isoUtc } = await import('../../util/time.js');
  const c = app.c;
  const out = app.out;
  const unicode = unicodeTerminal();
  const width = terminalWidth(app);
  const barWidth = (used: number) => Math.max(10, Math.min(BAR_WIDTH, (width ?? used + BAR_WIDTH) - used));
  const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : '');

  /** `style` colours a label after padding (level names); `countTitle` names what is counted. */
  const section = (
    title: string,
    rows: { label: string; count: number; extra?: string }[],
    extraTitle?: string,
    opts: { countTitle?: string; style?: (padded: string) => string } = {},
  ) => {
    const countTitle = opts.countTitle ?? 'events';
    const labelW = Math.max(title.length, ...rows.map((r) => r.label.length));
    const countW = Math.max(countTitle.length, ...rows.map((r) => fmtInt(r.count).length));
    const extraW = extraTitle ? Math.max(extraTitle.length, ...rows.map((r) => (r.extra ?? '').length)) : 0;
    const max = Math.max(0, ...rows.map((r) => r.count));
    const specs = [
      { title, max: labelW, style: opts.style },
      { title: countTitle, right: true },
      ...(extraTitle ? [{ title: extraTitle, right: true }] : []),
      { title: '', style: (s: string) => c.cyan(s) },
    ];
    const bw = barWidth(labelW + countW + extraW + 6);
    const w = new ColumnWriter(out, specs, c);
    for (const r of rows) {
      w.row([r.label, fmtInt(r.count), ...(extraTitle ? [r.extra ?? ''] : []), bar(r.count, max, bw, unicode)]);
    }
    w.end();
    out.line();
  };

  if (o.events === 0) {
    out.line('no events match');
    return;
  }
  out.line(
    `${c.bold(fmtInt(o.events))} events (${fmtInt(o.parsed)} parsed, ${fmtInt(o.unparsed)} unparsed) from ${isoUtc(o.first!)} to ${isoUtc(o.last!)}` +
      (findings?.total ? `; ${c.bold(fmtInt(findings.total))} finding${findings.total === 1 ? '' : 's'}` : ''),
  );
  out.line();
  if (!top && !by) {
    section(
      'dataset',
      o.datasets.map((d) => ({ label: escapeTerminal(d.dataset), count: d.count, extra: d.unparsed ? fmtInt(d.unparsed) : '' })),
      'unparsed',
    );
    if (o.statusClasses.length) section('http status', o.statusClasses.map((s) => ({ label: s.class, count: s.count })));
    if (o.outcomes.length) section('outcome', o.outcomes.map((x) => ({ label: escapeTerminal(x.outcome), count: x.count })));
    if (findings?.total) {
      section(
        'finding level',
        findings.levels.map((l) => ({ label: l.level, count: l.count })),
        undefined,
        { countTitle: 'findings', style: (padded) => levelText(c, padded.trim()) + padded.slice(padded.trimEnd().length) },
      );
    }
  }
  if (top) {
    out.line(
      `${c.bold(escapeTerminal(top.field))}: ${fmtInt(top.present)} of ${fmtInt(top.events)} events have it; ${top.values.length ? `top ${top.values.length}` : 'no values'}`,
    );
    if (top.values.length) {
      section(
        escapeTerminal(top.field),
        top.values.map((v) => ({ label: escapeTerminal(String(v.value)), count: v.count, extra: pct(v.count, top.present) })),
        'share',
      );
    } else {
      out.line();
    }
  }
  if (by && hist) {
    const anyFindings = hist.buckets.some((b) => b.findings > 0);
    out.line(`${c.bold(`${anyFindings ? 'events and findings' : 'events'} per ${by}`)} (UTC${hist.filled ? '' : '; only the ' + by + 's with events'})`);
    section(
      by,
      hist.buckets.map((b) => ({ label: bucketLabel(b.start, by), count: b.count, extra: b.findings ? fmtInt(b.findings) : '' })),
      anyFindings ? 'findings' : undefined,
    );
  }
}

export function register(program: Command): void {
  program
    .command('stats')
    .summary('counts, top values and a histogram over the store')
    .description(
      'Counts per dataset, parsed and unparsed, HTTP status classes, outcomes and findings per level; --top FIELD ' +
        'lists the most frequent values of a field, --by draws events (and the findings that start) per minute, ' +
        'hour or day (UTC). --query, --since and --until narrow every count to the matching events; a finding ' +
        'counts when it starts in the time range and one of its evidence events matches the query.',
    )
    .option('--top <field>', 'the most frequent values of this field')
    .option('--limit <n>', 'how many top values (default 10; 0: all)')
    .option('--by <interval>', 'histogram: minute, hour or day')
    .option('--query <query>', 'only events matching this search query')
    .option('--since <time>', 'events at or after this time (ISO, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'events before this time')
    .option('--json', 'NDJSON: one object per line with a "type", a "summary" line last')
    .addHelpText(
      'after',
      examples([
        'loghound stats',
        "loghound stats --top source.ip --query 'http.response.status_code >= 400'",
        'loghound stats --by hour --since 2d',
        "loghound stats --top user.name --query 'event.action:ssh_login and event.outcome:failure' --json | jq -r 'select(.type==\"top\") | \"\\(.count) \\(.value)\"'",
      ]),
    )
    .action(
      action(async (flags: StatsFlags, cmd: Command) => {
        await runStats(appFor(cmd), flags);
      }),
    );
}
