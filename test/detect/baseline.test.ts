/**
 * Spike baselines, aggregated in SQL: which buckets count as a group's history, what a summed value is, how input
 * rules add up, and that a later hunt reports only buckets holding new events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/detect/load.js';
import { detect, type DetectOptions } from '../../src/detect/engine.js';
import { listFindings } from '../../src/store/findings.js';
import type { Rule } from '../../src/detect/model.js';
import type { Fields } from '../../src/model/event.js';
import { testStore, T0, type TestStore } from '../helpers/events.js';

const HOUR = 3_600_000;

function rules(text: string): Rule[] {
  const res = loadText(text, 'test.yml');
  assert.deepEqual(res.skipped, []);
  return res.rules;
}

const INPUTS = `
title: web request
id: web-get
name: web_get
logsource: {category: webserver}
detection:
  sel: {cs-method: GET}
  condition: sel
---
title: admin request
id: web-admin
name: web_admin
logsource: {category: webserver}
detection:
  sel: {cs-uri-stem|startswith: /admin}
  condition: sel
`;

/** Hourly requests per client, history one day, at least 3 earlier active hours, 5 times their mean and 20 at least. */
const spikeRule = (inputs: string, metric = '') => `${INPUTS}---
title: spike
id: spike
baseline:
  type: spike
  rules: [${inputs}]
  group-by: [c-ip]
  timespan: 1h
  history: 1d
  min-history: 3
  factor: 5
  min-count: 20
${metric}level: medium
`;

const get = (s: TestStore, t: number, ip: string, extra: Fields = {}) =>
  s.add(t, 'web.access', { 'source.ip': ip, 'http.request.method': 'GET', 'url.path': '/', ...extra });

/** `n` requests spread over the hour starting at `hour` (hours from T0). */
function burst(s: TestStore, ip: string, hour: number, n: number, extra: Fields = {}): void {
  for (let i = 0; i < n; i++) get(s, T0 + hour * HOUR + Math.floor((i * HOUR) / n), ip, extra);
}

/**
 * Every test runs with both ways of making the buckets: after a few new events the groups are picked from the new
 * buckets first; from SPIKE_ONE_PASS_FROM events stored from the first new bucket on, every group's buckets are made in
 * one pass.
 */
function both(name: string, body: (opts: DetectOptions) => void): void {
  test(name, () => body({ tz: 'UTC' }));
  test(`${name} (every group's buckets in one pass)`, () => body({ tz: 'UTC', spikeOnePassFrom: 0 }));
}

const spikes = (s: TestStore) =>
  listFindings(s.db)
    .filter((f) => f.rule_id === 'spike')
    .map((f) => ({ ip: JSON.parse(f.group_json)['source.ip'] as string, hour: (f.first_ts - T0) / HOUR, count: f.count, details: JSON.parse(f.details!) }))
    .sort((a, b) => a.ip.localeCompare(b.ip) || a.hour - b.hour);

both('spike: the history is the active buckets of the group within the history before the bucket', (opts) => {
  const s = testStore();
  // a: 4 quiet hours, then a burst the next hour: 4 buckets of history, mean 2, 40 >= 5 x 2
  for (let h = 0; h < 4; h++) burst(s, '192.0.2.1', h, 2);
  burst(s, '192.0.2.1', 4, 40);
  // b: the same quiet hours, but the burst comes two days later: the quiet hours are beyond the day of history
  for (let h = 0; h < 4; h++) burst(s, '192.0.2.2', h, 2);
  burst(s, '192.0.2.2', 52, 40);
  // c: quiet hours within the day, but only 2 of them: still learning
  for (let h = 0; h < 2; h++) burst(s, '192.0.2.3', h, 2);
  burst(s, '192.0.2.3', 10, 40);
  // d: a burst only 4 times its usual hour
  for (let h = 0; h < 4; h++) burst(s, '192.0.2.4', h, 10);
  burst(s, '192.0.2.4', 5, 40);
  // e: exactly one day after its first quiet hour the burst still sees it (the history reaches back a whole day)
  burst(s, '192.0.2.5', 0, 2);
  for (let h = 20; h < 22; h++) burst(s, '192.0.2.5', h, 2);
  burst(s, '192.0.2.5', 24, 40);
  detect(s.db, rules(spikeRule('web_get')), opts);
  assert.deepEqual(
    spikes(s).map((f) => [f.ip, f.hour, f.count, f.details.baseline_buckets, f.details.baseline_mean]),
    [
      ['192.0.2.1', 4, 40, 4, 2],
      ['192.0.2.5', 24, 40, 3, 2],
    ],
  );
});

