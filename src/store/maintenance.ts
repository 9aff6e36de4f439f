/** Keeping a long-lived store healthy: retention and integrity. */
import fs from 'node:fs';
import type { DB } from './db.js';
import { adjustRollup, rebuildRollup, rollupDrift, ROLLUP_VERSION } from './rollup.js';
import { COUNTS_VERSION, countsDrift, rebuildCounts, subtractCounts } from './counts.js';
import { DANGLING_EVIDENCE } from './evidence.js';
import { compactEvents } from './spans.js';

/** The schema version that added findings and their evidence. */
const FINDINGS_VERSION = 2;

export interface PruneResult {
  deleted: number;
  kept_as_evidence: number;
  bytes_before: number;
  bytes_after: number;
}

function storeBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // no WAL right now
    }
  }
  return n;
}

/**
 * Deletes events older than `before` (epoch ms), except those that are evidence of a finding: findings keep their
 * lines. Works in batches so the WAL stays small, then gives the freed pages back to the file system.
 */
export function prune(db: DB, file: string, before: number, batch = 50_000): PruneResult {
  const bytesBefore = storeBytes(file);
  const kept = (db.prepare('SELECT count(*) AS n FROM events WHERE ts < ? AND id IN (SELECT event_id FROM finding_events)').get(before) as { n: number }).n;
  // A batch is the next `batch` such events in id order after the previous batch: found once, by a forward walk
  // of the table (`+ts` keeps SQLite off the time index, whose order would need a sort of every old event per
  // batch), then named by its id range, which the rollup, the value counts and the DELETE all read cheaply.
  const next = db.prepare<[number, number, number], { hi: number | null; n: number }>(
    'SELECT max(id) AS hi, count(*) AS n FROM (SELECT id FROM events WHERE id > ? AND +ts < ? AND id NOT IN (SELECT event_id FROM finding_events) ORDER BY id LIMIT ?)',
  );
  const range = (a: string) => `${a}id > ? AND ${a}id <= ? AND ${a}ts < ? AND ${a}id NOT IN (SELECT event_id FROM finding_events)`;
  const del = db.prepare(`DELETE FROM events WHERE ${range('')}`);
  let deleted = 0;
  for (let after = 0; ; ) {
    const { hi, n } = next.get(after, before, batch)!;
    if (n === 0) break;
    const params = [after, hi!, before];
    deleted += db.transaction(() => {
      adjustRollup(db, range('e.'), params, -1);
      subtractCounts(db, range('e.'), params);
      return del.run(...params).changes;
    })();
    after = hi!;
    if (n < batch) break;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  if ((db.pragma('auto_vacuum', { simple: true }) as number) === 2) db.pragma('incremental_vacuum');
  else db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { deleted, kept_as_evidence: kept, bytes_before: bytesBefore, bytes_after: storeBytes(file) };
}

export interface CompactResult {
  /** events rewritten into the span layout; 0 when the store had it already */
  events: number;
  bytes_before: number;
  bytes_after: number;
}

/**
 * Rewrites a store made before the span layout into it (spans.ts), then gives the freed pages back to the file
 * system. Needs free disk space about the size of the store while it runs.
 */
export function compact(db: DB, file: string): CompactResult {
  const bytesBefore = storeBytes(file);
  const n = db.transaction(() => compactEvents(db))();
  if (n !== null) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return { events: n ?? 0, bytes_before: bytesBefore, bytes_after: storeBytes(file) };
}

export interface CheckResult {
  ok: boolean;
  integrity: string[];
  /** the tables kept in step with the events that are not (`event_rollup`, `value_counts source_ip`, `finding_events`, ...) */
  out_of_step: string[];
  schema_version: number;
  events: number;
  sources: number;
  findings: number;
}

export function check(db: DB): CheckResult {
  const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  // a read-only check of an older store: a table a later schema adds counts as empty
  const exists = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  const count = (table: string) => (exists(table) ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : 0);
  const version = db.pragma('user_version', { simple: true }) as number;
  const sound = integrity.length === 1 && integrity[0] === 'ok';
  const outOfStep = sound ? derivedOutOfStep(db, version) : [];
  return {
    ok: sound && outOfStep.length === 0,
    integrity,
    out_of_step: outOfStep,
    schema_version: version,
    events: count('events'),
    sources: count('sources'),
    findings: count('findings'),
  };
}

/** The counts `stats` reads, compared with counting the events afresh (one more read of them). */
function derivedOutOfStep(db: DB, version: number): string[] {
  const out: string[] = [];
  if (version >= ROLLUP_VERSION && rollupDrift(db) > 0) out.push('event_rollup');
  if (version >= COUNTS_VERSION) {
    for (const [col, drift] of Object.entries(countsDrift(db))) if (drift > 0) out.push(`value_counts ${col}`);
  }
  // evidence pointing at events that are gone (an unfinished line replaced by an earlier loghound): an index lookup each
  if (version >= FINDINGS_VERSION && (db.prepare(DANGLING_EVIDENCE).pluck().get() as number) > 0) out.push('finding_events');
  return out;
}

/**
 * Counts the rollup and the value counts again from the events, and unlinks evidence whose event is gone: what
 * `db check --repair` does. (A finding's count cannot be recounted without its rule; the next hunt of a changed
 * rule does that.)
 */
export function repairCounts(db: DB): void {
  db.transaction(() => {
    rebuildRollup(db);
    rebuildCounts(db);
    db.exec(`DELETE FROM finding_events WHERE event_id NOT IN (SELECT id FROM events)`);
  })();
}
