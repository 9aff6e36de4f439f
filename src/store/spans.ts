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
export function spanColumnSql(column: string): string {
  const src = `${column}_src`;
  // no declared type: an `_src` value keeps its storage class, so a literal "123" stays text, not a span
  return `${src}, ${column} TEXT GENERATED ALWAYS AS (CASE WHEN typeof(${src}) = 'integer' THEN substr(raw, ${src} & ${POS_LIMIT - 1}, ${src} >> 20) ELSE ${src} END) VIRTUAL`;
}

/** Whether this store's events table has the span layout (stores made before it keep plain columns). */
export function hasSpanLayout(db: DB): boolean {
  return db.prepare<[], { n: number }>("SELECT count(*) AS n FROM pragma_table_xinfo('events') WHERE name = 'message_src'").get()!.n > 0;
}
