/** Direct reads of a store for assertions. */
import Database from 'better-sqlite3';

export function query<T = Record<string, unknown>>(db: string, sql: string, ...params: unknown[]): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all(...params) as T[];
  } finally {
    d.close();
  }
}

export function count(db: string, where = '1=1'): number {
  return (query<{ n: number }>(db, `SELECT count(*) AS n FROM events WHERE ${where}`)[0]).n;
}
