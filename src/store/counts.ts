/**
 * How many events hold each value of the address and account fields, so that `stats --top source.ip` over the
 * whole store reads a few hundred thousand counts instead of grouping millions of index entries (140 ms of SQL at
 * 3M events, 1 s at 15M), and a first enrichment lists the store's addresses without reading every event.
 *
 * Kept by the transactions that write and delete events, like the hourly rollup, so it is never stale: writes add
 * the values they bind (the same values SQLite stores), one upsert per distinct value of a batch; deletes subtract
 * the values they read back from the rows they remove.
 */
import { rowsDiffering, storeVersion, type DB } from './db.js';

export const COUNTED_COLUMNS = ['source_ip', 'destination_ip', 'user_name', 'http_response_status_code'] as const;
export type CountedColumn = (typeof COUNTED_COLUMNS)[number];

/** The schema version from which the table holds these columns' counts: older stores opened read-only go without. */
export const COUNTS_VERSION = 6;

export const VALUE_COUNTS_TABLE = `
CREATE TABLE value_counts (
  col TEXT NOT NULL,
  value NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (col, value)
) WITHOUT ROWID;
`;

/**
 * From this version, how many events have a counted column is one row per column, kept with the counts, where
 * summing every value's count cost `stats --top source.ip` 30 to 65 ms at 200k addresses. (An index in count order
 * would also spare the top query its sort, another 30 to 60 ms, but keeping it made the counts' upserts 70 to 110%
 * slower: about 10% of a 2M-line nginx ingest.)
 */
export const TOTALS_VERSION = 12;

export const VALUE_TOTALS_TABLE = 'CREATE TABLE value_totals (col TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID';

/** Per counted column, how many values' counts differ from counting the events afresh (0 when in step). */
export function countsDrift(db: DB): Record<CountedColumn, number> {
  const out = {} as Record<CountedColumn, number>;
  for (const col of COUNTED_COLUMNS) {
    out[col] = rowsDiffering(db, `SELECT value, n FROM value_counts WHERE col = '${col}'`, `SELECT ${col}, count(*) FROM events WHERE ${col} IS NOT NULL GROUP BY 1`);
    if (storeVersion(db) >= TOTALS_VERSION) {
      const total = db.prepare('SELECT coalesce(sum(n), 0) FROM value_totals WHERE col = ?').pluck().get(col);
      if (total !== db.prepare(`SELECT count(${col}) FROM events`).pluck().get()) out[col]++;
    }
  }
  return out;
}

/** Counts every value of the stored events again (a migration, a repair: 2 s at 3M events, 29 s at 15M from disk). */
export function rebuildCounts(db: DB): void {
  db.exec('DELETE FROM value_counts');
  for (const col of COUNTED_COLUMNS) {
    db.prepare(`INSERT INTO value_counts (col, value, n) SELECT ?, ${col}, count(*) FROM events WHERE ${col} IS NOT NULL GROUP BY 2`).run(col);
  }
  if (storeVersion(db) >= TOTALS_VERSION) rebuildTotals(db);
}

/** How many events have each counted column, from the counts. */
export function rebuildTotals(db: DB): void {
  db.exec('DELETE FROM value_totals; INSERT INTO value_totals (col, n) SELECT col, sum(n) FROM value_counts GROUP BY col');
}

/**
 * Subtracts the events matching `where` (over `events e`); call before deleting them, in the same transaction. One
 * read of their counted columns: a GROUP BY per column re-ran the caller's selection each time, and made a prune of
 * 1.5M events 58% slower.
 */
export function subtractCounts(db: DB, where: string, params: unknown[]): void {
  const tally = new CountTally(db, COUNTED_COLUMNS.map((_, i) => i));
  const rows = db.prepare(`SELECT ${COUNTED_COLUMNS.map((c) => `e.${c}`).join(', ')} FROM events e WHERE ${where}`).raw(true);
  for (const row of rows.iterate(...params) as Iterable<unknown[]>) tally.add(row, -1);
  tally.flush();
  db.prepare('DELETE FROM value_counts WHERE n <= 0').run();
}

/** Tallies the values of rows written (or deleted), then applies them in the same transaction. */
export class CountTally {
  private readonly tallies = COUNTED_COLUMNS.map(() => new Map<string | number, number>());
  private readonly upsert;
  private readonly total;

  /** `positions[i]`: where COUNTED_COLUMNS[i] sits in a row's bound parameters */
  constructor(
    db: DB,
    private readonly positions: number[],
  ) {
    this.upsert = db.prepare('INSERT INTO value_counts (col, value, n) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
    // a store opened read-only at an older version is never written
    this.total = storeVersion(db) >= TOTALS_VERSION ? db.prepare('INSERT INTO value_totals (col, n) VALUES (?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n') : undefined;
  }

  add(params: readonly unknown[], by: 1 | -1 = 1): void {
    for (let i = 0; i < this.positions.length; i++) {
      const v = params[this.positions[i]];
      if (v === null || v === undefined) continue;
      const t = this.tallies[i];
      t.set(v as string | number, (t.get(v as string | number) ?? 0) + by);
    }
  }

  flush(): void {
    for (let i = 0; i < this.tallies.length; i++) {
      let sum = 0;
      for (const [v, n] of this.tallies[i]) {
        this.upsert.run(COUNTED_COLUMNS[i], v, n);
        sum += n;
      }
      if (sum !== 0) this.total?.run(COUNTED_COLUMNS[i], sum);
      this.tallies[i].clear();
    }
  }
}

/** Every value of a counted column with its count, most frequent first (`limit` of them). */
export function topCounted(db: DB, col: CountedColumn, limit: number): { present: number; values: { value: string | number; count: number }[] } {
  const present = db.prepare(`SELECT coalesce(sum(n), 0) FROM ${storeVersion(db) >= TOTALS_VERSION ? 'value_totals' : 'value_counts'} WHERE col = ?`).pluck().get(col) as number;
  const values = (db.prepare('SELECT value, n FROM value_counts WHERE col = ? ORDER BY n DESC, value LIMIT ?').all(col, limit) as { value: string | number; n: number }[]).map(
    (r) => ({ value: r.value, count: r.n }),
  );
  return { present, values };
}

/** The distinct values of a counted column over the whole store. */
export function countedValues(db: DB, col: CountedColumn): (string | number)[] {
  return db.prepare('SELECT value FROM value_counts WHERE col = ?').pluck().all(col) as (string | number)[];
}
