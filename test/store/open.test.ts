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
  // writers that need what a store holds refuse a blank file too, rather than make an empty store of it
  for (const args of [['prune', '--older-than', '30d'], ['db', 'check', '--repair']]) {
    const r = run(['--db', files[0][0], ...args], { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, /empty\.db is not a loghound store \(an empty file\)/);
  }
  assert.equal(fs.statSync(files[0][0]).size, 0, 'prune and repair leave the empty file empty');
});

test('a folder given as the store is named as one by readers and writers, and nothing is made in it', () => {
  const dir = tmpDir();
  for (const args of [...READERS, ['ingest', LOG], ['hunt', LOG], ['prune', '--older-than', '1d']]) {
    const r = run(['--db', dir, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, /is a folder, not a store\nhint: pass --db a file, such as .*loghound\.db/, args.join(' '));
  }
  assert.deepEqual(fs.readdirSync(dir), []);
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

/**
 * A store in a folder the reader cannot write. As root, where chmod stops nothing, the commands run as nobody
 * against a folder of root's; otherwise the folder is made read-only.
 */
function readOnlyFolder(): { dir: string; store: string; as: { uid?: number; gid?: number }; done(): void } {
  const dir = tmpDir();
  const store = path.join(dir, 's.db');
  const made = run(['--db', store, 'hunt', '-q', LOG]);
  assert.equal(made.code, 0, made.stderr);
  assert.ok(!fs.existsSync(`${store}-shm`), 'the last connection took -shm and -wal away');
  const root = process.getuid?.() === 0;
  fs.chmodSync(store, 0o644);
  fs.chmodSync(dir, root ? 0o755 : 0o555);
  return { dir, store, as: root ? { uid: 65534, gid: 65534 } : {}, done: () => fs.chmodSync(dir, 0o755) };
}

test('commands that read work on a store in a folder they cannot write, and leave no file there', () => {
  const f = readOnlyFolder();
  try {
    for (const args of READERS.filter(([c]) => c !== 'report' && c !== 'show')) {
      const r = run(['--db', f.store, ...args], f.as);
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}`);
    }
    const sql = run(['--db', f.store, 'sql', 'SELECT count(*) AS n FROM events', '--json'], f.as);
    assert.deepEqual(fs.readdirSync(f.dir).sort(), ['s.db', 's.db.lock']);
    // a writer still needs the folder, and says so
    const ingest = run(['--db', f.store, 'ingest', LOG], f.as);
    assert.equal(ingest.code, 2);
    // last: this process reads as root, and a read where it may write leaves -shm and -wal behind
    assert.equal(JSON.parse(sql.stdout).n, count(f.store));
  } finally {
    f.done();
  }
});

test('in a folder the reader cannot write, a -wal file with changes in it is refused, not read around', () => {
  const f = readOnlyFolder();
  try {
    fs.chmodSync(f.dir, 0o755);
    // changes SQLite cannot read without the -shm it cannot make: an immutable read would miss them silently
    fs.writeFileSync(`${f.store}-wal`, Buffer.alloc(4096, 1), { mode: 0o644 });
    if (!f.as.uid) fs.chmodSync(f.dir, 0o555);
    const r = run(['--db', f.store, 'stats'], f.as);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read the store .*s\.db: SQLite cannot make or open s\.db-shm .* s\.db-wal holds changes not yet in the store file/);
    // an empty -wal holds nothing the store file lacks
    fs.chmodSync(f.dir, 0o755);
    fs.writeFileSync(`${f.store}-wal`, '');
    if (!f.as.uid) fs.chmodSync(f.dir, 0o555);
    assert.equal(run(['--db', f.store, 'stats'], f.as).code, 0);
  } finally {
    f.done();
  }
});
