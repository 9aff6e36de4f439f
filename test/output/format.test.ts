import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, fmtInt } from '../../src/output/format.js';

test('fmtInt groups thousands as en-US does', () => {
  for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 3_090_879, -1, -1234, -1_000_000, Number.MAX_SAFE_INTEGER]) {
    assert.equal(fmtInt(n), n.toLocaleString('en-US'), String(n));
  }
  assert.equal(fmtInt(1234.6), '1,235');
  assert.equal(fmtInt(Number.NaN), 'NaN');
});

test('csvCell: a cell a spreadsheet would run as a formula starts with a quote; plain negative numbers stay numbers', () => {
  const cases: [unknown, string][] = [
    ["-2+3+cmd|' /C calc'!A0", `'-2+3+cmd|' /C calc'!A0`],
    ['-1+1', "'-1+1"],
    ['-2.5e3', "'-2.5e3"],
    ['- 1+1', "'- 1+1"],
    ['-.5+1', "'-.5+1"],
    ['-', "'-"],
    ['-A1', "'-A1"],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['-2', '-2'],
    ['-2.5', '-2.5'],
    [-7, '-7'],
    [-0.25, '-0.25'],
    ['2-3', '2-3'],
    ['a,b', '"a,b"'],
  ];
  for (const [v, want] of cases) assert.equal(csvCell(v), want, JSON.stringify(v));
});
