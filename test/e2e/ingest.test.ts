/** Ingest end to end through the real CLI: incremental runs, rotation, stdin, bad input, exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync, spawn } from 'node:child_process';
import { run, tmpDir } from '../helpers/cli.js';
import { count, query } from '../helpers/store.js';
import { accessLines } from '../helpers/logs.js';

function ingest(db: string, args: string[], input?: string | Buffer) {
  const res = run(['--db', db, 'ingest', '--json', ...args], { input });
  const summary = res.stdout.trim() ? JSON.parse(res.stdout) : undefined;
  return { ...res, summary };
}

test('the same input twice stores 0 new events; appended lines only once', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'access.log');
  fs.writeFileSync(log, accessLines(500));
  const first = ingest(db, [log]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.summary.events_stored, 500);
  for (const key of ['files', 'lines_read', 'events_stored', 'unparsed', 'by_dataset', 'skipped']) assert.ok(key in first.summary, key);

  const second = ingest(db, [log]);
  assert.equal(second.code, 0);
  assert.equal(second.summary.events_stored, 0);
  assert.equal(second.summary.lines_read, 0);

  fs.appendFileSync(log, accessLines(20, 500));
  const third = ingest(db, [log]);
  assert.equal(third.summary.events_stored, 20);
  assert.equal(count(db), 520);
  const lines = query<{ line: number }>(db, 'SELECT line FROM events ORDER BY id');
  assert.deepEqual(lines.map((r) => r.line), Array.from({ length: 520 }, (_, i) => i + 1));
});

test('the store file is created mode 0600', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  fs.writeFileSync(path.join(dir, 'x.log'), 'one line\n');
  ingest(db, [path.join(dir, 'x.log')]);
  assert.equal(fs.statSync(db).mode & 0o777, 0o600);
});

test('logrotate: rename plus a new file, then the renamed file compressed later', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const log = path.join(logs, 'access.log');
  fs.writeFileSync(log, accessLines(300));
  assert.equal(ingest(db, [logs]).summary.events_stored, 300);

  // lines written after the last run, then rotation by rename and a fresh file
  fs.appendFileSync(log, accessLines(7, 300));
  fs.renameSync(log, path.join(logs, 'access.log.1'));
  fs.writeFileSync(log, accessLines(11, 0, 'new'));
  const afterRotate = ingest(db, [logs]);
  assert.equal(afterRotate.code, 0, afterRotate.stderr);
  assert.equal(afterRotate.summary.events_stored, 18, 'the 7 late lines of the renamed file and the 11 of the new one');

  // next rotation: .1 is compressed to .2.gz, access.log becomes .1, a new access.log appears
  const gz = zlib.gzipSync(fs.readFileSync(path.join(logs, 'access.log.1')));
  fs.writeFileSync(path.join(logs, 'access.log.2.gz'), gz);
  fs.rmSync(path.join(logs, 'access.log.1'));
  fs.renameSync(log, path.join(logs, 'access.log.1'));
  fs.writeFileSync(log, accessLines(5, 0, 'newer'));
  const again = ingest(db, [logs]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.summary.events_stored, 5);
  assert.equal(count(db), 300 + 18 + 5);

  // and nothing at all on an unchanged re-run
  const idle = ingest(db, [logs]);
  assert.equal(idle.summary.events_stored, 0);
  assert.ok(idle.summary.sources.every((s: { status: string }) => s.status === 'unchanged'), JSON.stringify(idle.summary.sources));
});

test('copytruncate: same inode, new content starts again at offset 0; the copy is recognised', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'app.log');
  fs.writeFileSync(log, accessLines(100));
  ingest(db, [log]);
  fs.appendFileSync(log, accessLines(3, 100));
  fs.copyFileSync(log, path.join(dir, 'app.log.1'));
  fs.truncateSync(log, 0);
  fs.appendFileSync(log, accessLines(4, 0, 'after-truncate'));
  const res = ingest(db, [path.join(dir, 'app.log'), path.join(dir, 'app.log.1')]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.summary.events_stored, 7, '4 new lines plus the 3 that reached only the copy');
  assert.equal(count(db, "raw LIKE '%after-truncate%'"), 4);
});

test('copytruncate: a run between the copy and the truncate stores no line twice', () => {
  const dir = tmpDir();
  const db = path.join(tmpDir(), 'store.db');
  const log = path.join(dir, 'app.log');
  const copy = path.join(dir, 'app.log.1');
  fs.writeFileSync(log, accessLines(100));
  ingest(db, [dir]);
  fs.appendFileSync(log, accessLines(3, 100));
  // cron fires while logrotate is still copying, then once the copy is whole, then after the truncate
  fs.writeFileSync(copy, fs.readFileSync(log).subarray(0, 5000));
  const partial = ingest(db, [dir]);
  assert.equal(partial.code, 0, partial.stderr);
  assert.equal(partial.summary.events_stored, 3, 'the 3 new lines, from the file that holds them');
  fs.appendFileSync(log, accessLines(2, 103));
  fs.copyFileSync(log, copy);
  assert.equal(ingest(db, [dir]).summary.events_stored, 2);
  fs.truncateSync(log, 0);
  fs.appendFileSync(log, accessLines(4, 0, 'after-truncate'));
  assert.equal(ingest(db, [dir]).summary.events_stored, 4);
  assert.equal(ingest(db, [dir]).summary.events_stored, 0);
  assert.equal(count(db), 109);
  assert.equal(query<{ n: number }>(db, 'SELECT count(DISTINCT raw) AS n FROM events')[0].n, 109, 'no line twice');
});

test('compress: a run while gzip is writing the .gz beside the file it compresses stores no line twice', () => {
  const dir = tmpDir();
  const db = path.join(tmpDir(), 'store.db');
  const log = path.join(dir, 'app.log');
  fs.writeFileSync(log, accessLines(300));
  ingest(db, [dir]);
  fs.appendFileSync(log, accessLines(5, 300));
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, accessLines(10, 0, 'live'));
  const whole = zlib.gzipSync(fs.readFileSync(`${log}.1`));
  // the .gz cut short (gzip still writing), then whole with the original still there, then the original removed
  fs.writeFileSync(`${log}.1.gz`, whole.subarray(0, whole.length >> 1));
  const res = ingest(db, [dir]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.summary.events_stored, 5 + 10);
  fs.writeFileSync(`${log}.1.gz`, whole);
  assert.equal(ingest(db, [dir]).summary.events_stored, 0);
  fs.rmSync(`${log}.1`);
  const after = ingest(db, [dir]);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(after.summary.events_stored, 0, 'the .gz is the content read before');
  assert.equal(count(db), 315);
  assert.equal(query<{ n: number }>(db, 'SELECT count(DISTINCT raw) AS n FROM events')[0].n, 315, 'no line twice');
});

test('the default store in the folder being read: its own files are not read as logs', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'app.log'), accessLines(50));
  for (let i = 0; i < 2; i++) {
    // no --db: ./loghound.db, inside the folder "." walks; the second run also finds its -wal, -shm and .lock
    const res = run(['ingest', '--json', '.'], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, '', 'no warning about the store\'s own files');
    assert.deepEqual(JSON.parse(res.stdout).skipped, []);
  }
  const db = path.join(dir, 'loghound.db');
  assert.deepEqual(query(db, 'SELECT path FROM sources'), [{ path: path.join(dir, 'app.log') }]);
  assert.equal(count(db), 50);
  const named = run(['ingest', 'loghound.db'], { cwd: dir });
  assert.equal(named.code, 2);
  assert.match(named.stderr, /loghound\.db: skipped: this is the loghound store itself/);
});

test('a file first seen empty, or holding only an unfinished line, gets its format from the lines that arrive later', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const created = path.join(logs, 'access.log'); // logrotate's create: empty until the server writes
  const truncated = path.join(logs, 'auth.log'); // copytruncate: emptied in place
  const started = path.join(logs, 'other.log'); // the server is halfway through its first line
  fs.writeFileSync(created, '');
  fs.writeFileSync(truncated, 'Nov 14 10:00:01 web01 CRON[11]: (root) CMD (true)\n');
  ingest(db, [logs]);
  fs.truncateSync(truncated, 0);
  const [line] = accessLines(1, 0, 'half').split(/(?<=\[)/);
  fs.writeFileSync(started, line);
  const empty = ingest(db, [logs]);
  assert.equal(empty.code, 0, empty.stderr);
  const undecided = empty.summary.sources.filter((s: { path: string }) => s.path !== truncated);
  assert.deepEqual(undecided.map((s: { format?: string }) => s.format ?? null), [null, null], JSON.stringify(undecided));

  fs.appendFileSync(created, accessLines(3));
  fs.appendFileSync(truncated, 'Nov 14 10:01:02 web01 sshd[202]: Failed password for root from 203.0.113.77 port 41002 ssh2\n');
  fs.appendFileSync(started, accessLines(2, 0, 'half').slice(line.length));
  assert.equal(ingest(db, [logs]).code, 0);
  assert.deepEqual(
    query(db, 'SELECT s.path, s.format, e.status, count(*) AS n FROM events e JOIN sources s ON s.id = e.source_id GROUP BY 1, 2, 3 ORDER BY 1'),
    [
      { path: created, format: 'access', status: 0, n: 3 },
      { path: truncated, format: 'syslog', status: 0, n: 2 },
      { path: started, format: 'access', status: 0, n: 2 },
    ],
  );
});

test('a few lines no parser knows leave the format open; a full sample of them settles it as raw', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'app.log');
  fs.writeFileSync(log, '=== log opened ===\n');
  ingest(db, [log]);
  fs.appendFileSync(log, accessLines(4));
  ingest(db, [log]);
  assert.deepEqual(query(db, 'SELECT format FROM sources'), [{ format: 'access' }]);
  assert.equal(count(db, 'status = 0'), 4, 'the lines after the banner are parsed');

  const other = path.join(dir, 'notes.txt');
  fs.writeFileSync(other, Array.from({ length: 250 }, (_, i) => `note ${i}\n`).join(''));
  ingest(db, [other]);
  fs.appendFileSync(other, accessLines(2));
  ingest(db, [other]);
  assert.deepEqual(query(db, 'SELECT format FROM sources WHERE path = ?', other), [{ format: 'raw' }]);
});

/** Over 1 KiB of lines every run of the app writes first: the fingerprinted part alone cannot tell runs apart. */
const BANNER = Array.from({ length: 20 }, (_, i) => `INFO config key${i} = value-${i} ---------------------------------------\n`).join('');

