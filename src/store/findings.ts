/**
 * Findings: what the rules found, with a stable id (rule, group, window start), so re-running over the same data
 * updates rather than duplicates. Evidence links every matched event up to a cap; the count is exact.
 */
import crypto from 'node:crypto';
import type { DB } from './db.js';
import type { FieldValue } from '../model/event.js';
import { levelRank, type Level } from '../model/event.js';
import { registerQueryFunctions } from '../query/functions.js';
import { entityCondition } from './read.js';

/** Evidence event ids kept per finding (the count stays exact beyond it). */
export const EVIDENCE_CAP = 1000;

export type Group = Record<string, FieldValue>;

export interface FindingInput {
  ruleId: string;
  title: string;
  kind: 'detection' | 'correlation' | 'baseline';
  level: Level;
  tags: string[];
  group: Group;
  windowStart: number;
  firstTs: number;
  lastTs: number;
  /** 'add': count grows by `count` (new events of a bucket); 'set': the count is recomputed (correlations) */
  count: number;
  mode: 'add' | 'set';
  /** `tail`: an unfinished line's event, linked beyond the cap so that replacing it finds this finding */
  evidence: { id: number; ts: number; tail?: true }[];
  /** what the rule measured (baselines: the value and the group's usual) */
  details?: Record<string, unknown>;
}

export interface FindingRow {
  id: string;
  rule_id: string;
  rule_title: string;
  rule_kind: string;
  level: Level;
  level_rank: number;
  tags: string;
  group_key: string;
  group_json: string;
  first_ts: number;
  last_ts: number;
  count: number;
  enrichment: string | null;
  details: string | null;
  created_run: number;
  updated_run: number;
  created_at: number;
  updated_at: number;
}

export function groupKey(group: Group): string {
  return JSON.stringify(Object.keys(group).sort().map((k) => [k, group[k] ?? null]));
}

export function findingId(ruleId: string, key: string, windowStart: number): string {
  return crypto.createHash('sha256').update(`${ruleId}\0${key}\0${windowStart}`).digest('hex').slice(0, 20);
}

export class Findings {
  private readonly get;
  private readonly insert;
  private readonly update;
  private readonly link;
  private readonly linkCount;
  private readonly overlapping;

  constructor(private readonly db: DB) {
    this.get = db.prepare<[string], FindingRow>('SELECT * FROM findings WHERE id = ?');
    this.insert = db.prepare(
      `INSERT INTO findings (id, rule_id, rule_title, rule_kind, level, level_rank, tags, group_key, group_json, first_ts, last_ts,
        count, details, created_run, updated_run, created_at, updated_at)
       VALUES (@id, @rule_id, @rule_title, @rule_kind, @level, @level_rank, @tags, @group_key, @group_json, @first_ts, @last_ts,
        @count, @details, @run, @run, @now, @now)`,
    );
    this.update = db.prepare(
      `UPDATE findings SET first_ts = @first_ts, last_ts = @last_ts, count = @count, rule_title = @rule_title, level = @level,
        level_rank = @level_rank, tags = @tags, details = coalesce(@details, details), updated_run = @run, updated_at = @now WHERE id = @id`,
    );
    this.link = db.prepare('INSERT OR IGNORE INTO finding_events (finding_id, event_id, ts) VALUES (?, ?, ?)');
    this.linkCount = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM finding_events WHERE finding_id = ?');
    this.overlapping = db.prepare<[string, string, number, number], FindingRow>(
      'SELECT * FROM findings WHERE rule_id = ? AND group_key = ? AND last_ts >= ? AND first_ts <= ? ORDER BY first_ts LIMIT 1',
    );
  }

  startRun(command: string): number {
    return Number(this.db.prepare('INSERT INTO runs (command, started_at) VALUES (?, ?)').run(command, Date.now()).lastInsertRowid);
  }

  finishRun(run: number, maxEventId: number, newFindings: number): void {
    this.db.prepare('UPDATE runs SET finished_at = ?, max_event_id = ?, new_findings = ? WHERE id = ?').run(Date.now(), maxEventId, newFindings, run);
  }

  ruleState(ruleId: string): { hash: string; watermark: number } | undefined {
    return this.db.prepare<[string], { hash: string; watermark: number }>('SELECT hash, watermark FROM rule_state WHERE rule_id = ?').get(ruleId);
  }

  setRuleState(ruleId: string, hash: string, watermark: number): void {
    this.db
      .prepare('INSERT INTO rule_state (rule_id, hash, watermark) VALUES (?, ?, ?) ON CONFLICT(rule_id) DO UPDATE SET hash = excluded.hash, watermark = excluded.watermark')
      .run(ruleId, hash, watermark);
  }

