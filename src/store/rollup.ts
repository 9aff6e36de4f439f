/**
 * Event counts per UTC hour, dataset, parse status, HTTP status class and outcome, kept in step with the events
 * table by the same transactions that write and delete events. `stats` and the report read it, so counting a store
 * of millions of events takes milliseconds instead of a pass over every row.
 *
 * The deltas are computed in SQL from the stored rows themselves (never from the parser's values), so what is
 * added when rows are written is exactly what is taken away when they are deleted.
 */
import { rowsDiffering, type DB } from './db.js';

export const HOUR = 3_600_000;

/** The schema version that added the rollup: older stores opened read-only go without. */
export const ROLLUP_VERSION = 4;

/** Start of the UTC hour (or other bucket) holding `ts`, rounding down also before 1970. `size` is a constant. */
export const bucketSql = (ts: string, size: number) => `(${ts} - ((${ts} % ${size}) + ${size}) % ${size})`;
export const bucketOf = (ts: number, size: number) => ts - (((ts % size) + size) % size);

/** The rollup key of an event row `e`, in the table's column order. */
const KEY = `${bucketSql('e.ts', HOUR)}, e.dataset, e.status, coalesce(CAST(e.http_response_status_code / 100 AS INTEGER), -1), coalesce(e.event_outcome, '')`;

export interface RollupRow {
  hour: number;
  dataset: string;
  status: number;
  /** HTTP status code / 100, or null without a status code */
  cls: number | null;
  outcome: string | null;
  n: number;
}

/**
 * Adds (sign 1) or removes (sign -1) the events matching `where` (over `events e`). Call inside the transaction
 * that writes them, or before the one that deletes them in the same transaction.
 */
export function adjustRollup(db: DB, where: string, params: unknown[], sign: 1 | -1): void {
  db.prepare(
    `INSERT INTO event_rollup (hour, dataset, status, cls, outcome, n)
     SELECT ${KEY}, ${sign} * count(*) FROM events e WHERE ${where} GROUP BY 1, 2, 3, 4, 5
     ON CONFLICT DO UPDATE SET n = n + excluded.n`,
  ).run(...params);
  if (sign < 0) db.prepare('DELETE FROM event_rollup WHERE n <= 0').run();
}

/** How many rollup rows differ from counting the events afresh (0 when in step): a full read of the events. */
export function rollupDrift(db: DB): number {
  return rowsDiffering(db, 'SELECT hour, dataset, status, cls, outcome, n FROM event_rollup', `SELECT ${KEY}, count(*) FROM events e GROUP BY 1, 2, 3, 4, 5`);
}

/** Empties the rollup and counts every stored event into it again. */
export function rebuildRollup(db: DB): void {
  db.exec('DELETE FROM event_rollup');
  adjustRollup(db, '1', [], 1);
}

/**
 * Counts of the events in [since, until): whole hours from the rollup, the partial hours at either edge counted
 * from the events (through the time index). Unless `hourly`, SQLite sums the hours (a month of hours is thousands of
 * rows, slower to hand to JavaScript than to add up), and a row's hour is the first of its key's hours.
 */
export function rollupRows(db: DB, since?: number, until?: number, hourly = true): RollupRow[] {
  const lo = since === undefined ? undefined : bucketOf(since, HOUR) === since ? since : bucketOf(since, HOUR) + HOUR;
  const hi = until === undefined ? undefined : bucketOf(until, HOUR);
  const counted = (where: string[], params: number[]) =>
    db
      .prepare(`SELECT ${KEY}, count(*) FROM events e WHERE ${where.join(' AND ') || '1'} GROUP BY 1, 2, 3, 4, 5`)
      .raw(true)
      .all(...params) as [number, string, number, number, string, number][];
  let raw: [number, string, number, number, string, number][];
  if (lo !== undefined && hi !== undefined && lo >= hi) {
    raw = counted(['e.ts >= ?', 'e.ts < ?'], [since!, until!]);
  } else {
    const where: string[] = [];
    const params: number[] = [];
    if (lo !== undefined) {
      where.push('hour >= ?');
      params.push(lo);
    }
    if (hi !== undefined) {
      where.push('hour < ?');
      params.push(hi);
    }
    const cond = where.join(' AND ') || '1';
    raw = db
      .prepare(
        hourly
          ? `SELECT hour, dataset, status, cls, outcome, n FROM event_rollup WHERE ${cond}`
          : `SELECT min(hour), dataset, status, cls, outcome, sum(n) FROM event_rollup WHERE ${cond} GROUP BY 2, 3, 4, 5`,
      )
      .raw(true)
      .all(...params) as typeof raw;
    if (lo !== undefined && lo > since!) raw.push(...counted(['e.ts >= ?', 'e.ts < ?'], [since!, lo]));
    if (hi !== undefined && hi < until!) raw.push(...counted(['e.ts >= ?', 'e.ts < ?'], [hi, until!]));
  }
  return raw.map(([hour, dataset, status, cls, outcome, n]) => ({ hour, dataset, status, cls: cls < 0 ? null : cls, outcome: outcome === '' ? null : outcome, n }));
}

/** How many events lie in [since, until), from the rollup (see rollupRows). */
export function rollupTotal(db: DB, since?: number, until?: number): number {
  return rollupRows(db, since, until, false).reduce((n, r) => n + r.n, 0);
}

/** The time span of the stored events of these datasets (of all, with none named), widened to whole hours. */
export function datasetSpan(db: DB, datasets: string[]): { from: number; to: number } | undefined {
  const where = datasets.length ? `WHERE dataset IN (${datasets.map(() => '?').join(', ')})` : '';
  const [lo, hi] = db.prepare(`SELECT min(hour), max(hour) FROM event_rollup ${where}`).raw(true).get(...datasets) as [number | null, number | null];
  return lo === null ? undefined : { from: lo, to: hi! + HOUR - 1 };
}
