/** Findings as NDJSON, CSV and terminal tables: one shape everywhere (README documents it). */
import { isIP } from 'node:net';
import type { ChalkInstance } from 'chalk';
import type { DB } from '../store/db.js';
import type { FindingRow } from '../store/findings.js';
import { EVENT_SELECT, rowToEvent } from '../store/events.js';
import type { StoredEvent } from '../model/event.js';
import { isoUtc } from '../util/time.js';
import { nestFields, setPath, type Doc } from './ecs.js';
import { cellText, csvLine, fmtInt, renderTable } from './format.js';
import { escapeTerminal } from './escape.js';
import type { GeoEcs, ThreatEcs } from '../enrich/ecs.js';

/** A finding's evidence events in time order; `limit` -1: all that are kept. */
export function evidenceEvents(db: DB, findingId: string, limit: number): StoredEvent[] {
  const rows = db
    .prepare(`SELECT ${EVENT_SELECT} FROM finding_events fe JOIN events e ON e.id = fe.event_id JOIN sources s ON s.id = e.source_id WHERE fe.finding_id = ? ORDER BY fe.ts, fe.event_id LIMIT ?`)
    .all(findingId, limit) as Parameters<typeof rowToEvent>[0][];
  return rows.map(rowToEvent);
}

export function nestGroup(group: Record<string, unknown>): Doc {
  return nestFields({}, Object.entries(group));
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

export const FINDING_CSV_HEAD = ['id', 'first_seen', 'last_seen', 'level', 'rule_id', 'rule_title', 'group', 'count', 'country', 'threat'];

/**
 * One CSV row. On a terminal its cells are escaped like every other view (rule titles and groups carry log text);
 * into a file or pipe CSV is data for other programs and keeps the bytes.
 */
export function findingCsv(row: FindingRow, terminal: boolean): string {
  const e = enrichmentText(row);
  const cells = [row.id, isoUtc(row.first_ts), isoUtc(row.last_ts), row.level, row.rule_id, row.rule_title, groupText(row.group_json), row.count, e.country ?? '', e.threat ?? ''];
  return csvLine(terminal ? cells.map((v) => escapeTerminal(cellText(v))) : cells);
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

/** Group values come from logs (a user agent can be kilobytes): the table cuts them; show and --json have them whole. */
const GROUP_WIDTH = 80;

function cut(s: string, width: number): string {
  return s.length <= width ? s : s.slice(0, width - 1) + '…';
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
      cut(escapeTerminal(groupText(r.group_json)), GROUP_WIDTH),
      r.count,
      ...(anyEnrich ? [escapeTerminal(e.country ?? ''), escapeTerminal(e.threat ?? '')] : []),
      r.id.slice(0, 12),
    ];
  });
  return renderTable(head, body, { raw: new Set(head.map((_, i) => i)) });
}

/** What hunt stored about a finding's addresses when it was found (enrich/findings.ts writes it). */
export interface EnrichmentSnapshot {
  source?: GeoEcs;
  destination?: GeoEcs;
  threat?: ThreatEcs;
}

export function enrichmentOf(row: FindingRow): EnrichmentSnapshot {
  return row.enrichment ? (JSON.parse(row.enrichment) as EnrichmentSnapshot) : {};
}

/** The timeline's line for a finding, in the minute it starts: `▶ [high] Title (24 events, source.ip=...) 185e6c704ab8`. */
export function findingMarker(row: FindingRow, c: ChalkInstance): string {
  const group = groupText(row.group_json);
  const what = `${fmtInt(row.count)} event${row.count === 1 ? '' : 's'}${group ? `, ${group}` : ''}`;
  return `${c.bold('▶')} [${levelText(c, row.level)}] ${c.bold(escapeTerminal(row.rule_title))} (${escapeTerminal(what)}) ${c.dim(row.id.slice(0, 12))}`;
}

function geoText(g: GeoEcs | undefined): string {
  if (!g) return '';
  const parts: string[] = [];
  const geo = g.geo;
  if (geo) {
    const place = [geo.country_iso_code, geo.country_name && geo.country_name !== geo.country_iso_code ? `(${geo.country_name})` : '', geo.city_name ? `${geo.city_name}` : '']
      .filter(Boolean)
      .join(' ');
    if (place) parts.push(place);
  }
  if (g.as) parts.push([g.as.number !== undefined ? `AS${g.as.number}` : '', g.as.organization?.name ?? ''].filter(Boolean).join(' '));
  return parts.join(', ');
}

/**
 * `loghound show` as text: the finding, its enrichment, then its evidence lines (file:line, time, raw line) in
 * time order. Everything that came from logs, rules or feeds is escaped for the terminal.
 */
