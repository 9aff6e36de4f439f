import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { buildStore, loadStory, matchGolden } from './investigate-store.js';

let dir: string;
let store: string;
const stats = (env: Record<string, string>, ...args: string[]) => run(['--db', store, 'stats', ...args], { env });
const UTF8 = { LANG: 'C.UTF-8' };

before(() => {
  dir = tmpDir();
  store = path.join(dir, 'story.db');
  buildStore(store, loadStory());
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('overview, top values and histograms match their golden files', () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ['stats-overview.txt', UTF8, []],
    ['stats-overview.ndjson', UTF8, ['--json']],
    ['stats-top.txt', UTF8, ['--top', 'source.ip', '--limit', '4']],
    ['stats-top-category.ndjson', UTF8, ['--top', 'event.category', '--json']],
    ['stats-by-hour.txt', UTF8, ['--by', 'hour', '--query', 'source.ip:203.0.113.0/24', '--until', '2026-11-14T06:00']],
    ['stats-by-minute-ascii.txt', { LANG: 'C' }, ['--by', 'minute', '--since', '2026-11-14T03:00', '--until', '2026-11-14T03:11']],
    ['stats-by-day.ndjson', UTF8, ['--by', 'day', '--json']],
  ];
  for (const [name, env, args] of cases) {
    const r = stats(env, ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    matchGolden(name, r.stdout);
  }
});

test('JSON: typed lines, a summary last, counts that add up', () => {
  const lines = ndjsonLines(stats(UTF8, '--json').stdout);
  const summary = lines[lines.length - 1];
  assert.equal(summary.type, 'summary');
  assert.equal(summary.events, 21);
  assert.equal(summary.unparsed, 2);
  const datasets = lines.filter((l) => l.type === 'dataset');
  assert.equal(datasets.reduce((a, d) => a + d.count, 0), summary.events);
  assert.deepEqual(
    lines.filter((l) => l.type === 'status_class').map((l) => [l.class, l.count]),
    [['2xx', 3], ['3xx', 1], ['4xx', 4], ['5xx', 1]],
  );
  const q = ndjsonLines(stats(UTF8, '--json', '--query', 'event.outcome:failure', '--top', 'user.name').stdout);
  assert.deepEqual(q.filter((l) => l.type === 'top').map((l) => [l.value, l.count]), [['admin', 1], ['mallory', 1], ['root', 1]]);
  assert.equal(q[q.length - 1].with_field, 3);
  assert.equal(q[q.length - 1].query, 'event.outcome:failure');
});

test('--top on a list in the extra JSON counts each element, an event once, as search matches it', () => {
  const top = (file: string, field: string) =>
    ndjsonLines(run(['--db', file, 'stats', '--top', field, '--json'], { env: UTF8 }).stdout)
      .filter((l) => l.type === 'top')
      .map((l) => [l.value, l.count]);
  assert.deepEqual(top(store, 'related.ip'), [['10.0.0.5', 1], ['192.0.2.1', 1], ['198.51.100.23', 1]]);
  // a value repeated in one event's list, a list beside plain values, an empty list
  const lists = path.join(dir, 'lists.db');
  const ev = (n: number, names: unknown) => ({ ts: `2026-11-14T03:00:0${n}Z`, dataset: 'auditd', path: '/var/log/audit/audit.log', raw: `r${n}`, fields: { 'auditd.name': names } });
  buildStore(lists, [ev(1, ['/etc/', '/etc/', '/etc/shadow']), ev(2, ['/etc/']), ev(3, '/etc/'), ev(4, []), ev(5, [7])] as Parameters<typeof buildStore>[1]);
  assert.deepEqual(top(lists, 'auditd.name'), [['/etc/', 3], [7, 1], ['/etc/shadow', 1]]);
  const found = run(['--db', lists, 'search', 'auditd.name:"/etc/"', '--json']);
  assert.equal(ndjsonLines(found.stdout).length, 3);
});

test('--top on a list field a parser defines counts its elements whole, commas and all, also under a --query', () => {
  const file = path.join(dir, 'extra-list.db');
  const ev = (n: number, extra: string[]) => ({ ts: `2026-11-14T03:00:0${n}Z`, dataset: 'web.access', path: '/var/log/nginx/access.log', raw: `r${n}`, fields: { 'access.extra': extra } });
  buildStore(file, [ev(1, ['gzip, br', 'rt=0.002']), ev(2, ['gzip, br'])]);
  // access.extra is a keyword[] of the access parser; a query that names it makes search load the parsers' fields
  for (const extra of [[], ['--query', 'access.extra:*']]) {
    const top = ndjsonLines(run(['--db', file, 'stats', '--top', 'access.extra', '--json', ...extra], { env: UTF8 }).stdout)
      .filter((l) => l.type === 'top')
      .map((l) => [l.value, l.count]);
    assert.deepEqual(top, [['gzip, br', 2], ['rt=0.002', 1]], extra.join(' '));
  }
});

test('--top tags counts the tags of the event JSON', () => {
  const top = ndjsonLines(stats(UTF8, '--top', 'tags', '--json').stdout);
  assert.deepEqual(top.filter((l) => l.type === 'top').map((l) => [l.value, l.count]), [['unparsed', 2], ['timestamp_inferred', 1]]);
  assert.equal(top.at(-1)!.with_field, 2);
});

test('values from logs print escaped in the top table', () => {
  const r = stats(UTF8, '--top', 'user_agent.original');
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes('\u001b'));
  assert.match(r.stdout, /Evil\\e\]0;pwned\\x07/);
});

test('bad flags are usage errors', () => {
  for (const args of [['--by', 'week'], ['--top', '@timestamp'], ['--top', 'no good'], ['--query', 'a:'], ['--since', '2026-11-15', '--until', '2026-11-14']]) {
    const r = stats(UTF8, ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /error:/);
  }
});

test('--top and --query on a name Object.prototype has count nothing instead of failing', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'valueOf']) {
    const top = stats(UTF8, '--top', name, '--json');
    assert.equal(top.code, 0, `${name}: ${top.stderr}`);
    assert.deepEqual(ndjsonLines(top.stdout).filter((l) => l.type === 'top'), []);
    assert.equal(ndjsonLines(top.stdout).at(-1)!.with_field, 0);
    const q = stats(UTF8, '--query', `${name}:1`, '--json');
    assert.equal(q.code, 0, `${name}: ${q.stderr}`);
    assert.equal(ndjsonLines(q.stdout).at(-1)!.events, 0);
  }
});

test('an empty store or range says so', () => {
  const r = stats(UTF8, '--since', '2030-01-01');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'no events match\n');
  const j = ndjsonLines(stats(UTF8, '--since', '2030-01-01', '--json').stdout);
  assert.deepEqual(j, [{ type: 'summary', events: 0, parsed: 0, unparsed: 0, first: null, last: null, findings: 0, since: '2030-01-01T00:00:00.000Z', until: null, query: null }]);
});
