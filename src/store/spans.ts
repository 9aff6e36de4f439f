/**
 * The span layout of the events table. The parsed columns that repeat part of the raw line (the user agent, the
 * URL and path, the referrer, the syslog message) are the largest after the raw line itself: about a fifth of a web
 * or syslog store. In a store with this layout each of them is a virtual generated column, computed by SQLite from
 * `raw` and a `<column>_src` column that holds where the value lies in the line, packed into one integer
 * (position + length * 2^20), or the value itself when the line does not hold it (a decoded or rebuilt value).
 * Readers, rules and `loghound sql` see the same column names and values; the expression uses only SQLite's own
 * functions, so any sqlite3 reads the store.
 */
import type { DB } from './db.js';

export const SPAN_COLUMNS = new Set(['user_agent_original', 'url_original', 'url_path', 'http_request_referrer', 'message']);

/** Positions at or above this (lines longer than a million characters) are written as the value itself. */
const POS_LIMIT = 1 << 20;

/** A surrogate pair is one character to SQLite's substr() and two to JavaScript's indexOf(). */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Where `value` lies in `raw`, packed, or the value itself when `raw` does not hold it at a countable place. A
 * BigInt, because better-sqlite3 binds a JavaScript number as a REAL, which a column without a type stores in 8 bytes
 * (an integer this size takes 4).
 */
export function spanOf(raw: string, value: string): bigint | string {
  if (value.length === 0) return value;
  const at = raw.indexOf(value);
  if (at < 0 || at + 1 >= POS_LIMIT || SURROGATE.test(raw)) return value;
  return BigInt(at + 1 + value.length * POS_LIMIT);
}

/** The column definitions that replace `<column> TEXT` in the span layout. */
function spanColumnSql(column: string): string {
  const src = `${column}_src`;
  // no declared type: an `_src` value keeps its storage class, so a literal "123" stays text, not a span
  return `${src}, ${column} TEXT GENERATED ALWAYS AS (CASE WHEN typeof(${src}) = 'integer' THEN substr(raw, ${src} & ${POS_LIMIT - 1}, ${src} >> 20) ELSE ${src} END) VIRTUAL`;
}

/** Whether this store's events table has the span layout (stores made before it keep plain columns). */
export function hasSpanLayout(db: DB): boolean {
  return db.prepare<[], { n: number }>("SELECT count(*) AS n FROM pragma_table_xinfo('events') WHERE name = 'message_src'").get()!.n > 0;
}

/**
 * The plain events table's own definition (as the store holds it) turned into the span layout under `name`: the
 * same columns, each spanned one as its `_src` and virtual column (migration 10 and compactEvents).
 */
export function spanEventsTableSql(db: DB, name: string): string {
  const plain = db.prepare<[], string>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").pluck().get()!;
  let sql = plain.replace(/^CREATE TABLE "?events"?/, `CREATE TABLE ${name}`);
  for (const column of SPAN_COLUMNS) {
    const plainColumn = new RegExp(`\\b${column} TEXT\\b`);
    if (!plainColumn.test(sql)) throw new Error(`events table without a plain ${column} column`);
    sql = sql.replace(plainColumn, spanColumnSql(column));
  }
  return sql;
}

/** The events table's index definitions, to be made again on a rebuilt table. */
export function eventIndexSql(db: DB): string[] {
  return db
    .prepare<[], string>("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
    .pluck()
    .all();
}

/**
 * Rewrites a store made before the span layout into it, events, ids and evidence unchanged: `loghound db compact`.
 * In SQL, where instr() and substr() count characters alike, so every place found reads back the same value. Inside
 * the caller's transaction; the space comes back with a VACUUM after it. Returns the events rewritten, or null when
 * the store has the layout already.
 */
export function compactEvents(db: DB): number | null {
  if (hasSpanLayout(db)) return null;
  const indexes = eventIndexSql(db);
  // ids only grow, also past events that were deleted: the new table goes on from the old one's sequence
  const seq = db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() ?? 0;
  const columns = db.prepare<[], string>("SELECT name FROM pragma_table_xinfo('events') WHERE hidden = 0").pluck().all();
  const target = columns.map((c) => (SPAN_COLUMNS.has(c) ? `${c}_src` : c));
  const source = columns.map((c) => {
    if (!SPAN_COLUMNS.has(c)) return c;
    const at = `instr(raw, ${c})`;
    return `CASE WHEN ${c} IS NOT NULL AND typeof(${c}) = 'text' AND ${at} > 0 AND ${at} < ${POS_LIMIT} THEN ${at} + length(${c}) * ${POS_LIMIT} ELSE ${c} END`;
  });
  db.exec(spanEventsTableSql(db, 'events_compact'));
  const n = db.prepare(`INSERT INTO events_compact (${target.join(', ')}) SELECT ${source.join(', ')} FROM events ORDER BY id`).run().changes;
  db.exec('DROP TABLE events');
  db.exec('ALTER TABLE events_compact RENAME TO events');
  db.prepare("DELETE FROM sqlite_sequence WHERE name IN ('events', 'events_compact')").run();
  db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', max(?, (SELECT coalesce(max(id), 0) FROM events)))").run(seq);
  for (const sql of indexes) db.exec(sql);
  return n;
}
