/** Streaming baselines: dropping idle spike groups must not change what they report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaselineStream } from '../../src/detect/baseline.js';
import type { BaselineRule } from '../../src/detect/model.js';
import type { FindingInput } from '../../src/store/findings.js';

const HOUR = 3_600_000;

const spike: BaselineRule = {
  kind: 'baseline',
  type: 'spike',
  id: 'spike-test',
  title: 'spike',
  references: [],
  tags: [],
  level: 'medium',
  levelGiven: true,
  falsepositives: [],
  fields: [],
  where: { file: 'x.yml', line: 1, col: 1 } as unknown as BaselineRule['where'],
  custom: {},
  hash: 'h',
  rules: ['input'],
  groupBy: ['source.ip'],
  timespan: HOUR,
  history: 24 * HOUR,
  minHistory: 3,
  factor: 5,
  minCount: 10,
  metric: {},
};

/** Client a: steady then a burst, then silent for days, then steady and a burst again; b: a steady trickle. */
function occurrences(): { key: string; ts: number }[] {
  const out: { key: string; ts: number }[] = [];
  const at = (key: string, hour: number, n: number) => {
    for (let i = 0; i < n; i++) out.push({ key, ts: hour * HOUR + i * 1000 });
  };
  for (let h = 0; h < 6; h++) at('a', h, 2);
  at('a', 6, 40);
  for (let h = 0; h < 200; h++) at('b', h, 1);
  for (let h = 100; h < 106; h++) at('a', h, 2);
  at('a', 106, 40);
  return out.sort((x, y) => x.ts - y.ts);
}

function run(evictEvery: number | undefined): { findings: FindingInput[]; groupsAtPeak: number } {
  const findings: FindingInput[] = [];
  const stream = new BaselineStream(spike, 0, 'UTC', (f) => findings.push(f));
  let id = 0;
  let groupsAtPeak = 0;
  for (const o of occurrences()) {
    stream.push(o.key, () => ({ 'source.ip': o.key }), o.ts, ++id);
    if (evictEvery && id % evictEvery === 0) stream.evict(o.ts);
    groupsAtPeak = Math.max(groupsAtPeak, (stream as unknown as { groups: Map<string, unknown> }).groups.size);
  }
  stream.finish();
  findings.sort((x, y) => x.windowStart - y.windowStart);
  return { findings, groupsAtPeak };
}

test('spike: idle groups are dropped, and the findings are exactly those of a run that keeps every group', () => {
  const kept = run(undefined);
  const evicted = run(7);
  assert.equal(kept.findings.length, 2, 'both bursts of client a are spikes');
  assert.deepEqual(evicted.findings, kept.findings);
  assert.deepEqual(
    kept.findings.map((f) => [f.group['source.ip'], f.windowStart / HOUR, f.count]),
    [
      ['a', 6, 40],
      ['a', 106, 40],
    ],
  );
});

test('spike: a group idle longer than its history is gone after evict', () => {
  const findings: FindingInput[] = [];
  const stream = new BaselineStream(spike, 0, 'UTC', (f) => findings.push(f));
  const groups = (stream as unknown as { groups: Map<string, unknown> }).groups;
  stream.push('a', () => ({ 'source.ip': 'a' }), 0, 1);
  stream.evict(20 * HOUR);
  assert.equal(groups.size, 1, 'still within its history');
  stream.evict(26 * HOUR);
  assert.equal(groups.size, 0);
});

test('spike: an idle group behind an active one is dropped (a new bucket moves its group to the end)', () => {
  const stream = new BaselineStream(spike, 0, 'UTC', () => undefined);
  const groups = (stream as unknown as { groups: Map<string, unknown> }).groups;
  stream.push('a', () => ({ 'source.ip': 'a' }), 0, 1);
  stream.push('b', () => ({ 'source.ip': 'b' }), 1000, 2);
  stream.push('a', () => ({ 'source.ip': 'a' }), 30 * HOUR, 3);
  stream.evict(30 * HOUR);
  assert.deepEqual([...groups.keys()], ['a']);
});
