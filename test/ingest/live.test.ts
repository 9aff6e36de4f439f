/**
 * A live stream on stdin or a pipe (tail -f, ssh host tail -f): each line is stored soon after it arrives, while
 * the stream stays open, not once 64 KiB, a full parser sample or a full batch have come; and what a stream read
 * at full speed guarantees still holds (each line once, the same content again adds nothing).
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ingest, type IngestOptions } from '../../src/ingest/ingest.js';
import { probeStream } from '../../src/ingest/probe.js';
import { openDb } from '../../src/store/db.js';
import { run, start, tmpDir } from '../helpers/cli.js';
import { count, query } from '../helpers/store.js';

const authLine = (i: number) =>
  `Dec  3 10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} bastion sshd[${1000 + i}]: Failed password for root from 203.0.113.${i % 250} port ${40000 + i} ssh2\n`;
const authLines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => authLine(from + k)).join('');

/** Waits, within a bound, for the store to hold `n` events; the bound is generous: this is no test of speed. */
async function until(file: string, n: number, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (stored(file) < n) {
    if (Date.now() > end) assert.fail(`${what}: ${stored(file)} events stored, waited for ${n}`);
    await sleep(20);
  }
}

/** Events in a store that another process may not have created yet. */
function stored(file: string): number {
  try {
    return count(file);
  } catch {
    return 0;
  }
}

function store() {
  const file = path.join(tmpDir(), 'store.db');
  return { file, db: openDb(file) };
}

/** An ingest of stdin that stays open: `stdin` is written by the test, `done` is the summary once it ends. */
function live(db: ReturnType<typeof openDb>, opts: Partial<IngestOptions> = {}) {
  const stdin = new PassThrough();
  const done = ingest(db, { inputs: ['-'], tz: 'UTC', stdin, ...opts });
  return { stdin, done };
}

/** The same content piped again, all at once. */
function again(db: ReturnType<typeof openDb>, text: string) {
  const stdin = new PassThrough();
  stdin.end(text);
  return ingest(db, { inputs: ['-'], tz: 'UTC', stdin });
}

test('a line on a live stdin is stored while the stream stays open; then more lines, EOF, and the same content again adds nothing', async () => {
  const { file, db } = store();
  // the default wait (LIVE_MS), as the CLI has it
  const { stdin, done } = live(db);
  stdin.write(authLine(0));
  await until(file, 1, 'one line, stream open');
  assert.ok(!stdin.writableEnded);
  assert.deepEqual(query(file, 'SELECT line, status, dataset FROM events'), [{ line: 1, status: 0, dataset: 'system.auth' }], 'parsed, committed');

  // a burst, then a line in two writes: its first half is not stored on its own
  stdin.write(authLines(1, 20));
  await until(file, 20, 'a burst');
  const last = authLine(20);
  stdin.write(last.slice(0, 30));
  await sleep(1200);
  assert.equal(count(file), 20, 'a line still being written waits for its newline');
  stdin.write(last.slice(30));
  await until(file, 21, 'the line finished');
  stdin.end(authLines(21, 40));
  const summary = await done;
  assert.equal(summary.events_stored, 40);
  assert.deepEqual(summary.sources.map((s) => [s.status, s.format]), [['new', 'syslog']]);
  const [row] = query<{ n: number; lines: number }>(file, 'SELECT count(*) AS n, count(DISTINCT line) AS lines FROM events');
  assert.deepEqual(row, { n: 40, lines: 40 }, 'each line once');
  // probed with its first line only, the stream is known by its first KiB once that has come, as if piped at once
  assert.deepEqual(query(file, 'SELECT fp_len, offset, lines FROM sources'), [{ fp_len: 1024, offset: authLines(0, 40).length, lines: 40 }]);

  const text = authLines(0, 40);
  const same = await again(db, text);
  assert.equal(same.events_stored, 0, 'the same content piped again');
  assert.equal(same.sources[0].status, 'resumed');
  assert.equal((await again(db, text + authLines(40, 42))).events_stored, 2, 'only what is new');
  assert.equal(count(file), 42);
  db.close();
});

test('live stdin: identity grows only with its first bytes; a short stream stays known by what it holds', async () => {
  const { file, db } = store();
  const { stdin, done } = live(db, { liveMs: 50 });
  stdin.write(authLine(0));
  await until(file, 1, 'one line');
  assert.equal(query<{ fp_len: number }>(file, 'SELECT fp_len FROM sources')[0].fp_len, authLine(0).length, 'known by what had come');
  stdin.end(authLine(1));
  await done;
  assert.equal(query<{ fp_len: number }>(file, 'SELECT fp_len FROM sources')[0].fp_len, authLines(0, 2).length);
  assert.equal((await again(db, authLines(0, 2))).events_stored, 0, 'the same two lines again');
  db.close();
});

