import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { buildStore, loadStory, matchGolden } from './investigate-store.js';
import { openReadStore } from '../../src/store/read.js';

let dir: string;
let store: string;
const sql = (...args: string[]) => run(['--db', store, 'sql', ...args]);
const digest = () => createHash('sha256').update(fs.readFileSync(store)).digest('hex');

before(() => {
  dir = tmpDir();
  store = path.join(dir, 'story.db');
  buildStore(store, loadStory());
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const Q = 'SELECT dataset, count(*) AS events, sum(status = 1) AS unparsed, min(ts) AS first FROM events GROUP BY dataset ORDER BY events DESC, dataset';

test('table, NDJSON and CSV match their golden files', () => {
  for (const [name, args] of [
    ['sql-datasets.txt', [Q]],
    ['sql-datasets.ndjson', [Q, '--json']],
    ['sql-datasets.csv', [Q, '--csv']],
  ] as [string, string[]][]) {
    const r = sql(...args);
    assert.equal(r.code, 0, r.stderr);
    matchGolden(name, r.stdout);
  }
});

test('reading works: CTEs, VALUES, EXPLAIN, reading pragmas, the ip functions', () => {
  assert.deepEqual(ndjsonLines(sql('WITH t AS (SELECT user_name FROM events WHERE user_name IS NOT NULL) SELECT count(DISTINCT user_name) AS n FROM t', '--json').stdout), [{ n: 5 }]);
  assert.deepEqual(ndjsonLines(sql('VALUES (1, \'a\')', '--json').stdout), [{ column1: 1, column2: 'a' }]);
  assert.equal(sql('EXPLAIN QUERY PLAN SELECT * FROM events WHERE source_ip = \'1.2.3.4\'').code, 0);
  assert.ok(ndjsonLines(sql('PRAGMA table_info(events)', '--json').stdout).some((c) => c.name === 'source_ip'));
  assert.equal(sql('PRAGMA main.user_version').code, 0);
  const n = ndjsonLines(sql("SELECT count(*) AS n FROM events WHERE ip_in_cidr(source_ip, '203.0.113.0/24')", '--json').stdout);
  assert.deepEqual(n, [{ n: 11 }]);
  assert.deepEqual(ndjsonLines(sql("SELECT ip_in_range('10.0.0.5', '10.0.0.1', '10.0.0.9') AS r, lh_number('503') AS s", '--json').stdout), [{ r: 1, s: 503 }]);
});

test('every kind of write is refused with a reason, and the store stays byte for byte the same', () => {
  const before = digest();
  const schema = sql("SELECT name, sql FROM sqlite_master ORDER BY name", '--json').stdout;
  const attempts: [string, RegExp][] = [
    ["INSERT INTO meta (key, value) VALUES ('k', 'v')", /INSERT is not allowed/],
    ["UPDATE events SET user_name = 'x'", /UPDATE is not allowed/],
    ['DELETE FROM events', /DELETE is not allowed/],
    ['DROP TABLE events', /DROP is not allowed/],
    ['CREATE TABLE t (a)', /CREATE is not allowed/],
    ['CREATE TEMP TABLE t (a)', /CREATE is not allowed/],
    ["ATTACH DATABASE '" + path.join(dir, 'other.db') + "' AS o", /ATTACH is not allowed/],
    ["/* hidden */ attach ':memory:' as m", /ATTACH is not allowed/],
    ['PRAGMA writable_schema = 1', /writable_schema is not on/],
    ['PRAGMA query_only = 0', /query_only is not on/],
    ['PRAGMA user_version = 99', /changes the connection/],
    ['PRAGMA user_version(99)', /sets a value/],
    ['PRAGMA journal_mode = DELETE', /journal_mode is not on/],
    ['WITH doomed AS (SELECT id FROM events) DELETE FROM events WHERE id IN (SELECT id FROM doomed)', /would write/],
    ["SELECT load_extension('/tmp/nope.so')", /load_extension\(\) is not available/],
    ['SELECT "load_extension"(\'x\')', /load_extension\(\) is not available/],
    ["VACUUM INTO '" + path.join(dir, 'copy.db') + "'", /VACUUM is not allowed/],
    ['VACUUM', /VACUUM is not allowed/],
    ['REINDEX', /REINDEX is not allowed/],
    ['ANALYZE', /ANALYZE is not allowed/],
    ['BEGIN IMMEDIATE', /BEGIN is not allowed/],
    ['SELECT 1; DROP TABLE events', /one statement at a time/],
    ['EXPLAIN DELETE FROM events', /EXPLAIN is allowed for SELECT/],
    ["REPLACE INTO meta VALUES ('a', 'b')", /REPLACE is not allowed/],
    ['', /no SQL statement/],
  ];
  for (const [statement, reason] of attempts) {
    const r = sql(statement);
    assert.equal(r.code, 2, statement);
    assert.equal(r.stdout, '', statement);
    assert.match(r.stderr, reason, statement);
  }
  assert.equal(digest(), before);
  assert.equal(sql("SELECT name, sql FROM sqlite_master ORDER BY name", '--json').stdout, schema);
  assert.ok(!fs.existsSync(path.join(dir, 'other.db')) && !fs.existsSync(path.join(dir, 'copy.db')));
});

test('under the keyword check, the connection itself cannot write', () => {
  const db = openReadStore(store);
  try {
    assert.equal(db.pragma('query_only', { simple: true }), 1);
    assert.throws(() => db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run(), /readonly|query_only/i);
    assert.throws(() => db.exec('PRAGMA query_only = 0; DELETE FROM events'), /readonly/i);
    assert.throws(() => db.prepare("SELECT load_extension('x')").get(), /not authorized/);
  } finally {
    db.close();
  }
});

test('SQL errors are usage errors with SQLite\'s message', () => {
  const r = sql('SELECT nope FROM events');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /SQL: no such column: nope/);
  assert.match(sql("SELECT ip_in_cidr(source_ip, 'bad') FROM events").stderr, /not a CIDR/);
});

test('text from logs is escaped in the table view and in JSON', () => {
  const q = "SELECT user_agent_original FROM events WHERE source_ip = '2001:db8::42'";
  const t = sql(q);
  assert.ok(!t.stdout.includes('\u001b'));
  assert.match(t.stdout, /Evil\\e\]0;pwned/);
  assert.equal(ndjsonLines(sql(q, '--json').stdout)[0].user_agent_original, 'Evil\u001b]0;pwned\u0007\u001b[31mRED\u001b[0m');
});

test('CSV: a formula that starts with a dash and a digit gets the quote; plain negative numbers do not', () => {
  const r = sql(`SELECT '-2+3+cmd|'' /C calc''!A0' AS payload, '-1+1' AS sum, -2 AS n, -2.5 AS x, '-7' AS t`, '--csv');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `payload,sum,n,x,t\n'-2+3+cmd|' /C calc'!A0,'-1+1,-2,-2.5,-7\n`);
});

test('integers beyond 2^53 print exactly in the table, JSON (as numbers) and CSV', () => {
  const q = 'SELECT 9007199254740993 AS big, -9223372036854775808 AS min, 42 AS small, 0.5 AS real';
  const table = sql(q);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.split('\n')[1], /^9007199254740993 +-9223372036854775808 +42 +0\.5\s*$/);
  const json = sql(q, '--json');
  assert.equal(json.stdout, '{"big":9007199254740993,"min":-9223372036854775808,"small":42,"real":0.5}\n');
  assert.equal(typeof JSON.parse(json.stdout).small, 'number');
  assert.equal(sql(q, '--csv').stdout, 'big,min,small,real\n9007199254740993,-9223372036854775808,42,0.5\n');
});
