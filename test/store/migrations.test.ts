/** A store written by an older loghound opens in a newer one: forward migrations keep the data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
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