test('a file rewritten in place with the same first KiB, and two files that share it: every line once, no fragment', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'app.log');
  fs.writeFileSync(log, BANNER + accessLines(50, 0, 'run1'));
  const ino = fs.statSync(log).ino;
  assert.equal(ingest(db, [log]).summary.events_stored, 70);

  // the app restarts: truncates its log in place (same inode) and writes the banner and 10 lines
  fs.writeFileSync(log, BANNER + accessLines(10, 0, 'run2'));
  assert.equal(fs.statSync(log).ino, ino, 'the same inode');
  const shorter = ingest(db, [log]);
  assert.equal(shorter.code, 0, shorter.stderr);
  assert.equal(shorter.summary.sources[0].status, 'new');
  assert.equal(shorter.summary.events_stored, 30, 'the banner and the 10 lines of the new run');

  // it grows past the old size: resumed where the new content was left, not at the old offset
  fs.appendFileSync(log, accessLines(50, 10, 'run2'));
  assert.equal(ingest(db, [log]).summary.events_stored, 50);
  // and rewritten once more, already longer than what was read
  fs.writeFileSync(log, BANNER + accessLines(80, 0, 'run3'));
  assert.equal(ingest(db, [log]).summary.events_stored, 100);
  for (const run of ['run2', 'run3']) {
    const raws = query<{ raw: string }>(db, `SELECT raw FROM events WHERE raw LIKE '%/${run}/%' ORDER BY id`).map((r) => r.raw);
    assert.deepEqual(raws, accessLines(run === 'run2' ? 60 : 80, 0, run).trimEnd().split('\n'), `${run}: every line once, whole`);
  }

  // two different files with the same first KiB, side by side
  const a = path.join(dir, 'hostA.log');
  const b = path.join(dir, 'hostB.log');
  fs.writeFileSync(a, BANNER + accessLines(30, 0, 'hostA'));
  fs.writeFileSync(b, BANNER + accessLines(20, 0, 'hostB'));
  const both = ingest(db, [a, b]);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual(both.summary.sources.map((s: { status: string }) => s.status), ['new', 'new']);
  assert.equal(both.summary.events_stored, 50 + 40);
  assert.equal(count(db, "raw LIKE '%/hostB/%'"), 20);
  assert.equal(ingest(db, [a, b]).summary.events_stored, 0, 'both are recognised on the next run');
});

