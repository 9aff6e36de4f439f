/**
 * What the HTML report shows, read from the store in a few grouped queries: the overview, the sources, a timeline
 * of events and findings per bucket, the busiest source addresses with their intel, countries, and the findings.
 * Everything is narrowed by the same filter as search and stats (time range and query); findings are those whose
 * span overlaps the time range and, with a query, that have an evidence event matching it.
 */
import type { DB } from './db.js';
import { EVIDENCE_CAP, type FindingRow } from './findings.js';
import { bucketSql } from './rollup.js';
import { barNumber, barStartOf, finestUnit, type BarUnit } from '../util/bars.js';
import { groupFields } from './group.js';
import { EVENT_SELECT, rowToEvent } from './events.js';
import { histogram, overview, whereOf, INTERVALS, type EventFilter, type Interval, type Overview } from './read.js';
import { LEVELS, levelRank, type FieldValue, type Level, type StoredEvent } from '../model/event.js';

/** Busiest source addresses listed; addresses named by a finding are listed as well, up to the same number. */
const TOP_IPS = 25;
/** The timeline uses the finest of minute / hour / day / week / month that needs at most this many bars. */
const MAX_BARS = 180;

export interface SourceStat {
  path: string;
  format: string | null;
  /** lines read from the file */
  lines: number;
  /** events of the report's range and query */
  events: number;
}

/** An ip_intel row (enrichment); fields are null when unknown. */
export interface IpIntel {
  scope: string | null;
  country_iso_code: string | null;
  country_name: string | null;
  city_name: string | null;
  asn: number | null;
  as_org: string | null;
  feed_count: number;
  feeds: string | null;
  threat_context: string | null;
  threat_severity: string | null;
  threat_score: number | null;
}

export interface IpStat {
  ip: string;
  events: number;
  first: number | null;
  last: number | null;
  findings: number;
  /** highest level among the findings that name the address, null when none does */
  level: Level | null;
}

export interface CountryStat {
  code: string | null;
  name: string | null;
  /** set when the addresses are not public (private, loopback...): they have no country */
  scope: string | null;
  ips: number;
  events: number;
  /** addresses on at least one threat feed */
  listed: number;
}

/** Series of the event timeline: LEVELS by index (events that are evidence of a finding at that level), then NONE. */
export const NONE = LEVELS.length;

export interface Timeline {
  interval: BarUnit;
  /** start of each bucket, epoch ms, consecutive */
  starts: number[];
  /** [bucket][series]: events by the highest level of a finding they are evidence of; index NONE for none */
  events: number[][];
  /** [bucket][level index]: findings by the bucket of their first event */
  findings: number[][];
  /** findings that count more events than they link (the evidence cap), and how many more: those are not coloured */
  unlinked: { findings: number; events: number };
}

export interface ReportFinding {
  row: FindingRow;
  group: Record<string, FieldValue>;
  /** the group at the event fields it stands for (an alias such as `client` resolved to source.ip) */
  fields: Record<string, FieldValue>;
  tags: string[];
  details: Record<string, unknown> | null;
}

export interface ReportData {
  overview: Overview;
  sources: SourceStat[];
  /** sources in the store with no event in the report */
  quietSources: number;
  timeline: Timeline | null;
  /** "absent": the store predates enrichment; "empty": nothing enriched yet */
  intelState: 'absent' | 'empty' | 'present';
  ips: IpStat[];
  /** distinct source addresses in the report */
  distinctIps: number;
  countries: CountryStat[];
  /** intel of every listed address and every address a finding names */
  intel: Map<string, IpIntel>;
  /** highest level first, then by first event */
  findings: ReportFinding[];
  levels: Record<Level, number>;
}

