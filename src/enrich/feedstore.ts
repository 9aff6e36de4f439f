/**
 * Feed data in the store. Each feed's ranges live in feed_range4 / feed_range6 (IPv4 as integers, IPv6 as 16-byte
 * blobs: never both in one table, blobs compare bytewise). From all of them one sweep builds feed_seg4 / feed_seg6:
 * non-overlapping segments pointing at a feed_set row (the feeds and list counts covering the segment). Segments
 * cover every feed that has data, enabled or not; the matcher leaves out disabled feeds, so enabling or disabling
 * a feed costs nothing.
 *
 * A feed's new entries replace its old ones in one transaction that also marks the segments dirty; the segments
 * are rebuilt once after a batch of updates (and by whoever finds them dirty), and every rebuild bumps
 * meta feeds.version, which tells the per-IP intel that its threat part is out of date.
 */
import type { DB } from '../store/db.js';
import { bigIntToIpv6, ipv6ToBigInt } from '../util/ip.js';
import type { AddedFeed } from './catalogue.js';
import type { ParsedFeed } from './feedparse.js';
import { sweep, V4_OPS, V6_OPS } from './sweep.js';

export interface FeedStateRow {
  id: number;
  name: string;
  def: string | null;
  enabled: number | null;
  etag: string | null;
  last_modified: string | null;
  checked_at: number | null;
  /** last time the data was confirmed current: a 200 or a 304 */
  ok_at: number | null;
  updated_at: number | null;
  entries: number;
  dropped: number;
  status: string | null;
  message: string | null;
}

/** A member of a segment set: feed id and list count packed in one small integer. */
const LEVEL_BITS = 12;
const LEVEL_MAX = (1 << LEVEL_BITS) - 1;
export const packMember = (feedId: number, level: number): number => feedId * (LEVEL_MAX + 1) + Math.min(level, LEVEL_MAX);
export const memberFeed = (m: number): number => Math.floor(m / (LEVEL_MAX + 1));
export const memberLevel = (m: number): number => m % (LEVEL_MAX + 1);

export function getMeta(db: DB, key: string): string | undefined {
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key);
  return row?.value;
}

export function setMeta(db: DB, key: string, value: string | number): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, String(value));
}

export function feedStates(db: DB): FeedStateRow[] {
  return db.prepare<[], FeedStateRow>('SELECT * FROM feed_state ORDER BY id').all();
}

export function feedState(db: DB, name: string): FeedStateRow | undefined {
  return db.prepare<[string], FeedStateRow>('SELECT * FROM feed_state WHERE name = ?').get(name);
}

