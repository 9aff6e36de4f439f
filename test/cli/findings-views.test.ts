/**
 * Findings beside the events: timeline interleaving, export --findings, stats per level, and geo/threat context in
 * event documents, over a store hunted with the test rules (fixtures/investigate/rules).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { HUNT_LOGS, buildHuntStore, huntArgs, matchGolden, normalize } from './investigate-store.js';

let dir: string;
let store: string;
const ENV = { LANG: 'C.UTF-8' };
const cli = (...args: string[]) => run(['--db', store, ...args], { env: ENV });

before(() => {
  dir = tmpDir();
  store = buildHuntStore(dir);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('timeline: findings marked in the minute they start, before the events from then on (golden)', () => {
  for (const [name, args] of [
    ['timeline-findings-ip.txt', ['--ip', '89.160.20.112']],
    ['timeline-findings-user.ndjson', ['--user', 'deploy', '--json']],
  ] as [string, string[]][]) {
    const r = cli('timeline', ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    matchGolden(name, normalize(r.stdout, dir));
  }
  const text = cli('timeline', '--ip', '89.160.20.112').stdout.split('\n');
  const marker = text.findIndex((l) => l.includes('▶ [high] Fixture SSH brute force (6 events, source.ip=89.160.20.112) ca0836ffd2f5'));
  assert.ok(marker > 0, 'a marker line for the brute force');
  assert.match(text[marker - 1], /── 2026-11-14 03:01 UTC/);
  assert.match(text[marker + 1], /^03:01:02\.000 +system\.auth +89\.160\.20\.112 +SE +root +Failed password for root/);
});

test('timeline --json: every line has a type; findings carry the finding shape; all in time order', () => {
  const lines = ndjsonLines(cli('timeline', '--ip', '89.160.20.112', '--json').stdout);
  assert.deepEqual(
    lines.map((l) => (l.type === 'finding' ? `finding ${l.rule.title}` : `event ${l.event.action ?? l.url.original}`)),
    [
      'finding Fixture SSH brute force',
      'event ssh_login',
      'event ssh_login',
      'event ssh_login',
      'event ssh_login',
      'event ssh_login',
      'event ssh_login',
      'finding Fixture SSH login',
      'event ssh_login',
      'event /admin/',
      'finding Fixture SSH attempt for an unknown user',
      'event ssh_invalid_user',
    ],
  );
  const ts = lines.map((l) => l['@timestamp'] as string);
  assert.deepEqual(ts, [...ts].sort());
  const finding = lines[0];
  const listed = ndjsonLines(cli('findings', '--json', '--rule', 'Fixture SSH brute force').stdout)[0];
  assert.deepEqual({ ...finding, type: undefined }, { ...listed, type: undefined });
  // the events carry their address's geo and threat context
  assert.equal(lines[1].source.geo.country_iso_code, 'SE');
  assert.equal(lines[1].source.as.number, 29518);
  assert.equal(lines[1].threat.context, 'Malicious Host');
  assert.equal(lines[1].threat.enrichments[0].matched.field, 'source.ip');
});

test('timeline: a time range keeps the findings going in it; --limit cuts events and the findings after them', () => {
  const late = ndjsonLines(cli('timeline', '--ip', '89.160.20.112', '--since', '2026-11-14T03:05', '--json').stdout);
  assert.deepEqual(late.map((l) => l.type), ['event', 'finding', 'event']);
  const cut = ndjsonLines(cli('timeline', '--ip', '89.160.20.112', '--limit', '2', '--json').stdout);
  assert.deepEqual(cut.map((l) => l.type), ['finding', 'event', 'event']);
  const only = cli('timeline', '--user', 'guest');
  assert.match(only.stdout, /▶ \[low\] Fixture SSH attempt for an unknown user/);
});

test('export --findings: NDJSON and CSV are what findings --json / --csv print (golden)', () => {
  const nd = cli('export', '--findings');
  assert.equal(nd.code, 0, nd.stderr);
  assert.equal(nd.stdout, cli('findings', '--json').stdout);
  matchGolden('export-findings.ndjson', normalize(nd.stdout, dir));
  const csv = cli('export', '--findings', '--format', 'csv', '--level', 'medium');
  assert.equal(csv.stdout, cli('findings', '--csv', '--level', 'medium').stdout);
  matchGolden('export-findings.csv', csv.stdout);
  const since = ndjsonLines(cli('export', '--findings', '--since', '2026-11-14T03:04', '--evidence', '0').stdout);
  assert.deepEqual(since.map((f) => f.rule.title), ['Fixture sudo to root', 'Fixture SSH attempt for an unknown user']);
  assert.deepEqual(since[0].evidence.events, []);
  assert.equal(since[0].evidence.count, 1);
});

test('export --findings --format ecs-bulk: index actions under the finding id, ECS alerts, evidence linked to the events export', () => {
  const r = cli('export', '--findings', '--format', 'ecs-bulk', '--evidence', '2');
  assert.equal(r.code, 0, r.stderr);
  // created/updated are when the hunt ran
  const stable = normalize(r.stdout, dir).replace(/"(created|updated)":"[^"]+"/g, '"$1":"<time>"');
  matchGolden('export-findings.bulk.ndjson', stable);
  const lines = ndjsonLines(r.stdout);
  assert.equal(lines.length, 14);
  const actions = lines.filter((_, i) => i % 2 === 0);
  const docs = lines.filter((_, i) => i % 2 === 1);
  const findings = ndjsonLines(cli('findings', '--json').stdout);
  assert.deepEqual(actions, findings.map((f) => ({ index: { _index: 'loghound-findings', _id: f.id } })));
  const brute = docs.find((d) => d.event.id === 'ca0836ffd2f553edebf9')!;
  assert.equal(brute.event.kind, 'alert');
  assert.equal(brute['@timestamp'], '2026-11-14T03:01:02.000Z');
  assert.equal(brute.event.end, '2026-11-14T03:02:58.000Z');
  assert.deepEqual(brute.rule, { id: '7ef15054-456f-42ce-91f2-55a2652ee333', name: 'Fixture SSH brute force', category: 'correlation', level: 'high' });
  assert.equal(brute.event.severity, 3);
  assert.equal(brute.source.ip, '89.160.20.112');
  assert.equal(brute.source.geo.country_iso_code, 'SE');
  assert.equal(brute.threat.context, 'Malicious Host');
  assert.deepEqual(brute.threat.tactic.name, ['Credential Access']);
  assert.deepEqual(brute.threat.technique.subtechnique.id, ['T1110.001']);
  assert.deepEqual(brute.related, { ip: ['89.160.20.112'] });
  assert.equal(brute.loghound.finding.evidence.count, 6);
  assert.equal(brute.loghound.finding.evidence.events.length, 2);
  const sudo = docs.find((d) => d.rule.name === 'Fixture sudo to root')!;
  assert.deepEqual(sudo.related, { hosts: ['web01'], user: ['deploy'] });
  assert.deepEqual(sudo.user, { name: 'deploy' });
  // an evidence event's export_id is its _id in an events bulk export of the same store
  const events = ndjsonLines(cli('export', '--events', '--format', 'ecs-bulk').stdout);
  const byOriginal = new Map<string, string>();
  for (let i = 0; i < events.length; i += 2) byOriginal.set(events[i + 1].event.original, events[i].create._id);
  for (const ev of brute.loghound.finding.evidence.events) assert.equal(byOriginal.get(ev.event.original), ev.export_id);
  const named = ndjsonLines(cli('export', '--findings', '--format', 'ecs-bulk', '--index', 'case-42-alerts').stdout);
  assert.equal(named[0].index._index, 'case-42-alerts');
});

/** A correlation that joins the web log and sshd on an alias, as the built-in "Web scanner logged in over SSH" does. */
const ALIAS_RULE = `title: Fixture web client tried SSH
id: 0b9f3c62-8d0e-4a57-9a43-5c1f0e7d2a11
status: test
correlation:
  type: temporal
  rules:
    - fixture_web_404
    - fixture_ssh_failed
  group-by:
    - client
  aliases:
    client:
      fixture_web_404: c-ip
      fixture_ssh_failed: source.ip
  timespan: 1h
level: medium
`;

