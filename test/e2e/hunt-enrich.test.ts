/** hunt with enrichment and the config file: findings carry geo and threat context; feeds reach back in time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';

test('a feed listing an address seen earlier: the next hunt reports it once, with its context', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const first = run(['--db', db, 'hunt', path.join(FIXTURES, 'demo'), '--json']);
  assert.equal(first.code, 0, first.stderr);
  const scanner = ndjsonLines(first.stdout).find((f) => f.group?.source?.ip === '175.16.199.14');
  assert.ok(scanner, 'a finding about the web scanner');
  assert.equal(scanner.source.geo.country_iso_code, 'CN', 'the bundled country database answers offline');

  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, '# local blocklist\n175.16.199.14\n10.0.0.5\n');
  const add = run(['--db', db, 'feeds', 'add', 'case-iocs', list, '--context', 'Malicious Host', '--severity', 'high']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stderr + add.stdout, /case-iocs/);

  const second = run(['--db', db, 'hunt', '--json']);
  assert.equal(second.code, 0, second.stderr);
  const hits = ndjsonLines(second.stdout);
  assert.equal(hits.length, 1, 'only the threat-intel finding is new');
  const [ti] = hits;
  assert.equal(ti.group.threat.indicator.ip, '175.16.199.14');
  assert.equal(ti.threat.context, 'Malicious Host');
  assert.deepEqual(ti.threat.feeds, ['case-iocs']);
  assert.ok(ti.count > 100, 'every event of that address, also those ingested before the feed was added');
  assert.equal(ti.threat.enrichments[0].matched.atomic, '175.16.199.14');

  const third = run(['--db', db, 'hunt', '--json']);
  assert.equal(third.stdout.trim(), '', 'nothing new the third time');
});

test('the config file gives the store, the rule paths and --fail-on', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'loghound.config.json'), JSON.stringify({ db: 'case.db', 'fail-on': 'high', tz: 'UTC' }));
  const res = run(['hunt', path.join(FIXTURES, 'demo'), '--json'], { cwd: dir });
  assert.equal(res.code, 1, 'a high finding with fail-on high from the config');
  assert.ok(fs.existsSync(path.join(dir, 'case.db')));
  const flagWins = run(['hunt', '--fail-on', 'critical', '--all'], { cwd: dir });
  assert.equal(flagWins.code, 0, 'no new finding at all on the second run');
  const bad = run(['hunt'], { cwd: dir, env: {} });
  assert.equal(bad.code, 0);
  fs.writeFileSync(path.join(dir, 'loghound.config.json'), '{"db": 5}');
  const broken = run(['hunt'], { cwd: dir });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /loghound\.config\.json/);
});

const FEEDS = path.join(FIXTURES, 'feeds');

/** A UFW line from one address to another, as the kernel logs it. */
function ufw(hour: number, src: string, dst: string): string {
  return (
    `2026-11-20T0${hour}:00:00.000000+00:00 web01 kernel: [1.0] [UFW ALLOW] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 ` +
    `SRC=${src} DST=${dst} LEN=44 TOS=0x00 PREC=0x00 TTL=243 ID=54321 PROTO=TCP SPT=44388 DPT=443 WINDOW=1024 RES=0x00 SYN URGP=0\n`
  );
}

/** A store with the Tor exit list (weight 10) and a C2 list (critical) as feeds. */
function torAndC2(dir: string): string {
  const db = path.join(dir, 'store.db');
  for (const args of [
    ['tor', path.join(FEEDS, 'tor-exits.txt'), '--weight', '10', '--context', 'Tor Exit'],
    ['c2', path.join(FEEDS, 'feodo.txt'), '--severity', 'critical', '--context', 'Botnet C2'],
  ]) {
    const add = run(['--db', db, 'feeds', 'add', ...args]);
    assert.equal(add.code, 0, add.stderr);
  }
  return db;
}