test('gzip and stdin that start like content read before but differ from it are read from their start', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  assert.equal(ingest(db, ['-'], BANNER + accessLines(40, 0, 'p1')).summary.events_stored, 60);
  assert.equal(ingest(db, ['-'], BANNER + accessLines(10, 0, 'p2')).summary.events_stored, 30, 'ends before where p1 was left');
  assert.equal(ingest(db, ['-'], BANNER + accessLines(60, 0, 'p3')).summary.events_stored, 80, 'other bytes where p1 was left');
  assert.equal(ingest(db, ['-'], BANNER + accessLines(60, 0, 'p3')).summary.events_stored, 0, 'the same again');

  const log = path.join(dir, 'app.log');
  fs.writeFileSync(log, BANNER + accessLines(40, 0, 'g1'));
  assert.equal(ingest(db, [log]).summary.events_stored, 60);
  fs.rmSync(log);
  const gz = path.join(dir, 'app.log.1.gz');
  fs.writeFileSync(gz, zlib.gzipSync(BANNER + accessLines(50, 0, 'g2')));
  const res = ingest(db, [gz]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.summary.events_stored, 70);
  assert.equal(ingest(db, [gz]).summary.events_stored, 0);
  for (const tag of ['p1', 'p2', 'p3', 'g1', 'g2']) {
    const raws = query<{ raw: string }>(db, `SELECT raw FROM events WHERE raw LIKE '%/${tag}/%' ORDER BY id`).map((r) => r.raw);
    assert.equal(new Set(raws).size, raws.length, `${tag}: no line twice`);
    assert.ok(raws.every((r) => r.startsWith('10.0.')), `${tag}: whole lines`);
  }
  assert.equal(count(db, "raw LIKE 'INFO config key0 %'"), 5, 'each content\'s banner once');
});

test('stdin: read once; the same content piped again adds nothing', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const text = accessLines(50);
  assert.equal(ingest(db, ['-'], text).summary.events_stored, 50);
  assert.equal(ingest(db, ['-'], text).summary.events_stored, 0);
  assert.equal(ingest(db, ['-'], text + accessLines(2, 50)).summary.events_stored, 2);
  const gz = ingest(db, ['-'], zlib.gzipSync(accessLines(3, 0, 'gz')));
  assert.equal(gz.summary.events_stored, 3);
  assert.deepEqual(query(db, "SELECT DISTINCT path FROM sources"), [{ path: '-' }]);
});

/**
 * The night Europe/Berlin goes back from CEST to CET (2026-10-25): wall times 02:00-02:59 happen twice, first at
 * 00:xx UTC, then at 01:xx UTC. Syslog lines carry no year: the file's mtime puts them in 2026.
 */
const FOLD_MTIME = new Date(Date.UTC(2026, 9, 25, 3));
const foldLine = (hhmm: string) => `Oct 25 ${hhmm}:00 h app: at ${hhmm}\n`;
const foldWrite = (file: string, times: string[], append = false) => {
  (append ? fs.appendFileSync : fs.writeFileSync)(file, times.map(foldLine).join(''));
  fs.utimesSync(file, FOLD_MTIME, FOLD_MTIME);
};
const berlin = (db: string, args: string[], input?: string) => {
  const res = ingest(db, ['--tz', 'Europe/Berlin', ...args], input);
  assert.equal(res.code, 0, res.stderr);
  return res;
};
/** UTC times (hh:mm) stored for the lines of the latest content read under a path, in line order. */
const utcTimes = (db: string, file: string) =>
  query<{ ts: number }>(db, 'SELECT ts FROM events WHERE source_id = (SELECT max(id) FROM sources WHERE path = ?) ORDER BY id', file).map((r) =>
    new Date(r.ts).toISOString().slice(11, 16),
  );