function hasTable(db: DB, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function selectFindings(db: DB, f: EventFilter): FindingRow[] {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.since !== undefined) {
    parts.push('f.last_ts >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push('f.first_ts < ?');
    params.push(f.until);
  }
  if (f.query || f.conditions?.length) {
    const w = whereOf(f);
    parts.push(`EXISTS (SELECT 1 FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = f.id AND ${w.sql})`);
    params.push(...w.params);
  }
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  return db.prepare(`SELECT f.* FROM findings f ${where} ORDER BY f.level_rank DESC, f.first_ts, f.rule_title, f.id`).all(...params) as FindingRow[];
}

function timeline(db: DB, f: EventFilter, o: Overview, findings: FindingRow[]): Timeline | null {
  // The span of the data in the report (a finding that began before --since counts from --since), not of the
  // flags: "--since 2000-01-01" must not draw 9,000 empty days.
  let lo = o.first ?? Number.POSITIVE_INFINITY;
  let hi = o.last ?? Number.NEGATIVE_INFINITY;
  for (const r of findings) {
    const t = Math.min(Math.max(r.first_ts, f.since ?? r.first_ts), f.until !== undefined ? f.until - 1 : r.first_ts);
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  if (lo > hi) return null;
  const interval = finestUnit(lo, hi, MAX_BARS);
  // weeks, months and years are made of whole days: the store counts by day and the days are summed into them
  const counted: Interval = interval === 'minute' || interval === 'hour' ? interval : 'day';
  const size = INTERVALS[counted];
  const first = barNumber(lo, interval);
  const n = barNumber(hi, interval) - first + 1;
  const starts = Array.from({ length: n }, (_, i) => barStartOf(first + i, interval));
  const events = starts.map(() => new Array<number>(LEVELS.length + 1).fill(0));
  const slot = (ts: number) => Math.min(n - 1, Math.max(0, barNumber(ts, interval) - first));
  for (const b of histogram(db, f, counted)) events[slot(b.start)][NONE] += b.count;
  // Events that are evidence of a finding move from "none" to the highest level among their findings.
  const w = whereOf(f);
  const evidence = db
    .prepare(
      `SELECT b, lvl, count(*) AS n FROM (
         SELECT ${bucketSql('e.ts', size)} AS b, max(x.level_rank) AS lvl
         FROM finding_events fe JOIN findings x ON x.id = fe.finding_id JOIN events e ON e.id = fe.event_id
         WHERE ${w.sql} GROUP BY fe.event_id)
       GROUP BY b, lvl`,
    )
    .all(...w.params) as { b: number; lvl: number; n: number }[];
  for (const r of evidence) {
    const row = events[slot(r.b)];
    row[r.lvl] += r.n;
    row[NONE] -= r.n;
  }
  const perBucket = starts.map(() => new Array<number>(LEVELS.length).fill(0));
  for (const r of findings) perBucket[slot(r.first_ts)][r.level_rank]++;
  return { interval, starts, events, findings: perBucket, unlinked: unlinkedEvents(db, findings) };
}

/**
 * Events are coloured through their evidence links, and a finding links at most EVIDENCE_CAP events: which of the
 * rest it counted is not stored, so the chart cannot colour them and says how many there are instead.
 */
function unlinkedEvents(db: DB, findings: FindingRow[]): Timeline['unlinked'] {
  const linked = db.prepare('SELECT count(*) FROM finding_events WHERE finding_id = ?').pluck();
  const out = { findings: 0, events: 0 };
  for (const r of findings) {
    if (r.count <= EVIDENCE_CAP) continue;
    const more = r.count - (linked.get(r.id) as number);
    if (more <= 0) continue;
    out.findings++;
    out.events += more;
  }
  return out;
}

function sources(db: DB, f: EventFilter): { list: SourceStat[]; quiet: number } {
  const w = whereOf(f);
  const rows = db
    .prepare(
      `SELECT s.path AS path, s.format AS format, s.lines AS lines, coalesce(t.n, 0) AS events
       FROM sources s LEFT JOIN (SELECT e.source_id AS sid, count(*) AS n FROM events e WHERE ${w.sql} GROUP BY 1) t ON t.sid = s.id
       ORDER BY s.path, s.id`,
    )
    .all(...w.params) as SourceStat[];
  const filtered = w.sql !== '1';
  const list = filtered ? rows.filter((r) => r.events > 0) : rows;
  return { list, quiet: rows.length - list.length };
}

/** Group values that are addresses: the keys the rules group by (source.ip, destination.ip, ...). */
export function groupIps(group: Record<string, FieldValue>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(group)) if ((k === 'ip' || k.endsWith('.ip')) && typeof v === 'string') out.push(v);
  return out;
}

function sourceIps(db: DB, f: EventFilter, findings: ReportFinding[]): { ips: IpStat[]; distinct: number } {
  const w = whereOf(f);
  const cond = `${w.sql} AND e.source_ip IS NOT NULL`;
  const distinct = (db.prepare(`SELECT count(DISTINCT e.source_ip) AS n FROM events e WHERE ${cond}`).get(...w.params) as { n: number }).n;
  const busiest = db
    .prepare(`SELECT e.source_ip AS ip, count(*) AS events, min(e.ts) AS first, max(e.ts) AS last FROM events e WHERE ${cond} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`)
    .all(...w.params, TOP_IPS) as { ip: string; events: number; first: number; last: number }[];
  const named = new Map<string, { findings: number; rank: number }>();
  for (const x of findings) {
    const ip = x.fields['source.ip'];
    if (typeof ip !== 'string') continue;
    const n = named.get(ip) ?? { findings: 0, rank: -1 };
    n.findings++;
    n.rank = Math.max(n.rank, x.row.level_rank);
    named.set(ip, n);
  }
  const stats = new Map(busiest.map((b) => [b.ip, b]));
  const one = db.prepare(`SELECT count(*) AS events, min(e.ts) AS first, max(e.ts) AS last FROM events e WHERE ${w.sql} AND e.source_ip = ?`);
  const extra = [...named]
    .filter(([ip]) => !stats.has(ip))
    .sort((a, b) => b[1].rank - a[1].rank || b[1].findings - a[1].findings || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_IPS);
  for (const [ip] of extra) stats.set(ip, { ip, ...(one.get(...w.params, ip) as { events: number; first: number; last: number }) });
  const ips: IpStat[] = [...stats.values()].map((s) => {
    const n = named.get(s.ip);
    return { ip: s.ip, events: s.events, first: s.first, last: s.last, findings: n?.findings ?? 0, level: n ? LEVELS[n.rank] : null };
  });
  const rank = (s: IpStat) => (s.level ? levelRank(s.level) : -1);
  ips.sort((a, b) => rank(b) - rank(a) || b.events - a.events || (a.ip < b.ip ? -1 : 1));
  return { ips, distinct };
}

function countries(db: DB, f: EventFilter): CountryStat[] {
  const w = whereOf(f);
  return db
    .prepare(
      `SELECT i.country_iso_code AS code, i.country_name AS name, i.scope AS scope, count(*) AS ips, sum(t.n) AS events,
              sum(coalesce(i.feed_count, 0) > 0) AS listed
       FROM (SELECT e.source_ip AS ip, count(*) AS n FROM events e WHERE ${w.sql} AND e.source_ip IS NOT NULL GROUP BY 1) t
       LEFT JOIN ip_intel i ON i.ip = t.ip
       GROUP BY 1, 2, 3 ORDER BY 5 DESC, 1`,
    )
    .all(...w.params) as CountryStat[];
}

const INTEL_COLUMNS =
  'scope, country_iso_code, country_name, city_name, asn, as_org, feed_count, feeds, threat_context, threat_severity, threat_score';

export function gatherReport(db: DB, f: EventFilter): ReportData {
  const o = overview(db, f);
  const rows = selectFindings(db, f);
  const findings: ReportFinding[] = rows.map((row) => {
    const group = JSON.parse(row.group_json) as Record<string, FieldValue>;
    return {
      row,
      group,
      fields: groupFields(db, row.id, group),
      tags: JSON.parse(row.tags) as string[],
      details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    };
  });
  const levels = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const x of findings) levels[x.row.level]++;
  const src = sources(db, f);
  const { ips, distinct } = sourceIps(db, f, findings);

  const intel = new Map<string, IpIntel>();
  let intelState: ReportData['intelState'] = 'absent';
  let byCountry: CountryStat[] = [];
  if (hasTable(db, 'ip_intel')) {
    intelState = db.prepare('SELECT 1 FROM ip_intel LIMIT 1').get() ? 'present' : 'empty';
    if (intelState === 'present') {
      const get = db.prepare(`SELECT ${INTEL_COLUMNS} FROM ip_intel WHERE ip = ?`);
      const wanted = new Set([...ips.map((s) => s.ip), ...findings.flatMap((x) => groupIps(x.fields))]);
      for (const ip of wanted) {
        const row = get.get(ip) as IpIntel | undefined;
        if (row) intel.set(ip, row);
      }
      byCountry = countries(db, f);
    }
  }
  return {
    overview: o,
    sources: src.list,
    quietSources: src.quiet,
    timeline: timeline(db, f, o, rows),
    intelState,
    ips,
    distinctIps: distinct,
    countries: byCountry,
    intel,
    findings,
    levels,
  };
}

