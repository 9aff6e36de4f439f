import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer } from '../../src/ingest/framer.js';
import { EventFlag } from '../../src/model/event.js';

function frame(chunks: (string | Buffer)[], max?: number, start = 0) {
  const out: { line: string; no: number; off: number; flags: number }[] = [];
  const f = new LineFramer(start, 0, (line, no, off, flags) => out.push({ line, no, off, flags }), max);
  for (const c of chunks) f.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  f.end();
  return { out, f };
}

test('LF, CRLF and a last line without newline, with byte offsets', () => {
  const { out, f } = frame(['a\r\nbé\n', 'c']);
  assert.deepEqual(
    out.map((o) => [o.line, o.no, o.off]),
    [
      ['a', 1, 0],
      ['bé', 2, 3],
      ['c', 3, 7],
    ],
  );
  assert.equal(f.position, 8);
});

test('lines split across chunks, including in the middle of a UTF-8 sequence', () => {
  const bytes = Buffer.from('héllo\nwörld\n');
  const { out } = frame([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]);
  assert.deepEqual(out.map((o) => o.line), ['héllo', 'wörld']);
  assert.equal(out[1].off, 7);
  assert.ok(out.every((o) => o.flags === 0));
});

test('invalid UTF-8 is replaced and flagged; a literal U+FFFD is not', () => {
  const { out } = frame([Buffer.from([0x61, 0xff, 0x62, 0x0a]), Buffer.from('ok \uFFFD\n')]);
  assert.equal(out[0].line, 'a\uFFFDb');
  assert.equal(out[0].flags & EventFlag.INVALID_UTF8, EventFlag.INVALID_UTF8);
  assert.equal(out[1].flags, 0);
});

test('a line over the limit is cut and flagged without holding the rest', () => {
  const long = 'x'.repeat(5000);
  const { out, f } = frame([long.slice(0, 1000), long.slice(1000) + '\nnext\n'], 1024);
  assert.equal(out[0].line.length, 1024);
  assert.equal(out[0].flags & EventFlag.TRUNCATED, EventFlag.TRUNCATED);
  assert.equal(out[1].line, 'next');
  assert.equal(out[1].off, 5001);
  assert.equal(f.position, 5006);
});

test('a line cut at the limit inside a character ends before that character: cut, not invalid UTF-8', () => {
  // 'é' is 2 bytes, '€' 3 and '𝄞' 4: one ASCII byte first puts the 1024-byte cut inside a character
  for (const ch of ['é', '€', '𝄞']) {
    const long = Buffer.from('x' + ch.repeat(2000) + '\nnext\n');
    const { out } = frame([long.subarray(0, 301), long.subarray(301)], 1024);
    // before: the cut character's first bytes became a U+FFFD, and the line was counted as invalid UTF-8
    assert.equal(out[0].flags, EventFlag.TRUNCATED, ch);
    assert.ok(!out[0].line.includes('\uFFFD'), ch);
    assert.equal(out[0].line, 'x' + ch.repeat(Math.floor(1023 / Buffer.byteLength(ch))));
    assert.equal(out[1].line, 'next');
  }
  // bytes that were invalid before the cut still are
  const bad = Buffer.concat([Buffer.from([0xff]), Buffer.from('é'.repeat(2000))]);
  assert.equal(frame([bad], 1024).out[0].flags, EventFlag.TRUNCATED | EventFlag.INVALID_UTF8);
});

test('resumes at a start offset and line number', () => {
  const out: number[][] = [];
  const f = new LineFramer(100, 7, (_l, no, off) => out.push([no, off]));
  f.push(Buffer.from('x\ny\n'));
  assert.deepEqual(out, [
    [8, 100],
    [9, 102],
  ]);
});
