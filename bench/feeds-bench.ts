/**
 * Threat-feed matching and per-IP intel at scale (not a test: it prints timings).
 *   npx tsc -p . && node dist/bench/feeds-bench.js [ranges=1000000] [events=2000000] [addresses=200000]
 * Measures: storing 1M overlapping ranges from 3 feeds, the sweep into segments, loading the matcher,
 * in-memory and SQLite lookups (IPv4 and IPv6), and refreshIntel over millions of events.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFeedState, rebuildSegments, replaceEntries } from '../src/enrich/feedstore.js';
import type { ParsedFeed } from '../src/enrich/feedparse.js';
import { effectiveFeeds } from '../src/enrich/feeds.js';
import { refreshIntel } from '../src/enrich/intel.js';
import { rebuildCounts } from '../src/store/counts.js';
import { FeedMatcher } from '../src/enrich/matcher.js';
import { sweep, V4_OPS } from '../src/enrich/sweep.js';
import { openDb } from '../src/store/db.js';
import { bigIntToIpv6, formatIPv4, parseIPv4 } from '../src/util/ip.js';

const RANGES = Number(process.argv[2] ?? 1_000_000);
const EVENTS = Number(process.argv[3] ?? 2_000_000);
const ADDRESSES = Number(process.argv[4] ?? 200_000);

let seed = 7;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const LO = parseIPv4('11.0.0.0');
const HI = parseIPv4('99.255.255.255');
const randomV4 = () => LO + Math.floor(rand() * (HI - LO));

/** Wall time and this process's CPU time: on a shared machine the CPU figure is the steadier one. */
function time<T>(label: string, fn: () => T, per?: number): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  const rate = per ? `  (${((cpu * 1000) / per).toFixed(2)} µs each, CPU)` : '';
  console.log(`${label.padEnd(64)} ${(ms / 1000).toFixed(2).padStart(6)} s wall ${(cpu / 1000).toFixed(2).padStart(6)} s cpu${rate}`);
  return out;
}