test('every listed address of an event is an indicator: a finding each, and search agrees with the event JSON', () => {
  const dir = tmpDir();
  const db = torAndC2(dir);
  const log = path.join(dir, 'fw.log');
  fs.writeFileSync(log, ufw(1, '185.220.101.4', '50.16.16.211'));
  const hunt = run(['--db', db, 'hunt', log, '--json']);
  const byIp = new Map(ndjsonLines(hunt.stdout).map((f) => [f.group.threat?.indicator?.ip, f]));
  assert.deepEqual([...byIp.keys()].sort(), ['185.220.101.4', '50.16.16.211'], 'one finding per listed address, the C2 destination too');
  assert.equal(byIp.get('50.16.16.211')?.threat.severity, 'critical');
  assert.deepEqual(byIp.get('50.16.16.211')?.threat.feeds, ['c2']);
  assert.equal(byIp.get('185.220.101.4')?.threat.severity, 'informational');

  const count = (q: string) => ndjsonLines(run(['--db', db, 'search', q, '--json']).stdout).length;
  assert.equal(count('threat.indicator.ip:50.16.16.211'), 1, 'the listed destination is an indicator');
  assert.equal(count('threat.indicator.ip:185.220.101.4'), 1, 'and so is the listed source');
  const [event] = ndjsonLines(run(['--db', db, 'search', 'threat.severity:critical', '--json']).stdout);
  assert.equal(event?.threat.severity, 'critical', 'threat.severity searches what the event JSON shows: the heaviest listing');
  assert.equal(event.threat.indicator.ip, '50.16.16.211');
  assert.equal(count('threat.severity:informational'), 0, 'severity is the event\'s highest: not the Tor source\'s');
  assert.equal(count('threat.context:"Botnet C2"'), 1);
  assert.equal(count('threat.context:"Tor Exit"'), 1, 'the lighter address\'s context too, as threat.enrichments shows it');
  assert.equal(count('threat.feed.name:tor'), 1, 'and its feed');
  assert.deepEqual(event.threat.enrichments.map((e: any) => e.feed.name).sort(), ['c2', 'tor']);
  const top = run(['--db', db, 'stats', '--top', 'threat.indicator.ip', '--json']);
  assert.doesNotMatch(top.stdout, /\[/, 'stats counts each listed address, not the pair');
});

test('an address on two feeds: threat.feed.name matches either feed, as threat.enrichments lists them', () => {
  const dir = tmpDir();
  const db = torAndC2(dir);
  const add = run(['--db', db, 'feeds', 'add', 'bl', path.join(FEEDS, 'plain.txt'), '--severity', 'medium']);
  assert.equal(add.code, 0, add.stderr);
  const log = path.join(dir, 'fw.log');
  fs.writeFileSync(log, ufw(1, '10.0.0.7', '185.224.128.17'));
  assert.equal(run(['--db', db, 'hunt', log, '--json']).code, 0);
  const [event] = ndjsonLines(run(['--db', db, 'search', 'destination.ip:185.224.128.17', '--json']).stdout);
  assert.deepEqual(event.threat.feeds, ['c2', 'bl']);
  assert.equal(event.threat.feed.name, 'c2', 'the event JSON keeps the heaviest listing as its summary');
  assert.deepEqual(event.threat.enrichments.map((e: any) => e.feed.name), ['c2', 'bl']);
  const count = (q: string) => ndjsonLines(run(['--db', db, 'search', q, '--json']).stdout).length;
  assert.equal(count('threat.feed.name:c2'), 1);
  // Before, only the heaviest feed's name found the event: bl, in threat.enrichments, did not.
  assert.equal(count('threat.feed.name:bl'), 1, 'the lighter listing matches too');
  assert.equal(count('threat.feed.name:"c2,bl"'), 0, 'the names are matched one by one, not as their list');
  assert.equal(count('threat.feed.name:tor'), 0);
});

/** A rule on one field of the threat_intel log source, one finding per listed address. */
function threatRule(dir: string, name: string, field: string, value: string): string {
  const file = path.join(dir, `${name}.yml`);
  fs.writeFileSync(
    file,
    `title: ${name}\nid: ${name}\nlogsource:\n  product: loghound\n  category: threat_intel\n` +
      `detection:\n  selection:\n    ${field}: ${value}\n  condition: selection\n` +
      `loghound:\n  group-by: [threat.indicator.ip]\n  window: 1d\nlevel: low\n`,
  );
  return file;
}

test('a Tor exit that a heavier list also holds: a rule and a search on the Tor list find it, an unlisted address is not found', () => {
  const dir = tmpDir();
  const db = torAndC2(dir);
  const heavy = path.join(dir, 'heavy.txt');
  fs.writeFileSync(heavy, '185.220.101.4\n');
  const add = run(['--db', db, 'feeds', 'add', 'heavy', heavy, '--severity', 'high']);
  assert.equal(add.code, 0, add.stderr);
  const log = path.join(dir, 'fw.log');
  // the Tor exit on both lists; a C2 that Tor does not list; an address no feed lists; a C2 source with the Tor
  // exit (on two feeds) as destination
  fs.writeFileSync(
    log,
    ufw(1, '185.220.101.4', '10.0.0.9') + ufw(2, '50.16.16.211', '10.0.0.9') + ufw(3, '81.2.69.142', '10.0.0.9') + ufw(4, '50.16.16.211', '185.220.101.4'),
  );
  const rules = [threatRule(dir, 'on-tor', 'threat.feed.name', 'tor'), threatRule(dir, 'tor-context', 'threat.context', 'Tor Exit')];
  const hunt = run(['--db', db, 'hunt', log, '--no-builtin', ...rules.flatMap((r) => ['--rules', r]), '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
  const found = ndjsonLines(hunt.stdout).map((f) => `${f.rule.title} ${f.group.threat.indicator.ip} ${f.count}`).sort();
  // the fourth event matches as a whole: it is evidence for both its listed addresses, as with any event-level match
  assert.deepEqual(found, ['on-tor 185.220.101.4 2', 'on-tor 50.16.16.211 1', 'tor-context 185.220.101.4 2', 'tor-context 50.16.16.211 1']);

  const [event] = ndjsonLines(run(['--db', db, 'search', 'source.ip:185.220.101.4', '--json']).stdout);
  assert.equal(event.threat.feed.name, 'heavy', 'the summary is the heaviest listing');
  assert.deepEqual(event.threat.enrichments.map((e: any) => e.feed.name), ['heavy', 'tor']);
  const ids = (q: string) => ndjsonLines(run(['--db', db, 'search', q, '--json']).stdout).map((e) => e.log.file.line);
  assert.deepEqual(ids('threat.feed.name:tor'), [1, 4]);
  assert.deepEqual(ids('threat.feed.name:t*'), [1, 4]);
  assert.deepEqual(ids('threat.feed.name:heavy'), [1, 4]);
  assert.deepEqual(ids('threat.feed.name:c2'), [2, 4]);
  assert.deepEqual(ids('threat.feed.name:*'), [1, 2, 4], 'the unlisted address has no feed name');
  assert.deepEqual(ids('source.ip:81.2.69.142 and threat.feed.name:tor'), []);
  assert.deepEqual(ids('not threat.feed.name:tor'), [2, 3]);
  // event 4: a C2 source (critical, one feed) and the Tor exit (high, two feeds); the event JSON's summary is the C2's
  const [both] = ndjsonLines(run(['--db', db, 'search', 'source.ip:50.16.16.211 and destination.ip:185.220.101.4', '--json']).stdout);
  assert.deepEqual([both.threat.severity, both.threat.feed_count], ['critical', 1]);
  assert.deepEqual(ids('threat.severity:critical'), [2, 4]);
  assert.deepEqual(ids('threat.severity:high'), [1], 'severity is the event\'s highest: event 4 is critical, not high');
  assert.deepEqual(ids('threat.feed_count>=2'), [1, 4], 'the most feeds any listed address of the event is on');

  const top = run(['--db', db, 'stats', '--top', 'threat.feed.name', '--json']);
  assert.equal(top.code, 0, top.stderr);
  const counts = Object.fromEntries(ndjsonLines(top.stdout).filter((r) => r.type === 'top').map((r) => [r.value, r.count]));
  assert.deepEqual(counts, { c2: 2, heavy: 2, tor: 2 }, 'each event counts once under each feed listing one of its addresses');
});

test('a rule grouped on threat.context makes a finding per context of the event\'s listings, whatever their text', () => {
  const dir = tmpDir();
  const db = torAndC2(dir);
  const odd = path.join(dir, 'odd.txt');
  fs.writeFileSync(odd, '185.220.101.4\n81.2.69.142\n');
  // a context that looks like the start of a JSON array: the scan once took it for one and failed
  const add = run(['--db', db, 'feeds', 'add', 'odd', odd, '--context', '[x] odd']);
  assert.equal(add.code, 0, add.stderr);
  const rule = path.join(dir, 'by-context.yml');
  fs.writeFileSync(
    rule,
    'title: by context\nid: by-context\nlogsource:\n  product: loghound\n  category: threat_intel\n' +
      'detection:\n  selection:\n    threat.indicator.ip|exists: true\n  condition: selection\n' +
      'loghound:\n  group-by: [threat.context]\n  window: 1d\nlevel: low\n',
  );
  const log = path.join(dir, 'fw.log');
  fs.writeFileSync(log, ufw(1, '185.220.101.4', '10.0.0.9') + ufw(2, '50.16.16.211', '10.0.0.9') + ufw(3, '81.2.69.142', '10.0.0.9'));
  const hunt = run(['--db', db, 'hunt', log, '--no-builtin', '--rules', rule, '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
  const found = ndjsonLines(hunt.stdout).map((f) => `${f.group.threat.context}: ${f.count}`).sort();
  assert.deepEqual(found, ['Botnet C2: 1', 'Tor Exit: 1', '[x] odd: 2']);
  const count = (q: string) => ndjsonLines(run(['--db', db, 'search', q, '--json']).stdout).length;
  assert.equal(count('threat.context:"[x] odd"'), 2);
});

test('a threat finding names the field its address was in, and files its location on that side', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const add = run(['--db', db, 'feeds', 'add', 'bl', path.join(FEEDS, 'plain.txt'), '--severity', 'high']);
  assert.equal(add.code, 0, add.stderr);
  const log = path.join(dir, 'fw.log');
  fs.writeFileSync(log, ufw(2, '192.168.1.5', '45.155.205.233'));
  const [finding, ...rest] = ndjsonLines(run(['--db', db, 'hunt', log, '--json']).stdout);
  assert.equal(rest.length, 0);
  assert.equal(finding.group.threat.indicator.ip, '45.155.205.233');
  assert.deepEqual(
    finding.threat.enrichments.map((e: any) => e.matched),
    [{ atomic: '45.155.205.233', field: 'destination.ip', type: 'indicator_match_rule' }],
  );
  assert.equal(finding.destination?.geo?.country_iso_code, 'RU');
  assert.equal(finding.source, undefined, 'the private source has no location, and the destination\'s is not filed as it');
  const [event] = ndjsonLines(run(['--db', db, 'search', 'destination.ip:45.155.205.233', '--json']).stdout);
  assert.deepEqual(finding.threat.enrichments, event.threat.enrichments, 'as the event document has it');
});

test('a finding about a listing has the listing\'s severity as its level: a Tor exit alone does not fail --fail-on medium', () => {
  const dir = tmpDir();
  const db = torAndC2(dir);
  const tor = path.join(dir, 'tor-access.log');
  fs.writeFileSync(tor, '185.220.101.4 - - [20/Nov/2026:05:11:38 +0000] "GET / HTTP/1.1" 200 30380 "-" "Mozilla/5.0"\n');
  const quiet = run(['--db', db, 'hunt', tor, '--fail-on', 'medium', '--json']);
  assert.equal(quiet.code, 0, quiet.stderr);
  const [note] = ndjsonLines(quiet.stdout);
  assert.equal(note.rule.level, 'informational', 'README: on their own, Tor exits only ever give an informational note');
  assert.equal(note.threat.severity, 'informational');

  const c2 = path.join(dir, 'fw.log');
  fs.writeFileSync(c2, ufw(3, '10.0.0.7', '50.16.16.211'));
  const loud = run(['--db', db, 'hunt', c2, '--fail-on', 'medium', '--json']);
  assert.equal(loud.code, 1, 'a critical listing still fails the run');
  assert.deepEqual(ndjsonLines(loud.stdout).map((f) => f.rule.level), ['critical']);
});

test('hunt says "no threat-intel data yet" only when no feed holds data, else names the feeds never downloaded', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const log = path.join(dir, 'fw.log');
  fs.writeFileSync(log, ufw(2, '192.168.1.5', '45.155.205.233'));
  const empty = run(['--db', db, 'hunt', log]);
  assert.match(empty.stderr, /no threat-intel data yet/);

  const add = run(['--db', db, 'feeds', 'add', 'bl', path.join(FEEDS, 'plain.txt'), '--severity', 'high']);
  assert.equal(add.code, 0, add.stderr);
  const some = run(['--db', db, 'hunt']);
  assert.doesNotMatch(some.stderr, /no threat-intel data/, 'the bl feed holds data');
  assert.match(some.stderr, /threat feeds never downloaded: blocklist-de, .*tor-exit/);
  assert.doesNotMatch(some.stderr, /never downloaded: .*\bbl\b/);
});

test('--min-level judges a listing\'s finding by the listing\'s severity: a C2 is found under --min-level high, a Tor exit is not', () => {
  const dir = tmpDir();
  const db = torAndC2(dir);
  const log = path.join(dir, 'fw.log');
  fs.writeFileSync(log, ufw(3, '10.0.0.7', '50.16.16.211') + ufw(3, '185.220.101.4', '10.0.0.9'));
  const res = run(['--db', db, 'hunt', log, '--min-level', 'high', '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(
    ndjsonLines(res.stdout).map((f) => [f.rule.level, f.group.threat.indicator.ip]),
    [['critical', '50.16.16.211']],
  );
});
