/** A store written by an older loghound opens in a newer one: forward migrations keep the data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDb, storeVersion } from '../../src/store/db.js';
import { LATEST_VERSION } from '../../src/store/migrations.js';
import { Sources } from '../../src/store/sources.js';
import { run, tmpDir } from '../helpers/cli.js';

test('a version 1 store with events is migrated to the latest schema on open, events intact', () => {
  const file = path.join(tmpDir(), 'old.db');
  const old = openDb(file, { migrateTo: 1 });
  assert.equal(storeVersion(old), 1);
  const src = new Sources(old).create({ path: 'a.log', dev: null, ino: null, size: 1, mtime_ms: 0, compressed: 0, fingerprint: 'f', fp_len: 1 });
  // as a version 1 loghound wrote it
  old.prepare("INSERT INTO events (ts, dataset, source_id, line, offset, status, raw) VALUES (1, 'raw', ?, 1, 0, 1, 'kept line')").run(src.id);
  old.close();

  const res = run(['--db', file, 'db', 'check', '--json']);
  assert.equal(res.code, 0, res.stderr);
  const check = JSON.parse(res.stdout);
  assert.equal(check.schema_version, 1, 'a read-only check does not migrate');

  const hunt = run(['--db', file, 'hunt', '--no-builtin']);
  assert.equal(hunt.code, 0, hunt.stderr);
  const now = openDb(file, { readonly: true });
  assert.equal(storeVersion(now), LATEST_VERSION);
  assert.deepEqual(now.prepare('SELECT raw FROM events').all(), [{ raw: 'kept line' }]);
  assert.ok(now.prepare("SELECT name FROM sqlite_master WHERE name = 'findings'").get(), 'later tables exist');
  // schema 11: the user name index of a store that holds events becomes partial too
  assert.match(now.prepare("SELECT sql FROM sqlite_master WHERE name = 'events_user_name'").pluck().get() as string, /WHERE user_name IS NOT NULL$/);
  now.close();
});

test('a store from a newer loghound is refused with a message, not damaged', () => {
  const file = path.join(tmpDir(), 'new.db');
  const db = openDb(file);
  db.pragma(`user_version = ${LATEST_VERSION + 1}`);
  db.close();
  const res = run(['--db', file, 'ingest', file]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /newer than this loghound understands/);
});

test('a source read by a version 6 loghound (no resume check) is resumed, and gets its check', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'v6.db');
  const log = path.join(dir, 'app.log');
  fs.writeFileSync(log, 'one\ntwo\n');
  assert.equal(run(['--db', file, 'ingest', log]).code, 0);
  // as version 6 left it: no resume check columns
  const raw = new Database(file);
  for (const col of ['resume_fp', 'resume_fp_at', 'resume_fp_len']) raw.exec(`ALTER TABLE sources DROP COLUMN ${col}`);
  raw.exec('ALTER TABLE runs DROP COLUMN delivered_at');
  raw.exec('ALTER TABLE sources DROP COLUMN zoneless_ts');
  raw.exec('DROP TABLE value_totals');
  raw.pragma('user_version = 6');
  raw.close();

  fs.appendFileSync(log, 'three\n');
  const res = run(['--db', file, 'ingest', '--json', log]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).sources[0].status, 'resumed');
  const now = openDb(file, { readonly: true });
  assert.equal(storeVersion(now), LATEST_VERSION);
  assert.deepEqual(now.prepare('SELECT raw FROM events ORDER BY id').pluck().all(), ['one', 'two', 'three']);
  assert.deepEqual(now.prepare('SELECT resume_fp_at, resume_fp_len FROM sources').get(), { resume_fp_at: 14, resume_fp_len: 14 });
  now.close();
});

test('the findings of hunts run by a version 7 loghound count as delivered: the first hunt after the upgrade prints none of them', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'v7.db');
  const log = path.join(dir, 'auth.log');
  const fail = (i: number) => `Nov 14 10:00:0${i} web01 sshd[10${i}]: Failed password for root from 203.0.113.77 port 4100${i} ssh2\n`;
  fs.writeFileSync(log, [1, 2, 3, 4, 5].map(fail).join(''));
  assert.equal(run(['--db', file, 'hunt', '--json', log]).stdout.trim().split('\n').length, 1);
  const raw = new Database(file);
  raw.exec('ALTER TABLE runs DROP COLUMN delivered_at');
  raw.exec('ALTER TABLE sources DROP COLUMN zoneless_ts');
  raw.exec('DROP TABLE value_totals');
  raw.pragma('user_version = 7');
  raw.close();

  const res = run(['--db', file, 'hunt', '--json', log]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, '');
});

test('a source read by a version 8 loghound (no zoneless time kept) is resumed, and keeps where its zoneless times reached', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'v8.db');
  const log = path.join(dir, 'auth.log');
  fs.writeFileSync(log, 'Oct 25 02:50:00 h app: a\n');
  fs.utimesSync(log, new Date(Date.UTC(2026, 9, 25, 3)), new Date(Date.UTC(2026, 9, 25, 3)));
  assert.equal(run(['--db', file, 'ingest', '--tz', 'Europe/Berlin', log]).code, 0);
  const raw = new Database(file);
  raw.exec('ALTER TABLE sources DROP COLUMN zoneless_ts');
  raw.exec('DROP TABLE value_totals');
  raw.pragma('user_version = 8');
  raw.close();

  fs.appendFileSync(log, 'Oct 25 02:59:00 h app: b\n');
  fs.utimesSync(log, new Date(Date.UTC(2026, 9, 25, 3)), new Date(Date.UTC(2026, 9, 25, 3)));
  const res = run(['--db', file, 'ingest', '--json', '--tz', 'Europe/Berlin', log]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).sources[0].status, 'resumed');
  const now = openDb(file, { readonly: true });
  assert.equal(storeVersion(now), LATEST_VERSION);
  // 02:59 CEST, the first pass of the repeated hour
  assert.equal(now.prepare('SELECT zoneless_ts FROM sources').pluck().get(), Date.UTC(2026, 9, 25, 0, 59));
  now.close();
});