test('the repeated autumn hour across runs: a run that begins inside the second pass goes on in it', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'auth.log');
  const other = path.join(dir, 'other.log');
  foldWrite(log, ['02:50', '02:59', '02:05', '02:10']);
  berlin(db, [log]);
  // the cron run 10 minutes later: the file has grown; another file read in the same run is its own stream
  foldWrite(log, ['02:20', '02:30', '03:05'], true);
  foldWrite(other, ['02:20']);
  assert.equal(berlin(db, [log, other]).summary.sources[0].status, 'resumed');
  const got = utcTimes(db, log);
  // before: 02:20 and 02:30 were read as the first pass, 00:20 and 00:30 UTC, before lines stored earlier
  assert.deepEqual(got, ['00:50', '00:59', '01:05', '01:10', '01:20', '01:30', '02:05']);
  assert.deepEqual(got, [...got].sort(), 'monotonic');
  assert.deepEqual(utcTimes(db, other), ['00:20'], 'nothing before it in its own stream: the first pass');

  // the change itself between two runs: 02:05 after a run that ended at 02:59 is the second pass
  const edge = path.join(dir, 'edge.log');
  foldWrite(edge, ['02:40', '02:59']);
  berlin(db, [edge]);
  foldWrite(edge, ['02:05', '02:40'], true);
  berlin(db, [edge]);
  assert.deepEqual(utcTimes(db, edge), ['00:40', '00:59', '01:05', '01:40']);

  // stdin resumed by its content (an ISO time without a zone carries its own year; lines long enough for stdin to
  // be recognised by its first bytes)
  const iso = (hhmm: string) => `2026-10-25T${hhmm}:00 h app: at ${hhmm} ${'x'.repeat(80)}\n`;
  const piped = path.join(dir, 'piped.db');
  const first = ['02:50', '02:59', '02:05', '02:10'].map(iso).join('');
  berlin(piped, ['-'], first);
  assert.equal(berlin(piped, ['-'], first + ['02:20', '02:30'].map(iso).join('')).summary.sources[0].status, 'resumed');
  assert.deepEqual(utcTimes(piped, '-'), ['00:50', '00:59', '01:05', '01:10', '01:20', '01:30']);
});

test('the repeated autumn hour across rotation: the new file goes on from where the rotated one ended', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const log = path.join(logs, 'auth.log');
  const rotated = path.join(logs, 'auth.log.1');
  // the last run read the first pass only; the file got to the second pass before logrotate renamed it
  foldWrite(log, ['02:00', '02:10']);
  berlin(db, [logs]);
  foldWrite(log, ['02:40', '02:59', '02:05'], true);
  fs.renameSync(log, rotated);
  foldWrite(log, ['02:20', '02:30']);
  // the folder is read oldest first: auth.log.1, then the new auth.log, which continues it
  const res = berlin(db, [logs]);
  assert.deepEqual(res.summary.sources.map((s: { status: string }) => s.status), ['resumed', 'new']);
  assert.deepEqual(utcTimes(db, rotated), ['00:00', '00:10', '00:40', '00:59', '01:05']);
  assert.deepEqual(utcTimes(db, log), ['01:20', '01:30'], 'before: 00:20 and 00:30, from a new reader');

  // a cron run that names only the live file: the content last read under its name is the one it continues
  const solo = path.join(dir, 'solo.db');
  const live = path.join(dir, 'secure');
  foldWrite(live, ['02:50', '02:59', '02:05', '02:10']);
  berlin(solo, [live]);
  fs.renameSync(live, `${live}-20261025`);
  foldWrite(live, ['02:20', '02:30']);
  assert.equal(berlin(solo, [live]).summary.sources[0].status, 'new');
  assert.deepEqual(utcTimes(solo, live), ['01:20', '01:30']);
});

test('a named pipe is read as a stream, as stdin is', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const fifo = path.join(dir, 'p.fifo');
  fs.writeFileSync(path.join(dir, 'a.log'), accessLines(40));
  execFileSync('mkfifo', [fifo]);
  // the writer is a separate process: the CLI below runs synchronously and opens the pipe's other end
  const writer = spawn('sh', ['-c', 'cat a.log > p.fifo'], { cwd: dir, stdio: 'ignore' });
  const res = ingest(db, [fifo]);
  writer.kill();
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.summary.events_stored, 40);
  assert.equal(count(db), 40);
});

test('an unterminated last line is kept, and replaced by the whole line once it is finished', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'x.log');
  fs.writeFileSync(log, 'first\nsecond half-writ');
  assert.equal(ingest(db, [log]).summary.events_stored, 2);
  fs.appendFileSync(log, 'ten\nthird\n');
  ingest(db, [log]);
  assert.deepEqual(
    query(db, 'SELECT line, raw FROM events ORDER BY line'),
    [
      { line: 1, raw: 'first' },
      { line: 2, raw: 'second half-written' },
      { line: 3, raw: 'third' },
    ],
  );
});

test('a mixed stream (an nginx container\'s stdout and stderr): each line read by its format; a multi-line error open at the end continues in the next run', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'web.log');
  const error = '2026/11/14 03:00:09 [error] 29#29: *1 FastCGI sent in stderr: "PHP message: a';
  fs.writeFileSync(log, accessLines(5) + error + '\n');
  const first = ingest(db, [log]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.summary.by_dataset, { 'web.access': 5, 'nginx.error': 1 });
  assert.equal(first.summary.unparsed, 0);
  fs.appendFileSync(log, 'PHP message: b" while reading upstream, client: 192.0.2.5, server: s, request: "GET /x HTTP/1.1"\n' + accessLines(2, 5));
  const second = ingest(db, [log]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(
    query(db, 'SELECT line, dataset, source_ip FROM events ORDER BY line'),
    [
      ...Array.from({ length: 5 }, (_, i) => ({ line: i + 1, dataset: 'web.access', source_ip: `10.0.0.${i}` })),
      { line: 6, dataset: 'nginx.error', source_ip: '192.0.2.5' },
      { line: 8, dataset: 'web.access', source_ip: '10.0.0.5' },
      { line: 9, dataset: 'web.access', source_ip: '10.0.0.6' },
    ],
  );
  // the same stream on stdin with --format access keeps the error lines raw
  const forced = ingest(path.join(dir, 'forced.db'), ['--format', 'access', '-'], fs.readFileSync(log));
  assert.deepEqual(forced.summary.by_dataset, { 'web.access': 7, raw: 2 });
});