function emptyParsed(): ParsedFeed {
  return { v4: [], v6: [], format: 'cidr', entries: 0, bad: 0, badSamples: [], belowMin: 0, special: 0, clipped: 0, specialSamples: [], broad: 0, broadSamples: [] };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loghound-bench-'));
const db = openDb(path.join(dir, 'bench.db'));
console.log(`node ${process.version}, ${os.cpus().length} cpus; ${RANGES} ranges, ${EVENTS} events from ${ADDRESSES} addresses\n`);

const feeds = ['blocklist-de', 'ipsum', 'spamhaus-drop'];
const parsed = feeds.map(() => emptyParsed());
for (let i = 0; i < RANGES; i++) {
  const f = i % 3;
  // mostly single addresses and small blocks, like real lists; some /16s for heavy overlap
  const r = rand();
  const prefix = r < 0.7 ? 32 : r < 0.95 ? 24 + Math.floor(rand() * 8) : 16 + Math.floor(rand() * 8);
  const size = 2 ** (32 - prefix);
  const base = randomV4();
  const lo = base - (base % size);
  parsed[f].v4.push(lo, lo + size - 1, f === 1 ? 3 + Math.floor(rand() * 6) : 0);
}
const v6 = emptyParsed();
for (let i = 0; i < 100_000; i++) {
  const lo = (0x2a00n << 112n) + (BigInt(Math.floor(rand() * 2 ** 40)) << 64n);
  v6.v6.push({ lo, hi: lo + (1n << 64n) - 1n, level: 0 });
}

time(`store ${RANGES} IPv4 ranges (3 feeds) + 100k IPv6`, () => {
  feeds.forEach((name, i) => replaceEntries(db, ensureFeedState(db, name).id, parsed[i], { status: 'ok', message: null, now: Date.now() }));
  replaceEntries(db, ensureFeedState(db, 'spamhaus-drop-v6').id, v6, { status: 'ok', message: null, now: Date.now() });
});

const all = parsed.flatMap((p) => p.v4);
const n = all.length / 3;
const lo = new Float64Array(n);
const hi = new Float64Array(n);
const member = new Int32Array(n);
for (let i = 0, k = 0; i < all.length; i += 3, k++) {
  lo[k] = all[i];
  hi[k] = all[i + 1];
  member[k] = k % 3;
}
const seg = time('sweep alone (in memory)', () => sweep({ lo, hi, member, n }, V4_OPS));
console.log(`  -> ${seg.lo.length} segments, ${seg.sets.length} distinct feed sets`);
const stats = time('rebuildSegments (read ranges, sweep, write segments)', () => rebuildSegments(db));
console.log(`  -> ${stats.segments} segments from ${stats.ranges} ranges`);

const effective = effectiveFeeds(db);
const matcher = time('FeedMatcher.load', () => FeedMatcher.load(db, effective));

const LOOKUPS = 5_000_000;
const probes = new Uint32Array(LOOKUPS);
for (let i = 0; i < LOOKUPS; i++) probes[i] = randomV4();
let hits = time(`${LOOKUPS} in-memory IPv4 lookups (integers)`, () => {
  let h = 0;
  for (let i = 0; i < LOOKUPS; i++) if (matcher.match4(probes[i])) h++;
  return h;
}, LOOKUPS);
console.log(`  -> ${hits} listed`);

const TEXT = 1_000_000;
const texts = Array.from({ length: TEXT }, (_, i) => formatIPv4(probes[i]));
hits = time(`${TEXT} lookups from text (parse + scope check + search)`, () => {
  let h = 0;
  for (const t of texts) if (matcher.match(t)) h++;
  return h;
}, TEXT);
console.log(`  -> ${hits} listed`);

const sql4 = db.prepare<[number]>('SELECT hi, set_id FROM feed_seg4 WHERE lo <= ? ORDER BY lo DESC LIMIT 1').raw();
hits = time(`${TEXT} SQLite IPv4 lookups (lo <= ? ORDER BY lo DESC LIMIT 1)`, () => {
  let h = 0;
  for (let i = 0; i < TEXT; i++) {
    const row = sql4.get(probes[i]) as [number, number] | undefined;
    if (row && row[0] >= probes[i]) h++;
  }
  return h;
}, TEXT);
console.log(`  -> ${hits} listed`);

const v6probes = Array.from({ length: TEXT }, () => bigIntToIpv6((0x2a00n << 112n) + (BigInt(Math.floor(rand() * 2 ** 40)) << 64n) + 5n));
hits = time(`${TEXT} SQLite IPv6 lookups (16-byte blobs)`, () => {
  let h = 0;
  for (const b of v6probes) if (matcher.match6(b)) h++;
  return h;
}, TEXT);
console.log(`  -> ${hits} listed`);

// Events: ADDRESSES distinct sources, a quarter of them drawn from listed ranges.
const ins = db.prepare(`INSERT INTO events (ts, dataset, source_id, line, offset, raw, source_ip, destination_ip) VALUES (0, 'bench', 1, ?, 0, '', ?, ?)`);
db.prepare(`INSERT INTO sources (id, path, fingerprint, fp_len, first_ingest, last_ingest) VALUES (1, 'bench', 'fp', 0, 0, 0)`).run();
const pool = Array.from({ length: ADDRESSES }, (_, i) => (i % 4 === 0 ? formatIPv4(parsed[i % 3].v4[3 * (i % (parsed[i % 3].v4.length / 3))]) : formatIPv4(randomV4())));
time(`insert ${EVENTS} events (setup, not enrichment)`, () =>
  db.transaction(() => {
    for (let i = 0; i < EVENTS; i++) ins.run(i, pool[i % ADDRESSES], i % 5 === 0 ? '10.0.0.5' : null);
    // the writer keeps the counts per address that a first enrichment reads its addresses from; this INSERT does not
    rebuildCounts(db);
  })(),
);
db.pragma('wal_checkpoint(TRUNCATE)');
const r1 = time(`refreshIntel: ${EVENTS} events, ${ADDRESSES} new addresses, GeoIP (bundled)`, () => refreshIntel(db, { dataDir: dir }));
console.log(`  -> ${r1.new_ips} addresses, ${r1.listed} listed`);
const r2 = time('refreshIntel again (nothing new)', () => refreshIntel(db, { dataDir: dir }));
console.log(`  -> ${r2.new_ips} new`);
const r3 = time('refreshIntel after a feed change (threat redone for all)', () =>
  refreshIntel(db, { dataDir: dir, feeds: { ipsum: { weight: 60 } } }),
);
console.log(`  -> ${r3.threat_changed} rows changed`);

db.close();
fs.rmSync(dir, { recursive: true, force: true });
