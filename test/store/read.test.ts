import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { entityCondition, eventRows, events, histogram, openReadStore, overview, topValues } from '../../src/store/read.js';
import { compileQuery } from '../../src/query/compile.js';
import type { DB } from '../../src/store/db.js';
import { tmpDir } from '../helpers/cli.js';
import { buildStore, type SeedEvent } from '../cli/investigate-store.js';

let dir: string;
let db: DB;

// Ties are the hard case for keyset paging: 13 events share one millisecond (a file without times inherits one).
const seeds: SeedEvent[] = [];
for (let i = 0; i < 30; i++) {
  const ts = i >= 5 && i < 18 ? '2026-11-14T03:00:00.000Z' : new Date(Date.UTC(2026, 10, 14, 2, 0, 0) + (i < 5 ? i : i * 60_000) * 1000).toISOString();
  seeds.push({ ts, dataset: i % 3 ? 'raw' : 'web.access', path: i % 2 ? '/a.log' : '/b.log', raw: `line ${i}`, fields: { message: `line ${i}`, 'user.name': i % 4 ? 'u' + (i % 4) : undefined } });
}

before(() => {
  dir = tmpDir();
  const file = path.join(dir, 'read.db');
  buildStore(file, seeds);
  db = openReadStore(file);
});

after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('pages in (ts, id) order return every event exactly once, across a run of equal timestamps', () => {
  const all = [...events(db, {}, { pageSize: 1000 })];
  assert.equal(all.length, 30);
  const key = (e: { ts: number; id: number }) => [e.ts, e.id];
  assert.deepEqual(all.map(key), [...all].sort((a, b) => a.ts - b.ts || a.id - b.id).map(key));
  for (const pageSize of [1, 2, 4, 5, 7, 13]) {
    assert.deepEqual([...events(db, {}, { pageSize })].map((e) => e.id), all.map((e) => e.id), `page size ${pageSize}`);
  }
  assert.deepEqual([...events(db, {}, { pageSize: 4, limit: 11 })].map((e) => e.id), all.slice(0, 11).map((e) => e.id));
});

test('id order pages, and filters with parameters before the cursor', () => {
  assert.deepEqual([...eventRows(db, {}, { order: 'id', pageSize: 3 })].map((r) => r.id), Array.from({ length: 30 }, (_, i) => i + 1));
  const q = compileQuery('event.dataset:raw and user.name:u1');
  const want = seeds.map((s, i) => ({ s, id: i + 1 })).filter(({ s }) => s.dataset === 'raw' && s.fields['user.name'] === 'u1');
  assert.deepEqual([...events(db, { query: q }, { pageSize: 2 })].map((e) => e.id).sort((a, b) => a - b), want.map((w) => w.id));
  assert.deepEqual([...events(db, { query: q }, { order: 'id', pageSize: 2 })].map((e) => e.id), want.map((w) => w.id));
});

test('since is inclusive and until exclusive', () => {
  const t = Date.parse('2026-11-14T03:00:00.000Z');
  assert.equal([...events(db, { since: t, until: t + 1 })].length, 13);
  assert.equal([...events(db, { until: t })].length, 5);
});

test('overview, top values and histogram agree with the seeds', () => {
  const o = overview(db, {});
  assert.equal(o.events, 30);
  assert.deepEqual(o.datasets.map((d) => [d.dataset, d.count]), [['raw', 20], ['web.access', 10]]);
  const top = topValues(db, {}, 'user.name', 2);
  assert.equal(top.present, seeds.filter((s) => s.fields['user.name']).length);
  assert.deepEqual(top.values.map((v) => v.value), ['u1', 'u2']);
  const h = histogram(db, {}, 'hour');
  assert.equal(h.reduce((a, b) => a + b.count, 0), 30);
  assert.ok(h.every((b) => b.start % 3_600_000 === 0));
});

test('entity conditions: either side of a connection, actor or target', () => {
  assert.match(entityCondition('ip', '10.0.0.0/8').sql, /ip_in_cidr/);
  assert.throws(() => entityCondition('ip', 'x'), /not an IP address/);
  assert.equal([...events(db, { conditions: [entityCondition('user', 'u3')] })].length, seeds.filter((s) => s.fields['user.name'] === 'u3').length);
});
