/**
 * Read-side queries shared by the investigation commands: events by query and time range (streamed in pages),
 * an overview of counts, top values of a field, and time histograms. The store is opened read-only.
 *
 * Events stream in keyset pages ((ts, id) or id order, a few thousand rows each, each page read with iterate()):
 * memory stays flat, and no single read transaction spans a long export, so a concurrent ingest's WAL can still
 * be checkpointed between pages.
 */
import type { DB } from './db.js';
import { openDb, storeVersion } from './db.js';
import { bucketOf, bucketSql, HOUR, ROLLUP_VERSION, rollupRows, rollupTotal } from './rollup.js';
import { COUNTED_COLUMNS, COUNTS_VERSION, topCounted } from './counts.js';
import { EVENT_FROM, EVENT_SELECT, rowToEvent } from './events.js';
import { fieldSql, jsonArraySql } from './fieldsql.js';
import { LEVELS, type StoredEvent } from '../model/event.js';
import { registerQueryFunctions } from '../query/functions.js';
import { compileAst, keyToIp, type CompiledQuery, type HeldAddresses, type SqlParam } from '../query/compile.js';
import type { Node } from '../query/ast.js';
import { UsageError } from '../errors.js';
import { ipKey, isIpv4Key, parseCidr, spellingPrefixes, V4_SPELLINGS } from '../query/ip.js';

/** The store, read-only twice over: a read-only SQLite connection, and query_only on top. */
export function openReadStore(file: string): DB {
  const db = openDb(file, { readonly: true });
  db.pragma('query_only = ON');
  registerQueryFunctions(db);
  return db;
}

export interface Condition {
  sql: string;
  params: SqlParam[];
}

export interface EventFilter {
  query?: CompiledQuery;
  /** inclusive, epoch ms */
  since?: number;
  /** exclusive, epoch ms */
  until?: number;
  /** more conditions (entity filters), ANDed */
  conditions?: Condition[];
}