test('an unfinished last line: finished later it counts once in findings; read again unchanged it stores nothing', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'access.log');
  const nikto = (i: number) => `175.16.199.14 - - [14/Nov/2026:03:02:0${i} +0000] "GET /.env${i} HTTP/1.1" 404 153 "-" "Mozilla/5.00 (Nikto/2.5.0)"`;
  const hunt = (args: string[], input?: string | Buffer) => run(['--db', db, 'hunt', '--json', ...args], { input });
  const findings = () => query<{ id: string; count: number; linked: number }>(db, 'SELECT id, count, (SELECT count(*) FROM finding_events WHERE finding_id = id) AS linked FROM findings');
  fs.writeFileSync(log, `${nikto(5)}\n${nikto(6)}`);
  assert.ok(hunt([log]).code <= 1);
  assert.ok(findings().length > 0, 'the scanner is found');
  fs.appendFileSync(log, '\n');
  assert.ok(hunt([log]).code <= 1);
  fs.appendFileSync(log, `${nikto(7)}`);
  assert.ok(hunt([log]).code <= 1);
  fs.appendFileSync(log, ' and more\n');
  assert.ok(hunt([log]).code <= 1);
  assert.equal(count(db), 3);
  for (const f of findings()) assert.deepEqual(f, { ...f, count: f.linked }, 'each line counted once, as its evidence');
  assert.deepEqual(query(db, 'SELECT fe.event_id FROM finding_events fe LEFT JOIN events e ON e.id = fe.event_id WHERE e.id IS NULL'), []);
  assert.equal(run(['--db', db, 'db', 'check']).code, 0);

  // more matches than a finding keeps as evidence: the unfinished one is still found and taken out of the count
  const many = path.join(dir, 'many.db');
  const scan = path.join(dir, 'scan.log');
  const lines = Array.from({ length: 300 }, (_, i) => nikto(5).replace('03:02:05', `03:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`));
  fs.writeFileSync(scan, lines.join('\n'));
  assert.ok(run(['--db', many, 'hunt', scan]).code <= 1);
  fs.appendFileSync(scan, ' finished\n');
  assert.ok(run(['--db', many, 'hunt', scan]).code <= 1);
  const counts = query<{ count: number }>(many, "SELECT count FROM findings WHERE rule_kind = 'detection'").map((r) => r.count);
  assert.ok(counts.length > 0 && counts.every((n) => n <= 300), JSON.stringify(counts));

  // the same unfinished content piped again, and a truncated gzip read again: nothing stored, nothing counted
  const piped = path.join(dir, 'piped.db');
  const partial = `${nikto(5)}\n${nikto(6).slice(0, 60)}`;
  for (let i = 0; i < 3; i++) assert.equal(ingest(piped, ['-'], partial).summary.events_stored, i === 0 ? 2 : 0);
  const gz = path.join(dir, 'old.log.gz');
  const full = zlib.gzipSync(accessLines(3000));
  fs.writeFileSync(gz, full.subarray(0, Math.floor(full.length * 0.6)));
  const first = ingest(db, [gz]).summary.events_stored;
  assert.ok(first > 1000, `stored ${first}`);
  const again = ingest(db, [gz]);
  assert.equal(again.summary.events_stored, 0, 'the unfinished last line is the one stored before');
  const before = findings();
  assert.equal(hunt([gz]).code, 2, 'the damage is still reported');
  assert.deepEqual(findings().filter((f) => before.some((b) => b.id === f.id)), before, 'no finding grows');
});

test('missing paths, empty folders and unmatched globs are named; the rest is ingested; exit 2', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  fs.writeFileSync(path.join(dir, 'ok.log'), accessLines(3));
  fs.mkdirSync(path.join(dir, 'empty'));
  const res = ingest(db, [path.join(dir, 'nope.log'), path.join(dir, 'ok.log'), path.join(dir, 'empty'), path.join(dir, '*.nothing')]);
  assert.equal(res.code, 2);
  assert.equal(res.summary.events_stored, 3);
  assert.match(res.stderr, /nope\.log: skipped: no such file or directory/);
  assert.match(res.stderr, /empty: skipped: folder holds no files/);
  assert.match(res.stderr, /\*\.nothing: skipped: no file matches this pattern/);
  assert.equal(res.summary.skipped.length, 3);
});

test('a file whose name is not valid UTF-8 is named with that reason, not "no such file"; the rest is ingested', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const line = 'Nov 14 03:00:00 h sshd[1]: Accepted password for a from 192.0.2.1 port 22 ssh2\n';
  // a Latin-1 name, as an old system or an archive may have written it
  fs.writeFileSync(Buffer.concat([Buffer.from(logs + '/auth'), Buffer.from([0xff]), Buffer.from('.log')]), line);
  fs.writeFileSync(path.join(logs, 'ok.log'), line);
  const res = ingest(db, [logs]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /auth\uFFFD\.log: skipped: its name is not valid UTF-8/);
  assert.equal(res.summary.events_stored, 1);
});

test('an unreadable file is named with the reason, exit 2', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const f = path.join(dir, 'secret.log');
  fs.writeFileSync(f, 'x\n');
  fs.chmodSync(f, 0);
  const res = ingest(db, [f]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /secret\.log: skipped: permission denied/);
});

test('an unreadable sub-folder is named with the reason in a folder walk and a glob, exit 2; the rest is ingested', { skip: process.getuid?.() === 0 ? 'root reads any folder' : false }, () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(path.join(logs, 'audit'), { recursive: true });
  fs.writeFileSync(path.join(logs, 'a.log'), accessLines(3));
  fs.writeFileSync(path.join(logs, 'audit/audit.log'), accessLines(2, 3));
  fs.chmodSync(path.join(logs, 'audit'), 0o000);
  try {
    for (const input of [logs, path.join(logs, '**/*.log')]) {
      const res = ingest(db, [input]);
      assert.equal(res.code, 2, input);
      assert.match(res.stderr, /logs\/audit: skipped: permission denied/, input);
    }
    assert.equal(count(db), 3);
    const named = ingest(db, [path.join(logs, 'audit')]);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /audit: skipped: permission denied/);
    assert.doesNotMatch(named.stderr, /folder holds no files/);
  } finally {
    fs.chmodSync(path.join(logs, 'audit'), 0o700);
  }
});

