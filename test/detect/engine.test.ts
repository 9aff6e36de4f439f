/** Correlations, baselines and incremental runs, over hand-made events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/detect/load.js';
import { detect, plan } from '../../src/detect/engine.js';
import { listFindings } from '../../src/store/findings.js';
import type { CorrelationRule, Rule } from '../../src/detect/model.js';
import type { FieldValue } from '../../src/model/event.js';
import { testStore, sec, T0, type TestStore } from '../helpers/events.js';

function rules(text: string): Rule[] {
  const res = loadText(text, 'test.yml');
  assert.deepEqual(res.skipped, []);
  return res.rules;
}

const run = (s: TestStore, r: Rule[]) => detect(s.db, r, { tz: 'UTC' });
const findingsOf = (s: TestStore, ruleId: string) => listFindings(s.db).filter((f) => f.rule_id === ruleId);

const WEB_BURST = `
title: web auth failure
id: web-auth-fail
name: web_auth_fail
logsource: {category: webserver}
detection:
  sel: {sc-status: [401, 403]}
  condition: sel
---
title: More than 5 HTTP 401/403 from one IP within 5 minutes
id: web-burst
correlation:
  type: event_count
  rules: [web_auth_fail]
  group-by: [c-ip]
  timespan: 5m
  condition: {gt: 5}
level: medium
`;

const fail = (s: TestStore, t: number, ip: string, status = 401) =>
  s.add(t, 'web.access', { 'source.ip': ip, 'http.response.status_code': status, 'url.original': '/admin/login' });

test('event_count: more than 5 401/403 from one IP within 5 minutes; near misses stay quiet', () => {
  const s = testStore();
  for (let i = 0; i < 6; i++) fail(s, sec(i * 40), '203.0.113.1', i % 2 ? 403 : 401);
  for (let i = 0; i < 5; i++) fail(s, sec(i * 10), '203.0.113.2');
  for (let i = 0; i < 6; i++) fail(s, sec(i * 200), '203.0.113.3');
  s.add(sec(5), 'web.access', { 'source.ip': '203.0.113.2', 'http.response.status_code': 404 });
  const res = run(s, rules(WEB_BURST));
  const f = findingsOf(s, 'web-burst');
  assert.equal(f.length, 1);
  assert.equal(f[0].count, 6);
  assert.deepEqual(JSON.parse(f[0].group_json), { 'source.ip': '203.0.113.1' });
  assert.equal(f[0].first_ts, sec(0));
  assert.equal(f[0].last_ts, sec(200));
  assert.deepEqual(res.newFindings, [f[0].id]);
  assert.equal(findingsOf(s, 'web-auth-fail').length, 0, 'a rule feeding a correlation does not report alone');
});

test('two episodes of one group that the store joins into one finding count as one new finding, none updated', () => {
  const s = testStore();
  const ip = '203.0.113.9';
  for (let i = 0; i < 6; i++) fail(s, sec(i), ip); // fires at 5 s
  fail(s, sec(304.5), ip); // alone in its window: not part of the episode
  fail(s, sec(305), ip); // exactly one timespan after the episode's last event
  for (const t of [604.6, 604.7, 604.8, 604.9, 605]) fail(s, sec(t), ip); // fires again from 305 s: a new episode
  const res = run(s, rules(WEB_BURST));
  const f = findingsOf(s, 'web-burst');
  assert.deepEqual(
    f.map((x) => [x.first_ts, x.last_ts, x.count]),
    [[sec(0), sec(605), 12]],
    'the second episode starts within one timespan of the first one\'s end, so the store joins them',
  );
  assert.deepEqual(res.newFindings, [f[0].id]);
  assert.equal(res.updatedFindings, 0, 'a finding made by this run is new, not updated, however often the run adds to it');
  assert.deepEqual(res.updatedIds, []);
});

test('a window straddling two runs is found whole, once; a growing window updates its finding', () => {
  const s = testStore();
  const r = rules(WEB_BURST);
  for (let i = 0; i < 3; i++) fail(s, sec(i * 30), '198.51.100.9');
  assert.equal(run(s, r).newFindings.length, 0);
  for (let i = 3; i < 6; i++) fail(s, sec(i * 30), '198.51.100.9');
  const second = run(s, r);
  assert.equal(second.newFindings.length, 1);
  const [f] = findingsOf(s, 'web-burst');
  assert.equal(f.count, 6);
  assert.equal(f.first_ts, sec(0));

  assert.equal(run(s, r).newFindings.length, 0, 'nothing new, nothing reported');
  fail(s, sec(200), '198.51.100.9');
  const third = run(s, r);
  assert.equal(third.newFindings.length, 0);
  assert.equal(third.updatedFindings, 1);
  const [g] = findingsOf(s, 'web-burst');
  assert.equal(g.id, f.id);
  assert.equal(g.count, 7);
  assert.equal((s.db.prepare('SELECT count(*) AS n FROM finding_events WHERE finding_id = ?').get(g.id) as { n: number }).n, 7);
});

const SSH = `
title: ssh failed login
id: ssh-fail
name: ssh_fail
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: failure}
  condition: sel
---
title: ssh successful login
id: ssh-ok
name: ssh_ok
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: success}
  condition: sel
level: informational
---
title: ssh brute force
id: ssh-bf
name: ssh_bf
correlation:
  type: event_count
  rules: [ssh_fail]
  group-by: [source.ip]
  timespan: 10m
  condition: {gte: 5}
level: high
---
title: distinct users from one IP
id: ssh-enum
correlation:
  type: value_count
  rules: [ssh_fail]
  group-by: [source.ip]
  timespan: 10m
  condition: {field: user.name, gte: 20}
level: medium
---
title: brute force followed by success
id: ssh-bf-success
correlation:
  type: temporal_ordered
  rules: [ssh_bf, ssh_ok]
  group-by: [source.ip]
  timespan: 10m
  generate: true
level: critical
`;
const BOUNDED = [
  ['eq2', '{eq: 2}'],
  ['lt2', '{lt: 2}'],
  ['range', '{gt: 2, lte: 3}'],
  ['lte5', '{lte: 5}'],
]
  .map(([id, cond]) => `---\ntitle: ${id}\nid: ${id}\ncorrelation:\n  type: event_count\n  rules: [web_auth_fail]\n  group-by: [c-ip]\n  timespan: 5m\n  condition: ${cond}\nlevel: low\n`)
  .join('');
const boundedRules = () => rules(WEB_BURST.split('---')[0] + BOUNDED);
const boundedIps = (s: TestStore, id: string) => findingsOf(s, id).map((f) => [JSON.parse(f.group_json)['source.ip'], f.count]);

test('a condition with an upper bound judges whole buckets of one timespan, once each is complete', () => {
  const s = testStore();
  // one bucket (03:00 to 03:05): five failures from .1, two from .2, one from .3
  for (let i = 0; i < 5; i++) fail(s, sec(i * 10), '198.51.100.1');
  fail(s, sec(5), '198.51.100.2');
  fail(s, sec(45), '198.51.100.2');
  fail(s, sec(100), '198.51.100.3');
  // the bucket is still open at the data's end: nothing is judged yet
  run(s, boundedRules());
  assert.deepEqual(listFindings(s.db), []);
  // later data closes it; the next hunt judges it, once
  s.add(sec(3600), 'web.access', { 'source.ip': '192.0.2.1', 'http.response.status_code': 200 });
  run(s, boundedRules());
  assert.deepEqual(boundedIps(s, 'eq2'), [['198.51.100.2', 2]], 'eq 2: only the address with exactly two, not .1 on its way to five');
  assert.deepEqual(boundedIps(s, 'lt2'), [['198.51.100.3', 1]]);
  assert.deepEqual(boundedIps(s, 'range'), []);
  assert.deepEqual(boundedIps(s, 'lte5').sort(), [['198.51.100.1', 5], ['198.51.100.2', 2], ['198.51.100.3', 1]]);
  run(s, boundedRules());
  assert.equal(listFindings(s.db).length, 5, 'a third hunt adds nothing');
});

test('buckets judge the count of each bucket: a burst across a bucket edge is two buckets', () => {
  const s = testStore();
  fail(s, sec(290), '198.51.100.4');
  fail(s, sec(310), '198.51.100.4');
  s.add(sec(3600), 'web.access', { 'source.ip': '192.0.2.1', 'http.response.status_code': 200 });
  run(s, boundedRules());
  assert.deepEqual(boundedIps(s, 'eq2'), []);
  assert.deepEqual(
    findingsOf(s, 'lt2').map((f) => [f.first_ts, f.last_ts]),
    [[sec(290), sec(310)]],
    'two one-event buckets in a row: the store joins them into one finding',
  );
});

test('late events from another log (a second host) never make a bucket judge part of itself as the whole', () => {
  const s = testStore();
  // bucket 02:55 to 03:00: three failures from .6; a later event closes it
  for (const t of [-270, -180, -120]) fail(s, sec(t), '198.51.100.6');
  s.add(sec(3600), 'web.access', { 'source.ip': '192.0.2.1', 'http.response.status_code': 200 });
  run(s, boundedRules());
  assert.deepEqual(boundedIps(s, 'range'), [['198.51.100.6', 3]]);
  // the next hunt reads a second host's log of the same morning: one failure at 03:01:30
  fail(s, sec(90), '198.51.100.6');
  run(s, boundedRules());
  assert.deepEqual(boundedIps(s, 'eq2'), [], 'the 02:55 bucket holds three failures, not the two after 02:56:30');
  assert.deepEqual(boundedIps(s, 'range'), [['198.51.100.6', 3]]);
  assert.deepEqual(boundedIps(s, 'lt2'), [['198.51.100.6', 1]], 'the 03:00 bucket: the one late failure');
});

const ssh = (s: TestStore, t: number, ip: string, user: string, outcome: 'success' | 'failure') =>
  s.add(t, 'system.auth', { 'process.name': 'sshd', 'event.action': 'ssh_login', 'event.outcome': outcome, 'source.ip': ip, 'user.name': user });

test('value_count, temporal_ordered and a chained correlation', () => {
  const s = testStore();
  for (let i = 0; i < 20; i++) ssh(s, sec(i * 20), '192.0.2.50', `user${i}`, 'failure');
  for (let i = 0; i < 19; i++) ssh(s, sec(i * 20), '192.0.2.51', `user${i}`, 'failure');
  for (let i = 0; i < 6; i++) ssh(s, sec(1000 + i * 10), '192.0.2.60', 'root', 'failure');
  ssh(s, sec(1200), '192.0.2.60', 'deploy', 'success');
  // success first, failures after: not the ordered pattern
  ssh(s, sec(2000), '192.0.2.61', 'deploy', 'success');
  for (let i = 0; i < 6; i++) ssh(s, sec(2010 + i * 10), '192.0.2.61', 'root', 'failure');
  run(s, rules(SSH));
  const ips = (id: string) => findingsOf(s, id).map((f) => JSON.parse(f.group_json)['source.ip']).sort();
  assert.deepEqual(ips('ssh-enum'), ['192.0.2.50']);
  assert.deepEqual(ips('ssh-bf'), ['192.0.2.50', '192.0.2.51', '192.0.2.60', '192.0.2.61']);
  assert.deepEqual(ips('ssh-bf-success'), ['192.0.2.60']);
  const [chain] = findingsOf(s, 'ssh-bf-success');
  assert.equal(chain.level, 'critical');
  assert.equal(chain.count, 7, 'the six failures and the success');
  assert.equal(chain.last_ts, sec(1200));
  assert.equal(chain.first_ts, sec(1000), 'a chain starts with the first event of the episode it chains, not at its firing');
  assert.equal(findingsOf(s, 'ssh-ok').length, 2, 'generate: true lets the success rule report on its own');
});

test('a correlation with its own level reports even when a chain reads it; plain inputs do not', () => {
  const s = testStore();
  for (let i = 0; i < 6; i++) ssh(s, sec(i * 10), '192.0.2.70', 'root', 'failure');
  ssh(s, sec(100), '192.0.2.70', 'deploy', 'success');
  run(s, rules(SSH.replace('  generate: true\n', '')));
  assert.equal(findingsOf(s, 'ssh-bf').length, 1, 'brute force (level high) reports');
  assert.equal(findingsOf(s, 'ssh-bf-success').length, 1);
  assert.equal(findingsOf(s, 'ssh-ok').length, 0, 'the success rule only feeds the chain');
  assert.equal(findingsOf(s, 'ssh-fail').length, 0);
});

test('temporal across sources with aliases: web scanning and an SSH success from one IP', () => {
  const s = testStore();
  const text = `
title: web 404
id: web-404
name: web_404
logsource: {category: webserver}
detection:
  sel: {sc-status: 404}
  condition: sel
---
title: ssh ok
id: ssh-ok2
name: ssh_ok
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: success}
  condition: sel
---
title: scanner then shell
id: scan-then-ssh
correlation:
  type: temporal
  rules: [web_404, ssh_ok]
  group-by: [ip]
  aliases:
    ip: {web_404: c-ip, ssh_ok: source.ip}
  timespan: 1h
level: high
`;
  s.add(sec(0), 'web.access', { 'source.ip': '203.0.113.99', 'http.response.status_code': 404 });
  s.add(sec(10), 'web.access', { 'source.ip': '203.0.113.98', 'http.response.status_code': 404 });
  ssh(s, sec(1800), '203.0.113.99', 'deploy', 'success');
  ssh(s, sec(1800 + 7200), '203.0.113.98', 'deploy', 'success');
  run(s, rules(text));
  const f = findingsOf(s, 'scan-then-ssh');
  assert.equal(f.length, 1);
  assert.deepEqual(JSON.parse(f[0].group_json), { ip: '203.0.113.99' });
});

const LOGIN = `
title: root login
id: root-login
name: root_login
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: success}
  condition: sel
`;

const WEB_ANY = `
title: web request
id: web-any
name: web_any
logsource: {category: webserver}
detection:
  sel: {cs-method: GET}
  condition: sel
`;

test('baselines: first_seen, spike and off_hours with a learning period', () => {
  const s = testStore();
  const text = `
${LOGIN}---
title: new source address for a user
id: new-ip
baseline:
  type: first_seen
  rules: [root_login]
  group-by: [user.name]
  field: source.ip
  min-history: 3
level: medium
---
title: login at an unusual hour
id: odd-hour
baseline:
  type: off_hours
  rules: [root_login]
  group-by: [user.name]
  min-history: 5
level: low
---
${WEB_ANY}---
title: request spike per IP
id: web-spike
baseline:
  type: spike
  rules: [web_any]
  group-by: [source.ip]
  timespan: 1m
  history: 1d
  min-history: 5
  factor: 10
  min-count: 50
level: medium
`;
  const day = 86_400_000;
  // root logs in from two addresses during office hours for a week
  for (let d = 0; d < 7; d++) ssh(s, T0 - 7 * day + d * day + 6 * 3_600_000, d % 2 ? '10.0.0.5' : '10.0.0.6', 'root', 'success');
  // then from a new address at 03:00
  ssh(s, T0, '198.51.100.77', 'root', 'success');
  // a user with no history: no verdict
  ssh(s, T0, '198.51.100.78', 'newbie', 'success');
  // an IP with a steady 3 requests a minute for ten minutes, then 120 in one minute
  for (let m = 0; m < 10; m++) for (let k = 0; k < 3; k++) s.add(T0 + m * 60_000 + k * 1000, 'web.access', { 'source.ip': '192.0.2.7', 'http.request.method': 'GET' });
  for (let k = 0; k < 120; k++) s.add(T0 + 10 * 60_000 + k * 400, 'web.access', { 'source.ip': '192.0.2.7', 'http.request.method': 'GET' });
  // a new IP that sends 120 at once has no baseline: no verdict from this rule
  for (let k = 0; k < 120; k++) s.add(T0 + k * 400, 'web.access', { 'source.ip': '192.0.2.8', 'http.request.method': 'GET' });
  run(s, rules(text));
  const newIp = findingsOf(s, 'new-ip');
  assert.equal(newIp.length, 1);
  assert.deepEqual(JSON.parse(newIp[0].group_json), { 'user.name': 'root', 'source.ip': '198.51.100.77' });
  const odd = findingsOf(s, 'odd-hour');
  assert.equal(odd.length, 1);
  assert.equal(JSON.parse(odd[0].details!).hour, 3);
  const spike = findingsOf(s, 'web-spike');
  assert.equal(spike.length, 1);
  assert.deepEqual(JSON.parse(spike[0].group_json), { 'source.ip': '192.0.2.7' });
  assert.equal(spike[0].count, 120);
});

test('editing a rule re-evaluates it from the start without duplicates', () => {
  const s = testStore();
  for (let i = 0; i < 6; i++) fail(s, sec(i), '203.0.113.5');
  const single = (level: string) => `
title: unauthorized
id: unauth
logsource: {category: webserver}
detection:
  sel: {sc-status: 401}
  condition: sel
level: ${level}
`;
  run(s, rules(single('low')));
  const before = findingsOf(s, 'unauth');
  assert.equal(before.length, 1);
  assert.equal(before[0].count, 6);
  run(s, rules(single('high')));
  const after = findingsOf(s, 'unauth');
  assert.equal(after.length, 1);
  assert.equal(after[0].count, 6);
  assert.equal(after[0].level, 'high');
});

test('a long brute force followed by a success, and a chain across sources through aliases', () => {
  const s = testStore();
  for (let i = 0; i < 120; i++) ssh(s, sec(i * 30), '192.0.2.90', 'root', 'failure');
  ssh(s, sec(120 * 30 + 60), '192.0.2.90', 'root', 'success');
  run(s, rules(SSH));
  const [chain] = findingsOf(s, 'ssh-bf-success');
  assert.ok(chain, 'the chain fires although the brute force began an hour before the success');

  const t = testStore();
  const text = `
title: web 404
id: w404
name: web_404
logsource: {category: webserver}
detection:
  sel: {sc-status: 404}
  condition: sel
---
title: probing
id: probing
name: probing
correlation:
  type: event_count
  rules: [web_404]
  group-by: [c-ip]
  timespan: 5m
  condition: {gte: 3}
level: low
---
title: ssh ok
id: sshok
name: ssh_ok
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: success}
  condition: sel
---
title: probing then a shell
id: probe-shell
correlation:
  type: temporal_ordered
  rules: [probing, ssh_ok]
  group-by: [client]
  aliases:
    client: {probing: c-ip, ssh_ok: source.ip}
  timespan: 1h
level: critical
`;
  for (let i = 0; i < 3; i++) t.add(sec(i), 'web.access', { 'source.ip': '198.51.100.200', 'http.response.status_code': 404 });
  ssh(t, sec(600), '198.51.100.200', 'deploy', 'success');
  run(t, rules(text));
  const f = findingsOf(t, 'probe-shell');
  assert.equal(f.length, 1);
  assert.deepEqual(JSON.parse(f[0].group_json), { client: '198.51.100.200' });
});

test('one streaming pass feeds more input rules than one flag column holds (30), each to its own correlation', () => {
  const s = testStore();
  const n = 35;
  const text = Array.from(
    { length: n },
    (_, k) => `title: status ${400 + k}
id: status-${k}
name: status_${k}
logsource: {category: webserver}
detection:
  sel: {sc-status: ${400 + k}}
  condition: sel
---
title: three of status ${400 + k} from one client
id: three-${k}
correlation:
  type: event_count
  rules: [status_${k}]
  group-by: [c-ip]
  timespan: 5m
  condition: {gte: 3}
level: low
`,
  ).join('---\n');
  // client k sends three requests answered with status 400+k, and one answered with the next rule's status
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < 3; i++) s.add(sec(k * 10 + i), 'web.access', { 'source.ip': `10.0.0.${k}`, 'http.response.status_code': 400 + k });
    s.add(sec(k * 10 + 5), 'web.access', { 'source.ip': `10.0.0.${k}`, 'http.response.status_code': 400 + ((k + 1) % n) });
  }
  run(s, rules(text));
  for (let k = 0; k < n; k++) {
    const f = findingsOf(s, `three-${k}`);
    assert.equal(f.length, 1, `rule ${k}`);
    assert.deepEqual(JSON.parse(f[0].group_json), { 'source.ip': `10.0.0.${k}` }, `rule ${k}`);
    assert.equal(f[0].count, 3, `rule ${k}`);
  }
});

test('one scan tests the rules of several log sources: a rule matches only events of its own source', () => {
  const s = testStore();
  // the same condition under two log sources: only the scope tells them apart in the shared scan
  const text = ['webserver', 'firewall']
    .map(
      (cat) => `title: ${cat} from the bad address
id: bad-${cat}
logsource: {category: ${cat}}
detection:
  sel: {source.ip: 203.0.113.9}
  condition: sel
level: high
`,
    )
    .join('---\n');
  for (let i = 0; i < 3; i++) s.add(sec(i), 'web.access', { 'source.ip': '203.0.113.9', 'http.response.status_code': 200 });
  for (let i = 0; i < 2; i++) s.add(sec(10 + i), 'firewall', { 'source.ip': '203.0.113.9', 'event.action': 'firewall_block' });
  s.add(sec(20), 'system.auth', { 'source.ip': '203.0.113.9', 'process.name': 'sshd' });
  const res = run(s, rules(text));
  assert.equal(findingsOf(s, 'bad-webserver')[0]?.count, 3);
  assert.equal(findingsOf(s, 'bad-firewall')[0]?.count, 2);
  assert.equal(res.steps.filter((st) => st.what.startsWith('scan ')).length, 1, 'one scan for both log sources');
});

test('a GeoIP field that one input rule of a shared pass reads (looked up for the rows of that rule only) has its value', () => {
  const s = testStore();
  s.db
    .prepare("INSERT INTO ip_intel (ip, country_iso_code, updated_at) VALUES ('81.2.69.142', 'GB', 0), ('198.51.100.4', 'US', 0), ('192.0.2.7', 'FR', 0)")
    .run();
  const text = `
${LOGIN}---
title: login from a new country
id: new-country
baseline:
  type: first_seen
  rules: [root_login]
  group-by: [user.name]
  field: source.geo.country_iso_code
  min-history: 3
level: high
---
${WEB_ANY}---
title: many requests from one address
id: web-burst3
correlation:
  type: event_count
  rules: [web_any]
  group-by: [source.ip]
  timespan: 5m
  condition: {gte: 3}
level: low
`;
  const day = 86_400_000;
  for (let d = 0; d < 4; d++) ssh(s, T0 - 5 * day + d * day, '198.51.100.4', 'alice', 'success');
  ssh(s, T0, '81.2.69.142', 'alice', 'success');
  // web requests from an address with a country, in the same pass: the country lookup is not theirs to make
  for (let i = 0; i < 3; i++) s.add(T0 + i * 1000, 'web.access', { 'source.ip': '192.0.2.7', 'http.request.method': 'GET' });
  const res = run(s, rules(text));
  const f = findingsOf(s, 'new-country');
  assert.equal(f.length, 1);
  assert.deepEqual(JSON.parse(f[0].group_json), { 'user.name': 'alice', 'source.geo.country_iso_code': 'GB' });
  assert.equal(findingsOf(s, 'web-burst3')[0]?.count, 3);
  assert.equal(res.steps.filter((st) => st.what.startsWith('windows: ')).length, 1, 'both in one pass');
});

test('rules too many for one statement are scanned per log source, with the same verdicts', () => {
  const s = testStore();
  // 700 rules per log source: together more result columns than SQLite allows in one statement (2,000)
  const n = 700;
  const ip = (k: number) => `10.9.${k >> 8}.${k & 255}`;
  const text = ['webserver', 'firewall']
    .flatMap((cat) =>
      Array.from(
        { length: n },
        (_, k) => `title: ${cat} ${k}
id: ${cat}-${k}
logsource: {category: ${cat}}
detection:
  sel: {source.ip: ${ip(k)}}
  condition: sel
level: low
`,
      ),
    )
    .join('---\n');
  for (const k of [0, 399, 699]) {
    s.add(sec(k), 'web.access', { 'source.ip': ip(k) });
    s.add(sec(k + 1), 'firewall', { 'source.ip': ip(k) });
    s.add(sec(k + 2), 'firewall', { 'source.ip': ip(k) });
  }
  const res = run(s, rules(text));
  for (const k of [0, 399, 699]) {
    assert.equal(findingsOf(s, `webserver-${k}`)[0]?.count, 1, `webserver ${k}`);
    assert.equal(findingsOf(s, `firewall-${k}`)[0]?.count, 2, `firewall ${k}`);
  }
  assert.equal(listFindings(s.db).length, 6);
  assert.deepEqual(
    res.steps.filter((st) => st.what.startsWith('scan ')).map((st) => st.what),
    ['scan webserver', 'scan firewall'],
  );
});

test('a first run reads in storage order and sorts; a later run walks the time index: both find what one run finds', () => {
  const DAY = 86_400_000;
  // events stored out of time order (as two files covering the same hour would be), with equal times among them
  const period = (s: TestStore, at: number) => {
    const times = Array.from({ length: 40 }, (_, k) => at + Math.floor(((k * 37) % 40) / 2) * 15_000);
    times.forEach((t, k) => fail(s, t, k % 3 ? '203.0.113.1' : '203.0.113.2', k % 2 ? 401 : 403));
  };
  const r = rules(WEB_BURST);
  const signature = (s: TestStore) =>
    findingsOf(s, 'web-burst').map((f) => ({
      group: f.group_json,
      first: f.first_ts,
      last: f.last_ts,
      count: f.count,
      evidence: (s.db.prepare('SELECT event_id FROM finding_events WHERE finding_id = ? ORDER BY event_id').pluck().all(f.id) as number[]).join(),
    }));
  const once = testStore();
  period(once, T0);
  period(once, T0 + 30 * DAY);
  run(once, r);
  const twice = testStore();
  period(twice, T0);
  run(twice, r);
  period(twice, T0 + 30 * DAY);
  run(twice, r);
  const expected = signature(once);
  // per period and address one episode of all its failures (two of three go to the first address): bursts a
  // month apart with nothing of the group in between are two findings, not one
  assert.deepEqual(
    expected.map((f) => `${JSON.parse(f.group)['source.ip']} ${f.count} ${f.first - T0}`).sort(),
    [`203.0.113.1 26 0`, `203.0.113.1 26 ${30 * DAY}`, `203.0.113.2 14 0`, `203.0.113.2 14 ${30 * DAY}`],
  );
  assert.deepEqual(signature(twice), expected);
});

const CORRELATED = (file: string, status: number) => `
title: bursts in ${file}
id: burst-${file}
correlation:
  type: event_count
  rules: [failed]
  group-by: [c-ip]
  timespan: 5m
  condition: {gte: 3}
level: high
---
title: failed in ${file}
id: failed-${file}
name: failed
logsource: {category: webserver}
detection:
  sel: {sc-status: ${status}}
  condition: sel
`;

test('a name two files share resolves to the rule of the correlation\'s own file; elsewhere it is refused as ambiguous', () => {
  const s = testStore();
  for (let i = 0; i < 3; i++) fail(s, sec(i), '192.0.2.30', 401);
  for (let i = 0; i < 3; i++) s.add(sec(i), 'web.access', { 'source.ip': '192.0.2.31', 'http.response.status_code': 500 });
  const both = [...loadText(CORRELATED('a', 401), 'a.yml').rules, ...loadText(CORRELATED('b', 500), 'b.yml').rules];
  const res = run(s, both);
  assert.deepEqual(res.skipped, []);
  const ips = (id: string) => findingsOf(s, id).map((f) => JSON.parse(f.group_json)['source.ip']);
  assert.deepEqual(ips('burst-a'), ['192.0.2.30'], 'a.yml counts its own 401 rule, not b.yml\'s 500 rule');
  assert.deepEqual(ips('burst-b'), ['192.0.2.31']);
  assert.deepEqual(ips('failed-a').concat(ips('failed-b')), [], 'neither input reports on its own');

  // a third file's correlation names "failed" without a rule of that name of its own
  const third = loadText(CORRELATED('c', 404).split('---')[0], 'c.yml').rules;
  const p = plan([...both, ...third]);
  assert.equal(p.skipped.length, 1);
  assert.match(p.skipped[0].reason, /^refers to "failed", a name that 2 rules have \(a\.yml:\d+, b\.yml:\d+\): refer to one by its id$/);
});

test('the inputs of a correlation that cannot load stay inputs: they do not report every match on their own', () => {
  const p = plan(loadText(WEB_BURST.replace('group-by: [c-ip]', 'group-by: [no-such-field]'), 't.yml').rules);
  assert.equal(p.skipped.length, 1);
  assert.match(p.skipped[0].reason, /no-such-field/);
  assert.deepEqual([...p.generating], [], 'web-auth-fail feeds the skipped correlation: no finding per 401');
  const q = plan(loadText(WEB_BURST.replace('rules: [web_auth_fail]', 'rules: [web_auth_fail, web_auth_fial]'), 't.yml').rules);
  assert.deepEqual(q.skipped.map((x) => x.reason), ['refers to "web_auth_fial", which is not loaded (no rule has that id or name)']);
  assert.deepEqual([...q.generating], []);
});

test('a correlation over a baseline, or a baseline over a correlation, is refused with its reason instead of failing the hunt', () => {
  const s = testStore();
  for (let i = 0; i < 6; i++) fail(s, sec(i), '192.0.2.40');
  const text = `${WEB_BURST}---
title: new client for a status
id: new-client
name: new_client
baseline:
  type: first_seen
  rules: [web_auth_fail]
  group-by: [sc-status]
  field: c-ip
---
title: many new clients
id: many-new
correlation:
  type: event_count
  rules: [new_client]
  group-by: [sc-status]
  timespan: 1h
  condition: {gte: 2}
level: high
---
title: bursts from new places
id: burst-baseline
baseline:
  type: first_seen
  rules: [web-burst]
  group-by: [c-ip]
  field: c-ip
`;
  const res = run(s, rules(text));
  assert.deepEqual(
    res.skipped.map((x) => [x.id, x.reason]),
    [
      ['many-new', 'refers to "new_client", a baseline: a correlation reads detection rules and correlations'],
      ['burst-baseline', 'refers to "web-burst", a correlation: a baseline reads detection rules only'],
    ],
  );
  assert.equal(findingsOf(s, 'web-burst').length, 1, 'the rest of the rules ran');
  const distinct = `${WEB_BURST}---\ntitle: v\nid: v\ncorrelation:\n  type: value_count\n  rules: [web-burst]\n  group-by: [c-ip]\n  timespan: 1h\n  condition: {field: sc-status, gte: 2}\n`;
  assert.deepEqual(plan(rules(distinct)).skipped.map((x) => x.reason), ['refers to "web-burst", a correlation: value_count reads a field of events, so it reads detection rules only']);
});

test('aliases may name a rule by its id; an alias for a rule the correlation does not read is refused', () => {
  const s = testStore();
  const text = (key: string) => `
title: web 404
id: w404
logsource: {category: webserver}
detection:
  sel: {sc-status: 404}
  condition: sel
---
title: ssh ok
id: sshok
name: ssh_ok
logsource: {product: linux, service: sshd}
detection:
  sel: {event.action: ssh_login, event.outcome: success}
  condition: sel
---
title: 404 then ssh
id: w404-ssh
correlation:
  type: temporal_ordered
  rules: [w404, ssh_ok]
  group-by: [client]
  aliases:
    client: {${key}: c-ip, ssh_ok: source.ip}
  timespan: 1h
level: high
`;
  s.add(sec(0), 'web.access', { 'source.ip': '198.51.100.50', 'http.response.status_code': 404 });
  ssh(s, sec(60), '198.51.100.50', 'deploy', 'success');
  run(s, rules(text('w404')));
  assert.deepEqual(findingsOf(s, 'w404-ssh').map((f) => JSON.parse(f.group_json)), [{ client: '198.51.100.50' }]);
  const p = plan(rules(text('web_404')));
  assert.deepEqual(p.skipped.map((x) => x.reason), ['aliases.client names "web_404", which is not one of the correlation\'s rules']);
});

/** Why loading refuses WEB_BURST's correlation with one line of its `correlation:` section replaced. */
function refusal(from: string, to: string): string | undefined {
  assert.ok(WEB_BURST.includes(from));
  const res = loadText(WEB_BURST.replace(from, to), 't.yml');
  return res.skipped.find((x) => x.id === 'web-burst')?.reason;
}

