import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweep, V4_OPS, V6_OPS } from '../../src/enrich/sweep.js';
import { FeedMatcher } from '../../src/enrich/matcher.js';
import { effectiveFeeds } from '../../src/enrich/feeds.js';
import { ensureFeedState, packMember, rebuildSegments, replaceEntries } from '../../src/enrich/feedstore.js';
import type { ParsedFeed } from '../../src/enrich/feedparse.js';
import { formatIPv4, parseIPv4, parseRange } from '../../src/util/ip.js';
import { tempStore } from './helpers.js';

const ip = parseIPv4;

test('sweep: overlapping ranges become disjoint segments with the set of members covering each', () => {
  // member 1: 10..50, member 2: 30..70, member 1 again: 45..60 (overlaps itself), member 3: 80..80, member 2: 71..75
  const seg = sweep({ lo: [10, 30, 45, 80, 71], hi: [50, 70, 60, 80, 75], member: [1, 2, 1, 3, 2], n: 5 }, V4_OPS);
  const text = seg.lo.map((lo, i) => `${lo}-${seg.hi[i]}:${seg.sets[seg.set[i]].join('+')}`);
  assert.deepEqual(text, ['10-29:1', '30-60:1+2', '61-75:2', '80-80:3'], 'adjacent segments with the same set are merged (61-70 and 71-75)');
});

test('sweep: the top of the address space, and IPv6 as bigints', () => {
  const seg = sweep({ lo: [0xffffff00], hi: [0xffffffff], member: [0], n: 1 }, V4_OPS);
  assert.deepEqual([seg.lo, seg.hi], [[0xffffff00], [0xffffffff]]);
  const r1 = parseRange('2a06:e480::/29') as { lo: bigint; hi: bigint };
  const r2 = parseRange('2a06:e480::/48') as { lo: bigint; hi: bigint };
  const s6 = sweep({ lo: [r1.lo, r2.lo], hi: [r1.hi, r2.hi], member: [4, 5], n: 2 }, V6_OPS);
  assert.equal(s6.lo.length, 2);
  assert.deepEqual(s6.sets[s6.set[0]], [4, 5]);
  assert.equal(s6.hi[0], r2.hi);
  assert.deepEqual(s6.sets[s6.set[1]], [4]);
  assert.equal(s6.hi[1], r1.hi);
});

function parsedOf(entries: [string, number?][]): ParsedFeed {
  const p: ParsedFeed = { v4: [], v6: [], format: 'cidr', entries: 0, bad: 0, badSamples: [], belowMin: 0, special: 0, clipped: 0, specialSamples: [], broad: 0, broadSamples: [] };
  for (const [text, level] of entries) {
    const r = parseRange(text)!;
    if (r.v === 4) p.v4.push(r.lo, r.hi, level ?? 0);
    else p.v6.push({ lo: r.lo, hi: r.hi, level: level ?? 0 });
    p.entries++;
  }
  return p;
}

test('store segments: feed names, counts and weights come back in one lookup; disabled feeds drop out', () => {
  const { db } = tempStore();
  const feeds = effectiveFeeds(db);
  const now = Date.now();
  const load = (name: string, entries: [string, number?][]) =>
    replaceEntries(db, ensureFeedState(db, name).id, parsedOf(entries), { status: 'ok', message: null, now });
  load('spamhaus-drop', [['45.135.232.0/24']]);
  load('blocklist-de', [['45.135.232.7'], ['185.224.128.17']]);
  load('ipsum', [['45.135.232.7', 5], ['80.94.95.115', 9]]);
  load('spamhaus-drop-v6', [['2a06:e480::/29']]);
  load('tor-exit', [['185.220.101.4']]);
  rebuildSegments(db);
  const m = FeedMatcher.load(db, feeds);
  const hit = m.match('45.135.232.7')!;
  assert.deepEqual(
    hit.map((h) => [h.feed, h.weight, h.count]),
    [
      ['spamhaus-drop', 80, undefined],
      ['ipsum', 70, 5],
      ['blocklist-de', 60, undefined],
    ],
  );
  assert.deepEqual(m.match('45.135.232.8')?.map((h) => h.feed), ['spamhaus-drop']);
  assert.deepEqual(m.match('::ffff:45.135.232.7')?.map((h) => h.feed), ['spamhaus-drop', 'ipsum', 'blocklist-de'], 'IPv4-mapped');
  assert.deepEqual(m.match('80.94.95.115')?.map((h) => [h.feed, h.weight]), [['ipsum', 85]], 'list counts raise the weight up to 85');
  assert.deepEqual(m.match('2a06:e481:1::5')?.map((h) => h.feed), ['spamhaus-drop-v6']);
  assert.equal(m.match('2a06:e488::1'), null, 'just past the /29');
  assert.equal(m.match('45.135.233.0'), null);
  assert.equal(m.match('not an ip'), null);
  const disabled = feeds.map((f) => (f.name === 'spamhaus-drop' || f.name === 'tor-exit' ? { ...f, enabled: false } : f));
  const m2 = FeedMatcher.load(db, disabled);
  assert.deepEqual(m2.match('45.135.232.7')?.map((h) => h.feed), ['ipsum', 'blocklist-de']);
  assert.equal(m2.match('45.135.232.8'), null);
  assert.equal(m2.match('185.220.101.4'), null);
});