test('binary files: named explicitly -> skipped, exit 2; found in a folder -> skipped with a warning; --force ingests', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const bin = path.join(logs, 'wtmp');
  fs.writeFileSync(bin, Buffer.from([0x07, 0, 0, 0, 0x41, 0x42, 0, 0, 0x0a, 0x43]));
  fs.writeFileSync(path.join(logs, 'ok.log'), accessLines(2));
  const explicit = ingest(db, [bin]);
  assert.equal(explicit.code, 2);
  assert.match(explicit.stderr, /wtmp: skipped: binary file/);
  const walked = ingest(db, [logs]);
  assert.equal(walked.code, 0, 'a binary file met in a folder walk is not an error');
  assert.match(walked.stderr, /wtmp: skipped: binary file/);
  assert.equal(walked.summary.events_stored, 2);
  const forced = ingest(db, ['--force', bin]);
  assert.equal(forced.code, 0);
  assert.equal(forced.summary.events_stored, 2);
});

test('a log compressed other than with gzip is named with the tool that reads it, in a folder too, exit 2; --force does not store its bytes', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const body = Buffer.from([0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46, 0x02, 0x00, 0x21, 0x01, 0x0a, 0x41]);
  const magic: Record<string, Buffer> = {
    'access.log.2.xz': Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
    'access.log.3.bz2': Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]),
    'access.log.4.zst': Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
  };
  for (const [name, m] of Object.entries(magic)) fs.writeFileSync(path.join(logs, name), Buffer.concat([m, body]));
  fs.writeFileSync(path.join(logs, 'access.log'), accessLines(2));
  // text that happens to start like bzip2's magic is text
  fs.writeFileSync(path.join(logs, 'notes.log'), 'BZh9 is where the notes start\n');

  // before: "binary file ... pass --force", and exit 0 in a folder: the rotated lines were lost without an error
  const walked = ingest(db, [logs]);
  assert.equal(walked.code, 2, walked.stderr);
  assert.match(walked.stderr, /access\.log\.2\.xz: skipped: xz-compressed, and loghound decompresses gzip only: decompress it into a pipe \(xzcat FILE \| loghound ingest -\)/);
  assert.match(walked.stderr, /access\.log\.3\.bz2: skipped: bzip2-compressed, .*\(bzcat FILE/);
  assert.match(walked.stderr, /access\.log\.4\.zst: skipped: zstd-compressed, .*\(zstdcat FILE/);
  assert.equal(walked.summary.events_stored, 3);
  const forced = ingest(db, ['--force', path.join(logs, 'access.log.2.xz')]);
  assert.equal(forced.code, 2);
  assert.equal(count(db), 3, 'no compressed bytes stored as lines');
  const piped = ingest(db, ['-'], fs.readFileSync(path.join(logs, 'access.log.2.xz')));
  assert.equal(piped.code, 2);
  assert.match(piped.stderr, /<stdin>: skipped: xz-compressed, .*\(\.\.\. \| xzcat \| loghound ingest -\)/);
});

