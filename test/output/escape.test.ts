import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeTerminal } from '../../src/output/escape.js';

test('escapeTerminal: escape sequences, C1 controls, bidi controls and line separators become visible escapes', () => {
  assert.equal(escapeTerminal('\u001b]0;pwned\u0007\u001b[2J\r\b'), '\\e]0;pwned\\x07\\e[2J\\r\\x08');
  assert.equal(escapeTerminal('\u009b31m\u0085'), '\\x9b31m\\x85');
  assert.equal(escapeTerminal('ab\u202ecd\u2066e\u2069\u200f'), 'ab\\u202ecd\\u2066e\\u2069\\u200f');
  // the Arabic letter mark is a bidi control too; the separators could make one line read as two
  assert.equal(escapeTerminal('x\u061cy\u2028z\u2029'), 'x\\u061cy\\u2028z\\u2029');
  assert.equal(escapeTerminal('plain text, café, 日本'), 'plain text, café, 日本');
});