test('correlation sections: a misspelt attribute, a condition no count meets and a bad timespan are refused, each saying why', () => {
  assert.equal(refusal('group-by: [c-ip]', 'group_by: [c-ip]'), 'correlation.group_by is not a Sigma correlation attribute (did you mean group-by?)');
  assert.equal(refusal('timespan: 5m', 'timespan: 5m\n  field: c-ip'), 'correlation.field is not a Sigma correlation attribute');
  assert.equal(refusal('{gt: 5}', '{gte: 5, lte: 2}'), 'condition {"gte":5,"lte":2} can never hold: its bounds leave no count between them');
  assert.equal(refusal('{gt: 5}', '{eq: 0}'), 'condition {"eq":0} can never hold: a count starts at 1 (an absence of events is never counted)');
  assert.equal(refusal('{gt: 5}', '{gt: 2, lt: 4, neq: 3}'), 'condition {"gt":2,"lt":4,"neq":3} can never hold: the only count it allows is 3, which neq excludes');
  assert.equal(refusal('{gt: 5}', "{gte: '5'}"), 'condition: gte takes a number, not "5"');
  assert.equal(refusal('{gt: 5}', '{gt: 5, field: c-ip}'), 'condition.field names the field that value_count, value_sum and value_avg read: an event_count correlation counts events');
  assert.equal(refusal('timespan: 5m', 'timespan: 5M'), undefined, 'pySigma\'s month loads');
  assert.match(refusal('timespan: 5m', 'timespan: 5H')!, /^timespan "5H" is not a duration: a number and a unit, s, m, h or d/);
  assert.equal(refusal('timespan: 5m', 'timespan: 0m'), 'timespan must be longer than 0');
  assert.equal(refusal('level: medium', 'generate: yes\nlevel: medium'), 'generate must be true or false, not "yes"');
  assert.equal(refusal('{gt: 5}', '{gt: 2, lt: 4}'), undefined, 'a range with room in it loads');
});

