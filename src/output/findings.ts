/** Findings as NDJSON, CSV and terminal tables: one shape everywhere (README documents it). */
import type { ChalkInstance } from 'chalk';
import type { DB } from '../store/db.js';
import type { FindingRow } from '../store/findings.js';
import { EVENT_SELECT, rowToEvent } from '../store/events.js';
import type { StoredEvent } from '../model/event.js';
import { isoUtc } from '../util/time.js';
import { setPath, type Doc } from './ecs.js';
import { cellText, csvLine, renderTable } from './format.js';
import { escapeTerminal } from './escape.js';

export function evidenceEvents(db: DB, findingId: string, limit: number): StoredEvent[] {
  const rows = db
    .prepare(`SELECT ${EVENT_SELECT} FROM finding_events fe JOIN events e ON e.id = fe.event_id JOIN sources s ON s.id = e.source_id WHERE fe.finding_id = ? ORDER BY fe.ts, fe.event_id LIMIT ?`)
    .all(findingId, limit) as Parameters<typeof rowToEvent>[0][];
  return rows.map(rowToEvent);
}

export function nestGroup(group: Record<string, unknown>): Doc {
  const doc: Doc = {};
  for (const [k, v] of Object.entries(group)) setPath(doc, k, v);
  return doc;
}

export function evidenceDoc(ev: StoredEvent): Doc {
  const doc: Doc = { '@timestamp': isoUtc(ev.ts) };
  setPath(doc, 'log.file.path', ev.sourcePath);
  setPath(doc, 'log.file.line', ev.line);
  setPath(doc, 'event.id', String(ev.id));
  setPath(doc, 'event.dataset', ev.dataset);
  setPath(doc, 'event.original', ev.raw);
  doc.message = typeof ev.fields.message === 'string' ? ev.fields.message : ev.raw;
  return doc;
}

export function findingDoc(row: FindingRow, evidence: StoredEvent[]): Doc {
  const doc: Doc = {
    id: row.id,
    rule: { id: row.rule_id, title: row.rule_title, level: row.level, tags: JSON.parse(row.tags) as string[], kind: row.rule_kind },
    '@timestamp': isoUtc(row.first_ts),
    last_seen: isoUtc(row.last_ts),
    count: row.count,
    group: nestGroup(JSON.parse(row.group_json) as Record<string, unknown>),
    evidence: { count: row.count, events: evidence.map(evidenceDoc) },
  };
  if (row.details) doc.details = JSON.parse(row.details);
  if (row.enrichment) Object.assign(doc, JSON.parse(row.enrichment));
  return doc;
}

export const FINDING_CSV_HEAD = ['id', 'first_seen', 'last_seen', 'level', 'rule_id', 'rule_title', 'group', 'count'];

export function findingCsv(row: FindingRow): string {
  const group = Object.entries(JSON.parse(row.group_json) as Record<string, unknown>)
    .map(([k, v]) => `${k}=${cellText(v)}`)
    .join(' ');
  return csvLine([row.id, isoUtc(row.first_ts), isoUtc(row.last_ts), row.level, row.rule_id, row.rule_title, group, row.count]);
}

const LEVEL_COLOR: Record<string, (c: ChalkInstance, s: string) => string> = {
  critical: (c, s) => c.bgRed.white.bold(s),
  high: (c, s) => c.red.bold(s),
  medium: (c, s) => c.yellow(s),
  low: (c, s) => c.cyan(s),
  informational: (c, s) => c.dim(s),
};

export function levelText(c: ChalkInstance, level: string): string {
  return (LEVEL_COLOR[level] ?? ((_c, s) => s))(c, level);
}

export function groupText(groupJson: string): string {
  return Object.entries(JSON.parse(groupJson) as Record<string, unknown>)
    .map(([k, v]) => `${k}=${cellText(v)}`)
    .join(' ');
}

/** Country and threat context from a finding's enrichment snapshot, for tables. */
export function enrichmentText(r: FindingRow): { country?: string; threat?: string } {
  if (!r.enrichment) return {};
  const e = JSON.parse(r.enrichment) as { source?: { geo?: { country_iso_code?: string } }; destination?: { geo?: { country_iso_code?: string } }; threat?: { context?: string; feed_count?: number } };
  return {
    country: e.source?.geo?.country_iso_code ?? e.destination?.geo?.country_iso_code,
    threat: e.threat ? `${e.threat.context} (${e.threat.feed_count} feed${e.threat.feed_count === 1 ? '' : 's'})` : undefined,
  };
}

export function findingsTable(rows: FindingRow[], c: ChalkInstance, extra: (r: FindingRow) => { country?: string; threat?: string } = enrichmentText): string {
  const anyEnrich = rows.some((r) => extra(r).country || extra(r).threat);
  const head = ['first seen (UTC)', 'level', 'rule', 'group', 'count', ...(anyEnrich ? ['country', 'threat'] : []), 'id'];
  const body = rows.map((r) => {
    const e = extra(r);
    return [
      isoUtc(r.first_ts).slice(0, 19).replace('T', ' '),
      levelText(c, r.level),
      escapeTerminal(r.rule_title),
      escapeTerminal(groupText(r.group_json)),
      r.count,
      ...(anyEnrich ? [escapeTerminal(e.country ?? ''), escapeTerminal(e.threat ?? '')] : []),
      r.id.slice(0, 12),
    ];
  });
  return renderTable(head, body, { raw: new Set(head.map((_, i) => i)) });
}