test('special-purpose addresses never match, even when a segment covers them', () => {
  const { db } = tempStore();
  // Written behind the parser's back: the matcher must hold the line on its own.
  db.prepare('INSERT INTO feed_set (id, members) VALUES (0, ?)').run(JSON.stringify([packMember(ensureFeedState(db, 'blocklist-de').id, 0)]));
  db.prepare('INSERT INTO feed_seg4 (lo, hi, set_id) VALUES (0, ?, 0)').run(0xffffffff);
  const m = FeedMatcher.load(db, effectiveFeeds(db));
  assert.ok(m.match('8.8.8.8'));
  for (const addr of ['10.1.2.3', '192.168.1.40', '127.0.0.1', '169.254.9.9', '100.64.1.1', '224.0.0.1', '255.255.255.255', '::ffff:10.0.0.1']) {
    assert.equal(m.match(addr), null, addr);
  }
});

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('at scale: 150k overlapping ranges from 3 feeds give the same answers as a direct range query', () => {
  const { db } = tempStore();
  const rand = rng(42);
  const feedNames = ['blocklist-de', 'ipsum', 'spamhaus-drop'];
  const ids: number[] = [];
  const now = Date.now();
  feedNames.forEach((name, f) => {
    const entries: [string, number?][] = [];
    for (let i = 0; i < 50_000; i++) {
      // public space between 11.0.0.0 and 99.255.255.255, prefixes /16../32: plenty of overlap
      const base = ip('11.0.0.0') + Math.floor(rand() * (ip('99.255.255.255') - ip('11.0.0.0')));
      const prefix = 16 + Math.floor(rand() * 17);
      entries.push([`${formatIPv4(base)}/${prefix}`, f === 1 ? 3 + Math.floor(rand() * 5) : 0]);
    }
    const id = ensureFeedState(db, name).id;
    ids.push(id);
    replaceEntries(db, id, parsedOf(entries), { status: 'ok', message: null, now });
  });
  const stats = rebuildSegments(db);
  assert.equal(stats.ranges, 150_000);
  assert.ok(stats.segments > 0);
  const m = FeedMatcher.load(db, effectiveFeeds(db));
  // The reference answer: a plain scan over every stored range, no segments involved.
  const all = db.prepare('SELECT feed_id, lo, hi FROM feed_range4').raw().all() as [number, number, number][];
  let listed = 0;
  for (let i = 0; i < 300; i++) {
    // half the probes at range starts and ends (guaranteed hits), half anywhere
    const r = all[Math.floor(rand() * all.length)];
    const n = i % 3 === 0 ? r[1] : i % 3 === 1 ? r[2] : ip('11.0.0.0') + Math.floor(rand() * (ip('99.255.255.255') - ip('11.0.0.0')));
    const want = [...new Set(all.filter(([, lo, hi]) => lo <= n && n <= hi).map(([id]) => feedNames[ids.indexOf(id)]))].sort();
    const got = (m.match4(n) ?? []).map((h) => h.feed).sort();
    assert.deepEqual(got, want, formatIPv4(n));
    if (want.length) listed++;
  }
  assert.ok(listed >= 200, 'the probes found listed addresses');
});