/** The feed's row, created on first use: its id is what segment sets refer to. */
export function ensureFeedState(db: DB, name: string): FeedStateRow {
  db.prepare('INSERT INTO feed_state (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
  return feedState(db, name)!;
}

export function setEnabled(db: DB, name: string, enabled: boolean): void {
  ensureFeedState(db, name);
  db.prepare('UPDATE feed_state SET enabled = ? WHERE name = ?').run(enabled ? 1 : 0, name);
}

export function saveAddedFeed(db: DB, name: string, def: AddedFeed): void {
  ensureFeedState(db, name);
  db.prepare('UPDATE feed_state SET def = ?, enabled = NULL, etag = NULL, last_modified = NULL WHERE name = ?').run(JSON.stringify(def), name);
}

/** Deletes the feed's state and data; the caller rebuilds the segments. */
export function deleteFeed(db: DB, name: string): boolean {
  const row = feedState(db, name);
  if (!row) return false;
  db.transaction(() => {
    db.prepare('DELETE FROM feed_range4 WHERE feed_id = ?').run(row.id);
    db.prepare('DELETE FROM feed_range6 WHERE feed_id = ?').run(row.id);
    db.prepare('DELETE FROM feed_state WHERE id = ?').run(row.id);
    db.prepare('DELETE FROM meta WHERE key = ?').run(specKey(row.id));
    setMeta(db, 'feeds.dirty', 1);
  })();
  return true;
}

export interface CheckResult {
  status: 'ok' | 'failed';
  message: string | null;
  etag?: string | null;
  lastModified?: string | null;
  now: number;
  /** the settings the feed's entries are (now) parsed with: see parseSpec in feeds.ts */
  spec?: string;
}

const specKey = (id: number) => `feeds.spec.${id}`;

/** The settings the feed's stored entries were parsed with; undefined for data stored before this was kept. */
export function storedSpec(db: DB, id: number): string | undefined {
  return getMeta(db, specKey(id));
}

/** A check that changed no data: not modified (ok) or failed. */
export function recordCheck(db: DB, id: number, r: CheckResult): void {
  db.prepare(
    `UPDATE feed_state SET checked_at = ?, ok_at = CASE WHEN ? = 'ok' THEN ? ELSE ok_at END, status = ?, message = ?,
       etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) WHERE id = ?`,
  ).run(r.now, r.status, r.now, r.status, r.message, r.etag ?? null, r.lastModified ?? null, id);
  if (r.spec !== undefined) setMeta(db, specKey(id), r.spec);
}

/** All of a feed's entries replaced at once, after the body parsed completely. */
export function replaceEntries(db: DB, id: number, parsed: ParsedFeed, r: CheckResult): void {
  db.transaction(() => {
    db.prepare('DELETE FROM feed_range4 WHERE feed_id = ?').run(id);
    db.prepare('DELETE FROM feed_range6 WHERE feed_id = ?').run(id);
    const ins4 = db.prepare('INSERT INTO feed_range4 (feed_id, lo, hi, level) VALUES (?, ?, ?, ?)');
    const v4 = parsed.v4;
    for (let i = 0; i < v4.length; i += 3) ins4.run(id, v4[i], v4[i + 1], v4[i + 2]);
    const ins6 = db.prepare('INSERT INTO feed_range6 (feed_id, lo, hi, level) VALUES (?, ?, ?, ?)');
    for (const r6 of parsed.v6) ins6.run(id, bigIntToIpv6(r6.lo), bigIntToIpv6(r6.hi), r6.level);
    db.prepare(
      `UPDATE feed_state SET checked_at = ?, ok_at = ?, updated_at = ?, status = ?, message = ?, etag = ?, last_modified = ?,
         entries = ?, dropped = ? WHERE id = ?`,
    ).run(r.now, r.now, r.now, r.status, r.message, r.etag ?? null, r.lastModified ?? null, v4.length / 3 + parsed.v6.length, parsed.special + parsed.broad, id);
    if (r.spec !== undefined) setMeta(db, specKey(id), r.spec);
    setMeta(db, 'feeds.dirty', 1);
  })();
}

export interface RebuildStats {
  ranges: number;
  segments: number;
  sets: number;
  seconds: number;
}

/** Sweeps every feed's ranges into segments, in one transaction; bumps feeds.version. */
export function rebuildSegments(db: DB): RebuildStats {
  const t0 = performance.now();
  let ranges = 0;
  let segments = 0;
  const setIndex = new Map<string, number>();
  const setRows: number[][] = [];
  const intern = (members: number[]): number => {
    const key = members.join(',');
    let id = setIndex.get(key);
    if (id === undefined) {
      id = setRows.length;
      setRows.push(members);
      setIndex.set(key, id);
    }
    return id;
  };
  db.transaction(() => {
    db.exec('DELETE FROM feed_seg4; DELETE FROM feed_seg6; DELETE FROM feed_set;');

    const count4 = (db.prepare('SELECT count(*) AS n FROM feed_range4').get() as { n: number }).n;
    const lo = new Float64Array(count4);
    const hi = new Float64Array(count4);
    const member = new Int32Array(count4);
    let i = 0;
    for (const [f, a, b, level] of db.prepare('SELECT feed_id, lo, hi, level FROM feed_range4').raw().iterate() as Iterable<number[]>) {
      lo[i] = a;
      hi[i] = b;
      member[i] = packMember(f, level);
      i++;
    }
    const seg4 = sweep({ lo, hi, member, n: i }, V4_OPS);
    const ins4 = db.prepare('INSERT INTO feed_seg4 (lo, hi, set_id) VALUES (?, ?, ?)');
    for (let k = 0; k < seg4.lo.length; k++) ins4.run(seg4.lo[k], seg4.hi[k], intern(seg4.sets[seg4.set[k]]));
    ranges += i;
    segments += seg4.lo.length;

    const rows6 = db.prepare('SELECT feed_id, lo, hi, level FROM feed_range6').raw().all() as [number, Buffer, Buffer, number][];
    const seg6 = sweep(
      { lo: rows6.map((r) => ipv6ToBigInt(r[1])), hi: rows6.map((r) => ipv6ToBigInt(r[2])), member: rows6.map((r) => packMember(r[0], r[3])), n: rows6.length },
      V6_OPS,
    );
    const ins6 = db.prepare('INSERT INTO feed_seg6 (lo, hi, set_id) VALUES (?, ?, ?)');
    for (let k = 0; k < seg6.lo.length; k++) ins6.run(bigIntToIpv6(seg6.lo[k]), bigIntToIpv6(seg6.hi[k]), intern(seg6.sets[seg6.set[k]]));
    ranges += rows6.length;
    segments += seg6.lo.length;

    const insSet = db.prepare('INSERT INTO feed_set (id, members) VALUES (?, ?)');
    setRows.forEach((m, id) => insSet.run(id, JSON.stringify(m)));
    setMeta(db, 'feeds.version', Number(getMeta(db, 'feeds.version') ?? 0) + 1);
    setMeta(db, 'feeds.dirty', 0);
  })();
  return { ranges, segments, sets: setRows.length, seconds: (performance.now() - t0) / 1000 };
}

export function segmentsDirty(db: DB): boolean {
  return getMeta(db, 'feeds.dirty') === '1';
}