test('temporal conditions count rules: one asking for more than the rules read, or an order among fewer, is refused', () => {
  const temporal = (type: string, cond: string) =>
    loadText(`title: t\nid: t\ncorrelation:\n  type: ${type}\n  rules: [a, b, c]\n  group-by: [c-ip]\n  timespan: 5m\n  condition: ${cond}\n`, 't.yml').skipped.map((x) => x.reason);
  assert.deepEqual(temporal('temporal', '{gte: 4}'), ['condition {"gte":4} can never hold: it asks for more than the 3 rules the correlation reads']);
  assert.deepEqual(temporal('temporal', '{gte: 2}'), []);
  assert.deepEqual(temporal('temporal_ordered', '{gte: 2}'), ['temporal_ordered needs every one of its 3 rules in order: a condition that asks for fewer is not supported']);
  assert.deepEqual(temporal('temporal_ordered', '{gte: 3}'), []);
  const twice = rules(`${WEB_BURST}---\ntitle: t\nid: t\ncorrelation:\n  type: temporal_ordered\n  rules: [web_auth_fail, web-burst, web-auth-fail]\n  group-by: [c-ip]\n  timespan: 5m\n`);
  assert.deepEqual(plan(twice).skipped.map((x) => x.reason), ['names "web_auth_fail" twice: in a temporal_ordered correlation each rule is one of the things that must happen']);
});