/**
 * Evidence shown for one finding: all of it when it fits, else its first and last events (the last event of a
 * correlation, such as the login after a brute force, is often the point).
 */
export interface EvidenceSample {
  head: StoredEvent[];
  tail: StoredEvent[];
  /** events the store links to the finding: fewer than its count past the evidence cap */
  linked: number;
}

export function evidenceSample(db: DB, findingId: string, cap: number): EvidenceSample {
  const from = `FROM finding_events fe JOIN events e ON e.id = fe.event_id JOIN sources s ON s.id = e.source_id WHERE fe.finding_id = ?`;
  const read = (order: string, n: number) =>
    (db.prepare(`SELECT ${EVENT_SELECT} ${from} ORDER BY ${order} LIMIT ?`).all(findingId, n) as Parameters<typeof rowToEvent>[0][]).map(rowToEvent);
  const linked = (db.prepare('SELECT count(*) AS n FROM finding_events WHERE finding_id = ?').get(findingId) as { n: number }).n;
  if (linked <= cap) return { head: read('fe.ts, fe.event_id', cap), tail: [], linked };
  const tailSize = Math.floor(cap / 2);
  return { head: read('fe.ts, fe.event_id', cap - tailSize), tail: tailSize ? read('fe.ts DESC, fe.event_id DESC', tailSize).reverse() : [], linked };
}