test('a UTF-16 log (as Windows tools write it, with its byte order mark) is named with the conversion, in a folder too, exit 2', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const text = '2026-11-14 03:00:01 W3SVC1 192.0.2.10 GET /index.html - 80 - 203.0.113.9 Mozilla/5.0 - 200 0 0 15\r\n';
  fs.writeFileSync(path.join(logs, 'u_ex261114.log'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const be = Buffer.from(text, 'utf16le').swap16();
  fs.writeFileSync(path.join(logs, 'export-be.log'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
  fs.writeFileSync(path.join(logs, 'access.log'), accessLines(2));
  // before: "binary file" in a folder, exit 0: the log was left out without an error
  const walked = ingest(db, [logs]);
  assert.equal(walked.code, 2, walked.stderr);
  assert.match(walked.stderr, /u_ex261114\.log: skipped: UTF-16LE text \(it starts with that byte order mark\), and loghound reads UTF-8: convert it into a pipe \(iconv -f UTF-16 -t UTF-8 FILE \| loghound ingest -\)/);
  assert.match(walked.stderr, /export-be\.log: skipped: UTF-16BE text/);
  assert.equal(walked.summary.events_stored, 2);
});

test('a truncated gzip: every line before the damage is stored, the file and offset are named, exit 2', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const full = zlib.gzipSync(accessLines(20000));
  const f = path.join(dir, 'old.log.gz');
  fs.writeFileSync(f, full.subarray(0, Math.floor(full.length * 0.6)));
  const res = ingest(db, [f]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /old\.log\.gz: gzip stream is truncated at decompressed byte \d+/);
  const stored = count(db);
  assert.ok(stored > 10000 && stored < 20000, `stored ${stored}`);
  // every stored line but the last (cut by the damage) is a complete line of the original
  const last = query<{ raw: string }>(db, 'SELECT raw FROM events ORDER BY id DESC LIMIT 2');
  assert.match(last[1].raw, /HTTP\/1\.1" 200 \d+ "-" "Mozilla\/5\.0 \(X11; Linux x86_64\)"$/);
});

test('a gzip whose CRC trailer alone is broken: every line is stored, from a file and from stdin, the same on every run; exit 2', () => {
  const dir = tmpDir();
  for (const n of [2000, 50000]) {
    const gz = zlib.gzipSync(accessLines(n));
    gz[gz.length - 8] ^= 0xff;
    const f = path.join(dir, `crc${n}.log.gz`);
    fs.writeFileSync(f, gz);
    for (const [i, args, input] of [[1, [f], undefined], [2, [f], undefined], [3, ['-'], gz]] as const) {
      const db = path.join(dir, `s${n}-${i}.db`);
      const res = ingest(db, [...args], input);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, new RegExp(`${args[0] === '-' ? '<stdin>' : `crc${n}\\.log\\.gz`}: gzip stream is corrupt \\(incorrect data check\\) at decompressed byte \\d+ \\(after line ${n}\\)`));
      assert.equal(count(db), n, `${n} lines, run ${i}`);
      assert.equal(count(db, 'status = 0'), n);
    }
  }
});

test('a gzip padded with zero bytes after its last member (gzip -t accepts it) is read whole, and the inputs after it too; exit 0', () => {
  const dir = tmpDir();
  const gz = Buffer.concat([zlib.gzipSync(accessLines(3000)), Buffer.alloc(512)]);
  const f = path.join(dir, 'padded.log.gz');
  fs.writeFileSync(f, gz);
  const after = path.join(dir, 'zz-after.log');
  fs.writeFileSync(after, accessLines(5, 0, 'after'));
  for (const [i, args, input] of [[1, [f, after], undefined], [2, ['-'], gz]] as const) {
    const db = path.join(dir, `s${i}.db`);
    // before: zlib's end came during a write, the wait for another never ended, and Node exited 13 with no word
    const res = ingest(db, [...args], input);
    assert.equal(res.code, 0, `run ${i}: ${res.stderr}`);
    assert.equal(res.stderr, '');
    assert.equal(count(db), i === 1 ? 3005 : 3000);
    assert.equal(ingest(db, [...args], input).summary.events_stored, 0, 'read again: nothing new');
  }
});

test('a gzip damaged in the middle: every line zlib yields before the damage is stored, the cut line unparsed with the reason', () => {
  const dir = tmpDir();
  const text = Buffer.from(accessLines(20000));
  const gz = zlib.gzipSync(text);
  gz.fill(0, 1000, 1008); // zlib finds this: "invalid distance too far back"
  const f = path.join(dir, 'mid.log.gz');
  fs.writeFileSync(f, gz);
  // what can be had: the longest prefix of the compressed bytes that decompresses (a cut-off prefix is no error)
  const upTo = (len: number) => {
    try {
      return zlib.gunzipSync(gz.subarray(0, len), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      return undefined;
    }
  };
  let good = 0;
  while (upTo(good + 1)) good++;
  const expected = upTo(good)!.toString('utf8').split('\n');
  for (const run of [1, 2]) {
    const db = path.join(dir, `s${run}.db`);
    const res = ingest(db, [f]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, new RegExp(`mid\\.log\\.gz: gzip stream is corrupt \\(invalid distance too far back\\) at decompressed byte \\d+ \\(in line ${expected.length}\\)`));
    const rows = query<{ line: number; raw: string; status: number; reason: string | null }>(db, "SELECT line, raw, status, json_extract(extra, '$.\"error.message\"') AS reason FROM events ORDER BY line");
    assert.deepEqual(rows.map((r) => r.raw), expected, `run ${run}`);
    const cut = rows[rows.length - 1];
    assert.equal(cut.status, 1, 'the cut line is not stored as parsed');
    assert.match(cut.reason ?? '', /line cut where the input is damaged: gzip stream is corrupt/);
  }
});

test('a 5 MiB line is stored truncated with a flag; the lines around it are intact', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const f = path.join(dir, 'huge.log');
  fs.writeFileSync(f, 'before\n' + 'A'.repeat(5 * 1024 * 1024) + '\nafter\n');
  const res = ingest(db, [f]);
  assert.equal(res.code, 0, res.stderr);
  const rows = query<{ line: number; len: number; flags: number; offset: number }>(db, 'SELECT line, length(raw) AS len, flags, offset FROM events ORDER BY line');
  assert.deepEqual(rows.map((r) => r.len), [6, 1024 * 1024, 5]);
  assert.equal(rows[1].flags & 2, 2, 'truncated flag');
  assert.equal(rows[2].offset, 7 + 5 * 1024 * 1024 + 1);
});

test('invalid UTF-8 is stored with replacement characters and flagged', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const f = path.join(dir, 'latin1.log');
  fs.writeFileSync(f, Buffer.concat([Buffer.from('user J'), Buffer.from([0xf6]), Buffer.from('rg logged in\n')]));
  ingest(db, [f]);
  const [row] = query<{ raw: string; flags: number }>(db, 'SELECT raw, flags FROM events');
  assert.equal(row.raw, 'user J\uFFFDrg logged in');
  assert.equal(row.flags & 1, 1);
});

test('cut lines and invalid UTF-8 are counted per file and named with their first line on stderr', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const f = path.join(dir, 'mix.log');
  const bad = Buffer.from([0xff, 0xfe]);
  fs.writeFileSync(f, Buffer.concat([Buffer.from('before\n' + 'B'.repeat(3_000_000) + '\nok\nbad '), bad, Buffer.from(' utf8\n'), Buffer.from('C'.repeat(2_000_000) + '\nbad '), bad, Buffer.from('\n')]));
  const res = ingest(db, [f]);
  assert.equal(res.code, 0, 'the lines are stored: cut and repaired lines are not an error');
  assert.match(res.stderr, /mix\.log: 2 lines cut at 1 MiB \(first: line 2\), 2 lines with invalid UTF-8 replaced \(first: line 4\)/);
  assert.equal(res.summary.truncated, 2);
  assert.equal(res.summary.invalid_utf8, 2);
  assert.equal(res.summary.sources[0].truncated, 2);
  assert.equal(res.summary.sources[0].invalid_utf8, 2);
  const text = run(['--db', path.join(dir, 'text.db'), 'ingest', f]);
  assert.match(text.stdout, /mix\.log .*6 lines, \d+ unparsed, 2 lines cut, 2 with invalid UTF-8/);
});