const BYTES = (type: string, cond: string) => `
title: web response
id: web-response
name: web_response
logsource: {category: webserver}
detection:
  sel: {cs-method: GET}
  condition: sel
---
title: bytes to one client
id: bytes
correlation:
  type: ${type}
  rules: [web_response]
  group-by: [c-ip]
  timespan: 10m
  condition: ${cond}
level: high
`;
const get = (s: TestStore, t: number, ip: string, bytes: number | string | undefined) =>
  s.add(t, 'web.access', { 'source.ip': ip, 'http.request.method': 'GET', 'http.response.status_code': 200, ...(bytes === undefined ? {} : { 'http.response.body.bytes': bytes }) });

test('value_sum and value_avg: a field summed or averaged per group in a sliding window; the finding says how much', () => {
  const s = testStore();
  // .1: 3 x 400 MB within 10 minutes (1.2 GB); .2: the same 3 spread over an hour (never 1 GB in 10 min)
  for (let i = 0; i < 3; i++) get(s, sec(i * 120), '198.51.100.1', 400e6);
  for (let i = 0; i < 3; i++) get(s, sec(i * 1200), '198.51.100.2', 400e6);
  // .3: many small responses, and one request with no size (a 304): left out of the sum and the average
  for (let i = 0; i < 50; i++) get(s, sec(i), '198.51.100.3', 1000);
  get(s, sec(60), '198.51.100.3', undefined);
  run(s, rules(BYTES('value_sum', '{field: http.response.body.bytes, gte: 1000000000}')));
  const sums = findingsOf(s, 'bytes');
  assert.deepEqual(sums.map((f) => [JSON.parse(f.group_json)['source.ip'], f.count, JSON.parse(f.details!)]), [
    ['198.51.100.1', 3, { sum: 1.2e9, field: 'http.response.body.bytes' }],
  ]);

  const a = testStore();
  for (let i = 0; i < 50; i++) get(a, sec(i), '198.51.100.3', 1000);
  get(a, sec(60), '198.51.100.3', undefined);
  for (let i = 0; i < 4; i++) get(a, sec(i), '198.51.100.4', 5e6);
  run(a, rules(BYTES('value_avg', '{field: http.response.body.bytes, gt: 1000000}')));
  assert.deepEqual(findingsOf(a, 'bytes').map((f) => [JSON.parse(f.group_json)['source.ip'], JSON.parse(f.details!).average]), [['198.51.100.4', 5e6]]);
});

