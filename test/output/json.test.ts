import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonRow } from '../../src/output/json.js';

test('jsonRow: BigInts as exact digits, names and strings escaped as jsonLine does, one member per name', () => {
  assert.equal(jsonRow(['n', 'm'], [9007199254740993n, -(2n ** 63n)]), '{"n":9007199254740993,"m":-9223372036854775808}');
  assert.equal(jsonRow(['a"b', 's', 'z'], [1, 'x\u009b\u202ey', null]), '{"a\\"b":1,"s":"x\\u009b\\u202ey","z":null}');
  assert.equal(jsonRow(['n', '__proto__', 'n'], [1, 2, 3]), '{"n":3,"__proto__":2}');
  assert.deepEqual(JSON.parse(jsonRow(['n', '__proto__'], [1, 2])), JSON.parse('{"n":1,"__proto__":2}'));
});
