/** Ctrl-C during a large ingest commits what was read, exits 130, and a re-run resumes without loss or repeat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { ENTRY, FIXTURES, run, start, tmpDir } from '../helpers/cli.js';
import { query } from '../helpers/store.js';
import { accessLines } from '../helpers/logs.js';

test('SIGINT: a clean stop with exit 130, then a re-run stores every line exactly once', async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'big.log');
  const N = 400_000;
  fs.writeFileSync(log, accessLines(N));
  const child = start(['--db', db, 'ingest', '--batch-rows', '5000', log]);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  // interrupt once the first batches are in
  const timer = setInterval(() => {
    try {
      if (fs.statSync(`${db}-wal`).size > 2_000_000) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    } catch {
      // not yet created
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(timer);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupt: committing what was read/);
  const partial = query<{ n: number }>(db, 'SELECT count(*) AS n FROM events')[0].n;
  assert.ok(partial > 0 && partial < N, `stored ${partial} before the interrupt`);
  const again = run(['--db', db, 'ingest', '--json', log]);
  assert.equal(again.code, 0, again.stderr);
  const [row] = query<{ n: number; lines: number }>(db, "SELECT count(*) AS n, count(DISTINCT line) AS lines FROM events");
  assert.equal(row.n, N);
  assert.equal(row.lines, N);
});

test('SIGINT while stdin or a named pipe sends nothing: stops at once with what was read, exit 130', async () => {
  for (const via of ['stdin', 'fifo'] as const) {
    const dir = tmpDir();
    const db = path.join(dir, 'store.db');
    const fifo = path.join(dir, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    // the writer sends 30 lines in one write (under PIPE_BUF, so they arrive together) and then keeps the pipe
    // open, idle, as a stalled `ssh host tail -f` would
    const lines = path.join(dir, 'lines.log');
    fs.writeFileSync(lines, fs.readFileSync(path.join(FIXTURES, 'demo', 'auth.log'), 'utf8').split('\n').slice(0, 30).join('\n') + '\n');
    const writer = spawn('sh', ['-c', `{ cat "$1"; sleep 30; } > "$2"`, 'sh', lines, fifo], { stdio: 'ignore' });
    const input = via === 'stdin' ? fs.openSync(fifo, 'r') : undefined;
    const args = ['--db', db, 'ingest', '--json', via === 'stdin' ? '-' : fifo];
    const child = spawn(process.execPath, [ENTRY, ...args], { stdio: [input ?? 'ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    if (input !== undefined) fs.closeSync(input);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    // time to start and read the 50 lines; then the input is idle
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    writer.kill();
    assert.equal(code, 130, via);
    assert.ok(Date.now() - sent < 5000, `${via}: stopped ${Date.now() - sent} ms after the interrupt`);
    assert.deepEqual([JSON.parse(stdout).events_stored, JSON.parse(stdout).interrupted], [30, true], via);
  }
});

test('SIGINT while a named pipe waits for its first writer: stops at once, exit 130', async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const fifo = path.join(dir, 'in.fifo');
  execFileSync('mkfifo', [fifo]);
  // nothing ever opens the pipe for writing: opening it waits in a thread of the pool, which the interrupt did not
  // reach (before: the first Ctrl-C said "committing what was read" and the run went on waiting)
  const child = spawn(process.execPath, [ENTRY, '--db', db, 'ingest', '--json', fifo], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const sent = Date.now();
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  assert.equal(code, 130);
  assert.ok(Date.now() - sent < 5000, `stopped ${Date.now() - sent} ms after the interrupt`);
  assert.deepEqual([JSON.parse(stdout).events_stored, JSON.parse(stdout).interrupted, JSON.parse(stdout).sources], [0, true, []]);
});
