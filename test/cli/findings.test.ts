/** findings and show over a store hunted with the test rules (fixtures/investigate/rules). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, start, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { buildHuntStore, huntArgs, matchGolden, normalize } from './investigate-store.js';

let dir: string;
let store: string;
const ENV = { LANG: 'C.UTF-8' };
const cli = (...args: string[]) => run(['--db', store, ...args], { env: ENV });
const findings = (...args: string[]) => cli('findings', ...args);
const ids = (text: string) => ndjsonLines(text).map((f) => f.rule.title as string);

const BRUTE = 'ca0836ffd2f553edebf9';

before(() => {
  dir = tmpDir();
  store = buildHuntStore(dir);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the findings table, JSON and CSV match their golden files', () => {
  for (const [name, args] of [
    ['findings.txt', []],
    ['findings.ndjson', ['--json', '--evidence', '2']],
    ['findings.csv', ['--csv']],
  ] as [string, string[]][]) {
    const r = findings(...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    matchGolden(name, normalize(r.stdout, dir));
  }
});

test('--json is the finding shape: rule, span, group, evidence (capped by --evidence, count exact), enrichment', () => {
  const all = ndjsonLines(findings('--json').stdout);
  assert.equal(all.length, 7);
  const brute = all.find((f) => f.id === BRUTE)!;
  assert.deepEqual(brute.rule, { id: '7ef15054-456f-42ce-91f2-55a2652ee333', title: 'Fixture SSH brute force', level: 'high', tags: ['attack.credential-access', 'attack.t1110.001'], kind: 'correlation' });
  assert.equal(brute['@timestamp'], '2026-11-14T03:01:02.000Z');
  assert.equal(brute.last_seen, '2026-11-14T03:02:58.000Z');
  assert.deepEqual(brute.group, { source: { ip: '89.160.20.112' } });
  assert.equal(brute.evidence.count, 6);
  assert.equal(brute.evidence.events.length, 6);
  assert.deepEqual(brute.source.geo, { country_iso_code: 'SE', country_name: 'Sweden', city_name: 'Linköping', location: brute.source.geo.location });
  assert.deepEqual(brute.source.as, { number: 29518, organization: { name: 'Bredband2 AB' } });
  assert.equal(brute.threat.context, 'Malicious Host');
  assert.deepEqual(brute.threat.feeds, ['case-iocs']);
  const two = ndjsonLines(findings('--json', '--evidence', '2').stdout).find((f) => f.id === BRUTE)!;
  assert.equal(two.evidence.count, 6);
  assert.deepEqual(two.evidence.events, brute.evidence.events.slice(0, 2));
  const times = brute.evidence.events.map((e: { '@timestamp': string }) => e['@timestamp']);
  assert.deepEqual(times, [...times].sort());
  assert.match(brute.evidence.events[0].log.file.path, /logs\/auth\.log$/);
  assert.equal(brute.evidence.events[0].log.file.line, 2);
});

test('filters: level, rule, time, and the entities a finding involves (group or evidence)', () => {
  assert.deepEqual(ids(findings('--level', 'medium', '--json').stdout), ['Fixture SSH brute force', 'Fixture web scanning', 'Fixture sudo to root']);
  assert.deepEqual(ids(findings('--rule', '9ca028e2-c3f9-4d11-a7e4-2ff2a1a48fcc', '--json').stdout), ['Fixture web scanning']);
  assert.deepEqual(ids(findings('--rule', 'fixture ssh login', '--json').stdout), ['Fixture SSH login', 'Fixture SSH login']);
  // since: still going then; until: started before (exclusive)
  assert.deepEqual(ids(findings('--since', '2026-11-14T03:02:30', '--until', '2026-11-14T03:04:12', '--json').stdout), [
    'Fixture SSH brute force',
    'Fixture SSH login',
  ]);
  // in the group or the evidence, as the address or a CIDR holding it
  const byIp = ids(findings('--ip', '89.160.20.112', '--json').stdout);
  assert.deepEqual(byIp, ['Fixture SSH brute force', 'Fixture SSH login', 'Fixture SSH attempt for an unknown user']);
  assert.deepEqual(ids(findings('--ip', '89.160.20.0/24', '--json').stdout), byIp);
  // deploy is in the sudo finding's group, and among the brute force's evidence (failed logins for deploy)
  assert.deepEqual(ids(findings('--user', 'deploy', '--json').stdout), ['Fixture SSH brute force', 'Fixture SSH login', 'Fixture sudo to root']);
  assert.deepEqual(ids(findings('--user', 'guest', '--json').stdout), ['Fixture SSH attempt for an unknown user']);
  assert.equal(ids(findings('--host', 'web01', '--json').stdout).length, 5, 'every finding from the auth log');
  assert.deepEqual(ids(findings('--ip', '198.51.100.1', '--json').stdout), []);
  const none = findings('--level', 'critical');
  assert.equal(none.code, 0);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /no findings match/);
});

test('--limit cuts the table and says so; --json and --csv print every finding unless limited', () => {
  const r = findings('--limit', '2');
  assert.equal(r.code, 0);
  assert.equal((r.stdout.match(/Fixture/g) ?? []).length, 2);
  assert.match(r.stderr, /showing the first 2 findings/);
  assert.equal(ndjsonLines(findings('--json', '--limit', '3').stdout).length, 3);
  assert.equal(findings('--csv').stdout.trim().split('\n').length, 8);
});

test('--new: the findings of the last finished hunt, and none after a hunt that found nothing', () => {
  const other = path.join(dir, 'new.db');
  const fresh = (...args: string[]) => run(['--db', other, ...args], { env: ENV });
  assert.match(fresh('findings', '--new').stderr, /no store|no hunt/);
  assert.equal(fresh(...huntArgs(path.join(dir, 'logs/auth.log'))).code, 0);
  assert.equal(ndjsonLines(fresh('findings', '--new', '--json').stdout).length, 5);
  assert.equal(fresh(...huntArgs(path.join(dir, 'logs/access.log'))).code, 0);
  assert.deepEqual(ids(fresh('findings', '--new', '--json').stdout), ['Fixture web scanning', 'Fixture scanner user agent']);
  assert.equal(ndjsonLines(fresh('findings', '--json').stdout).length, 7);
  assert.equal(fresh(...huntArgs()).code, 0);
  const after = fresh('findings', '--new');
  assert.equal(after.stdout, '');
  assert.match(after.stderr, /no new findings in the last hunt/);
});

test('bad flags are usage errors', () => {
  for (const args of [['--level', 'severe'], ['--json', '--csv'], ['--ip', 'not-an-ip'], ['--since', 'tomorrowish'], ['--evidence', '-1'], ['--limit', 'x']]) {
    const r = findings(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /error:/);
  }
  // an empty value (a script's unset variable: --rule "$RULE") is refused, not read as no filter at all
  for (const args of [['findings', '--rule', ''], ['export', '--findings', '--rule', ''], ['findings', '--user', ''], ['findings', '--host', '']]) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: --(rule|user|host): give a value/, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

test('show: the finding, its enrichment and evidence lines, as text and JSON (golden)', () => {
  const text = cli('show', BRUTE);
  assert.equal(text.code, 0, text.stderr);
  matchGolden('show-brute.txt', normalize(text.stdout, dir));
  const json = cli('show', BRUTE, '--json', '--limit', '3');
  assert.equal(json.code, 0, json.stderr);
  matchGolden('show-brute.ndjson', normalize(json.stdout, dir));
  const doc = ndjsonLines(json.stdout);
  assert.equal(doc.length, 1);
  assert.equal(doc[0].evidence.events.length, 3);
  assert.equal(doc[0].evidence.count, 6);
  // --json of show is findings --json with more evidence
  const listed = ndjsonLines(findings('--json', '--evidence', '3').stdout).find((f) => f.id === BRUTE);
  assert.deepEqual(doc[0], listed);
});

test('show: --limit caps the evidence lines and says how many more; 0 shows all', () => {
  const capped = cli('show', BRUTE, '--limit', '2');
  const lines = capped.stdout.split('\n').filter((l) => l.includes('logs/auth.log:'));
  assert.equal(lines.length, 2);
  assert.match(capped.stdout, /… 4 more \(--limit N shows more, --limit 0 all 6\)/);
  const all = cli('show', BRUTE, '--limit', '0');
  assert.equal(all.stdout.split('\n').filter((l) => l.includes('logs/auth.log:')).length, 6);
  assert.doesNotMatch(all.stdout, /more/);
});

test('show takes a unique prefix of the id; an ambiguous or unknown one is a usage error', () => {
  const full = cli('show', BRUTE);
  for (const prefix of [BRUTE.slice(0, 4), BRUTE.slice(0, 12), BRUTE.toUpperCase()]) assert.equal(cli('show', prefix).stdout, full.stdout, prefix);
  const all = ndjsonLines(findings('--json').stdout).map((f) => f.id as string);
  assert.ok(all.filter((id) => id.startsWith('b')).length >= 2, 'the test store has ids sharing the prefix "b"');
  const ambiguous = cli('show', 'b');
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /"b" is the start of several finding ids: b[0-9a-f]{19}, b[0-9a-f]{19}/);
  assert.match(ambiguous.stderr, /give more characters/);
  for (const missing of ['ffffffffffffffffffff', 'not-hex', '%']) {
    const r = cli('show', missing);
    assert.equal(r.code, 2, missing);
    assert.match(r.stderr, /no finding with the id/);
    assert.match(r.stderr, /loghound findings/);
  }
});

/** A store with one address failing 3,000 times: 1,000 evidence lines (the cap) and a long findings --json. */
function bigStore(): string {
  const logs = path.join(dir, 'big');
  fs.mkdirSync(logs);
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = new Date(Date.UTC(2026, 10, 14, 4, 0, 0) + i * 1000).toISOString().replace('.000Z', '+00:00');
    lines.push(`${t} web01 sshd[${2000 + i}]: Failed password for user${i % 50} from 198.51.100.7 port ${30000 + i} ssh2`);
  }
  fs.writeFileSync(path.join(logs, 'auth.log'), lines.join('\n') + '\n');
  const db = path.join(dir, 'big.db');
  const r = run(['--db', db, ...huntArgs(path.join(logs, 'auth.log'))]);
  assert.equal(r.code, 0, r.stderr);
  return db;
}

test('a closed pipe ends findings and show quietly with exit 0', async () => {
  const db = bigStore();
  const id = (ndjsonLines(run(['--db', db, 'findings', '--json', '--evidence', '0']).stdout)[0] as { id: string }).id;
  for (const args of [['findings', '--json', '--evidence', '1000'], ['show', id, '--limit', '0'], ['show', id, '--json', '--limit', '0']]) {
    const child = start(['--db', db, ...args]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      let got = '';
      child.stdout.on('data', (d) => {
        got += d;
        if (got.includes('\n')) child.stdout.destroy();
      });
      child.on('close', (c) => resolve(c));
    });
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.equal(stderr, '');
  }
});
