/**
 * kill -9 at random points of a large ingest, then a re-run: the store holds every line exactly once.
 * Events and the committed offset share one transaction, so this must hold whatever the moment of the kill.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { run, start, tmpDir } from '../helpers/cli.js';
import { query } from '../helpers/store.js';
import { accessLines } from '../helpers/logs.js';

const ROUNDS = Number(process.env.KILL_ROUNDS ?? 20);

function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = start(args);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function checkComplete(db: string, expected: number) {
  const [row] = query<{ n: number; lines: number; min: number; max: number }>(
    db,
    "SELECT count(*) AS n, count(DISTINCT source_id || ':' || line) AS lines, min(line) AS min, max(line) AS max FROM events",
  );
  assert.equal(row.n, expected, 'event count equals the line count');
  assert.equal(row.lines, expected, 'no line stored twice');
}

test(`kill -9 during a large ingest, ${ROUNDS} times, then a re-run: every line exactly once`, async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'big.log');
  const N = 300_000;
  fs.writeFileSync(log, accessLines(N));
  // a random but reproducible spread of kill times, from early (store creation) to late
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < ROUNDS; i++) await killAfter(['--db', db, 'ingest', '--batch-rows', '2000', log], 150 + Math.floor(rand() * 1200));
  const res = run(['--db', db, 'ingest', '--json', log]);
  assert.equal(res.code, 0, res.stderr);
  checkComplete(db, N);
  assert.deepEqual(query(db, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
});

test('kill -9 during a gzip ingest, then a re-run: every line exactly once', async () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'big.log.gz');
  const N = 200_000;
  fs.writeFileSync(log, zlib.gzipSync(accessLines(N)));
  await killAfter(['--db', db, 'ingest', '--batch-rows', '2000', log], 700);
  await killAfter(['--db', db, 'ingest', '--batch-rows', '2000', log], 400);
  const res = run(['--db', db, 'ingest', log]);
  assert.equal(res.code, 0, res.stderr);
  checkComplete(db, N);
});
