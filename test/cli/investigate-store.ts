/**
 * Test stores for the investigation commands, written through the real EventWriter so the rows are exactly what
 * ingest would store, from events whose parse the test controls (fixtures/investigate/story.json).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '../../src/store/db.js';
import { EventWriter } from '../../src/store/events.js';
import { Sources } from '../../src/store/sources.js';
import type { Fields } from '../../src/model/event.js';
import { FIXTURES, run } from '../helpers/cli.js';

export interface SeedEvent {
  ts: string;
  dataset: string;
  path: string;
  raw: string;
  status?: number;
  flags?: number;
  fields: Fields;
}

export const STORY_FILE = path.join(FIXTURES, 'investigate/story.json');

export function loadStory(): SeedEvent[] {
  return JSON.parse(fs.readFileSync(STORY_FILE, 'utf8')) as SeedEvent[];
}

/** A store at `file` holding `events`; line numbers and offsets count per path, as ingest would. */
export function buildStore(file: string, events: SeedEvent[]): void {
  const db = openDb(file);
  try {
    const sources = new Sources(db);
    const writer = new EventWriter(db);
    const ids = new Map<string, number>();
    const pos = new Map<string, { line: number; offset: number }>();
    db.transaction(() => {
      for (const ev of events) {
        let id = ids.get(ev.path);
        if (id === undefined) {
          const fp = createHash('sha256').update(ev.path).digest('hex');
          id = sources.create({ path: ev.path, dev: null, ino: null, size: null, mtime_ms: null, compressed: 0, fingerprint: fp, fp_len: 1024 }).id;
          ids.set(ev.path, id);
        }
        const at = pos.get(ev.path) ?? { line: 0, offset: 0 };
        at.line++;
        writer.write({
          ts: Date.parse(ev.ts),
          dataset: ev.dataset,
          sourceId: id,
          line: at.line,
          offset: at.offset,
          status: ev.status ?? 0,
          flags: ev.flags ?? 0,
          raw: ev.raw,
          fields: ev.fields,
        });
        at.offset += Buffer.byteLength(ev.raw) + 1;
        pos.set(ev.path, at);
      }
    })();
  } finally {
    db.close();
  }
}

/** `n` synthetic web events, one second apart from 2026-11-01, written in large transactions (fast). */
export function buildLargeStore(file: string, n: number): void {
  const db = openDb(file);
  try {
    const sources = new Sources(db);
    const writer = new EventWriter(db);
    const id = sources.create({ path: '/var/log/nginx/big.log', dev: null, ino: null, size: null, mtime_ms: null, compressed: 0, fingerprint: 'big', fp_len: 1024 }).id;
    const t0 = Date.UTC(2026, 10, 1);
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
        const status = i % 10 === 0 ? 404 : 200;
        const raw = `${ip} - - [01/Nov/2026:00:00:00 +0000] "GET /item/${i} HTTP/1.1" ${status} ${i % 5000} "-" "bench/1.0"`;
        writer.write({
          ts: t0 + i * 1000,
          dataset: 'web.access',
          sourceId: id,
          line: i + 1,
          offset: i * 100,
          status: 0,
          flags: 0,
          raw,
          fields: {
            'event.category': ['web'],
            'event.type': ['access'],
            'event.outcome': status < 400 ? 'success' : 'failure',
            'source.ip': ip,
            'http.request.method': 'GET',
            'url.original': `/item/${i}`,
            'http.response.status_code': status,
            'http.response.body.bytes': i % 5000,
            'user_agent.original': 'bench/1.0',
          },
        });
      }
    });
    for (let i = 0; i < n; i += 50_000) batch(i, Math.min(n, i + 50_000));
  } finally {
    db.close();
  }
}

export const GOLDEN_DIR = path.join(FIXTURES, 'investigate/golden');

/**
 * Compares command output with fixtures/investigate/golden/<name>; UPDATE_GOLDEN=1 rewrites the file, which a
 * person must then read.
 */
export function matchGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, actual);
  const expected = fs.readFileSync(file, 'utf8');
  if (actual !== expected) {
    throw new Error(`output differs from ${path.relative(FIXTURES, file)}\n--- expected\n${expected}\n--- actual\n${actual}`);
  }
}

export const HUNT_LOGS = path.join(FIXTURES, 'investigate/hunt');
export const TEST_RULES = path.join(FIXTURES, 'investigate/rules');
const GEOIP = path.join(FIXTURES, 'geoip');

/** hunt's flags for the test stores: the test rules only, and MaxMind's test databases (stable answers). */
export function huntArgs(...inputs: string[]): string[] {
  return [
    'hunt',
    ...inputs,
    '--rules',
    TEST_RULES,
    '--no-builtin',
    '--geoip-db',
    path.join(GEOIP, 'GeoIP2-City-Test.mmdb'),
    '--asn-db',
    path.join(GEOIP, 'GeoLite2-ASN-Test.mmdb'),
    '--tz',
    'UTC',
  ];
}

/**
 * A store hunted from fixtures/investigate/hunt in two runs (auth.log, then access.log), with a local threat feed
 * listing the SSH brute forcer. Logs are copied into `dir` first: paths in the output are then `<dir>/logs/...`
 * after normalize().
 */
export function buildHuntStore(dir: string): string {
  const store = path.join(dir, 'hunt.db');
  fs.mkdirSync(path.join(dir, 'logs'));
  for (const f of ['auth.log', 'access.log']) fs.copyFileSync(path.join(HUNT_LOGS, f), path.join(dir, 'logs', f));
  fs.writeFileSync(path.join(dir, 'iocs.txt'), '# case IOCs\n89.160.20.112\n');
  const steps = [
    ['feeds', 'add', 'case-iocs', path.join(dir, 'iocs.txt'), '--context', 'Malicious Host', '--severity', 'high'],
    huntArgs(path.join(dir, 'logs/auth.log')),
    huntArgs(path.join(dir, 'logs/access.log')),
  ];
  for (const args of steps) {
    const r = run(['--db', store, ...args]);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  }
  return store;
}

/** Output with the temp folder replaced, so golden files hold no machine-specific path. */
export function normalize(text: string, dir: string): string {
  return text.split(dir).join('<dir>');
}
