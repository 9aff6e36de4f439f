/**
 * Findings: what the rules found, with a stable id (rule, group, window start), so re-running over the same data
 * updates rather than duplicates. Evidence links every matched event up to a cap; the count is exact.
 */
import crypto from 'node:crypto';
import type { DB } from './db.js';
import type { FieldValue } from '../model/event.js';
import { levelRank, type Level } from '../model/event.js';

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
  evidence: { id: number; ts: number }[];
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
    const count = f.mode === 'add' ? row.count + f.count : Math.max(row.count, f.count);
    const first = Math.min(row.first_ts, f.firstTs);
    const last = Math.max(row.last_ts, f.lastTs);
    const changed = count !== row.count || first !== row.first_ts || last !== row.last_ts || (f.details !== undefined && JSON.stringify(f.details) !== row.details);
    if (changed) this.update.run({ ...base, first_ts: first, last_ts: last, count });
    this.addEvidence(id, f.evidence, this.linkCount.get(id)!.n);
    return { id, created: false, changed };
  }

  private addEvidence(id: string, events: { id: number; ts: number }[], have: number): void {
    let room = EVIDENCE_CAP - have;
    for (const e of events) {
      if (room <= 0) break;
      room -= this.link.run(id, e.id, e.ts).changes;
    }
  }
}

export interface FindingFilter {
  level?: Level;
  ruleId?: string;
  since?: number;
  until?: number;
  ip?: string;
  user?: string;
  /** only findings created by this run */
  run?: number;
  ids?: string[];
  limit?: number;
}

/** Findings newest first, filtered; group values are matched inside group_json. */
export function listFindings(db: DB, f: FindingFilter = {}): FindingRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.level) {
    where.push('level_rank >= ?');
    params.push(levelRank(f.level));
  }
  if (f.ruleId) {
    where.push('(rule_id = ? OR rule_title = ?)');
    params.push(f.ruleId, f.ruleId);
  }
  if (f.since !== undefined) {
    where.push('last_ts >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    where.push('first_ts <= ?');
    params.push(f.until);
  }
  if (f.ip) {
    where.push("EXISTS (SELECT 1 FROM json_each(group_json) WHERE key IN ('source.ip', 'destination.ip', 'ip') AND value = ?)");
    params.push(f.ip);
  }
  if (f.user) {
    where.push("EXISTS (SELECT 1 FROM json_each(group_json) WHERE key IN ('user.name', 'user.target.name', 'user') AND value = ?)");
    params.push(f.user);
  }
  if (f.run !== undefined) {
    where.push('created_run = ?');
    params.push(f.run);
  }
  if (f.ids) {
    where.push(`id IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(f.ids));
  }
  const sql = `SELECT * FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY first_ts, level_rank DESC, id ${f.limit ? 'LIMIT ?' : ''}`;
  if (f.limit) params.push(f.limit);
  return db.prepare(sql).all(...params) as FindingRow[];
}

export function getFinding(db: DB, idOrPrefix: string): FindingRow | undefined {
  const rows = db.prepare("SELECT * FROM findings WHERE id = ? OR id LIKE ? || '%' LIMIT 2").all(idOrPrefix, idOrPrefix.replace(/[%_]/g, '')) as FindingRow[];
  return rows.length === 1 ? rows[0] : rows.find((r) => r.id === idOrPrefix);
}

export function lastRun(db: DB): number | undefined {
  const row = db.prepare("SELECT max(id) AS id FROM runs WHERE finished_at IS NOT NULL").get() as { id: number | null };
  return row.id ?? undefined;
}
