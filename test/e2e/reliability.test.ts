/** Cron-mode guarantees with real processes: the writer lock, full and read-only disks, hostile bytes, retention. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { ENTRY, FIXTURES, run, start, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { count, query } from '../helpers/store.js';
import { accessLines } from '../helpers/logs.js';
import { acquireWriterLock } from '../../src/store/lock.js';

function exited(child: ReturnType<typeof start>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/** A tmpfs of the given size (needs root); undefined when this machine does not allow it. */
function smallDisk(size: string, readonly = false): string | undefined {
  const dir = tmpDir('loghound-fs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readonly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}

function unmount(dir: string) {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

test('two hunts started together on one store: one waits, nothing is stored twice', async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'access.log');
  fs.writeFileSync(log, accessLines(150_000));
  const [a, b] = await Promise.all([exited(start(['--db', db, 'hunt', log, '--json'])), exited(start(['--db', db, 'hunt', log, '--json']))]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(count(db), 150_000);
  const ids = query<{ id: string }>(db, 'SELECT id FROM findings');
  assert.equal(new Set(ids.map((r) => r.id)).size, ids.length);
  assert.ok(/waiting up to 60 s/.test(a.stderr + b.stderr), 'the second run says it waits');
});

test('a writer that cannot get the lock within --wait exits 75 with a clear message', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  fs.writeFileSync(path.join(dir, 'x.log'), accessLines(3));
  const lock = acquireWriterLock(db, 0);
  try {
    const res = run(['--db', db, 'ingest', '--wait', '1', path.join(dir, 'x.log')]);
    assert.equal(res.code, 75);
    assert.match(res.stderr, /another loghound is writing to .*store\.db; gave up after waiting 1 s/);
  } finally {
    lock.release();
  }
  assert.equal(run(['--db', db, 'ingest', path.join(dir, 'x.log')]).code, 0, 'the lock is free again');
});

test('a full disk: a clear error and exit 2, the store still opens', (t) => {
  const disk = smallDisk('3m');
  if (!disk) return t.skip('cannot mount a small tmpfs here (needs root)');
  try {
    const log = path.join(tmpDir(), 'big.log');
    fs.writeFileSync(log, accessLines(100_000));
    const db = path.join(disk, 'store.db');
    const res = run(['--db', db, 'ingest', log]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /the disk holding the store is full/);
    assert.doesNotMatch(res.stderr, /unexpected failure/);
    const check = run(['--db', db, 'db', 'check', '--json']);
    assert.equal(JSON.parse(check.stdout).ok, true, check.stderr);
  } finally {
    unmount(disk);
  }
});

test('a read-only store folder: a clear error and exit 2', (t) => {
  const disk = smallDisk('1m', true);
  if (!disk) return t.skip('cannot mount a read-only tmpfs here (needs root)');
  try {
    const log = path.join(tmpDir(), 'x.log');
    fs.writeFileSync(log, accessLines(5));
    const res = run(['--db', path.join(disk, 'store.db'), 'ingest', log]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /cannot create the (store|lock file) .*read-only file system/);
  } finally {
    unmount(disk);
  }
});

test('1M lines of random bytes and a 10 MB line: no crash, flat memory, every line stored', async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const file = path.join(dir, 'noise.bin');
  const fd = fs.openSync(file, 'w');
  let lines = 0;
  for (let chunk = 0; chunk < 100; chunk++) {
    const parts: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      const b = crypto.randomBytes(20 + (i % 80));
      for (let k = 0; k < b.length; k++) if (b[k] === 10) b[k] = 11;
      parts.push(b, Buffer.from([10]));
      lines++;
    }
    fs.writeSync(fd, Buffer.concat(parts));
  }
  fs.writeSync(fd, Buffer.alloc(10 * 1024 * 1024, 0x41));
  fs.writeSync(fd, Buffer.from('\nlast line\n'));
  fs.closeSync(fd);
  lines += 2;
  const child = start(['--db', db, 'ingest', '--force', '--json', file]);
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // exited
    }
  }, 50);
  const res = await exited(child);
  clearInterval(timer);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).lines_read, lines);
  assert.equal(count(db), lines);
  assert.equal(count(db, 'flags & 2 = 2'), 1, 'the 10 MB line is cut and flagged');
  t_diag(`peak RSS ${(peak / 1048576).toFixed(0)} MB`);
  assert.ok(peak < 400 * 1048576, `peak RSS ${peak}`);
});