export function whereOf(f: EventFilter): Condition {
  const parts: string[] = [];
  const params: SqlParam[] = [];
  if (f.query && f.query.where !== '1') {
    parts.push(`(${f.query.where})`);
    params.push(...f.query.params);
  }
  if (f.since !== undefined) {
    parts.push('e.ts >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push('e.ts < ?');
    params.push(f.until);
  }
  for (const c of f.conditions ?? []) {
    parts.push(`(${c.sql})`);
    params.push(...c.params);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

export interface PageOptions {
  /** stop after this many rows (undefined: all) */
  limit?: number;
  /** "ts": time order, ties by id (the default); "id": storage order */
  order?: 'ts' | 'id';
  pageSize?: number;
  /** extra columns after EVENT_SELECT, from fixed SQL (e.g. "s.fingerprint") */
  also?: string;
}

export type EventDbRow = Parameters<typeof rowToEvent>[0];

/**
 * Event rows matching the filter, in pages. Stop early by leaving the loop: the open statement is closed.
 * In time order a page resumes in two index seeks, the rest of the cursor's millisecond by id and then the later
 * times, so a long run of events sharing one timestamp (a file without times inherits one) is never rescanned.
 */
export function* eventRows(db: DB, f: EventFilter, opts: PageOptions = {}): Generator<EventDbRow> {
  const where = whereOf(f);
  const select = `SELECT ${EVENT_SELECT}${opts.also ? `, ${opts.also}` : ''} FROM ${EVENT_FROM} WHERE ${where.sql}`;
  const pageSize = opts.pageSize ?? 5000;
  let remaining = opts.limit ?? Number.POSITIVE_INFINITY;
  let cursor: { ts: number; id: number } | undefined;
  const track = function* (rows: unknown): Generator<EventDbRow, number> {
    let got = 0;
    for (const row of rows as IterableIterator<EventDbRow>) {
      got++;
      cursor = { ts: row.ts, id: row.id };
      yield row;
    }
    remaining -= got;
    return got;
  };
  if (opts.order === 'id') {
    const first = db.prepare(`${select} ORDER BY e.id LIMIT ?`);
    const next = db.prepare(`${select} AND e.id > ? ORDER BY e.id LIMIT ?`);
    for (;;) {
      const n = Math.min(pageSize, remaining);
      if (n <= 0) return;
      const got = yield* track(cursor ? next.iterate(...where.params, cursor.id, n) : first.iterate(...where.params, n));
      if (got < n) return;
    }
  }
  const first = db.prepare(`${select} ORDER BY e.ts, e.id LIMIT ?`);
  const tie = db.prepare(`${select} AND e.ts = ? AND e.id > ? ORDER BY e.id LIMIT ?`);
  const later = db.prepare(`${select} AND e.ts > ? ORDER BY e.ts, e.id LIMIT ?`);
  let n = Math.min(pageSize, remaining);
  if ((yield* track(first.iterate(...where.params, n))) < n) return;
  while (remaining > 0) {
    const at = cursor!;
    n = Math.min(pageSize, remaining);
    const same = yield* track(tie.iterate(...where.params, at.ts, at.id, n));
    if (same === n) continue;
    n -= same;
    if ((yield* track(later.iterate(...where.params, at.ts, n))) < n) return;
  }
}

export function* events(db: DB, f: EventFilter, opts: PageOptions = {}): Generator<StoredEvent> {
  for (const row of eventRows(db, f, opts)) yield rowToEvent(row);
}

export interface Count<K extends string> {
  key: K;
  count: number;
}

export interface Overview {
  events: number;
  parsed: number;
  unparsed: number;
  /** epoch ms of the first and last event, null when none */
  first: number | null;
  last: number | null;
  datasets: { dataset: string; count: number; unparsed: number }[];
  /** "2xx" ... "5xx", and "other" for codes outside 100-599; events without a status are left out */
  statusClasses: { class: string; count: number }[];
  /** event.outcome values; events without one are left out */
  outcomes: { outcome: string; count: number }[];
}

const byCountThenKey = <T extends { count: number }>(key: (t: T) => string) => (a: T, b: T) =>
  b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * Counts grouped finely and summed here (the groups are few): from the hourly rollup when only a time range
 * narrows them, else in one pass over the matching events.
 */
export function overview(db: DB, f: EventFilter): Overview {
  const where = whereOf(f);
  let rows: { dataset: string; status: number; cls: number | null; outcome: string | null; n: number; first: number; last: number }[];
  if (usesRollup(db, f)) {
    const ends = (dir: 'ASC' | 'DESC') =>
      (db.prepare(`SELECT e.ts FROM events e WHERE ${where.sql} ORDER BY e.ts ${dir} LIMIT 1`).pluck().get(...where.params) as number | undefined) ?? 0;
    const first = ends('ASC');
    const last = ends('DESC');
    rows = rollupRows(db, f.since, f.until, false).map((r) => ({ ...r, first, last }));
  } else {
    rows = db
      .prepare(
        `SELECT e.dataset AS dataset, e.status AS status, e.http_response_status_code / 100 AS cls, e.event_outcome AS outcome,
              count(*) AS n, min(e.ts) AS first, max(e.ts) AS last
       FROM events e WHERE ${where.sql} GROUP BY 1, 2, 3, 4`,
      )
      .all(...where.params) as typeof rows;
  }
  const o: Overview = { events: 0, parsed: 0, unparsed: 0, first: null, last: null, datasets: [], statusClasses: [], outcomes: [] };
  const datasets = new Map<string, { dataset: string; count: number; unparsed: number }>();
  const classes = new Map<string, number>();
  const outcomes = new Map<string, number>();
  for (const r of rows) {
    o.events += r.n;
    if (r.status === 0) o.parsed += r.n;
    else o.unparsed += r.n;
    o.first = o.first === null ? r.first : Math.min(o.first, r.first);
    o.last = o.last === null ? r.last : Math.max(o.last, r.last);
    const d = datasets.get(r.dataset) ?? { dataset: r.dataset, count: 0, unparsed: 0 };
    d.count += r.n;
    if (r.status !== 0) d.unparsed += r.n;
    datasets.set(r.dataset, d);
    if (r.cls !== null) {
      const k = r.cls >= 1 && r.cls <= 5 ? `${r.cls}xx` : 'other';
      classes.set(k, (classes.get(k) ?? 0) + r.n);
    }
    if (r.outcome !== null) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + r.n);
  }
  o.datasets = [...datasets.values()].sort(byCountThenKey((d) => d.dataset));
  o.statusClasses = [...classes].map(([k, count]) => ({ class: k, count })).sort((a, b) => (a.class < b.class ? -1 : 1));
  o.outcomes = [...outcomes].map(([outcome, count]) => ({ outcome, count })).sort(byCountThenKey((x) => x.outcome));
  return o;
}

export interface TopValues {
  field: string;
  /** matching events, and how many of them have the field */
  events: number;
  present: number;
  values: { value: string | number; count: number }[];
}

/** The most frequent values of a field; list fields (event.category, event.type, arrays in extra) count each element. */
export function topValues(db: DB, f: EventFilter, field: string, limit: number): TopValues {
  const fs = fieldSql(field);
  if (fs.type === 'date') throw new UsageError(`--top ${field}: a time has no useful top values`, 'use --by minute|hour|day for a histogram');
  const where = whereOf(f);
  const col = COUNTED_COLUMNS.find((c) => fs.sql === `e.${c}`);
  if (col && usesRollup(db, f) && f.since === undefined && f.until === undefined && storeVersion(db) >= COUNTS_VERSION) {
    return { field, events: rollupTotal(db), ...topCounted(db, col, limit) };
  }
  // without a query the total comes from the rollup and the field's count from its index, when it has one
  const totals = usesRollup(db, f)
    ? {
        events: rollupTotal(db, f.since, f.until),
        present: db.prepare(`SELECT count(*) FROM events e WHERE ${where.sql} AND ${fs.sql} IS NOT NULL`).pluck().get(...where.params) as number,
      }
    : (db
        .prepare(`SELECT count(*) AS events, count(${fs.sql}) AS present FROM events e WHERE ${where.sql}`)
        .get(...where.params) as { events: number; present: number });
  // a field an event holds more than once (threat.indicator.ip, a list in the JSON of other fields) counts each of
  // its values, as list fields do
  const grouped = fs.values
    ? `SELECT j.value AS v, count(*) AS n FROM events e, json_each(${fs.values}) j WHERE ${where.sql} GROUP BY 1`
    : fs.column
      ? `SELECT ${fs.sql} AS v, count(*) AS n FROM events e WHERE ${where.sql} AND ${fs.sql} IS NOT NULL GROUP BY 1`
      : elementCounts(fs.sql, where.sql);
  let values: { value: string | number; count: number }[];
  // a list column holds its elements comma-joined; a list in the JSON was split into its elements above already
  if (fs.type === 'keyword[]' && fs.column) {
    const counts = new Map<string, number>();
    for (const r of db.prepare(grouped).iterate(...where.params) as IterableIterator<{ v: string; n: number }>) {
      for (const el of String(r.v).split(',')) counts.set(el, (counts.get(el) ?? 0) + r.n);
    }
    values = [...counts].map(([value, count]) => ({ value, count }));
    values.sort(byCountThenKey((x) => String(x.value)));
    values = values.slice(0, limit);
  } else {
    values = (db.prepare(`${grouped} ORDER BY n DESC, v LIMIT ?`).all(...where.params, limit) as { v: string | number; n: number }[]).map(
      (r) => ({ value: r.v, count: r.n }),
    );
  }
  return { field, events: totals.events, present: totals.present, values };
}

/**
 * Grouped values of a field outside the columns: a JSON array (a list of the extra JSON) counts under each of its
 * elements, as search matches it, an event once per distinct element; any other value counts under itself.
 */
function elementCounts(x: string, where: string): string {
  const elements = `json_each(coalesce(${jsonArraySql(x)}, json_array(${x}))) j`;
  return `SELECT j.value AS v, count(DISTINCT e.id) AS n FROM events e, ${elements}
    WHERE ${where} AND ${x} IS NOT NULL AND j.value IS NOT NULL GROUP BY 1`;
}

export const INTERVALS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type Interval = keyof typeof INTERVALS;

/** Event counts per UTC minute, hour or day; only buckets that hold events. */
export function histogram(db: DB, f: EventFilter, interval: Interval): { start: number; count: number }[] {
  const size = INTERVALS[interval];
  if (size >= HOUR && usesRollup(db, f)) {
    const counts = new Map<number, number>();
    for (const r of rollupRows(db, f.since, f.until)) {
      const b = bucketOf(r.hour, size);
      counts.set(b, (counts.get(b) ?? 0) + r.n);
    }
    return [...counts].sort((a, b) => a[0] - b[0]).map(([start, count]) => ({ start, count }));
  }
  const where = whereOf(f);
  return (
    db
      .prepare(`SELECT ${bucketSql('e.ts', size)} AS b, count(*) AS n FROM events e WHERE ${where.sql} GROUP BY b ORDER BY b`)
      .all(...where.params) as { b: number; n: number }[]
  ).map((r) => ({ start: r.b, count: r.n }));
}

/** The rollup answers for a time range alone, in a store whose schema has it. */
function usesRollup(db: DB, f: EventFilter): boolean {
  return (!f.query || f.query.where === '1') && !f.conditions?.length && storeVersion(db) >= ROLLUP_VERSION;
}

/**
 * Findings counted under an event filter: a finding belongs to the time it starts (since <= first_ts < until), and
 * a query or entity condition holds when one of its evidence events matches it.
 */
function findingWhere(f: EventFilter): Condition {
  const parts: string[] = [];
  const params: SqlParam[] = [];
  if (f.since !== undefined) {
    parts.push('f.first_ts >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    parts.push('f.first_ts < ?');
    params.push(f.until);
  }
  const ev = whereOf({ query: f.query, conditions: f.conditions });
  if (ev.sql !== '1') {
    parts.push(`EXISTS (SELECT 1 FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = f.id AND ${ev.sql})`);
    params.push(...ev.params);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

export interface FindingCounts {
  total: number;
  /** most severe first; levels without findings left out */
  levels: { level: string; count: number }[];
  /** most findings first (then the most severe) */
  rules: { rule_id: string; title: string; level: string; count: number }[];
}

/** Findings per level and per rule; undefined for a store from before findings existed. */
export function findingCounts(db: DB, f: EventFilter): FindingCounts | undefined {
  if (storeVersion(db) < 2) return undefined;
  const where = findingWhere(f);
  const rules = db
    .prepare(
      // a rule's findings share its level unless the rule changed it between hunts: then each level is a line
      `SELECT f.rule_id AS rule_id, max(f.rule_title) AS title, f.level AS level, max(f.level_rank) AS rank, count(*) AS count
       FROM findings f WHERE ${where.sql} GROUP BY f.rule_id, f.level ORDER BY count DESC, rank DESC, title, rule_id`,
    )
    .all(...where.params) as { rule_id: string; title: string; level: string; rank: number; count: number }[];
  const levels = new Map<string, number>();
  for (const r of rules) levels.set(r.level, (levels.get(r.level) ?? 0) + r.count);
  return {
    total: rules.reduce((n, r) => n + r.count, 0),
    levels: [...LEVELS].reverse().filter((l) => levels.has(l)).map((level) => ({ level, count: levels.get(level)! })),
    rules: rules.map(({ rule_id, title, level, count }) => ({ rule_id, title, level, count })),
  };
}

/** Findings per UTC minute, hour or day of their start: bucket start -> count. Empty for a store without findings. */
export function findingHistogram(db: DB, f: EventFilter, interval: Interval): Map<number, number> {
  if (storeVersion(db) < 2) return new Map();
  const where = findingWhere(f);
  const rows = db
    .prepare(`SELECT ${bucketSql('f.first_ts', INTERVALS[interval])} AS b, count(*) AS n FROM findings f WHERE ${where.sql} GROUP BY b`)
    .all(...where.params) as { b: number; n: number }[];
  return new Map(rows.map((r) => [r.b, r.n]));
}

/**
 * The spellings of an address that an address column holds, from value_counts (every distinct value with its count,
 * kept in step with the events): an IPv4 address as written or mapped, an IPv6 address by the ranges of its
 * spelling prefixes, then by value. Undefined for a store without the counts or a field without them.
 */
export function heldAddresses(db: DB): HeldAddresses | undefined {
  if (storeVersion(db) < COUNTS_VERSION) return undefined;
  const values = db.prepare('SELECT value FROM value_counts WHERE col = ? AND value >= ? AND value < ? AND n > 0').pluck();
  return (field, key) => {
    const col = COUNTED_COLUMNS.find((c) => fieldSql(field).sql === `e.${c}`);
    if (!col) return undefined;
    // an exact text is the range [text, text + "\0"): nothing sorts between them
    const ranges = isIpv4Key(key)
      ? V4_SPELLINGS.map((m) => [m + keyToIp(key), m + keyToIp(key) + '\0'])
      : spellingPrefixes(key).map((p) => [p, p.slice(0, -1) + ';']);
    const held = new Set<string>();
    for (const [lo, hi] of ranges) {
      for (const v of values.iterate(col, lo, hi) as IterableIterator<unknown>) if (typeof v === 'string' && ipKey(v) === key) held.add(v);
    }
    return [...held];
  };
}

export type EntityKind = 'ip' | 'user' | 'host';

const literal = (text: string) => ({ segs: [text], quoted: true, pos: 0 });
const match = (field: string, text: string): Node => ({ type: 'match', field, fieldPos: 0, value: literal(text) });

/**
 * Events of one entity, whichever side it is on: an IP (or CIDR) as source or destination, a user as actor or
 * target, a host by name. Built as a query tree so the field-to-SQL mapping stays in one place.
 */
export function entityCondition(kind: EntityKind, value: string, held?: HeldAddresses): Condition {
  let node: Node;
  if (kind === 'ip') {
    if (ipKey(value) === undefined && !(value.includes('/') && parseCidr(value))) {
      throw new UsageError(`--ip ${value}: not an IP address or CIDR`, 'e.g. --ip 203.0.113.7, --ip 2001:db8::1 or --ip 10.0.0.0/8');
    }
    node = { type: 'or', children: [match('source.ip', value), match('destination.ip', value)] };
  } else if (kind === 'user') {
    node = { type: 'or', children: [match('user.name', value), match('user.target.name', value)] };
  } else {
    node = match('host.name', value);
  }
  const c = compileAst(node, value, { held });
  return { sql: c.where, params: c.params };
}