export function findingText(row: FindingRow, evidence: StoredEvent[], stored: number, c: ChalkInstance): string[] {
  const lines: string[] = [];
  const field = (name: string, value: string) => lines.push(`  ${c.dim(name.padEnd(9))}${value}`);
  lines.push(c.bold(escapeTerminal(row.rule_title)));
  field('id', row.id);
  field('rule', `${escapeTerminal(row.rule_id)} (${escapeTerminal(row.rule_kind)})`);
  field('level', levelText(c, row.level));
  const tags = JSON.parse(row.tags) as string[];
  if (tags.length) field('tags', escapeTerminal(tags.join(', ')));
  const group = JSON.parse(row.group_json) as Record<string, unknown>;
  field('group', escapeTerminal(groupText(row.group_json)) || c.dim('(none)'));
  field('first', isoUtc(row.first_ts));
  field('last', isoUtc(row.last_ts));
  field('count', `${fmtInt(row.count)} event${row.count === 1 ? '' : 's'}`);
  if (row.details) {
    const details = JSON.parse(row.details) as Record<string, unknown>;
    field('details', escapeTerminal(Object.entries(details).map(([k, v]) => `${k}=${cellText(v)}`).join(' ')));
  }
  const e = enrichmentOf(row);
  for (const side of ['source', 'destination'] as const) {
    const text = geoText(e[side]);
    if (!text) continue;
    const ip = group[`${side}.ip`];
    field(side, escapeTerminal(typeof ip === 'string' ? `${ip}: ${text}` : text));
  }
  if (e.threat) {
    const t = e.threat;
    field(
      'threat',
      escapeTerminal(`${t.ip}: ${t.context}, severity ${t.severity}, score ${t.score}; listed by ${t.feeds.join(', ')}`),
    );
  }
  lines.push('');
  const kept = stored < row.count ? `; the first ${fmtInt(stored)} are kept as evidence` : '';
  lines.push(`${c.bold('evidence')}: ${fmtInt(row.count)} event${row.count === 1 ? '' : 's'}${kept}, in time order`);
  const where = evidence.map((ev) => escapeTerminal(`${ev.sourcePath}:${ev.line}`));
  const width = Math.max(0, ...where.map((w) => w.length));
  evidence.forEach((ev, i) => lines.push(`  ${c.cyan(where[i].padEnd(width))}  ${c.dim(isoUtc(ev.ts))}  ${escapeTerminal(ev.raw)}`));
  const more = stored - evidence.length;
  if (more > 0) lines.push(c.dim(`  … ${fmtInt(more)} more (--limit N shows more, --limit 0 all ${fmtInt(stored)})`));
  // even --limit 0 ends at the kept events: say so where the list ends, not only in the heading
  if (stored < row.count) lines.push(c.dim(`  … ${fmtInt(row.count - stored)} more counted, not kept as evidence`));
  return lines;
}

/** MITRE ATT&CK Enterprise tactics by the name Sigma tags use (attack.credential_access / attack.credential-access). */
const TACTICS: Record<string, [string, string]> = {
  reconnaissance: ['TA0043', 'Reconnaissance'],
  resource_development: ['TA0042', 'Resource Development'],
  initial_access: ['TA0001', 'Initial Access'],
  execution: ['TA0002', 'Execution'],
  persistence: ['TA0003', 'Persistence'],
  privilege_escalation: ['TA0004', 'Privilege Escalation'],
  defense_evasion: ['TA0005', 'Defense Evasion'],
  credential_access: ['TA0006', 'Credential Access'],
  discovery: ['TA0007', 'Discovery'],
  lateral_movement: ['TA0008', 'Lateral Movement'],
  collection: ['TA0009', 'Collection'],
  command_and_control: ['TA0011', 'Command and Control'],
  exfiltration: ['TA0010', 'Exfiltration'],
  impact: ['TA0040', 'Impact'],
};

