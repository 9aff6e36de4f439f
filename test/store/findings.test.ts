/** The read side of findings: filters by entity (group or evidence), time and level; ids by prefix. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDb, type DB } from '../../src/store/db.js';
import { Findings, evidenceCount, findFinding, lastRun, listFindings, type FindingInput } from '../../src/store/findings.js';
import { findingCounts, findingHistogram, openReadStore } from '../../src/store/read.js';
import { compileQuery } from '../../src/query/compile.js';
import { tmpDir } from '../helpers/cli.js';
import { buildStore } from '../cli/investigate-store.js';

let dir: string;
let db: DB;
const T = Date.UTC(2026, 10, 14, 3, 0, 0);

function finding(ruleId: string, group: FindingInput['group'], at: number, evidence: number[], level: FindingInput['level'] = 'medium'): FindingInput {
  return {
    ruleId,
    title: `rule ${ruleId}`,
    kind: 'detection',
    level,
    tags: [],
    group,
    windowStart: at,
    firstTs: at,
    lastTs: at + 60_000,
    count: evidence.length || 1,
    mode: 'set',
    evidence: evidence.map((id) => ({ id, ts: at })),
  };
}

before(() => {
  dir = tmpDir();
  const file = path.join(dir, 'findings.db');
  // events 1-3: one address logging in as two users on web01
  buildStore(file, [
    { ts: '2026-11-14T03:00:00Z', dataset: 'system.auth', path: '/auth.log', raw: 'a', fields: { 'source.ip': '192.0.2.10', 'user.name': 'alice', 'host.name': 'web01' } },
    { ts: '2026-11-14T03:01:00Z', dataset: 'system.auth', path: '/auth.log', raw: 'b', fields: { 'source.ip': '192.0.2.10', 'user.name': 'bob', 'host.name': 'web01' } },
    { ts: '2026-11-14T03:02:00Z', dataset: 'firewall', path: '/fw.log', raw: 'c', fields: { 'source.ip': '198.51.100.4', 'destination.ip': '192.0.2.99' } },
  ]);
  const w = openDb(file);
  const f = new Findings(w);
  const run1 = f.startRun('hunt');
  w.transaction(() => {
    f.upsert(finding('by-ip', { 'source.ip': '192.0.2.10' }, T, [1, 2], 'high'), run1);
    // no evidence event holds this address: only the group names it
    f.upsert(finding('feed', { 'threat.indicator.ip': '203.0.113.9' }, T + 60_000, []), run1);
    f.upsert(finding('by-user', { 'host.name': 'web01', 'user.target.name': 'root' }, T + 120_000, [2], 'low'), run1);
  })();
  f.finishRun(run1, 3, 3);
  const run2 = f.startRun('hunt');
  w.transaction(() => f.upsert(finding('by-dst', { 'source.ip': '198.51.100.4' }, T + 180_000, [3], 'critical'), run2))();
  f.finishRun(run2, 3, 1);
  f.startRun('hunt'); // still running: --new keeps to the last finished one
  w.close();
  db = openReadStore(file);
});

after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rules = (rows: { rule_id: string }[]) => rows.map((r) => r.rule_id);

test('an entity matches in the group or in an evidence event, on either side, as an address or a CIDR', () => {
  // by-user's evidence (event 2) came from that address
  assert.deepEqual(rules(listFindings(db, { ip: '192.0.2.10' })), ['by-ip', 'by-user']);
  assert.deepEqual(rules(listFindings(db, { ip: '203.0.113.9' })), ['feed']);
  assert.deepEqual(rules(listFindings(db, { ip: '203.0.113.0/24' })), ['feed']);
  // a destination address of an evidence event
  assert.deepEqual(rules(listFindings(db, { ip: '192.0.2.0/24' })), ['by-ip', 'by-user', 'by-dst']);
  assert.deepEqual(rules(listFindings(db, { ip: '192.0.2.99' })), ['by-dst']);
  assert.deepEqual(rules(listFindings(db, { user: 'bob' })), ['by-ip', 'by-user']);
  assert.deepEqual(rules(listFindings(db, { user: 'root' })), ['by-user']);
  assert.deepEqual(rules(listFindings(db, { host: 'web01' })), ['by-ip', 'by-user']);
  assert.deepEqual(rules(listFindings(db, { ip: '192.0.2.10', user: 'alice' })), ['by-ip']);
  assert.throws(() => listFindings(db, { ip: '192.0.2.300' }), /not an IP address or CIDR/);
});

test('level is a floor, times are overlaps (since inclusive, until exclusive), run picks one hunt', () => {
  assert.deepEqual(rules(listFindings(db, { level: 'high' })), ['by-ip', 'by-dst']);
  assert.deepEqual(rules(listFindings(db, { since: T + 120_000 })), ['feed', 'by-user', 'by-dst']);
  assert.deepEqual(rules(listFindings(db, { until: T + 60_000 })), ['by-ip']);
  assert.deepEqual(rules(listFindings(db, { ruleId: 'RULE BY-USER' })), ['by-user']);
  assert.equal(lastRun(db), 2);
  assert.deepEqual(rules(listFindings(db, { run: lastRun(db) })), ['by-dst']);
  assert.deepEqual(rules(listFindings(db, { limit: 2 })), ['by-ip', 'feed']);
});

test('ids by full id or unique prefix, any case; an ambiguous prefix lists the candidates', () => {
  const all = listFindings(db);
  for (const row of all) {
    assert.equal(findFinding(db, row.id).row?.id, row.id);
    assert.equal(findFinding(db, row.id.slice(0, 12).toUpperCase()).row?.id, row.id);
  }
  const none = findFinding(db, 'zz');
  assert.equal(none.row, undefined);
  assert.deepEqual(none.matches, []);
  assert.deepEqual(findFinding(db, '%').matches, []);
  // the empty prefix would name every finding: it names none
  assert.deepEqual(findFinding(db, ''), { matches: [] });
  // by first character: one id is found, several are listed
  const first = new Map<string, string[]>();
  for (const r of all) first.set(r.id[0], [...(first.get(r.id[0]) ?? []), r.id]);
  for (const [c, ids] of first) {
    const got = findFinding(db, c);
    if (ids.length === 1) assert.equal(got.row?.id, ids[0]);
    else assert.deepEqual(got.matches, [...ids].sort());
  }
  assert.equal(evidenceCount(db, all[0].id), 2);
});

test('an ambiguous prefix lists up to five candidates and says whether there are more: exactly five are all of them', () => {
  const own = openDb(path.join(dir, 'prefixes.db'));
  try {
    const insert = own.prepare(
      `INSERT INTO findings (id, rule_id, rule_title, rule_kind, level, level_rank, tags, group_key, group_json, first_ts, last_ts, count,
         created_run, updated_run, created_at, updated_at) VALUES (?, 'r', 'rule r', 'detection', 'low', 1, '[]', ?, '{}', 0, 0, 1, 1, 1, 0, 0)`,
    );
    // five ids start with "c", six with "d"
    const ids = (c: string, n: number) => Array.from({ length: n }, (_, i) => `${c}${String(i).padStart(19, '0')}`);
    for (const id of [...ids('c', 5), ...ids('d', 6)]) insert.run(id, id);
    assert.deepEqual(findFinding(own, 'c'), { matches: ids('c', 5), more: false });
    assert.deepEqual(findFinding(own, 'd'), { matches: ids('d', 5), more: true });
  } finally {
    own.close();
  }
});

test('finding counts and histograms under an event filter: start time in range, query through evidence', () => {
  const all = findingCounts(db, {})!;
  assert.equal(all.total, 4);
  assert.deepEqual(all.levels, [
    { level: 'critical', count: 1 },
    { level: 'high', count: 1 },
    { level: 'medium', count: 1 },
    { level: 'low', count: 1 },
  ]);
  const fw = findingCounts(db, { query: compileQuery('event.dataset:firewall') })!;
  assert.deepEqual(fw.rules.map((r) => r.rule_id), ['by-dst']);
  assert.equal(findingCounts(db, { since: T + 60_000, until: T + 180_000 })!.total, 2);
  assert.deepEqual([...findingHistogram(db, {}, 'hour')], [[T, 4]]);
  assert.deepEqual([...findingHistogram(db, {}, 'minute')].map(([, n]) => n), [1, 1, 1, 1]);
});
