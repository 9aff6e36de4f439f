/**
 * The hourly rollup and the value counts that `stats` reads must agree with counting the events themselves, through
 * every way events come and go: ingest (row by row and bulk), a growing unterminated line replaced, a copytruncate,
 * prune, and a migrated older store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDb, storeVersion } from '../../src/store/db.js';
import { histogram, overview, topValues, type EventFilter } from '../../src/store/read.js';
import { COUNTED_COLUMNS, rebuildCounts } from '../../src/store/counts.js';
import { ingest } from '../../src/ingest/ingest.js';
import { Sources } from '../../src/store/sources.js';
import { adjustRollup, datasetSpan, rebuildRollup } from '../../src/store/rollup.js';
import { prune } from '../../src/store/maintenance.js';
import { testStore } from '../helpers/events.js';
import { FIXTURES, run, tmpDir } from '../helpers/cli.js';

/** A condition that is always true but keeps the rollup out: the reference count, over every event. */
const SCAN: EventFilter = { conditions: [{ sql: '1', params: [] }] };

function assertAgrees(file: string, label: string): void {
  const db = openDb(file, { readonly: true });
  try {
    assert.deepEqual(overview(db, {}), overview(db, SCAN), `${label}: overview`);
    const first = db.prepare('SELECT min(ts) AS t FROM events').pluck().get() as number;
    const last = db.prepare('SELECT max(ts) AS t FROM events').pluck().get() as number;
    // ranges that cut hours in the middle, fall inside one hour, and line up with hours
    const ranges: [number | undefined, number | undefined][] = [
      [undefined, undefined],
      [first + 1_234_567, undefined],
      [undefined, last - 2_345_678],
      [first + 60_000, first + 120_000],
      [first - (first % 3_600_000), last - (last % 3_600_000)],
      [first + 1_800_000, last - 1_800_000],
    ];
    for (const [since, until] of ranges) {
      const f = { since, until };
      const scan = { ...SCAN, since, until };
      assert.deepEqual(overview(db, f), overview(db, scan), `${label}: overview ${since}..${until}`);
      for (const by of ['hour', 'day'] as const) assert.deepEqual(histogram(db, f, by), histogram(db, scan, by), `${label}: ${by} ${since}..${until}`);
    }
    const negative = db.prepare('SELECT count(*) FROM event_rollup WHERE n <= 0').pluck().get();
    assert.equal(negative, 0, `${label}: no empty or negative rollup rows`);
    assertCountsAgree(db, label);
  } finally {
    db.close();
  }
}

const FIELD_OF: Record<string, string> = {
  source_ip: 'source.ip',
  destination_ip: 'destination.ip',
  user_name: 'user.name',
  http_response_status_code: 'http.response.status_code',
};

function assertCountsAgree(db: ReturnType<typeof openDb>, label: string): void {
  for (const col of COUNTED_COLUMNS) {
    const kept = db.prepare('SELECT value, n FROM value_counts WHERE col = ? ORDER BY value').all(col);
    const counted = db.prepare(`SELECT ${col} AS value, count(*) AS n FROM events WHERE ${col} IS NOT NULL GROUP BY 1 ORDER BY 1`).all();
    assert.deepEqual(kept, counted, `${label}: value counts of ${col}`);
    const total = db.prepare('SELECT coalesce(sum(n), 0) FROM value_totals WHERE col = ?').pluck().get(col);
    assert.equal(total, db.prepare(`SELECT count(${col}) FROM events`).pluck().get(), `${label}: events that have ${col}`);
    // stats --top reads them; the scan (a condition keeps them out) is the reference
    const field = FIELD_OF[col];
    assert.deepEqual(topValues(db, {}, field, 5), topValues(db, SCAN, field, 5), `${label}: top ${field}`);
  }
}

