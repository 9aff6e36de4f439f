import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { paceHeap } from '../../src/util/heap.js';

const used = () => v8.getHeapStatistics().used_heap_size;

test('paceHeap collects garbage once the heap grew past its slack, and not before', () => {
  paceHeap();
  const base = used();
  // ~150 MB of objects that die only after surviving young-generation collections, as window entries do
  let keep: { a: number; s: string }[][] = [];
  for (let i = 0; i < 150; i++) keep.push(Array.from({ length: 20_000 }, (_, k) => ({ a: k, s: `x${k}-${i}` })));
  keep = [];
  const before = used();
  paceHeap();
  // whether or not V8 collected on its own meanwhile, the heap is back within the slack of its live data
  assert.ok(used() < base + 64 * 1024 * 1024, `heap ${base} -> ${before} -> ${used()} bytes`);
  const small = used();
  paceHeap();
  assert.ok(Math.abs(used() - small) < 8 * 1024 * 1024, 'below the limit it does nothing');
});
