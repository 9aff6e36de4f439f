/** What opening a store accepts and refuses: files that are not loghound stores. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FIXTURES, run, tmpDir } from '../helpers/cli.js';
import { count } from '../helpers/store.js';

const LOG = path.join(FIXTURES, 'demo/auth.log');

const READERS = [
  ['search', 'x'],
  ['stats'],
  ['findings'],
  ['show', 'abc'],
  ['timeline', '--ip', '192.0.2.1'],
  ['sql', 'SELECT 1'],
  ['export', '--events'],
  ['export', '--findings'],
  ['report', '--out', 'r.html'],
  ['db', 'check'],
];

/** Another program's database: one table of its own, in its own journal mode. */
function foreignDb(file: string): void {
  const db = new Database(file);
  db.exec("CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('https://example.org/')");
  db.close();
}

/** A SQLite database that had a table once and has none now: not 0 bytes, but nothing in it. */
function emptySqlite(file: string): void {
  const db = new Database(file);
  db.exec('CREATE TABLE gone (a); DROP TABLE gone');
  db.close();
}

test('commands that read refuse an empty file, an empty database, another program\'s database and a non-SQLite file', () => {
  const dir = tmpDir();
  const files: [string, RegExp][] = [
    [path.join(dir, 'empty.db'), /empty\.db is not a loghound store \(an empty file\)/],
    [path.join(dir, 'blank.db'), /blank\.db is not a loghound store \(an empty SQLite database\)/],
    [path.join(dir, 'foreign.db'), /foreign\.db is not a loghound store \(a SQLite database with other tables: bookmarks\)/],
    [path.join(dir, 'text.db'), /text\.db is not a loghound store \(not a SQLite database\)/],
  ];
  fs.writeFileSync(files[0][0], '');
  emptySqlite(files[1][0]);
  foreignDb(files[2][0]);
  fs.writeFileSync(files[3][0], 'a text file, not a database\n'.repeat(100));
  for (const [file, message] of files) {
    for (const args of READERS) {
      const r = run(['--db', file, ...args], { cwd: dir });
      const what = `${path.basename(file)}: ${args.join(' ')}`;
      assert.equal(r.code, 2, `${what}\n${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.doesNotMatch(r.stderr, /bug|predates|\n\s+at /, what);
    }
  }
  assert.equal(fs.statSync(files[0][0]).size, 0, 'a reader leaves the empty file empty');
});

test('ingest and hunt leave another program\'s database as it was; they make a store of an empty file or database', () => {
  const dir = tmpDir();
  const foreign = path.join(dir, 'foreign.db');
  foreignDb(foreign);
  const before = fs.readFileSync(foreign);
  for (const args of [['ingest', LOG], ['hunt', LOG, '--no-builtin'], ['hunt', '-q']]) {
    const r = run(['--db', foreign, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, /foreign\.db is not a loghound store \(a SQLite database with other tables: bookmarks\)/);
  }
  assert.deepEqual(fs.readFileSync(foreign), before, 'not one byte changed (not even the journal mode)');
  assert.ok(!fs.existsSync(`${foreign}-wal`));

  const empty = path.join(dir, 'empty.db');
  fs.writeFileSync(empty, '');
  const blank = path.join(dir, 'blank.db');
  emptySqlite(blank);
  for (const file of [empty, blank]) {
    const r = run(['--db', file, 'ingest', LOG]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(count(file) > 0);
    assert.equal(run(['--db', file, 'db', 'check']).code, 0);
  }
});