test('the rollup agrees with the events after ingest, tail replacement, copytruncate and prune', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  fs.cpSync(path.join(FIXTURES, 'demo'), logs, { recursive: true });
  assert.equal(run(['--db', db, 'ingest', logs]).code, 0);
  assertAgrees(db, 'ingest');

  // an unterminated last line is stored, then replaced when the writer finishes it
  const auth = path.join(logs, 'auth.log');
  fs.appendFileSync(auth, 'Nov 15 09:30:00 web01 sshd[900]: Failed password for root from 203.0.113.9 port 1 ssh2');
  assert.equal(run(['--db', db, 'ingest', logs]).code, 0);
  fs.appendFileSync(auth, ' more\nNov 15 10:30:00 web01 sshd[901]: Accepted password for alice from 10.0.0.5 port 2 ssh2\n');
  assert.equal(run(['--db', db, 'ingest', logs]).code, 0);
  assertAgrees(db, 'tail replaced');

  // copytruncate: the file starts again with other lines
  fs.writeFileSync(auth, 'Nov 16 01:00:00 web01 sshd[902]: Failed password for bob from 198.51.100.7 port 3 ssh2\n');
  assert.equal(run(['--db', db, 'ingest', logs]).code, 0);
  assertAgrees(db, 'copytruncate');

  const res = run(['--db', db, 'prune', '--older-than', '2026-11-14T12:00:00Z']);
  assert.equal(res.code, 0, res.stderr);
  assertAgrees(db, 'prune');
  const check = openDb(db, { readonly: true });
  const total = check.prepare('SELECT sum(n) FROM event_rollup').pluck().get();
  assert.equal(total, check.prepare('SELECT count(*) FROM events').pluck().get());
  assert.ok((check.prepare("SELECT count(*) FROM value_counts WHERE col = 'source_ip'").pluck().get() as number) > 3, 'addresses were counted');
  check.close();
});

test('prune in small batches deletes exactly the old events that are no evidence, and the counts follow', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'store.db');
  assert.equal(run(['--db', file, 'hunt', path.join(FIXTURES, 'demo')]).code, 0);
  const db = openDb(file);
  const cut = Date.parse('2026-11-15T06:00:00Z');
  const old = db.prepare('SELECT count(*) FROM events WHERE ts < ?').pluck().get(cut) as number;
  const evidence = db.prepare('SELECT count(*) FROM events WHERE ts < ? AND id IN (SELECT event_id FROM finding_events)').pluck().get(cut) as number;
  assert.ok(old > 100 && evidence > 10, `${old} old events, ${evidence} of them evidence`);
  const r = prune(db, file, cut, 7);
  assert.equal(r.deleted, old - evidence);
  assert.equal(r.kept_as_evidence, evidence);
  assert.equal(db.prepare('SELECT count(*) FROM events WHERE ts < ? AND id NOT IN (SELECT event_id FROM finding_events)').pluck().get(cut), 0);
  db.close();
  assertAgrees(file, 'prune in batches of 7');
});

test('every fixture format, bad input included: the counts agree with the events', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const logs = path.join(dir, 'logs');
  for (const d of ['access', 'apache-error', 'auditd', 'cloudtrail', 'firewall', 'haproxy', 'json', 'logfmt', 'nginx-error', 'syslog', 'vpcflow']) {
    fs.cpSync(path.join(FIXTURES, d), path.join(logs, d), { recursive: true });
  }
  const res = run(['--db', db, 'ingest', logs]);
  assert.ok(res.code === 0 || res.code === 1, res.stderr);
  assertAgrees(db, 'fixtures');
  const check = openDb(db, { readonly: true });
  for (const col of COUNTED_COLUMNS) assert.ok((check.prepare('SELECT count(*) FROM value_counts WHERE col = ?').pluck().get(col) as number) > 0, `some ${col}`);
  check.close();
});

test('a bulk ingest (indexes dropped and built after) keeps the value counts too', async () => {
  const file = path.join(tmpDir(), 'bulk.db');
  const db = openDb(file);
  const summary = await ingest(db, { inputs: [path.join(FIXTURES, 'demo')], tz: 'UTC', bulkBytes: 0, batchRows: 100 });
  assert.ok(summary.events_stored > 1000);
  db.close();
  assertAgrees(file, 'bulk ingest');
});

/** A store at an older schema version, with one source to attach events to. */
function olderStore(version: number) {
  const file = path.join(tmpDir(), `v${version}.db`);
  const old = openDb(file, { migrateTo: version });
  const src = new Sources(old).create({ path: 'a.log', dev: null, ino: null, size: 1, mtime_ms: 0, compressed: 0, fingerprint: 'f', fp_len: 1 });
  return { file, old, src };
}