test('globs and folders: quoted patterns are expanded by loghound, recursively for folders', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a/one.log'), accessLines(1));
  fs.writeFileSync(path.join(dir, 'a/b/two.log'), accessLines(2, 1));
  fs.writeFileSync(path.join(dir, 'a/b/skip.txt'), accessLines(4, 3));
  assert.equal(ingest(db, [path.join(dir, 'a/**/*.log')]).summary.events_stored, 3);
  assert.equal(ingest(db, [path.join(dir, 'a')]).summary.events_stored, 4);
});

test('symbolic links: a cycle is not followed, and a file reached by two paths is read once, under its own path', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(path.join(logs, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(logs, 'other'));
  fs.writeFileSync(path.join(logs, 'sub/a.log'), accessLines(2));
  fs.writeFileSync(path.join(logs, 'other/b.log'), accessLines(3, 2));
  // two links back up: the walk used to grow without end
  fs.symlinkSync('..', path.join(logs, 'sub/up'));
  fs.symlinkSync('..', path.join(logs, 'sub/up2'));
  // and a cycle through two folders, plus a second way to the same files
  fs.symlinkSync('../sub', path.join(logs, 'other/to-sub'));
  fs.symlinkSync('../other', path.join(logs, 'sub/to-other'));
  for (const input of [logs, path.join(logs, '**/*.log')]) {
    const res = run(['--db', path.join(dir, `s${input.length}.db`), 'ingest', '--json', input], { timeout: 30_000 });
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.deepEqual(summary.sources.map((s: { path: string }) => path.relative(logs, s.path)).sort(), ['other/b.log', 'sub/a.log'], input);
    assert.equal(summary.events_stored, 5);
  }
  const res = run(['--db', db, 'ingest', logs], { timeout: 30_000 });
  assert.match(res.stderr, /sub\/up: skipped: link to a folder that contains it; not followed/);
});

test('file names with spaces, quotes and newlines', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const odd = path.join(dir, 'we"ird\nname \u001b[31m.log');
  fs.writeFileSync(odd, accessLines(2));
  const res = run(['--db', db, 'ingest', odd]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /we"ird\\nname \\e\[31m\.log/, 'the name is printed escaped');
  assert.equal(count(db), 2);
});

test('--tz must be an IANA zone; unknown --format is a usage error', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  fs.writeFileSync(path.join(dir, 'x.log'), 'x\n');
  const tz = run(['--db', db, 'ingest', '--tz', 'Mars/Olympus', path.join(dir, 'x.log')]);
  assert.equal(tz.code, 2);
  assert.match(tz.stderr, /unknown time zone "Mars\/Olympus"/);
  const fmt = run(['--db', db, 'ingest', '--format', 'nope', path.join(dir, 'x.log')]);
  assert.equal(fmt.code, 2);
  assert.match(fmt.stderr, /unknown format "nope"/);
  const huntFmt = run(['--db', db, 'hunt', '--format', 'nope', path.join(dir, 'x.log')]);
  assert.equal(huntFmt.code, 2);
  assert.deepEqual(fs.readdirSync(dir), ['x.log'], 'a mistyped flag leaves no new store behind');
});

test('the help of --format names every parser in the registry', async () => {
  const { PARSERS } = await import('../../src/parsers/registry.js');
  const { FORMAT_HELP } = await import('../../src/cli/app.js');
  assert.deepEqual(FORMAT_HELP.replace(/^.*: /, '').split(/, | or /).sort(), PARSERS.map((p) => p.name).sort());
});

test('JSON nested hundreds of thousands deep is an unparsed line, not a crash; the lines around it and a hunt are fine', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const f = path.join(dir, 'app.json');
  const line = (i: number, extra = '') => `{"@timestamp":"2026-11-14T04:00:0${i}Z","message":"login","source":{"ip":"203.0.113.9"}${extra}}`;
  const deep = 400_000; // 800 KB: under the line cap; it overflowed JSON.stringify's stack when stored
  const deepRecord = `{"Records":[{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"x","eventTime":"2026-11-14T04:00:09Z","requestParameters":${'['.repeat(deep)}${']'.repeat(deep)}}]}`;
  fs.writeFileSync(f, [line(1), line(2, `,"a":${'['.repeat(deep)}${']'.repeat(deep)}`), line(3, `,"b":${'{"b":'.repeat(101)}1${'}'.repeat(101)}`), line(4, `,"c":${'{"c":'.repeat(99)}1${'}'.repeat(99)}`)].join('\n') + '\n');
  const trail = path.join(dir, 'trail.json');
  fs.writeFileSync(trail, deepRecord + '\n');
  const res = ingest(db, [f, trail]);
  assert.equal(res.code, 0, res.stderr);
  const rows = query<{ line: number; status: number; reason: string | null }>(db, "SELECT line, status, json_extract(extra, '$.\"error.message\"') AS reason FROM events ORDER BY source_id, line");
  assert.deepEqual(rows.map((r) => [r.line, r.status]), [[1, 0], [2, 1], [3, 1], [4, 0], [1, 1]]);
  for (const r of [rows[1], rows[2], rows[4]]) assert.match(r.reason ?? '', /JSON nested deeper than 100 levels/);
  // 99 levels are kept, and SQLite's JSON functions read them (they refuse text nested over 1000 levels)
  assert.deepEqual(query(db, 'SELECT json_valid(extra) AS ok FROM events WHERE line = 4 AND status = 0'), [{ ok: 1 }]);
  const hunt = run(['--db', db, 'hunt', '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
});
