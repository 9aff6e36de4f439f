import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionError, expandPattern, parseCondition } from '../../src/detect/condition.js';

test('precedence: or < and < not < x of', () => {
  assert.deepEqual(parseCondition('a or b and not c'), {
    op: 'or',
    args: [{ op: 'ref', name: 'a' }, { op: 'and', args: [{ op: 'ref', name: 'b' }, { op: 'not', arg: { op: 'ref', name: 'c' } }] }],
  });
  assert.deepEqual(parseCondition('not 1 of sel_* and (x or y)'), {
    op: 'and',
    args: [
      { op: 'not', arg: { op: 'of', quantifier: 'one', pattern: 'sel_*' } },
      { op: 'or', args: [{ op: 'ref', name: 'x' }, { op: 'ref', name: 'y' }] },
    ],
  });
  assert.deepEqual(parseCondition('all of them'), { op: 'of', quantifier: 'all', pattern: 'them' });
  assert.deepEqual(parseCondition('any of filter*'), { op: 'of', quantifier: 'one', pattern: 'filter*' });
  assert.deepEqual(parseCondition('SELECTION AND NOT Filter'), {
    op: 'and',
    args: [{ op: 'ref', name: 'SELECTION' }, { op: 'not', arg: { op: 'ref', name: 'Filter' } }],
  });
});

test('syntax errors name the column', () => {
  for (const [text, col] of [
    ['sel and', 8],
    ['(sel or x', 10],
    ['sel x', 5],
    ['1 sel', 3],
    ['sel | count() > 5', 5],
  ] as const) {
    assert.throws(() => parseCondition(text), (e: unknown) => e instanceof ConditionError && e.column === col, text);
  }
});

test('"them" leaves out names starting with _; patterns use *', () => {
  const names = ['selection_a', 'selection_b', 'filter', '_helper'];
  assert.deepEqual(expandPattern('them', names), ['selection_a', 'selection_b', 'filter']);
  assert.deepEqual(expandPattern('selection_*', names), ['selection_a', 'selection_b']);
  assert.deepEqual(expandPattern('sel.ction*', names), []);
});
