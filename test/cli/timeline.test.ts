import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { buildStore, loadStory, matchGolden } from './investigate-store.js';

let dir: string;
let store: string;
const timeline = (...args: string[]) => run(['--db', store, 'timeline', ...args], { env: { LANG: 'C.UTF-8' } });

before(() => {
  dir = tmpDir();
  store = path.join(dir, 'story.db');
  buildStore(store, loadStory());
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('terminal view (grouped by minute) and JSON match their golden files', () => {
  const cases: [string, string[]][] = [
    ['timeline-ip.txt', ['--ip', '203.0.113.7']],
    ['timeline-user.ndjson', ['--user', 'deploy', '--json']],
    ['timeline-host.txt', ['--host', 'web01', '--since', '2026-11-14T03:03', '--until', '2026-11-14T03:07']],
  ];
  for (const [name, args] of cases) {
    const r = timeline(...args);
    assert.equal(r.code, 0, r.stderr);
    matchGolden(name, r.stdout);
  }
});

test('an IP counts as source or destination, a user as actor or target, in time order', () => {
  const ip = ndjsonLines(timeline('--ip', '10.0.0.5', '--json').stdout);
  assert.deepEqual(ip.map((d) => d.event.dataset), ['firewall', 'firewall']);
  assert.deepEqual(ip.map((d) => d.destination.ip ?? null), ['10.0.0.5', '203.0.113.7']);
  const root = ndjsonLines(timeline('--user', 'root', '--json').stdout);
  assert.deepEqual(root.map((d) => d.event.action), ['ssh_login', 'sudo_command']);
  const cidr = ndjsonLines(timeline('--ip', '203.0.113.0/24', '--json').stdout);
  const ts = cidr.map((d) => d['@timestamp']);
  assert.deepEqual(ts, [...ts].sort());
  assert.equal(cidr.length, 12);
  // any spelling of an address, as either side holds it
  assert.deepEqual(ndjsonLines(timeline('--ip', '2001:DB8:0::42', '--json').stdout).map((d) => d.source.ip), ['2001:db8::42']);
  assert.deepEqual(ndjsonLines(timeline('--ip', '203.0.113.8', '--json').stdout).map((d) => d.source.ip), ['::ffff:203.0.113.8']);
});

test('exactly one entity; a bad IP is a usage error; nothing found says so', () => {
  assert.equal(timeline().code, 2);
  assert.equal(timeline('--ip', '1.2.3.4', '--user', 'x').code, 2);
  assert.match(timeline('--ip', 'nonsense').stderr, /not an IP address or CIDR/);
  const none = timeline('--user', 'nobody');
  assert.equal(none.code, 0);
  assert.match(none.stderr, /no events for user nobody/);
});

test('log text in the timeline is escaped', () => {
  const r = timeline('--ip', '2001:db8::42');
  assert.ok(!r.stdout.includes('\u001b'));
  const hostile = timeline('--user', 'x\u001b[2J');
  assert.ok(!hostile.stderr.includes('\u001b'));
});