test('a store whose value counts came from version 5 (no destination.ip) is counted again', () => {
  const { file, old, src } = olderStore(5);
  old.prepare('INSERT INTO events (ts, dataset, source_id, line, offset, status, raw, source_ip, destination_ip) VALUES (1, ?, ?, 1, 0, 0, ?, ?, ?)').run('firewall', src.id, 'a', '192.0.2.1', '198.51.100.2');
  adjustRollup(old, '1', [], 1);
  // what version 5 wrote: the source address only, and its flag
  old.exec("INSERT INTO value_counts VALUES ('source_ip', '192.0.2.1', 1); INSERT INTO meta VALUES ('value_counts', '1')");
  old.close();
  const db = openDb(file);
  assert.deepEqual(db.prepare('SELECT col, value, n FROM value_counts ORDER BY col').all(), [
    { col: 'destination_ip', value: '198.51.100.2', n: 1 },
    { col: 'source_ip', value: '192.0.2.1', n: 1 },
  ]);
  assert.equal(db.prepare("SELECT count(*) FROM meta WHERE key = 'value_counts'").pluck().get(), 0);
  db.close();
  assertAgrees(file, 'from version 5');
});

test('a store from before the totals (version 11) gets them from its value counts', () => {
  const { file, old, src } = olderStore(11);
  const insert = old.prepare('INSERT INTO events (ts, dataset, source_id, line, offset, status, raw, source_ip) VALUES (1, ?, ?, ?, 0, 0, ?, ?)');
  ['192.0.2.1', '192.0.2.1', '198.51.100.2'].forEach((ip, i) => insert.run('firewall', src.id, i + 1, 'a', ip));
  rebuildRollup(old);
  rebuildCounts(old);
  assert.equal(old.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'value_totals'").pluck().get(), 0);
  old.close();
  const db = openDb(file);
  assert.deepEqual(db.prepare('SELECT col, n FROM value_totals').all(), [{ col: 'source_ip', n: 3 }]);
  assert.equal(topValues(db, {}, 'source.ip', 1).present, 3);
  db.close();
  assertAgrees(file, 'migrated to the totals');
});

test('migrating an older store fills the rollup from the events it holds', () => {
  const { file, old, src } = olderStore(3);
  // as a version 3 loghound wrote them
  const insert = old.prepare('INSERT INTO events (ts, dataset, source_id, line, offset, status, raw, http_response_status_code) VALUES (?, ?, ?, ?, 0, ?, ?, ?)');
  insert.run(7_200_000 + 5, 'web.access', src.id, 1, 0, 'a', 404);
  insert.run(7_200_000 + 9, 'web.access', src.id, 2, 0, 'b', 200);
  insert.run(-1, 'raw', src.id, 3, 1, 'c', null);
  old.close();
  const db = openDb(file);
  assert.ok(storeVersion(db) >= 4);
  assert.deepEqual(db.prepare('SELECT hour, dataset, status, cls, outcome, n FROM event_rollup ORDER BY hour, cls').all(), [
    { hour: -3_600_000, dataset: 'raw', status: 1, cls: -1, outcome: '', n: 1 },
    { hour: 7_200_000, dataset: 'web.access', status: 0, cls: 2, outcome: '', n: 1 },
    { hour: 7_200_000, dataset: 'web.access', status: 0, cls: 4, outcome: '', n: 1 },
  ]);
  assert.deepEqual(db.prepare('SELECT col, value, n FROM value_counts ORDER BY col, value').all(), [
    { col: 'http_response_status_code', value: 200, n: 1 },
    { col: 'http_response_status_code', value: 404, n: 1 },
  ]);
  db.close();
  assertAgrees(file, 'migrated');
});

test('datasetSpan: the whole hours holding events of the named datasets, of all with none named', () => {
  const s = testStore();
  const H = 3_600_000;
  const base = Date.parse('2026-11-14T03:00:00Z');
  s.add(base + 10 * 60_000, 'web.access', { 'source.ip': '192.0.2.1' });
  s.add(base + 2 * H + 59 * 60_000, 'web.access', { 'source.ip': '192.0.2.1' });
  s.add(base + 5 * H + 1, 'firewall', { 'source.ip': '192.0.2.1' });
  assert.deepEqual(datasetSpan(s.db, ['web.access', 'haproxy.log']), { from: base, to: base + 3 * H - 1 });
  assert.deepEqual(datasetSpan(s.db, ['firewall']), { from: base + 5 * H, to: base + 6 * H - 1 });
  assert.deepEqual(datasetSpan(s.db, []), { from: base, to: base + 6 * H - 1 });
  assert.equal(datasetSpan(s.db, ['aws.cloudtrail']), undefined);
});
