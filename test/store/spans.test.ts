/** The span layout: parsed columns that repeat part of the raw line are read back from it, value for value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '../../src/store/db.js';
import { hasSpanLayout, spanOf } from '../../src/store/spans.js';
import { EventWriter } from '../../src/store/events.js';
import { Sources } from '../../src/store/sources.js';
import { run, tmpDir } from '../helpers/cli.js';

test('spanOf: a place in the line when the line holds the value at a place SQLite counts the same way', () => {
  const raw = '1.2.3.4 - - "GET /a?b=1 HTTP/1.1" 200 5 "-" "curl/8.0"';
  assert.equal(spanOf(raw, 'curl/8.0'), BigInt(raw.indexOf('curl/8.0') + 1 + 8 * 2 ** 20));
  assert.equal(spanOf(raw, 'decoded value'), 'decoded value', 'not in the line: the value itself');
  assert.equal(spanOf(raw, ''), '');
  // an emoji is two UTF-16 units to indexOf but one character to substr(): the value is kept as itself
  assert.equal(spanOf('\u{1F600} "curl/8.0"', 'curl/8.0'), 'curl/8.0');
  const long = 'x'.repeat(1 << 20) + ' tail';
  assert.equal(spanOf(long, 'tail'), 'tail', 'beyond the packed position range');
});

test('a new store has the span layout; every spanned value reads back equal, also non-ASCII, numeric-looking and decoded ones', () => {
  const db = openDb(path.join(tmpDir(), 'spans.db'));
  assert.ok(hasSpanLayout(db));
  const src = new Sources(db).create({ path: 'a.log', dev: null, ino: null, size: 1, mtime_ms: 0, compressed: 0, fingerprint: 'f', fp_len: 1 });
  const w = new EventWriter(db);
  const rows = [
    { raw: 'ü "GET /café?x=1" "Mozilla/5.0 (ÄÖ)"', fields: { 'url.original': '/café?x=1', 'url.path': '/café', 'user_agent.original': 'Mozilla/5.0 (ÄÖ)' } },
    // a value the line does not hold is kept as itself; one that looks like a number stays text
    { raw: 'GET /%34%35%36', fields: { 'url.path': '456', message: 'not in the line', 'http.request.referrer': '' } },
    { raw: 'host sshd[1]: Accepted password', fields: { message: 'Accepted password' } },
  ];
  db.transaction(() =>
    w.writeAll(rows.map((r, i) => ({ ts: i, dataset: 'test', sourceId: src.id, line: i + 1, offset: 0, status: 0, flags: 0, raw: r.raw, fields: r.fields }))),
  )();
  const got = db
    .prepare('SELECT url_original, url_path, user_agent_original, message, http_request_referrer, typeof(url_path_src) AS t FROM events ORDER BY id')
    .all();
  assert.deepEqual(got, [
    { url_original: '/café?x=1', url_path: '/café', user_agent_original: 'Mozilla/5.0 (ÄÖ)', message: null, http_request_referrer: null, t: 'integer' },
    { url_original: null, url_path: '456', user_agent_original: null, message: 'not in the line', http_request_referrer: '', t: 'text' },
    { url_original: null, url_path: null, user_agent_original: null, message: 'Accepted password', http_request_referrer: null, t: 'null' },
  ]);
  assert.equal(db.prepare("SELECT typeof(message_src) FROM events WHERE id = 2").pluck().get(), 'text');
  db.close();
});

test('a store that already holds events keeps its plain columns, and new events are written to them', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'v8.db');
  const old = openDb(file, { migrateTo: 8 });
  const src = new Sources(old).create({ path: 'a.log', dev: null, ino: null, size: 1, mtime_ms: 0, compressed: 0, fingerprint: 'f', fp_len: 1 });
  old.prepare("INSERT INTO events (ts, dataset, source_id, line, offset, status, raw, message) VALUES (1, 'raw', ?, 1, 0, 1, 'kept line', 'kept line')").run(src.id);
  old.close();
  const log = path.join(dir, 'auth.log');
  fs.writeFileSync(log, 'Nov 14 10:00:01 web01 sshd[101]: Failed password for root from 203.0.113.77 port 41001 ssh2\n');
  const res = run(['--db', file, 'ingest', log]);
  assert.equal(res.code, 0, res.stderr);
  const db = openDb(file, { readonly: true });
  assert.equal(hasSpanLayout(db), false);
  assert.deepEqual(db.prepare('SELECT message FROM events ORDER BY id').pluck().all(), [
    'kept line',
    'Failed password for root from 203.0.113.77 port 41001 ssh2',
  ]);
  db.close();
});

test('db compact rewrites a store made before the span layout: the same events, ids, findings and counts, then spans for new events', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'old.db');
  const old = openDb(file, { migrateTo: 8 });
  const src = new Sources(old).create({ path: 'seed.log', dev: null, ino: null, size: 1, mtime_ms: 0, compressed: 0, fingerprint: 'f', fp_len: 1 });
  // an astral character before the message: SQL counts it as one character in instr() and substr() alike
  const raw = 'host app: \u{1F600} ok "Mozilla/5.0"';
  old.transaction(() =>
    new EventWriter(old).writeAll([
      { ts: 1, dataset: 'test', sourceId: src.id, line: 1, offset: 0, status: 0, flags: 0, raw, fields: { message: 'ok "Mozilla/5.0"', 'user_agent.original': 'Mozilla/5.0', 'url.path': '/decoded path' } },
    ]),
  )();
  old.close();
  const log = path.join(dir, 'auth.log');
  const fail = (i: number) => `Nov 14 10:00:0${i} web01 sshd[10${i}]: Failed password for root from 203.0.113.77 port 4100${i} ssh2\n`;
  fs.writeFileSync(log, [1, 2, 3, 4, 5].map(fail).join(''));
  assert.equal(run(['--db', file, 'hunt', log]).code, 0);
  const exported = () => [run(['--db', file, 'export', '--events']).stdout, run(['--db', file, 'export', '--findings']).stdout];
  const before = exported();
  assert.match(before[1], /203\.0\.113\.77/, 'the brute force is a finding');

  const res = run(['--db', file, 'db', 'compact', '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).events, 6);
  assert.deepEqual(exported(), before);
  const db = openDb(file, { readonly: true });
  assert.ok(hasSpanLayout(db));
  assert.deepEqual(db.prepare('SELECT typeof(message_src), typeof(user_agent_original_src), typeof(url_path_src) FROM events WHERE id = 1').raw().get(), ['integer', 'integer', 'text']);
  db.close();
  assert.equal(run(['--db', file, 'db', 'check']).code, 0, 'rollup, value counts and evidence still agree with the events');
  assert.equal(JSON.parse(run(['--db', file, 'db', 'compact', '--json']).stdout).events, 0, 'compact already: nothing to do');

  fs.appendFileSync(log, fail(6));
  assert.equal(run(['--db', file, 'ingest', log]).code, 0);
  const after = openDb(file, { readonly: true });
  assert.deepEqual(after.prepare('SELECT id, typeof(message_src) FROM events ORDER BY id DESC LIMIT 1').raw().get(), [7, 'integer']);
  after.close();
});
