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
