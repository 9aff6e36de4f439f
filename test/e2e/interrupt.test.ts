/** Ctrl-C during a large ingest commits what was read, exits 130, and a re-run resumes without loss or repeat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, start, tmpDir } from '../helpers/cli.js';
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
