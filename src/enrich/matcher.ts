/**
 * Address -> the enabled feeds that list it. IPv4 segments are loaded into typed arrays and binary-searched
 * (a few hundred nanoseconds a lookup); IPv6 segments stay in SQLite and are found with the indexed
 * `lo <= ? ORDER BY lo DESC LIMIT 1` query (logs hold few IPv6 addresses). Special-purpose addresses never match.
 */
import type { Statement } from 'better-sqlite3';
import type { DB } from '../store/db.js';
import { parseIp, scopeV4, scopeV6, type ParsedIp } from '../util/ip.js';
import { combinedScore, confidenceFor, listingWeight, severityForScore, type EffectiveFeed, type Severity } from './catalogue.js';
import { feedStates, memberFeed, memberLevel } from './feedstore.js';

export interface FeedHit {
  feed: string;
  provider: string;
  context: string;
  weight: number;
  /** for feeds that count lists (IPsum): on how many lists */
  count?: number;
}

/** What the feeds say about one address. */
export interface Threat {
  /** the address as matched (canonical text) */
  ip: string;
  type: 'ipv4-addr' | 'ipv6-addr';
  /** the context of the heaviest feed listing it, e.g. "Botnet C2" */
  context: string;
  contexts: string[];
  feeds: string[];
  feed_count: number;
  /** 0-100: the highest weight plus 5 per further feed */
  score: number;
  severity: Severity;
  /** STIX scale of the heaviest listing */
  confidence: 'None' | 'Low' | 'Medium' | 'High';
  matches: FeedHit[];
}

export class FeedMatcher {
  private readonly lo4: Uint32Array;
  private readonly hi4: Uint32Array;
  private readonly set4: Int32Array;
  private readonly sets: (FeedHit[] | null)[];
  private readonly seg6: Statement<[Buffer], { hi: Buffer; set_id: number }> | undefined;

  private constructor(db: DB, lo: Uint32Array, hi: Uint32Array, set: Int32Array, sets: (FeedHit[] | null)[], has6: boolean) {
    this.lo4 = lo;
    this.hi4 = hi;
    this.set4 = set;
    this.sets = sets;
    this.seg6 = has6 ? db.prepare<[Buffer], { hi: Buffer; set_id: number }>('SELECT hi, set_id FROM feed_seg6 WHERE lo <= ? ORDER BY lo DESC LIMIT 1') : undefined;
  }

  /** Reads the segments (which must not be dirty: see ensureSegments) and resolves sets to enabled feeds. */
  static load(db: DB, feeds: EffectiveFeed[]): FeedMatcher {
    const byName = new Map(feeds.filter((f) => f.enabled).map((f) => [f.name, f]));
    const idToFeed = new Map<number, EffectiveFeed>();
    for (const row of feedStates(db)) {
      const f = byName.get(row.name);
      if (f) idToFeed.set(row.id, f);
    }
    const sets: (FeedHit[] | null)[] = [];
    for (const row of db.prepare('SELECT id, members FROM feed_set ORDER BY id').all() as { id: number; members: string }[]) {
      sets[row.id] = resolveSet(JSON.parse(row.members) as number[], idToFeed);
    }
    const n = (db.prepare('SELECT count(*) AS n FROM feed_seg4').get() as { n: number }).n;
    const lo = new Uint32Array(n);
    const hi = new Uint32Array(n);
    const set = new Int32Array(n);
    let i = 0;
    for (const [a, b, s] of db.prepare('SELECT lo, hi, set_id FROM feed_seg4 ORDER BY lo').raw().iterate() as Iterable<number[]>) {
      lo[i] = a;
      hi[i] = b;
      set[i] = s;
      i++;
    }
    const has6 = (db.prepare('SELECT EXISTS (SELECT 1 FROM feed_seg6) AS x').get() as { x: number }).x === 1;
    return new FeedMatcher(db, lo, hi, set, sets, has6);
  }

  match4(n: number): FeedHit[] | null {
    const lo = this.lo4;
    let a = 0;
    let b = lo.length - 1;
    // the last segment starting at or before n
    while (a <= b) {
      const mid = (a + b) >>> 1;
      if (lo[mid] <= n) a = mid + 1;
      else b = mid - 1;
    }
    if (b < 0 || this.hi4[b] < n) return null;
    return this.sets[this.set4[b]] ?? null;
  }

  match6(b: Buffer): FeedHit[] | null {
    if (!this.seg6) return null;
    const row = this.seg6.get(b);
    if (!row || Buffer.compare(row.hi, b) < 0) return null;
    return this.sets[row.set_id] ?? null;
  }

  matchParsed(p: ParsedIp): FeedHit[] | null {
    if (p.v === 4) return scopeV4(p.n) ? null : this.match4(p.n);
    return scopeV6(p.b) ? null : this.match6(p.b);
  }

  match(ip: string): FeedHit[] | null {
    const p = parseIp(ip);
    return p ? this.matchParsed(p) : null;
  }
}

function resolveSet(members: number[], idToFeed: Map<number, EffectiveFeed>): FeedHit[] | null {
  const best = new Map<string, FeedHit>();
  for (const m of members) {
    const f = idToFeed.get(memberFeed(m));
    if (!f) continue;
    const level = memberLevel(m);
    const hit: FeedHit = { feed: f.name, provider: f.provider, context: f.context, weight: listingWeight(f, level) };
    if (f.countColumn) hit.count = level;
    const prev = best.get(f.name);
    if (!prev || prev.weight < hit.weight) best.set(f.name, hit);
  }
  if (best.size === 0) return null;
  return [...best.values()].sort((x, y) => y.weight - x.weight || x.feed.localeCompare(y.feed));
}

export function threatFrom(ip: string, v: 4 | 6, hits: FeedHit[]): Threat {
  const score = combinedScore(hits.map((h) => h.weight));
  return {
    ip,
    type: v === 4 ? 'ipv4-addr' : 'ipv6-addr',
    context: hits[0].context,
    contexts: [...new Set(hits.map((h) => h.context))],
    feeds: hits.map((h) => h.feed),
    feed_count: hits.length,
    score,
    severity: severityForScore(score),
    confidence: confidenceFor(hits[0].weight),
    matches: hits,
  };
}
