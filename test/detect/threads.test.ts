/**
 * A hunt's second thread: scans and spike baselines run there beside the time-ordered pass, and must give exactly
 * what one thread gives: the same findings, counts and evidence, on a first run and on a later one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadText } from '../../src/detect/load.js';
import { detect } from '../../src/detect/engine.js';
import { startJobs } from '../../src/detect/jobs.js';
import type { Rule } from '../../src/detect/model.js';
import { testStore, T0, type TestStore } from '../helpers/events.js';
import { FIXTURES, run, tmpDir } from '../helpers/cli.js';

/** Every finding with its count, times and evidence ids, in a stable order. */
function signature(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT f.rule_id, f.group_key, f.first_ts, f.last_ts, f.count, f.details,
           (SELECT group_concat(event_id) FROM (SELECT event_id FROM finding_events fe WHERE fe.finding_id = f.id ORDER BY event_id)) AS ev
         FROM findings f ORDER BY f.rule_id, f.group_key, f.first_ts`,
      )
      .raw(true)
      .all();
  } finally {
    db.close();
  }
}

test('the built-in pack on the demo incident: the same findings with a second thread, first run and later run', () => {
  const dir = tmpDir();
  const demo = path.join(FIXTURES, 'demo');
  const sigs = ['1', '2'].map((threads) => {
    const db = path.join(dir, `t${threads}.db`);
    // the auth log first, then everything: the second run has old and new events
    const first = run(['--db', db, '-v', 'hunt', path.join(demo, 'auth.log'), '--threads', threads]);
    const second = run(['--db', db, '-v', 'hunt', demo, '--threads', threads]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    const steps = first.stderr + second.stderr;
    assert.equal(/scan .*\(second thread\)/.test(steps), threads === '2', steps);
    assert.equal(/spike: .*\(second thread\)/.test(steps), threads === '2', steps);
    return signature(db);
  });
  assert.ok(sigs[0].length >= 25, `demo findings: ${sigs[0].length}`);
  assert.deepEqual(sigs[1], sigs[0]);
});

const RULES = `
title: web request
id: web-any
name: web_any
logsource: {category: webserver}
detection:
  sel: {cs-method: GET}
  condition: sel
---
title: admin page
id: admin
name: admin_page
logsource: {category: webserver}
detection:
  sel: {cs-uri-stem|startswith: /admin}
  condition: sel
level: low
---
title: request spike
id: spike
baseline:
  type: spike
  rules: [web_any]
  group-by: [c-ip]
  timespan: 1m
  history: 1d
  min-history: 5
  factor: 10
  min-count: 50
level: medium
`;

/** A correlation over a rule that still reports on its own (generate): its scan must come before the pass. */
const CHAINED = `---
title: admin pages in a row
id: admin-burst
correlation:
  type: event_count
  rules: [admin_page]
  generate: true
  group-by: [c-ip]
  timespan: 5m
  condition: {gte: 3}
level: high
`;

function fill(s: TestStore, at: number): void {
  // steady 3 requests a minute for ten minutes, then 120 in one minute; and a few admin pages
  for (let m = 0; m < 10; m++) for (let k = 0; k < 3; k++) s.add(at + m * 60_000 + k * 1000, 'web.access', { 'source.ip': '192.0.2.7', 'http.request.method': 'GET', 'url.path': '/' });
  for (let k = 0; k < 120; k++) s.add(at + 10 * 60_000 + k * 400, 'web.access', { 'source.ip': '192.0.2.7', 'http.request.method': 'GET', 'url.path': '/' });
  for (let k = 0; k < 4; k++) s.add(at + 11 * 60_000 + k * 1000, 'web.access', { 'source.ip': '192.0.2.9', 'http.request.method': 'GET', 'url.path': `/admin/${k}` });
}

for (const chained of [false, true]) {
  test(`engine: spike, scan${chained ? ' feeding a correlation' : ''} on a second thread give what one thread gives`, () => {
    const rules: Rule[] = loadText(RULES + (chained ? CHAINED : ''), 'test.yml').rules;
    const runs = [false, true].map((threads) => {
      const s = testStore();
      fill(s, T0);
      const first = detect(s.db, rules, { tz: 'UTC', threads });
      fill(s, T0 + 3_600_000);
      const second = detect(s.db, rules, { tz: 'UTC', threads });
      const steps = [...first.steps, ...second.steps].map((st) => st.what);
      s.db.close();
      return { sig: signature(s.file), steps, found: first.newFindings.length + second.newFindings.length };
    });
    const [one, two] = runs;
    assert.deepEqual(two.sig, one.sig);
    assert.equal(two.found, one.found);
    const ids = new Set((one.sig as unknown[][]).map((r) => r[0]));
    assert.ok(ids.has('spike') && ids.has('admin'), [...ids].join(', '));
    if (chained) assert.ok(ids.has('admin-burst'));
    assert.ok(!one.steps.some((w) => w.includes('second thread')));
    assert.ok(two.steps.some((w) => w.startsWith('spike: ') && w.endsWith('(second thread)')), two.steps.join('\n'));
    // a correlation needs its input's span of new matches before the pass: that scan stays on the first thread
    assert.equal(two.steps.some((w) => w.startsWith('scan ') && w.endsWith('(second thread)')), !chained, two.steps.join('\n'));
  });
}

test('a second thread that cannot open the store fails the hunt with its reason, without hanging', () => {
  const missing = path.join(tmpDir(), 'none.db');
  const running = startJobs(missing, [], [{ kind: 'scan', what: 'scan', sql: 'SELECT 1', params: [], rules: [] }]);
  assert.throws(() => running.wait(), (err: Error) => err.message.includes("second thread failed") && err.message.includes(missing));
});
