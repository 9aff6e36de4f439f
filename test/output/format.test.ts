import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtInt } from '../../src/output/format.js';

test('fmtInt groups thousands as en-US does', () => {
  for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 3_090_879, -1, -1234, -1_000_000, Number.MAX_SAFE_INTEGER]) {
    assert.equal(fmtInt(n), n.toLocaleString('en-US'), String(n));
  }
  assert.equal(fmtInt(1234.6), '1,235');
  assert.equal(fmtInt(Number.NaN), 'NaN');
});
