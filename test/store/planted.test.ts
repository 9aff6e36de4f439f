/**
 * Another local user against the files loghound makes: links and files planted in a shared folder such as /tmp
 * at the names an analyst will pass (--db, --out). Making a link or a file owned by another user needs root; those
 * cases are skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, run, tmpDir } from '../helpers/cli.js';

const LOG = path.join(FIXTURES, 'demo/auth.log');
const ROOT = process.geteuid?.() === 0;
const OTHER = 65534; // nobody

/** A sticky, world-writable folder like /tmp, and a private one beside it for the victim's files. */
function shared(): { tmp: string; home: string } {
  const dir = tmpDir('loghound-planted-');
  const tmp = path.join(dir, 'tmp');
  const home = path.join(dir, 'home');
  fs.mkdirSync(tmp);
  fs.chmodSync(tmp, 0o1777);
  fs.mkdirSync(home);
  return { tmp, home };
}

test('no file is created through a link at the lock or store name (O_EXCL)', () => {
  const { tmp, home } = shared();
  const db = path.join(tmp, 'case.db');
  fs.symlinkSync(path.join(home, 'nologin'), `${db}.lock`);
  const locked = run(['--db', db, 'ingest', LOG]);
  assert.equal(locked.code, 2);
  assert.match(locked.stderr, /case\.db\.lock is a symlink, not a lock file loghound made/);
  fs.rmSync(`${db}.lock`);
  fs.symlinkSync(path.join(home, 'store'), db);
  const store = run(['--db', db, 'ingest', LOG]);
  assert.equal(store.code, 2);
  assert.match(store.stderr, /it is a symlink to a missing file, and a new store is made only as a file of its own/);
  assert.deepEqual(fs.readdirSync(home), [], 'nothing was created where the links point');
  // the user's own link to an existing store is followed, as before
  fs.rmSync(db);
  const real = path.join(home, 'real.db');
  assert.equal(run(['--db', real, 'ingest', LOG]).code, 0);
  fs.symlinkSync(real, db);
  const again = run(['--db', db, 'search', '*', '--limit', '1']);
  assert.equal(again.code, 0, again.stderr);
});

test('a blank file made into a store becomes 0600; another user\'s is refused', { skip: !ROOT && 'needs root to make a file owned by another user' }, () => {
  const { tmp } = shared();
  const mine = path.join(tmp, 'mine.db');
  fs.writeFileSync(mine, '', { mode: 0o666 });
  fs.chmodSync(mine, 0o666);
  assert.equal(run(['--db', mine, 'ingest', LOG]).code, 0);
  for (const f of [mine, `${mine}-wal`, `${mine}-shm`]) if (fs.existsSync(f)) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
  const theirs = path.join(tmp, 'case.db');
  fs.writeFileSync(theirs, '');
  fs.chmodSync(theirs, 0o666);
  fs.chownSync(theirs, OTHER, OTHER);
  const r = run(['--db', theirs, 'ingest', LOG]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is an empty file owned by another user \(uid 65534\); refusing to make a store of it/);
  assert.equal(fs.statSync(theirs).size, 0, 'not a byte of the logs went into it');
});

test('--out through another user\'s link in a shared folder is refused; the user\'s own link is followed', { skip: !ROOT && 'needs root to make a link owned by another user' }, () => {
  const { tmp, home } = shared();
  const db = path.join(home, 'store.db');
  assert.equal(run(['--db', db, 'ingest', LOG]).code, 0);
  const victim = path.join(home, '.bashrc');
  fs.writeFileSync(victim, 'keep me\n');
  for (const args of [['report', '--out'], ['export', '--events', '--format', 'csv', '--out']]) {
    const out = path.join(tmp, `out-${args[0]}`);
    fs.symlinkSync(victim, out);
    fs.lchownSync(out, OTHER, OTHER);
    const r = run(['--db', db, ...args, out]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /it is a symlink owned by another user \(uid 65534\) in the shared folder .*; refusing to follow it/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n', args.join(' '));
    // the same link made by the user: written through, as --out /dev/stdout is
    fs.lchownSync(out, process.geteuid!(), process.getegid!());
    assert.equal(run(['--db', db, ...args, out]).code, 0, args.join(' '));
    assert.notEqual(fs.readFileSync(victim, 'utf8'), 'keep me\n');
    fs.writeFileSync(victim, 'keep me\n');
  }
});