test('value_sum with an upper bound judges whole buckets; numbers written as text count, other text does not', () => {
  const s = testStore();
  get(s, sec(0), '198.51.100.5', '700');
  get(s, sec(10), '198.51.100.5', 'n/a');
  get(s, sec(20), '198.51.100.5', 300);
  get(s, sec(0), '198.51.100.6', 5000);
  s.add(sec(3600), 'web.access', { 'source.ip': '192.0.2.1', 'http.request.method': 'POST' });
  run(s, rules(BYTES('value_sum', '{field: http.response.body.bytes, gte: 1000, lte: 1000}')));
  assert.deepEqual(findingsOf(s, 'bytes').map((f) => [JSON.parse(f.group_json)['source.ip'], f.count, JSON.parse(f.details!).sum]), [['198.51.100.5', 3, 1000]]);
});

test('value_sum and value_avg need condition.field and read detection rules only; value_percentile is refused with a reason', () => {
  const skipped = (text: string) => loadText(text, 't.yml').skipped.map((x) => x.reason);
  assert.deepEqual(skipped(BYTES('value_sum', '{gte: 5}')), ['a value_sum correlation needs condition.field']);
  assert.deepEqual(skipped(BYTES('value_avg', '{field: x}')), ['a value_avg correlation needs a condition such as {gte: 5}']);
  assert.deepEqual(skipped(BYTES('value_percentile', '{field: x, lte: 1}')), ['correlation type "value_percentile" is not supported: the Sigma specification does not define what it compares']);
  const chained = rules(`${WEB_BURST}---
title: t
id: t
correlation:
  type: value_sum
  rules: [web-burst]
  group-by: [c-ip]
  timespan: 5m
  condition: {field: sc-bytes, gt: 5}
`);
  assert.deepEqual(plan(chained).skipped.map((x) => x.reason), ['refers to "web-burst", a correlation: value_sum reads a field of events, so it reads detection rules only']);
});

