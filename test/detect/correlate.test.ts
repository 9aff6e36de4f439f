/**
 * The count correlations' cold groups (no window until the two latest buckets could reach the condition's lower
 * bound) against windows for every group from the first occurrence: the same episodes, on seeded random streams
 * with bursts, bucket edges, idle gaps, chained occurrences and evictions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorrelationStream, type Episode, type Occurrence } from '../../src/detect/correlate.js';
import type { CorrelationType, CountCondition } from '../../src/detect/model.js';

/** mulberry32: a small seeded generator, so a failure can be replayed */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Step {
  key: string;
  o: Occurrence;
  evictAt?: number;
}

/** Occurrences in time order: most groups trickle, some burst (often across a bucket edge), a few chained ones. */
function stream(seed: number, span: number, n: number): Step[] {
  const rnd = random(seed);
  const steps: Step[] = [];
  let ts = 1_700_000_000_000 - 3 * span + Math.floor(rnd() * span);
  let id = 0;
  while (steps.length < n) {
    const r = rnd();
    // gaps from none (a burst) to several timespans (the group goes idle and is evicted)
    ts += r < 0.5 ? 0 : r < 0.8 ? Math.floor(rnd() * (span / 10)) : r < 0.97 ? Math.floor(rnd() * span) : Math.floor(rnd() * 4 * span);
    const key = `g${Math.floor(rnd() * rnd() * 12)}`;
    const chained = rnd() < 0.02;
    const o: Occurrence = chained
      ? { ts, input: 0, weight: 1 + Math.floor(rnd() * 4), evidence: [{ id: ++id, ts }] }
      : { ts, input: Math.floor(rnd() * 2), weight: 1, id: ++id, value: `v${Math.floor(rnd() * 5)}` };
    steps.push({ key, o, evictAt: rnd() < 0.05 ? ts : undefined });
  }
  return steps;
}

function episodes(type: CorrelationType, span: number, cond: CountCondition, steps: Step[], gate: boolean): Episode[] {
  const out: Episode[] = [];
  const s = new CorrelationStream(type, span, cond, 2, (ep) => out.push(ep), gate);
  for (const { key, o, evictAt } of steps) {
    s.push(key, () => ({ 'source.ip': key }), { ...o });
    if (evictAt !== undefined) s.evict(evictAt);
  }
  s.finish();
  return out.sort((a, b) => a.first - b.first || String(a.group['source.ip']).localeCompare(String(b.group['source.ip'])));
}

const SPAN = 60_000;
const CASES: [CorrelationType, CountCondition][] = [
  ['event_count', { gt: 5 }],
  ['event_count', { gte: 3 }],
  ['event_count', { gte: 4, lte: 7 }],
  ['event_count', { eq: 6 }],
  ['event_count', { gt: 2.5 }],
  ['event_count', { gte: 12 }],
  ['value_count', { gte: 3, field: 'x' }],
  ['value_count', { gt: 3, field: 'x' }],
  // no lower bound: every group gets its window at once, as before
  ['event_count', { lt: 3 }],
];

for (const [type, cond] of CASES) {
  test(`${type} ${JSON.stringify(cond)}: the same episodes with cold groups as with a window per group`, () => {
    let fired = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const steps = stream(seed, SPAN, 600);
      const want = episodes(type, SPAN, cond, steps, false);
      assert.deepEqual(episodes(type, SPAN, cond, steps, true), want, `seed ${seed}`);
      fired += want.length;
    }
    // the streams must make the condition hold often enough for the comparison to mean something
    assert.ok(fired >= 40, `only ${fired} episodes`);
  });
}

test('a burst straddling a bucket edge fires at the same occurrence, with the evidence from before the edge', () => {
  const got: Episode[] = [];
  const s = new CorrelationStream('event_count', SPAN, { gte: 4 }, 1, (ep) => got.push(ep));
  // buckets of 60 s: two occurrences late in one, two early in the next, 20 s apart in all
  const edge = 1_700_000_040_000;
  [edge - 10_000, edge - 5_000, edge + 1_000, edge + 10_000].forEach((ts, i) => s.push('a', () => ({ 'source.ip': 'a' }), { ts, input: 0, weight: 1, id: i + 1 }));
  s.finish();
  assert.equal(edge % SPAN, 0);
  assert.equal(got.length, 1);
  assert.equal(got[0].fired, edge + 10_000);
  assert.equal(got[0].first, edge - 10_000);
  assert.deepEqual(
    got[0].evidence.map((e) => e.id),
    [1, 2, 3, 4],
  );
});
