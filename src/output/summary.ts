/** The ingest summary, as text for people or one JSON object for scripts. */
import type { IngestSummary, SourceSummary } from '../ingest/ingest.js';
import { escapeTerminal } from './escape.js';
import { fmtBytes, fmtInt } from './format.js';
import type { ChalkInstance } from 'chalk';

export function summaryJson(s: IngestSummary): Record<string, unknown> {
  return {
    files: s.files,
    lines_read: s.lines_read,
    bytes_read: s.bytes_read,
    events_stored: s.events_stored,
    unparsed: s.unparsed,
    truncated: s.truncated,
    invalid_utf8: s.invalid_utf8,
    by_dataset: s.by_dataset,
    skipped: s.skipped,
    sources: s.sources,
    tz: s.tz,
    seconds: Number(s.seconds.toFixed(3)),
    lines_per_second: s.lines_per_second,
    interrupted: s.interrupted,
  };
}

/** Cut and repaired lines are stored, but the summary says how many, so that a reader knows the text is not whole. */
function damage(src: Pick<SourceSummary, 'truncated' | 'invalid_utf8'>): string {
  let out = '';
  if (src.truncated > 0) out += `, ${fmtInt(src.truncated)} line${src.truncated === 1 ? '' : 's'} cut`;
  if (src.invalid_utf8 > 0) out += `, ${fmtInt(src.invalid_utf8)} with invalid UTF-8`;
  return out;
}

export function summaryText(s: IngestSummary, c: ChalkInstance): string {
  const out: string[] = [];
  const parsed = s.events_stored - s.unparsed;
  out.push(
    `${c.bold('ingested')} ${fmtInt(s.files)} file${s.files === 1 ? '' : 's'}: ${fmtInt(s.lines_read)} lines (${fmtBytes(s.bytes_read)}) in ${s.seconds.toFixed(2)} s, ${fmtInt(s.lines_per_second)} lines/s`,
  );
  out.push(`stored ${fmtInt(s.events_stored)} events: ${fmtInt(parsed)} parsed, ${fmtInt(s.unparsed)} unparsed${damage(s)}; times without a zone read as ${s.tz}`);
  const datasets = Object.entries(s.by_dataset).sort((a, b) => b[1] - a[1]);
  if (datasets.length) {
    const w = Math.max(...datasets.map(([d]) => d.length));
    for (const [d, n] of datasets) out.push(`  ${d.padEnd(w)}  ${fmtInt(n).padStart(10)}`);
  }
  if (s.sources.length) {
    out.push('files:');
    for (const src of s.sources) {
      const what = src.status === 'unchanged' ? 'no new lines' : `${fmtInt(src.lines)} lines, ${fmtInt(src.unparsed)} unparsed${damage(src)}`;
      out.push(`  ${src.status.padEnd(9)} ${escapeTerminal(src.path)}  ${c.dim(`[${src.format ?? '-'}] ${what}`)}`);
    }
  }
  if (s.skipped.length) {
    out.push(c.yellow('skipped:'));
    for (const k of s.skipped) out.push(`  ${escapeTerminal(k.path)}: ${escapeTerminal(k.reason)}`);
  }
  if (s.interrupted) out.push(c.yellow('interrupted: what was read is committed; run the same command again to resume'));
  return out.join('\n');
}