  /** A rule changed: its findings are rebuilt from the start, so the old ones go. */
  forgetRule(ruleId: string): void {
    this.db.prepare('DELETE FROM finding_events WHERE finding_id IN (SELECT id FROM findings WHERE rule_id = ?)').run(ruleId);
    this.db.prepare('DELETE FROM findings WHERE rule_id = ?').run(ruleId);
  }

  /** An existing finding of this rule and group whose span touches [from, to] (correlation episodes merge into it). */
  overlap(ruleId: string, key: string, from: number, to: number): FindingRow | undefined {
    return this.overlapping.get(ruleId, key, from, to);
  }

  /** Inserts or updates; returns the id and whether the finding is new. Call inside a transaction. */
  upsert(f: FindingInput, run: number, existing?: FindingRow): { id: string; created: boolean; changed: boolean } {
    const key = groupKey(f.group);
    const id = existing?.id ?? findingId(f.ruleId, key, f.windowStart);
    const now = Date.now();
    const row = existing ?? this.get.get(id);
    const base = {
      id,
      rule_title: f.title,
      level: f.level,
      level_rank: levelRank(f.level),
      tags: JSON.stringify(f.tags),
      details: f.details ? JSON.stringify(f.details) : null,
      run,
      now,
    };
    if (!row) {
      this.insert.run({
        ...base,
        rule_id: f.ruleId,
        rule_kind: f.kind,
        group_key: key,
        group_json: JSON.stringify(f.group),
        first_ts: f.firstTs,
        last_ts: f.lastTs,
        count: f.count,
      });
      this.addEvidence(id, f.evidence, 0);
      return { id, created: true, changed: true };
    }
    // 'set' is a recount that may take in the finding's latest events again (a later run reads one timespan back);
    // an episode that starts after the finding's last event holds none of them, so it adds to the count
    const adds = f.mode === 'add' || f.firstTs > row.last_ts;
    const count = adds ? row.count + f.count : Math.max(row.count, f.count);
    const first = Math.min(row.first_ts, f.firstTs);
    const last = Math.max(row.last_ts, f.lastTs);
    const changed = count !== row.count || first !== row.first_ts || last !== row.last_ts || (f.details !== undefined && JSON.stringify(f.details) !== row.details);
    if (changed) this.update.run({ ...base, first_ts: first, last_ts: last, count });
    this.addEvidence(id, f.evidence, this.linkCount.get(id)!.n);
    return { id, created: false, changed };
  }

  private addEvidence(id: string, events: FindingInput['evidence'], have: number): void {
    let room = EVIDENCE_CAP - have;
    for (const e of events) {
      if (room <= 0 && !e.tail) continue;
      room -= this.link.run(id, e.id, e.ts).changes;
    }
  }
}

export interface FindingFilter {
  /** at or above this level */
  level?: Level;
  /** a rule id, or a title (any case) */
  ruleId?: string;
  /** findings still going at or after this time (last_ts >= since), epoch ms */
  since?: number;
  /** findings that started before this time (first_ts < until), epoch ms */
  until?: number;
  /**
   * Entities the finding involves: a group value, or one of its evidence events (as the timeline counts them: an IP
   * or CIDR as source or destination, a user as actor or target, a host by name). ANDed when several are given.
   * A CIDR is matched with ip_in_cidr, which listFindings registers on the connection.
   */
  ip?: string;
  user?: string;
  host?: string;
  /** only findings created by this run */
  run?: number;
  ids?: string[];
  limit?: number;
}

/** Group keys that hold an entity of each kind (group_json is flat: dotted ECS names). */
const GROUP_KEYS: Record<'ip' | 'user' | 'host', string> = {
  ip: "(g.key = 'ip' OR g.key LIKE '%.ip')",
  user: "(g.key IN ('user', 'user.name', 'user.target.name') OR g.key LIKE '%.user.name')",
  host: "(g.key IN ('host.name', 'host.hostname') OR g.key LIKE '%.host.name')",
};

function involves(kind: 'ip' | 'user' | 'host', value: string, params: unknown[]): string {
  // validates the value (a bad address or CIDR is a usage error) before anything below relies on it; an address
  // matches a group as text and the evidence events as their own condition does (any spelling), a CIDR by address
  const ev = entityCondition(kind, value);
  let groupMatch: string;
  if (kind === 'ip' && value.includes('/')) {
    groupMatch = `${GROUP_KEYS.ip} AND ip_in_cidr(g.value, ?) = 1`;
    params.push(value);
  } else {
    groupMatch = `${GROUP_KEYS[kind]} AND g.value = ?`;
    params.push(value);
  }
  params.push(...ev.params);
  return (
    `(EXISTS (SELECT 1 FROM json_each(f.group_json) g WHERE ${groupMatch})` +
    ` OR EXISTS (SELECT 1 FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = f.id AND (${ev.sql})))`
  );
}