function t_diag(msg: string) {
  process.stdout.write(`# ${msg}\n`);
}

test('prune deletes old events but keeps findings and their evidence lines; db check', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const hunt = run(['--db', db, 'hunt', path.join(FIXTURES, 'demo'), '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
  const before = count(db);
  const evidence = query<{ n: number }>(db, 'SELECT count(DISTINCT event_id) AS n FROM finding_events')[0].n;
  const res = run(['--db', db, 'prune', '--older-than', '1d', '--json']);
  assert.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(count(db), evidence);
  assert.equal(out.deleted, before - evidence);
  for (const f of ndjsonLines(hunt.stdout)) {
    const again = run(['--db', db, 'hunt', '--all', '--json', '--evidence', '3']);
    const same = ndjsonLines(again.stdout).find((x) => x.id === f.id)!;
    assert.deepEqual(same.evidence.events.map((e: any) => e.event.original), f.evidence.events.slice(0, 3).map((e: any) => e.event.original));
    break;
  }
  const check = run(['--db', db, 'db', 'check', '--json']);
  assert.equal(check.code, 0);
  assert.equal(JSON.parse(check.stdout).ok, true);
});

test('db check compares the counts stats reads with the events; --repair counts them again', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  assert.equal(run(['--db', db, 'ingest', path.join(FIXTURES, 'demo')]).code, 0);
  assert.deepEqual(JSON.parse(run(['--db', db, 'db', 'check', '--json']).stdout).out_of_step, []);
  // as if someone had edited the store by hand
  const raw = new Database(db);
  raw.exec("UPDATE value_counts SET n = n + 1 WHERE col = 'source_ip' AND value = (SELECT min(value) FROM value_counts WHERE col = 'source_ip')");
  raw.exec('DELETE FROM event_rollup WHERE hour = (SELECT min(hour) FROM event_rollup)');
  raw.exec("UPDATE value_totals SET n = n - 1 WHERE col = 'user_name'");
  raw.close();
  const res = run(['--db', db, 'db', 'check']);
  assert.equal(res.code, 2);
  assert.match(res.stdout, /COUNTS OUT OF STEP/);
  assert.match(res.stdout, /out of step with the events: event_rollup/);
  assert.match(res.stdout, /out of step with the events: value_counts source_ip/);
  assert.match(res.stderr, /db check --repair/);
  const json = JSON.parse(run(['--db', db, 'db', 'check', '--json']).stdout);
  assert.equal(json.ok, false);
  assert.deepEqual(json.out_of_step, ['event_rollup', 'value_counts source_ip', 'value_counts user_name']);
  const repaired = run(['--db', db, 'db', 'check', '--repair', '--json']);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.deepEqual(JSON.parse(repaired.stdout).out_of_step, []);
  assert.equal(run(['--db', db, 'db', 'check']).code, 0);
});

test('db check names evidence that points at a missing event; --repair unlinks it', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  assert.ok(run(['--db', db, 'hunt', path.join(FIXTURES, 'demo')]).code <= 1);
  assert.equal(run(['--db', db, 'db', 'check']).code, 0);
  // as an earlier loghound left it when it replaced an unfinished line that was evidence
  const raw = new Database(db);
  raw.exec('INSERT INTO finding_events (finding_id, event_id, ts) SELECT id, 999999999, first_ts FROM findings LIMIT 1');
  raw.close();
  const res = run(['--db', db, 'db', 'check', '--json']);
  assert.equal(res.code, 2);
  assert.deepEqual(JSON.parse(res.stdout).out_of_step, ['finding_events']);
  const repaired = run(['--db', db, 'db', 'check', '--repair', '--json']);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.equal(query<{ n: number }>(db, 'SELECT count(*) AS n FROM finding_events WHERE event_id = 999999999')[0].n, 0);
});

