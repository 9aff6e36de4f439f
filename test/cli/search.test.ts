import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, start, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { buildLargeStore, buildStore, loadStory, matchGolden } from './investigate-store.js';

let dir: string;
let store: string;
const ENV = { LANG: 'C.UTF-8' };
const search = (...args: string[]) => run(['--db', store, 'search', ...args], { env: ENV });

before(() => {
  dir = tmpDir();
  store = path.join(dir, 'story.db');
  buildStore(store, loadStory());
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('table, JSON and CSV views match their golden files', () => {
  const cases: [string, string[]][] = [
    ['search-all.txt', ['*']],
    ['search-auth.ndjson', ['source.ip:203.0.113.0/24 and event.dataset:system.auth', '--json']],
    ['search-web.csv', ['event.dataset:web.access and http.response.status_code >= 400', '--csv']],
    ['search-fields.txt', ['user.name:* and not event.dataset:web.access', '--fields', '@timestamp,user.name,event.action,event.outcome,log.file.path']],
  ];
  for (const [name, args] of cases) {
    const r = search(...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    matchGolden(name, r.stdout);
  }
});

test('escape sequences from logs print escaped in the table and stay JSON-escaped in --json', () => {
  const table = search('source.ip:2001:db8::/32', '--fields', 'user_agent.original,event.original');
  assert.equal(table.code, 0, table.stderr);
  assert.ok(!table.stdout.includes('\u001b') && !table.stdout.includes('\u0007'), 'raw control characters reached the terminal');
  assert.match(table.stdout, /Evil\\e\]0;pwned\\x07\\e\[31mRED\\e\[0m/);
  const json = search('source.ip:2001:db8::/32', '--json');
  assert.ok(json.stdout.includes('Evil\\u001b]0;pwned\\u0007\\u001b[31mRED\\u001b[0m'));
  assert.equal(ndjsonLines(json.stdout)[0].user_agent.original, 'Evil\u001b]0;pwned\u0007\u001b[31mRED\u001b[0m');
});

test('an exact address finds the events that hold another spelling of it', () => {
  const ips = (q: string) => ndjsonLines(search(q, '--json').stdout).map((d) => d.source.ip);
  assert.deepEqual(ips('source.ip:2001:0DB8::0042'), ['2001:db8::42']);
  assert.deepEqual(ips('source.ip:203.0.113.8'), ['::ffff:203.0.113.8']);
});

test('a syntax error exits 2 and points at the column', () => {
  const r = search('http.response.status_code:');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /expected a value after ":" \(column 27\)/);
  assert.match(r.stderr, /http\.response\.status_code:/);
});

test('--limit, --since and --until narrow the results; the table says when more matched', () => {
  const r = search('*', '--limit', '2');
  assert.equal(r.stdout.trim().split('\n').length, 3, 'header and two rows');
  assert.match(r.stderr, /showing the first 2 matches/);
  const j = ndjsonLines(search('*', '--json', '--since', '2026-11-14T03:09', '--until', '2026-11-14T04:10:00.001Z').stdout);
  assert.deepEqual(j.map((d) => d['@timestamp']), ['2026-11-14T03:09:00.000Z', '2026-11-14T03:09:30.000Z', '2026-11-14T03:10:00.000Z', '2026-11-14T04:10:00.000Z']);
  assert.equal(ndjsonLines(search('*', '--json', '--limit', '0').stdout).length, 21);
  assert.equal(search('*', '--since', 'tomorrowish').code, 2);
  for (const t of ['2026-11-14T25:00', '2026-02-30', '2026-11-14T03:00:00+25:00']) {
    const bad = search('*', '--json', '--since', t);
    assert.equal(bad.code, 2, `--since ${t}`);
    assert.equal(bad.stdout, '');
    assert.ok(bad.stderr.includes(`cannot read "${t}" as a time`), bad.stderr);
  }
  assert.equal(search('*', '--limit', '-1').code, 2);
  assert.equal(search('*', '--json', '--csv').code, 2);
});

test('an empty result that names a field outside the catalogue warns about the spelling', () => {
  const r = search('sorce.ip:1.2.3.4');
  assert.equal(r.code, 0);
  assert.match(r.stderr, /sorce\.ip is not a field of the catalogue/);
  assert.equal(search('json.status:503').stderr, '', 'no warning when something matched');
  for (const q of ['tags:year_inferred', 'loghound.event_id:999', 'event.original:nothing']) {
    assert.equal(search(q).stderr, '', `${q}: fields of the event JSON outside the catalogue are known`);
  }
});

test('field names that are members of every JavaScript object are unknown fields like any other', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'source.constructor', 'threat.__proto__']) {
    for (const q of [`${name}:1`, `${name}:*`]) {
      const r = search(q, '--json');
      assert.equal(r.code, 0, `${q}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.includes(`${name} is not a field of the catalogue`), r.stderr);
    }
  }
  const csv = search('*', '--csv', '--limit', '1', '--fields', '@timestamp,constructor,toString,__proto__');
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout.split('\n')[1].replace(/^[^,]*/, ''), ',,,', 'empty cells, not JavaScript source');
});

test('a closed pipe ends a large search quietly with exit 0', async () => {
  const big = path.join(dir, 'big.db');
  buildLargeStore(big, 200_000);
  for (const args of [['*', '--json'], ['*', '--limit', '0']]) {
    const child = start(['--db', big, 'search', ...args]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      let got = '';
      child.stdout.on('data', (d) => {
        got += d;
        // what `| head -1` does: read one line, close the pipe
        if (got.includes('\n')) child.stdout.destroy();
      });
      child.on('close', (c) => resolve(c));
    });
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.equal(stderr, '');
  }
});

test('fields the parsers add search by their catalogue type, and are not called misspelt', () => {
  const own = path.join(dir, 'parser-fields.db');
  const sshd = (ts: string, reason: string) => ({
    ts,
    dataset: 'system.auth',
    path: '/var/log/auth.log',
    raw: `${ts} web01 sshd[811]: Received disconnect from 203.0.113.9 port 52144:11: ${reason} [preauth]`,
    fields: { 'event.action': 'ssh_disconnect', 'source.ip': '203.0.113.9', 'ssh.reason': reason, 'ssh.disconnect_code': 11, 'ssh.method': 'password' },
  });
  buildStore(own, [sshd('2026-11-14T03:00:00Z', 'Bye Bye'), sshd('2026-11-14T03:00:01Z', 'Timeout, client not responding')]);
  const ids = (q: string) => {
    const r = run(['--db', own, 'search', q, '--json'], { env: ENV });
    assert.equal(r.code, 0, `${q}: ${r.stderr}`);
    return ndjsonLines(r.stdout).map((d) => d.loghound.event_id);
  };
  // ssh.reason is text in the catalogue: it matches when it contains the words, in any case, as message does
  assert.deepEqual(ids('ssh.reason:bye'), [1]);
  assert.deepEqual(ids('ssh.reason:"client not responding"'), [2]);
  // a number field of a parser refuses a value that is not one, as the number columns do
  const bad = run(['--db', own, 'search', 'ssh.disconnect_code:eleven'], { env: ENV });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ssh\.disconnect_code is a number; "eleven" is not \(column 21\)/);
  // documented fields of the schema are known: an empty result is not blamed on their spelling
  const none = run(['--db', own, 'search', 'ssh.method:publickey'], { env: ENV });
  assert.equal(none.code, 0);
  assert.equal(none.stderr, '');
});