test('export --findings --format ecs-bulk: a group under an alias goes to the ECS field it stands for, never to a top-level alias', () => {
  const sub = path.join(dir, 'alias');
  fs.mkdirSync(sub);
  const rule = path.join(sub, 'alias.yml');
  fs.writeFileSync(rule, ALIAS_RULE);
  const db = path.join(sub, 'alias.db');
  const hunt = run(['--db', db, ...huntArgs(path.join(HUNT_LOGS, 'auth.log'), path.join(HUNT_LOGS, 'access.log')), '--rules', rule], { env: ENV });
  assert.equal(hunt.code, 0, hunt.stderr);
  const docs = ndjsonLines(run(['--db', db, 'export', '--findings', '--format', 'ecs-bulk'], { env: ENV }).stdout).filter((_, i) => i % 2 === 1);
  const aliased = docs.find((d) => d.rule.name === 'Fixture web client tried SSH')!;
  assert.ok(aliased, 'the alias rule found the client that hit the web site and tried SSH');
  assert.equal(aliased.client, undefined, 'ECS client is an object: no string at the top level');
  assert.equal(aliased.source.ip, '89.160.20.112');
  assert.equal(aliased.source.geo.country_iso_code, 'SE');
  assert.deepEqual(aliased.related, { ip: ['89.160.20.112'] });
  assert.equal(aliased.loghound.finding.group, '{"client":"89.160.20.112"}');
  assert.match(aliased.message, /: client=89\.160\.20\.112 \(/);
  // the NDJSON keeps the rule's own name for the group
  const nd = ndjsonLines(run(['--db', db, 'findings', '--json', '--rule', 'Fixture web client tried SSH'], { env: ENV }).stdout);
  assert.deepEqual(nd[0].group, { client: '89.160.20.112' });
});

test('export: events or findings, and flags that belong to the other are usage errors', () => {
  for (const args of [[], ['--events', '--findings'], ['--findings', '--query', 'x'], ['--events', '--level', 'high'], ['--events', '--rule', 'x'], ['--findings', '--level', 'bad']]) {
    const r = cli('export', ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /error:/);
  }
  assert.match(cli('export', '--events', '--findings').stderr, /--events and --findings exclude each other/);
  assert.match(cli('export').stderr, /say what to export: --events or --findings/);
  const file = path.join(dir, 'findings.csv');
  const out = cli('export', '--findings', '--format', 'csv', '--out', file);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /exported 7 findings to/);
  assert.equal(fs.readFileSync(file, 'utf8'), cli('findings', '--csv').stdout);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('stats: findings per level and per rule; the histogram counts findings where they start (golden)', () => {
  for (const [name, args] of [
    ['stats-findings.txt', []],
    ['stats-findings.ndjson', ['--json']],
    ['stats-findings-by-minute.txt', ['--by', 'minute', '--since', '2026-11-14T03:00', '--until', '2026-11-14T03:06']],
  ] as [string, string[]][]) {
    const r = cli('stats', ...args);
    assert.equal(r.code, 0, r.stderr);
    matchGolden(name, r.stdout);
  }
  const lines = ndjsonLines(cli('stats', '--json').stdout);
  const levels = Object.fromEntries(lines.filter((l) => l.type === 'finding_level').map((l) => [l.level, l.count]));
  const expected: Record<string, number> = {};
  for (const f of ndjsonLines(cli('findings', '--json').stdout)) expected[f.rule.level] = (expected[f.rule.level] ?? 0) + 1;
  assert.deepEqual(levels, expected);
  assert.equal(lines.at(-1)!.findings, 7);
  const rules = lines.filter((l) => l.type === 'finding_rule');
  assert.deepEqual(rules[0], { type: 'finding_rule', rule_id: '719a87f1-0b8b-48b4-ad21-a3cecac92cdb', title: 'Fixture SSH login', level: 'informational', count: 2 });
  // a query narrows findings to those with a matching evidence event
  const web = ndjsonLines(cli('stats', '--json', '--query', 'event.dataset:web.access').stdout);
  assert.deepEqual(web.filter((l) => l.type === 'finding_rule').map((l) => l.title), ['Fixture web scanning', 'Fixture scanner user agent']);
  const buckets = ndjsonLines(cli('stats', '--json', '--by', 'hour').stdout).filter((l) => l.type === 'bucket');
  assert.deepEqual(buckets, [
    { type: 'bucket', interval: 'hour', start: '2026-11-14T02:00:00.000Z', count: 1, findings: 0 },
    { type: 'bucket', interval: 'hour', start: '2026-11-14T03:00:00.000Z', count: 19, findings: 7 },
  ]);
});

test('search --json and export --events carry geo, AS and threat context; a table shows the country', () => {
  const hits = ndjsonLines(cli('search', 'source.ip:89.160.20.112', '--json').stdout);
  assert.equal(hits.length, 9);
  for (const h of hits) {
    assert.deepEqual(h.source.geo, { country_iso_code: 'SE', country_name: 'Sweden', city_name: 'Linköping', location: h.source.geo.location });
    assert.equal(h.source.as.organization.name, 'Bredband2 AB');
    assert.deepEqual(h.threat.feeds, ['case-iocs']);
  }
  const scanner = ndjsonLines(cli('search', 'source.ip:175.16.199.14', '--json').stdout);
  assert.ok(scanner.every((h) => h.source.geo.country_iso_code === 'CN' && h.threat === undefined && h.source.as === undefined));
  const internal = ndjsonLines(cli('search', 'source.ip:10.0.0.8', '--json').stdout);
  assert.ok(internal.every((h) => h.source.geo === undefined), 'private addresses have no geo');
  const exported = ndjsonLines(cli('export', '--events').stdout);
  assert.deepEqual(
    exported.filter((d) => d.source?.ip === '89.160.20.112'),
    hits,
  );
  const bulk = ndjsonLines(cli('export', '--events', '--format', 'ecs-bulk').stdout).filter((_, i) => i % 2 === 1);
  assert.deepEqual(bulk, exported);
  const table = cli('search', 'event.dataset:web.access');
  assert.match(table.stdout.split('\n')[0], /^time +dataset +source\.ip +country +user +event$/);
  assert.match(table.stdout, /175\.16\.199\.14 +CN +GET \/\.env 404/);
  const fields = cli('search', 'source.ip:89.160.20.112', '--fields', 'source.ip,source.geo.city_name,threat.context', '--limit', '1');
  assert.match(fields.stdout, /89\.160\.20\.112 +Linköping +Malicious Host/);
});