test('live stdin: first lines no parser knows are stored raw, and the parser the lines after them show reads the rest', async () => {
  const { file, db } = store();
  const { stdin, done } = live(db, { liveMs: 50 });
  stdin.write('=== capture of bastion started ===\n');
  await until(file, 1, 'the banner');
  stdin.write(authLines(0, 5));
  await until(file, 6, 'the first entries');
  stdin.end(authLines(5, 10));
  const summary = await done;
  assert.equal(summary.sources[0].format, 'syslog');
  assert.deepEqual(
    query(file, 'SELECT status, count(*) AS n FROM events GROUP BY status ORDER BY status'),
    [
      { status: 0, n: 10 },
      { status: 1, n: 1 },
    ],
    'the banner raw, every entry parsed',
  );
  db.close();
});

test('live stdin: a parser chosen from the first line keeps the stream; a batch commits when the input pauses', async () => {
  const { file, db } = store();
  // batches far larger than the stream: only the pause commits
  const { stdin, done } = live(db, { liveMs: 50, batchRows: 1_000_000 });
  for (let i = 0; i < 3; i++) {
    stdin.write(authLine(i));
    await until(file, i + 1, `line ${i + 1}`);
  }
  stdin.end();
  const summary = await done;
  assert.equal(summary.events_stored, 3);
  assert.equal(count(file, 'status = 0'), 3);
  db.close();
});

test('live stdin: a first line and then silence is probed at its instant, however the clock moves between two readings', async () => {
  // A loaded machine: each reading of the clock comes some milliseconds after the last. The instant the probe waits
  // for then passes between two readings (whether it is enough, how long to wait) at one step or another; read twice,
  // the probe would then wait for a second line that a live source may never send.
  for (let step = 1; step <= 13; step++) {
    let clock = performance.now();
    const now = mock.method(performance, 'now', () => (clock += step));
    try {
      const stdin = new PassThrough();
      stdin.write(authLine(0));
      const probed = await Promise.race([probeStream(stdin, 50), sleep(2000).then(() => undefined)]);
      assert.ok(probed, `clock step ${step} ms: still waiting after 2 s`);
      assert.equal(Buffer.concat(probed.first).toString(), authLine(0));
    } finally {
      now.mock.restore();
    }
  }
});

test('live stdin: journalctl -f -o export, an entry at a time', async () => {
  const { file, db } = store();
  const { stdin, done } = live(db, { liveMs: 50 });
  const entry = (n: number) =>
    `__CURSOR=s=1;i=${n}\n__REALTIME_TIMESTAMP=${1794626400000000 + n * 1_000_000}\n_HOSTNAME=bastion\nSYSLOG_IDENTIFIER=sshd\n_PID=${4100 + n}\nMESSAGE=Failed password for root from 203.0.113.${n} port ${50000 + n} ssh2\n\n`;
  stdin.write(entry(1));
  await until(file, 1, 'the first entry');
  stdin.write(entry(2));
  await until(file, 2, 'the second entry');
  stdin.end();
  const summary = await done;
  assert.deepEqual([summary.events_stored, summary.sources[0].format], [2, 'journald']);
  assert.equal(count(file, "dataset = 'system.auth'"), 2);
  db.close();
});

test('live stdin: a steady trickle that never pauses for long is stored as it comes, not once a batch is full', async () => {
  const { file, db } = store();
  const { stdin, done } = live(db, { liveMs: 100 });
  let storedWhileWriting = 0;
  // a line every 20 ms for 2 s: the input never goes quiet for 100 ms
  for (let i = 0; i < 100; i++) {
    stdin.write(authLine(i));
    await sleep(20);
    storedWhileWriting = count(file);
  }
  assert.ok(storedWhileWriting > 0, 'stored before the stream ended');
  stdin.end();
  assert.equal((await done).events_stored, 100);
  assert.equal(count(file), 100);
  db.close();
});

test('kill -9 of a live ingest, then the whole content piped again: each line once', async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const child = start(['--db', db, 'ingest', '-']);
  const gone = new Promise((resolve) => child.on('exit', resolve));
  try {
    // more than the 256 bytes from which a content is recognised by its start
    child.stdin!.write(authLines(0, 4));
    await until(db, 4, 'the first lines, stream open');
  } finally {
    child.kill('SIGKILL');
    await gone;
  }
  const res = run(['--db', db, 'ingest', '--json', '-'], { input: authLines(0, 30) });
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual([JSON.parse(res.stdout).events_stored, JSON.parse(res.stdout).sources[0].status], [26, 'resumed']);
  const [row] = query<{ n: number; lines: number }>(db, 'SELECT count(*) AS n, count(DISTINCT line) AS lines FROM events');
  assert.deepEqual(row, { n: 30, lines: 30 });
});