test('db check finds damage; no world-readable file appears beside the store', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  fs.writeFileSync(path.join(dir, 'x.log'), accessLines(20_000));
  run(['--db', db, 'ingest', path.join(dir, 'x.log')]);
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('store.db'))) {
    assert.equal(fs.statSync(path.join(dir, f)).mode & 0o077, 0, `${f} is private`);
  }
  const fd = fs.openSync(db, 'r+');
  fs.writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, 40_960);
  fs.closeSync(fd);
  const res = run(['--db', db, 'db', 'check']);
  assert.equal(res.code, 2);
  assert.match(res.stdout + res.stderr, /DAMAGED|damaged/);
});

/** `ips` addresses, each failing an SSH password `each` times: one brute-force finding per address. */
function bruteForces(ips: number, each: number): string {
  const out: string[] = [];
  for (let a = 0; a < ips; a++) {
    for (let i = 0; i < each; i++) {
      const sec = String(i).padStart(2, '0');
      out.push(`Nov 14 10:${String(a % 60).padStart(2, '0')}:${sec} web01 sshd[${1000 + a}]: Failed password for root from 198.51.${a >> 8}.${a & 255} port ${40000 + i} ssh2`);
    }
  }
  return out.join('\n') + '\n';
}

test('hunt killed after storing its findings but before they got out: the next hunt prints them and fails on them', async (t) => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'auth.log');
  fs.writeFileSync(log, bruteForces(300, 6));
  // nobody reads its stdout: the hunt blocks writing once the pipe is full, after it committed its findings
  const child = start(['--db', db, 'hunt', '--json', '--evidence', '6', log]);
  child.stdout!.pause();
  const gone = new Promise((resolve) => child.on('exit', resolve));
  // a failed assertion must not leave the blocked child holding this test file open for ever
  t.after(() => child.kill('SIGKILL'));
  const finished = () => {
    try {
      return query<{ n: number }>(db, 'SELECT count(*) AS n FROM runs WHERE finished_at IS NOT NULL')[0]?.n === 1;
    } catch {
      return false; // the store is still being created
    }
  };
  for (let i = 0; i < 600 && !finished(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGKILL');
  await gone;
  assert.equal(query<{ n: number }>(db, 'SELECT count(*) AS n FROM findings')[0].n, 300);

  const next = run(['--db', db, 'hunt', '--json', '--fail-on', 'medium', log]);
  assert.equal(next.code, 1, next.stderr);
  assert.equal(ndjsonLines(next.stdout).length, 300);
  assert.match(next.stderr, /0 new findings, 0 updated; 300 more printed that an earlier hunt stored but did not print/);
  const after = run(['--db', db, 'hunt', '--json', '--fail-on', 'medium', log]);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(after.stdout, '', 'printed once they got out');
});

test('hunt whose output fails (a full disk behind stdout): exit 2, and the next hunt prints the findings', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'auth.log');
  fs.writeFileSync(log, bruteForces(3, 6));
  const full = fs.openSync('/dev/full', 'w');
  try {
    const res = spawnSync(process.execPath, [ENTRY, '--db', db, 'hunt', '--json', log], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(res.status, 2, res.stderr);
    assert.equal(res.stderr.match(/cannot write to stdout/g)?.length, 1, res.stderr);
  } finally {
    fs.closeSync(full);
  }
  const next = run(['--db', db, 'hunt', '--json', log]);
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(ndjsonLines(next.stdout).map((f) => (f as { group: { source: { ip: string } } }).group.source.ip).sort(), ['198.51.0.0', '198.51.0.1', '198.51.0.2']);
});
