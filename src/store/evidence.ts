/**
 * Evidence of events that ingest replaces: the events of an unfinished last line (or an open group) are stored and,
 * once a later run finds them finished, deleted and stored again as the whole line, under a new id the next hunt
 * evaluates. Whatever counted the replaced event must stop counting it, or the line counts twice.
 */
import type { DB } from './db.js';

/** At most this many events make up one source's unfinished tail (an unterminated line and an open group: two). */
const TAIL_EVENTS = 64;

/**
 * The ids of the events that are unfinished tails now. A hunt links them as evidence of every finding that counts
 * them, beyond the evidence caps, so that replacing one finds every count to take it out of.
 */
export function unfinishedTailIds(db: DB): number[] {
  // one id range per source: as one join, SQLite read every event (0.9 s at 3M events) instead of each range
  const sources = db.prepare('SELECT id, tail_event_id AS first, tail_line AS line FROM sources WHERE tail_event_id IS NOT NULL').all() as { id: number; first: number; line: number }[];
  const tail = db.prepare('SELECT id FROM events WHERE id >= ? AND id < ? AND source_id = ? AND line >= ?').pluck();
  return sources.flatMap((s) => tail.all(s.first, s.first + TAIL_EVENTS, s.id, s.line) as number[]);
}

/**
 * Events about to be deleted stop being evidence. A single-event rule's finding counted each of them once (its
 * count only grows by new events), so it counts one fewer per event; the next hunt counts the finished line, or
 * drops the finding if nothing else is left in it. Correlations and baselines count their windows afresh from the
 * events, so only their links go. Call inside the transaction that deletes the events.
 */
export function dropEvidence(db: DB, eventWhere: string, params: unknown[]): void {
  const ids = `SELECT e.id FROM events e WHERE ${eventWhere}`;
  db.prepare(
    `UPDATE findings SET count = count - (SELECT count(*) FROM finding_events fe WHERE fe.finding_id = findings.id AND fe.event_id IN (${ids}))
     WHERE rule_kind = 'detection' AND id IN (SELECT fe.finding_id FROM finding_events fe WHERE fe.event_id IN (${ids}))`,
  ).run(...params, ...params);
  db.prepare(`DELETE FROM finding_events WHERE event_id IN (${ids})`).run(...params);
}

/** Findings of single-event rules left with no event (their only lines were replaced by lines they do not match). */
export function dropEmptyFindings(db: DB): void {
  db.prepare("DELETE FROM findings WHERE rule_kind = 'detection' AND count <= 0").run();
}

/** Evidence links to events that no longer exist: what `db check` looks for. */
export const DANGLING_EVIDENCE = 'SELECT count(*) FROM finding_events WHERE event_id NOT IN (SELECT id FROM events)';