/** Findings in time order (first seen, then the most severe), filtered. */
export function listFindings(db: DB, f: FindingFilter = {}): FindingRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.level) {
    where.push('f.level_rank >= ?');
    params.push(levelRank(f.level));
  }
  if (f.ruleId) {
    where.push('(f.rule_id = ? OR f.rule_title = ? COLLATE NOCASE)');
    params.push(f.ruleId, f.ruleId);
  }
  if (f.since !== undefined) {
    where.push('f.last_ts >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    where.push('f.first_ts < ?');
    params.push(f.until);
  }
  if (f.ip?.includes('/')) registerQueryFunctions(db);
  for (const kind of ['ip', 'user', 'host'] as const) {
    const value = f[kind];
    if (value !== undefined) where.push(involves(kind, value, params));
  }
  if (f.run !== undefined) {
    where.push('f.created_run = ?');
    params.push(f.run);
  }
  if (f.ids) {
    where.push(`f.id IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(f.ids));
  }
  const sql = `SELECT f.* FROM findings f ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY f.first_ts, f.level_rank DESC, f.id ${f.limit ? 'LIMIT ?' : ''}`;
  if (f.limit) params.push(f.limit);
  return db.prepare(sql).all(...params) as FindingRow[];
}

/** Finding ids are lower-case hex; a prefix of one is a range of the primary key (LIKE would not use it). */
const ID_TEXT = /^[0-9a-f]{1,40}$/;

/**
 * The finding with this id or id prefix. `matches` lists up to `max` ids when the prefix is ambiguous (`more` says
 * whether other ids share it too), and is empty when nothing matches (or the text cannot be an id).
 */
export function findFinding(db: DB, idOrPrefix: string, max = 5): { row?: FindingRow; matches: string[]; more?: boolean } {
  const text = idOrPrefix.toLowerCase();
  if (!ID_TEXT.test(text)) return { matches: [] };
  const exact = db.prepare<[string], FindingRow>('SELECT * FROM findings WHERE id = ?').get(text);
  if (exact) return { row: exact, matches: [exact.id] };
  const rows = db
    .prepare<[string, string, number], FindingRow>('SELECT * FROM findings WHERE id >= ? AND id < ? ORDER BY id LIMIT ?')
    .all(text, text + '\u{10ffff}', max + 1);
  return rows.length === 1 ? { row: rows[0], matches: [rows[0].id] } : { matches: rows.slice(0, max).map((r) => r.id), more: rows.length > max };
}

export function getFinding(db: DB, idOrPrefix: string): FindingRow | undefined {
  return findFinding(db, idOrPrefix).row;
}

/** How many evidence events a finding keeps (at most EVIDENCE_CAP; its count can be larger). */
export function evidenceCount(db: DB, findingId: string): number {
  return (db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM finding_events WHERE finding_id = ?').get(findingId) as { n: number }).n;
}

/**
 * The hunts whose findings are stored but were never printed in full (the run was killed, or its output failed),
 * and the findings they created: the next hunt prints them with its own, so cron delivers every finding at least once.
 */
export function undelivered(db: DB): { runs: number[]; findings: string[] } {
  const runs = db
    .prepare<[], { id: number }>("SELECT id FROM runs WHERE command = 'hunt' AND finished_at IS NOT NULL AND delivered_at IS NULL ORDER BY id")
    .all()
    .map((r) => r.id);
  const findings = db
    .prepare<[string], { id: string }>('SELECT id FROM findings WHERE created_run IN (SELECT value FROM json_each(?)) ORDER BY first_ts, id')
    .all(JSON.stringify(runs))
    .map((r) => r.id);
  return { runs, findings };
}

export function markDelivered(db: DB, runs: number[]): void {
  db.prepare('UPDATE runs SET delivered_at = ? WHERE id IN (SELECT value FROM json_each(?))').run(Date.now(), JSON.stringify(runs));
}

export function lastRun(db: DB): number | undefined {
  const row = db.prepare("SELECT max(id) AS id FROM runs WHERE finished_at IS NOT NULL").get() as { id: number | null };
  return row.id ?? undefined;
}