test('timespans in the units pySigma reads: s, m, h, d, w, M (30.44 days), y (365.25 days)', () => {
  const span = (t: string) => (rules(WEB_BURST.replace('timespan: 5m', `timespan: ${t}`)).find((r) => r.id === 'web-burst') as CorrelationRule).timespan;
  assert.deepEqual(['30s', '5m', '2h', '1d', '1w', '1M', '1y'].map(span), [30_000, 300_000, 7_200_000, 86_400_000, 604_800_000, 2_629_746_000, 31_556_952_000]);
});

test('a CloudTrail key inside a list of objects, an element of a list, and a text inside an object are matched', () => {
  const s = testStore();
  const trail = (eventID: string, requestParameters: Record<string, unknown>) =>
    s.add(sec(1), 'aws.cloudtrail', { 'aws.cloudtrail': { eventID, eventSource: 'ecs.amazonaws.com', eventName: 'RegisterTaskDefinition', requestParameters } as FieldValue });
  // RegisterTaskDefinition: containerDefinitions is a list of containers, each command a list of words
  trail('creds', { family: 'web', containerDefinitions: [{ name: 'proxy', command: ['nginx'] }, { name: 'app', command: ['sh', '-c', 'curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] }] });
  trail('nocmd', { family: 'batch', containerDefinitions: [{ name: 'job', image: 'busybox' }] });
  trail('plain', { family: 'web', containerDefinitions: [{ name: 'app', command: ['sh', '-c', 'node server.js'] }] });
  // PutUserPolicy: the policy document is a JSON string inside requestParameters
  trail('policy', { userName: 'bob', policyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] }) });
  const r = rules(`
title: credentials endpoint in a task's command
id: ecs-creds
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {requestParameters.containerDefinitions.command|contains: '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'}
  condition: sel
---
title: a container named app
id: ecs-app
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {requestParameters.containerDefinitions.name: app, requestParameters.containerDefinitions.command: node server.js}
  condition: sel
---
title: allow GetObject
id: policy
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {requestParameters|contains|all: ['"s3:GetObject"', '"Allow"']}
  condition: sel
---
title: a container without a command
id: ecs-nocmd
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {requestParameters.containerDefinitions.name|exists: true}
  cmd: {requestParameters.containerDefinitions.command: null}
  condition: sel and cmd
---
title: one of three container names
id: ecs-names
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {requestParameters.containerDefinitions.name: [proxy, sidecar, agent]}
  condition: sel
---
title: one of three commands
id: ecs-commands
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {requestParameters.containerDefinitions.command|contains: ['server.js', 'python', 'ruby']}
  condition: sel
`);
  run(s, r);
  assert.equal(findingsOf(s, 'ecs-creds').length, 1);
  assert.equal(findingsOf(s, 'ecs-creds')[0].count, 1, 'the task whose command reads the endpoint, not the other');
  assert.equal(findingsOf(s, 'ecs-app')[0]?.count, 1, 'an exact value: one element of the list');
  assert.equal(findingsOf(s, 'policy')[0]?.count, 1, 'the quoted words of the policy document, as written in it');
  assert.equal(findingsOf(s, 'ecs-nocmd')[0]?.count, 1, '|exists and null look into the list too: only the task without a command');
  // before: three values or more went through one list match on the key's path alone, which holds no value when a
  // list is on the way, so they matched nothing
  assert.equal(findingsOf(s, 'ecs-names')[0]?.count, 1, 'three exact values: any element of the list');
  assert.equal(findingsOf(s, 'ecs-commands')[0]?.count, 1, 'three contains values: any element of the list');
});

test('an ordered chain that meets a long episode at its firing and again at its end counts its events once', () => {
  const s = testStore();
  const text = `
title: get
id: get
name: get
logsource: {category: webserver}
detection:
  sel: {cs-method: GET}
  condition: sel
---
title: post
id: post
name: post
logsource: {category: webserver}
detection:
  sel: {cs-method: POST}
  condition: sel
---
title: burst
id: burst
name: burst
correlation: {type: event_count, rules: [get], group-by: [c-ip], timespan: 1m, condition: {gte: 3}}
---
title: burst then post
id: burst-post
correlation: {type: temporal_ordered, rules: [burst, post], group-by: [c-ip], timespan: 2m}
level: high
`;
  const req = (t: number, method: string) => s.add(sec(t), 'web.access', { 'source.ip': '198.51.100.30', 'http.request.method': method, 'url.original': '/' });
  // the burst fires at 20 s and goes on to 50 s; a POST comes inside it (30 s) and after it (60 s)
  for (const t of [0, 10, 20, 50]) req(t, 'GET');
  req(30, 'POST');
  req(60, 'POST');
  run(s, rules(text));
  const f = findingsOf(s, 'burst-post');
  assert.equal(f.length, 1);
  // before: 10, the burst's four events counted at its firing and again at its end
  assert.equal(f[0].count, 6);
  assert.deepEqual([f[0].first_ts, f[0].last_ts], [sec(0), sec(60)]);
});

test('the scan prefilter looks for a value as the field holds it: a translated value, a quoted boolean', () => {
  const s = testStore();
  const text = `
title: callback port
id: callback
logsource: {product: linux, category: network_connection}
detection:
  sel:
    Initiated: 'true'
    DestinationPort: 4444
  condition: sel
level: high
---
title: curl connects
id: curl-connects
logsource: {product: linux, category: network_connection}
detection:
  sel: {Image|endswith: /curl}
  condition: sel
level: low
---
title: invalid user
id: invalid-user
logsource: {product: linux, service: sshd}
detection:
  sel: {ssh.invalid_user: 'true'}
  condition: sel
level: low
---
title: sshd banner
id: sshd-banner
logsource: {product: linux, service: sshd}
detection:
  sel: {message|contains: 'Bad protocol version'}
  condition: sel
level: low
`;
  s.add(sec(1), 'auditd.log', { 'process.executable': '/usr/bin/bash', 'network.direction': 'egress', 'destination.ip': '203.0.113.7', 'destination.port': 4444, auditd: { syscall_name: 'connect' } });
  s.add(sec(2), 'system.auth', { 'process.name': 'sshd', 'ssh.invalid_user': true, 'user.name': 'admin', 'source.ip': '203.0.113.5', message: 'Invalid user admin from 203.0.113.5 port 4242' });
  run(s, rules(text));
  // before: each rule alone fired, but beside another rule of its log source the shared prefilter wanted the text
  // "true" in network.direction (which holds "egress") or in ssh.invalid_user (a boolean), and dropped the event
  assert.equal(findingsOf(s, 'callback').length, 1);
  assert.equal(findingsOf(s, 'invalid-user').length, 1);
});
