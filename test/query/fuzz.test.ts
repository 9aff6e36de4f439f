/**
 * Hostile and random queries: the only failure allowed is a UsageError; whatever compiles runs; no value ever
 * reaches SQL text; and, run on a writable connection, no query changes the schema or the rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compileQuery, type CompiledQuery } from '../../src/query/compile.js';
import { registerQueryFunctions } from '../../src/query/functions.js';
import { openDb, type DB } from '../../src/store/db.js';
import { UsageError } from '../../src/errors.js';
import { tmpDir } from '../helpers/cli.js';
import { buildStore, loadStory } from '../cli/investigate-store.js';

/** Deterministic, so a failure reproduces: mulberry32. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let db: DB;
let schema: string;
let count: number;

const state = () => JSON.stringify(db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all());

before(() => {
  dir = tmpDir();
  const file = path.join(dir, 'fuzz.db');
  buildStore(file, loadStory());
  // writable on purpose: an injection that got through would have something to break
  db = openDb(file);
  registerQueryFunctions(db);
  schema = state();
  count = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
});

after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ALLOWED_LITERALS = new Set(["'\\'", "'array'", "','"]);

/** Compiles and runs a query; returns the compiled form, or undefined for a UsageError. */
function exercise(q: string): CompiledQuery | undefined {
  let c: CompiledQuery;
  try {
    c = compileQuery(q, { now: Date.UTC(2026, 10, 15) });
  } catch (err) {
    assert.ok(err instanceof UsageError, `${JSON.stringify(q)} threw ${(err as Error)?.stack ?? err}`);
    return undefined;
  }
  for (const lit of c.where.match(/'(?:[^']|'')*'/g) ?? []) {
    assert.ok(ALLOWED_LITERALS.has(lit) || lit.startsWith("'$.\""), `${JSON.stringify(q)}: unexpected literal ${lit} in ${c.where}`);
  }
  assert.doesNotThrow(() => db.prepare(`SELECT count(*) FROM events e WHERE ${c.where}`).get(...c.params), `${JSON.stringify(q)} -> ${c.where}`);
  return c;
}

const ALPHABET = [
  ...'abcdefgh xyz ABC 0123456789 .:-_/@',
  ...':()"\\*?[]{}<>=\'; ,%#!|&$`~+^\t\n',
  '\u001b',
  '\u0000',
  'é',
  '日本',
  '\u202e',
  ' and ',
  ' or ',
  ' not ',
  ' TO ',
  'source.ip',
  'user.name',
  '@timestamp',
  'http.response.status_code',
  'event.category',
  'json.status',
  '10.0.0.0/8',
  '::1',
  '2026-11-14',
];

test('random strings: a UsageError or a query that runs', () => {
  const r = rng(7);
  let compiled = 0;
  for (let i = 0; i < 4000; i++) {
    const len = Math.floor(r() * 24);
    let q = '';
    for (let j = 0; j < len; j++) q += ALPHABET[Math.floor(r() * ALPHABET.length)];
    if (exercise(q)) compiled++;
  }
  assert.ok(compiled > 200, `only ${compiled} of the random strings compiled: the fuzz is not reaching the compiler`);
  assert.equal(state(), schema);
});

const VALID = [
  'source.ip:10.0.0.0/8 and not user.name:root',
  'http.response.status_code >= 400 and http.request.method:(GET or POST)',
  'message:"Failed password" or event.action:ssh_login',
  'url.original:*wp-login* and @timestamp:[2026-11-14 TO 2026-11-15}',
  'event.category:auth* and event.outcome:failure',
  'json.status >= 500 or related.ip:10.0.0.5',
  'failed password and source.ip:2001:db8::/32',
  'not (user.name:alice or user.name:bob) and host.name:web01',
  'aws.cloudtrail.userIdentity.userName:mallory and source.ip:[1.2.3.4 TO 1.2.3.9]',
];

test('mutations of valid queries: a UsageError or a query that runs', () => {
  const r = rng(11);
  let compiled = 0;
  for (let i = 0; i < 4000; i++) {
    let q = VALID[Math.floor(r() * VALID.length)];
    const edits = 1 + Math.floor(r() * 4);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(r() * (q.length + 1));
      const piece = ALPHABET[Math.floor(r() * ALPHABET.length)];
      const op = r();
      if (op < 0.35) q = q.slice(0, at) + piece + q.slice(at);
      else if (op < 0.7) q = q.slice(0, at) + q.slice(at + 1 + Math.floor(r() * 5));
      else if (op < 0.85) q = q.slice(0, at) + piece + q.slice(at + 1);
      else {
        const words = q.split(' ');
        const a = Math.floor(r() * words.length);
        const b = Math.floor(r() * words.length);
        [words[a], words[b]] = [words[b], words[a]];
        q = words.join(' ');
      }
    }
    if (exercise(q)) compiled++;
  }
  assert.ok(compiled > 1000, `only ${compiled} mutations compiled`);
  assert.equal(state(), schema);
  assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, count);
});

const FIELDS = ['source.ip', 'user.name', 'message', 'url.original', 'event.category', 'json.status', 'aws.cloudtrail.eventName', 'log.level'];
const HOSTILE = ["'", '"', ';', '--', '/*', '*/', ')', '(', "' OR 1=1 --", '"); DROP TABLE events; --', 'sqlite_master', '\\', '%', '_', '\u0000'];

test('generated queries with hostile values: values are parameters, never SQL text', () => {
  const r = rng(3);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const marker = () => {
    let s = 'zq' + Math.floor(r() * 1e6).toString(36);
    for (let i = Math.floor(r() * 3); i > 0; i--) s += pick(HOSTILE);
    return s;
  };
  const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
  const values: string[] = [];
  const term = (depth: number): string => {
    const k = depth > 2 ? Math.floor(r() * 3) : Math.floor(r() * 7);
    const v = marker();
    if (k < 3 || k > 5) values.push(v);
    switch (k) {
      case 0:
        return `${pick(FIELDS)}:${quote(v)}`;
      case 1:
        return quote(v);
      case 2:
        return `${pick(FIELDS)}:(${quote(v)} or ${quote(v + 'x')})`;
      case 3:
        return `not ${term(depth + 1)}`;
      case 4:
        return `(${term(depth + 1)} and ${term(depth + 1)})`;
      case 5:
        return `${term(depth + 1)} or ${term(depth + 1)}`;
      default:
        return `${pick(FIELDS)}:[${quote(v)} TO ${quote(v + 'z')}]`;
    }
  };
  let checked = 0;
  for (let i = 0; i < 1500; i++) {
    values.length = 0;
    const q = term(0);
    const c = exercise(q);
    if (!c) continue;
    checked++;
    for (const v of values) assert.ok(!c.where.includes(v), `value ${JSON.stringify(v)} reached the SQL text: ${c.where}`);
    for (const v of values) assert.ok(c.params.some((p) => typeof p === 'string' && p.includes(/^zq[0-9a-z]+/.exec(v)![0])), `value ${JSON.stringify(v)} is not among the parameters`);
  }
  assert.ok(checked > 1000, `only ${checked} generated queries compiled`);
  assert.equal(state(), schema);
  assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, count);
});
