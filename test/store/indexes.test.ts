/**
 * The status-code index and the statistics ingest keeps: a search for a rare status reads the index, one
 * for a common status keeps walking the time index (so its first page comes at once), and either way the rows and
 * their order are those of a search without that index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refreshStatistics } from '../../src/store/db.js';
import { eventRows } from '../../src/store/read.js';
import { EVENT_FROM, EVENT_SELECT } from '../../src/store/events.js';
import { compileQuery } from '../../src/query/compile.js';
import { testStore, sec, type TestStore } from '../helpers/events.js';

function seeded() {
  const s = testStore();
  s.db.transaction(() => {
    for (let i = 0; i < 20_000; i++) {
      // every 2,500th request fails, 1 in 50 is a 404, the rest succeed; some seconds hold two events
      const status = i % 2_500 === 7 ? 500 : i % 50 === 3 ? 404 : 200;
      s.add(sec(Math.floor(i / 2)), 'web.access', { 'source.ip': `10.0.${i % 7}.1`, 'url.path': i % 3 ? '/products/1' : '/', 'http.response.status_code': status });
      if (i % 10 === 0) s.add(sec(Math.floor(i / 2)), 'system.auth', { 'user.name': 'root', 'event.outcome': 'failure' });
    }
  })();
  return s;
}

function plan(s: TestStore, query: string): string {
  const q = compileQuery(query);
  const sql = `EXPLAIN QUERY PLAN SELECT ${EVENT_SELECT} FROM ${EVENT_FROM} WHERE ${q.where} ORDER BY e.ts, e.id LIMIT ?`;
  return (s.db.prepare(sql).all(...q.params, 50) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

function ids(s: TestStore, query: string, limit?: number): number[] {
  return [...eventRows(s.db, { query: compileQuery(query) }, { limit, pageSize: 97 })].map((r) => r.id);
}

const QUERIES = [
  'http.response.status_code >= 500',
  'http.response.status_code >= 500 and url.path:/products*',
  'http.response.status_code:404',
  'http.response.status_code >= 200',
  'http.response.status_code:(401 or 500)',
];

test('with statistics, a rare status is searched through its index, a common one in time order', () => {
  const s = seeded();
  refreshStatistics(s.db);
  assert.ok((s.db.prepare("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'events_http_status'").pluck().get() as number) > 0);
  assert.match(plan(s, 'http.response.status_code >= 500'), /INDEX events_http_status/);
  assert.match(plan(s, 'http.response.status_code >= 500 and url.path:/products*'), /INDEX events_http_status/);
  assert.match(plan(s, 'http.response.status_code:404'), /INDEX events_http_status/);
  assert.match(plan(s, 'http.response.status_code >= 200'), /INDEX events_ts/);
});

test('the status index changes no result: same events, same time order, same pages, as without it', () => {
  const s = seeded();
  refreshStatistics(s.db);
  const indexed = QUERIES.map((q) => [ids(s, q), ids(s, q, 60)]);
  s.db.exec('DROP INDEX events_http_status; DROP TABLE sqlite_stat1; DROP TABLE IF EXISTS sqlite_stat4');
  const scanned = QUERIES.map((q) => [ids(s, q), ids(s, q, 60)]);
  assert.deepEqual(indexed, scanned);
  // the rare status is really there, spread over the whole span, and the pages cross seconds holding two events
  assert.equal(indexed[0][0].length, 8);
  assert.equal(indexed[2][0].length, 400);
});

test('statistics are taken again only once the events have doubled since the last time', () => {
  const s = testStore();
  const add = (n: number) =>
    s.db.transaction(() => {
      for (let i = 0; i < n; i++) s.add(sec(i), 'web.access', { 'http.response.status_code': 200 });
    })();
  const counted = () => s.db.prepare("SELECT stat FROM sqlite_stat1 WHERE idx = 'events_ts'").pluck().get() as string;
  add(100);
  refreshStatistics(s.db);
  assert.match(counted(), /^100 /);
  add(99);
  refreshStatistics(s.db);
  assert.match(counted(), /^100 /);
  add(1);
  refreshStatistics(s.db);
  assert.match(counted(), /^200 /);
});