both('spike: evidence is the bucket\'s first 200 requests in time order, the count all of them', (opts) => {
  const s = testStore();
  for (let h = 0; h < 3; h++) burst(s, '192.0.2.9', h, 3);
  burst(s, '192.0.2.9', 3, 250);
  detect(s.db, rules(spikeRule('web_get')), opts);
  const [f] = listFindings(s.db).filter((x) => x.rule_id === 'spike');
  assert.equal(f.count, 250);
  const ids = s.db.prepare('SELECT event_id FROM finding_events WHERE finding_id = ? ORDER BY event_id').pluck().all(f.id) as number[];
  const first = s.db.prepare('SELECT id FROM events WHERE ts >= ? ORDER BY ts, id LIMIT 200').pluck().all(T0 + 3 * HOUR) as number[];
  assert.deepEqual(ids, first);
  assert.equal(f.first_ts, T0 + 3 * HOUR);
});

both('spike: a summed field counts numbers and decimal text, anything else as 0', (opts) => {
  const s = testStore();
  // CloudTrail keeps the record as JSON, where a number may arrive as text
  const text = `
title: s3 read
id: s3-read
name: s3_read
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: GetObject}
  condition: sel
---
title: spike
id: spike
baseline:
  type: spike
  rules: [s3_read]
  group-by: [sourceIPAddress]
  metric: sum:additionalEventData.bytesTransferredOut
  timespan: 1h
  history: 1d
  min-history: 3
  factor: 5
  min-count: 20
level: medium
`;
  const read = (hour: number, n: number, bytes: number | string) => {
    for (let i = 0; i < n; i++) {
      const record = { eventName: 'GetObject', sourceIPAddress: '192.0.2.20', additionalEventData: { bytesTransferredOut: bytes } };
      s.add(T0 + hour * HOUR + i * 1000, 'aws.cloudtrail', { 'aws.cloudtrail': record });
    }
  };
  for (let h = 0; h < 3; h++) read(h, 2, 100);
  // 10 reads of 1000 bytes given as text and 10 that say nothing useful: 10,000 against a mean of 200
  read(3, 10, '1000');
  read(3.5, 10, 'n/a');
  detect(s.db, rules(text), opts);
  const found = listFindings(s.db).filter((f) => f.rule_id === 'spike');
  assert.deepEqual(
    found.map((f) => [(f.first_ts - T0) / HOUR, f.count, JSON.parse(f.details!).value, JSON.parse(f.details!).baseline_mean]),
    [[3, 20, 10_000, 200]],
  );
});

both('spike: a request two input rules match counts for each', (opts) => {
  const s = testStore();
  for (let h = 0; h < 3; h++) burst(s, '192.0.2.30', h, 2);
  // 12 admin requests count 24 times: past the minimum of 20 only because both rules match them
  burst(s, '192.0.2.30', 3, 12, { 'url.path': '/admin/login' });
  detect(s.db, rules(spikeRule('web_get, web_admin')), opts);
  assert.deepEqual(
    spikes(s).map((f) => [f.hour, f.count, f.details.value]),
    [[3, 24, 24]],
  );
});

both('spike: a later hunt reports buckets holding new events once, and learns from what it saw before', (opts) => {
  const s = testStore();
  const r = rules(spikeRule('web_get'));
  for (let h = 0; h < 4; h++) burst(s, '192.0.2.40', h, 2);
  burst(s, '192.0.2.40', 4, 40);
  detect(s.db, r, opts);
  assert.deepEqual(spikes(s).map((f) => f.hour), [4]);
  // a cron run with a new burst a few hours later: the earlier spike is not reported again
  for (let h = 5; h < 8; h++) burst(s, '192.0.2.40', h, 2);
  burst(s, '192.0.2.40', 8, 80);
  const second = detect(s.db, r, opts);
  assert.deepEqual(spikes(s).map((f) => f.hour), [4, 8]);
  assert.equal(second.newFindings.length, 1);
  // nothing new: nothing found
  assert.equal(detect(s.db, r, opts).newFindings.length, 0);
});
