import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackEcs } from '../../src/output/findings.js';

test('attackEcs ignores tags named like Object.prototype members (rule tags are user input)', () => {
  const real = ['attack.credential-access', 'attack.t1110.001'];
  assert.deepEqual(attackEcs([...real, 'attack.constructor', 'attack.__proto__']), attackEcs(real));
  assert.deepEqual((attackEcs(real)!.tactic as { id: string[] }).id, ['TA0006']);
  assert.equal(attackEcs(['attack.constructor', 'attack.__proto__']), undefined);
});