/** ECS threat.framework / tactic / technique from a rule's Sigma tags; undefined when it carries no ATT&CK tag. */
export function attackEcs(tags: string[]): Doc | undefined {
  const tactics: [string, string][] = [];
  const techniques = new Set<string>();
  const subs = new Set<string>();
  for (const tag of tags) {
    const m = /^attack\.(.+)$/i.exec(tag);
    if (!m) continue;
    const name = m[1].toLowerCase().replace(/-/g, '_');
    const t = /^t(\d{4})(?:\.(\d{3}))?$/.exec(name);
    if (t) {
      techniques.add(`T${t[1]}`);
      if (t[2]) subs.add(`T${t[1]}.${t[2]}`);
    } else if (Object.hasOwn(TACTICS, name) && !tactics.some(([id]) => id === TACTICS[name][0])) {
      // own keys only: rules are user input, and attack.constructor would find Object's constructor
      tactics.push(TACTICS[name]);
    }
  }
  if (!tactics.length && !techniques.size) return undefined;
  const doc: Doc = { framework: 'MITRE ATT&CK' };
  if (tactics.length) {
    doc.tactic = {
      id: tactics.map(([id]) => id),
      name: tactics.map(([, n]) => n),
      reference: tactics.map(([id]) => `https://attack.mitre.org/tactics/${id}/`),
    };
  }
  if (techniques.size) {
    const ids = [...techniques];
    doc.technique = { id: ids, reference: ids.map((id) => `https://attack.mitre.org/techniques/${id}/`) };
    if (subs.size) {
      const s = [...subs];
      (doc.technique as Doc).subtechnique = { id: s, reference: s.map((id) => `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`) };
    }
  }
  return doc;
}

function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** b's fields into a, objects merged key by key (a group's source.ip beside the snapshot's source.geo). */
function mergeInto(a: Doc, b: Doc): Doc {
  for (const [k, v] of Object.entries(b)) {
    const have = a[k];
    if (isObject(have) && isObject(v)) mergeInto(have, v);
    else a[k] = v;
  }
  return a;
}

/**
 * A finding as an Elasticsearch document (the findings `ecs-bulk` export): an ECS alert. @timestamp is when it
 * started, event.start / event.end its span; rule.* the rule (rule.level is Sigma's level, event.severity its
 * rank 0-4); the group's fields at their ECS places (source.ip, user.name ...) with the enrichment snapshot beside
 * them (source.geo, source.as, threat.*), the rule's ATT&CK tags as threat.tactic / threat.technique, related.*
 * for pivoting, and loghound.finding.* for the rest. `fields` is the group at the event fields it stands for
 * (store/group.ts): an alias such as `client` is no ECS name, and at the top level it would clash with ECS's
 * `client` object. `details` and `group` (the group as the rule named it) are JSON text: their shapes differ from
 * rule to rule, and an object would clash in one index's mapping. Evidence events carry `export_id`, their `_id`
 * in an `export --events --format ecs-bulk` of the same store.
 */
export function findingEcs(row: FindingRow, fields: Record<string, unknown>, evidence: { event: StoredEvent; exportId: string }[]): Doc {
  const tags = JSON.parse(row.tags) as string[];
  const group = JSON.parse(row.group_json) as Record<string, unknown>;
  const doc: Doc = {
    '@timestamp': isoUtc(row.first_ts),
    message: `${row.rule_title}${Object.keys(group).length ? `: ${groupText(row.group_json)}` : ''} (${row.count} event${row.count === 1 ? '' : 's'})`,
    event: {
      kind: 'alert',
      category: ['intrusion_detection'],
      type: ['info'],
      dataset: 'loghound.finding',
      id: row.id,
      start: isoUtc(row.first_ts),
      end: isoUtc(row.last_ts),
      created: isoUtc(row.created_at),
      severity: row.level_rank,
    },
    rule: { id: row.rule_id, name: row.rule_title, category: row.rule_kind, level: row.level },
  };
  if (tags.length) doc.tags = tags;
  mergeInto(doc, nestGroup(fields));
  const snap = enrichmentOf(row) as Doc;
  mergeInto(doc, snap);
  const attack = attackEcs(tags);
  if (attack) mergeInto(doc, { threat: attack });
  const related: Record<string, string[]> = {};
  const add = (k: string, v: string) => {
    const list = (related[k] ??= []);
    if (!list.includes(v)) list.push(v);
  };
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v !== 'string') continue;
    if ((k === 'ip' || k.endsWith('.ip')) && isIP(v)) add('ip', v);
    else if (k === 'user.name' || k === 'user.target.name' || k.endsWith('.user.name')) add('user', v);
    else if (k === 'host.name') add('hosts', v);
  }
  if (Object.keys(related).length) doc.related = related;
  const finding: Doc = {
    id: row.id,
    level: row.level,
    count: row.count,
    updated: isoUtc(row.updated_at),
  };
  // the group as the rule named it, aliases included; the values are at their ECS places above
  if (Object.keys(group).length) finding.group = row.group_json;
  finding.evidence = {
    count: row.count,
    events: evidence.map(({ event, exportId }) => ({ ...evidenceDoc(event), export_id: exportId })),
  };
  if (row.details) finding.details = row.details;
  doc.loghound = { finding };
  return doc;
}
