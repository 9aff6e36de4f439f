/**
 * RecordsFramer: a CloudTrail {"Records":[...]} document is handed on element by element as its bytes arrive, in
 * any chunking, with the line and offset of each element; damage is reported and never costs the elements before
 * it; the document itself is never held, however large.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordsFramer } from '../../src/ingest/records.js';
import { EventFlag } from '../../src/model/event.js';

type Unit = { text: string; line: number; off: number; flags: number };

function frame(input: string | Buffer, opts: { chunk?: number; max?: number; start?: number; lines?: number } = {}) {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const units: Unit[] = [];
  const damage: string[] = [];
  const resume: { off: number; lines: number }[] = [];
  const f = new RecordsFramer(opts.start ?? 0, opts.lines ?? 0, (text, line, off, flags) => units.push({ text, line, off, flags }), (d) => damage.push(d), opts.max);
  const size = opts.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) {
    f.push(bytes.subarray(i, i + size));
    resume.push({ off: f.pendingStart, lines: f.lineNo });
  }
  const pending = f.pending;
  f.end();
  return { units, damage, resume, pending, f };
}

const rec = (n: number) => `{"eventName":"E${n}","eventSource":"s.amazonaws.com","k":"a \\"quoted\\" ] } [ { ,"}`;
const ONE_LINE = `{"Records":[${rec(1)},${rec(2)},${rec(3)}]}`;

test('a one-line document: each record with its own offset on line 1, whatever the chunking', () => {
  const want = [1, 2, 3].map((n) => ({ text: rec(n), line: 1, off: ONE_LINE.indexOf(rec(n)), flags: 0 }));
  for (const chunk of [ONE_LINE.length, 1, 2, 7, 64]) {
    const { units, damage, pending } = frame(ONE_LINE, { chunk });
    assert.deepEqual(units, want, `chunks of ${chunk}`);
    assert.deepEqual(damage, []);
    assert.equal(pending, false, 'a closed document leaves nothing to re-read');
  }
});

test('a pretty-printed document: records over several lines, each at the line it starts on; CRLF too', () => {
  const pretty = JSON.stringify({ Records: [JSON.parse(rec(1)), JSON.parse(rec(2))] }, null, 4);
  for (const eol of ['\n', '\r\n']) {
    const text = pretty.replace(/\n/g, eol) + eol;
    const { units, damage } = frame(text, { chunk: 5 });
    assert.deepEqual(damage, []);
    assert.deepEqual(units.map((u) => [JSON.parse(u.text).eventName, u.line]), [['E1', 3], ['E2', 8]]);
    assert.equal(units[0].off, text.indexOf('{', 1));
  }
});

test('the resume point follows each record, and a run that resumes there reads the rest of the array', () => {
  const text = `${ONE_LINE}\n{"eventName":"after","eventSource":"s"}\n`;
  const whole = frame(text).units;
  const afterFirst = ONE_LINE.indexOf(rec(2)) - 1;
  const cut = frame(text.slice(0, afterFirst + 3), { chunk: 1 });
  assert.ok(cut.resume.some((r) => r.off === afterFirst && r.lines === 0), 'resume point right after the first record');
  const rest = frame(Buffer.from(text).subarray(afterFirst), { start: afterFirst, lines: 0 });
  assert.deepEqual(rest.damage, []);
  assert.deepEqual(rest.units, whole.slice(1));
  assert.deepEqual(rest.units.map((u) => u.line), [1, 1, 2]);
});

test('a document cut short: every complete record, the incomplete one as it is, and the damage with line and byte', () => {
  const text = ONE_LINE.slice(0, ONE_LINE.indexOf(rec(3)) + 20);
  const { units, damage, pending, f } = frame(text, { chunk: 3 });
  assert.deepEqual(units.map((u) => u.text), [rec(1), rec(2), rec(3).slice(0, 20)]);
  assert.equal(pending, false, 'a broken document is not re-read as a line being written');
  assert.equal(damage.length, 1);
  assert.match(damage[0], new RegExp(`from line 1 \\(byte 0\\) is cut short at byte ${text.length} \\(line 1\\), the input ends inside it: 2 complete records stored; the one cut short is kept unparsed`));
  assert.equal(f.pendingStart, text.length);
});

test('another document at the left margin ends an open one; both are reported and read', () => {
  const pretty = JSON.stringify({ Records: [JSON.parse(rec(1)), JSON.parse(rec(2))] }, null, 2).split('\n');
  const text = [...pretty.slice(0, 9), ...pretty].join('\n');
  const { units, damage } = frame(text);
  // the second record of the first document is cut after its first key
  assert.deepEqual(units.map((u) => [/"eventName": "(E\d)"/.exec(u.text)?.[1], u.text.trim().endsWith('}'), u.line]), [
    ['E1', true, 3], ['E2', false, 8], ['E1', true, 12], ['E2', true, 17],
  ]);
  assert.equal(damage.length, 1);
  assert.match(damage[0], /from line 1 \(byte 0\) is cut short at byte \d+ \(line 10\), another document starts there: 1 complete record stored; the one cut short is kept unparsed$/);
});

test('a record over the cap is cut and flagged, the rest of it skipped, the next record intact', () => {
  const big = `{"eventName":"big","eventSource":"s","pad":"${'x'.repeat(5000)}"}`;
  const text = `{"Records":[${big},${rec(2)}]}`;
  const { units, damage } = frame(text, { max: 1024, chunk: 700 });
  assert.deepEqual(damage, []);
  assert.equal(units[0].text, big.slice(0, 1024));
  assert.equal(units[0].flags, EventFlag.TRUNCATED);
  assert.deepEqual(units[1], { text: rec(2), line: 1, off: text.indexOf(rec(2)), flags: 0 });
});

test('a record cut at the cap inside a character ends before that character, flagged as cut only', () => {
  const big = `{"eventName":"big","eventSource":"s","pad":"x${'é'.repeat(3000)}"}`;
  const text = `{"Records":[${big},${rec(2)}]}`;
  // the cap falls on the second byte of an 'é': 45 ASCII bytes, then 2-byte characters
  const { units } = frame(text, { max: 1024, chunk: 700 });
  assert.equal(units[0].flags, EventFlag.TRUNCATED, 'before: also invalid UTF-8');
  assert.equal(units[0].text, big.slice(0, 45 + 489));
  assert.deepEqual(units[1].text, rec(2));
});

test('outside the document: lines and JSON values as units; elements that are not objects; an empty document whole', () => {
  const text = `{"Records":[1, "two",null ,[3]]}\nplain text\r\n{"eventName":"x",\n "eventSource":"y"}\n{"Records":[]}`;
  const { units, damage, pending } = frame(text, { chunk: 4 });
  assert.deepEqual(damage, []);
  assert.deepEqual(units.map((u) => [u.text, u.line]), [
    ['1', 1], ['"two"', 1], ['null', 1], ['[3]', 1],
    ['plain text', 2], ['{"eventName":"x",\n "eventSource":"y"}', 3], ['{"Records":[]}', 5],
  ]);
  assert.equal(pending, false);
  assert.equal(frame('plain text without newline').pending, true, 'a line still being written is re-read later');
});

test('memory: a 200 MB document passes through while the framer holds one record at a time', () => {
  const one = rec(0).replace('"k"', `"pad":"${'x'.repeat(400)}","k"`);
  const chunk = Buffer.from(`,${one}`.repeat(Math.floor((1 << 20) / (one.length + 1))));
  let units = 0;
  let longest = 0;
  const f = new RecordsFramer(0, 0, (text) => {
    units++;
    longest = Math.max(longest, text.length);
  }, (d) => assert.fail(d));
  f.push(Buffer.from(`{"Records":[${one}`));
  const before = process.memoryUsage().rss;
  let peak = before;
  for (let i = 0; i < 200; i++) {
    f.push(chunk);
    if (i % 20 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  f.push(Buffer.from(']}'));
  f.end();
  assert.equal(units, 1 + 200 * (chunk.length / (one.length + 1)));
  assert.equal(longest, one.length);
  assert.ok(peak - before < 64 * 1024 * 1024, `RSS grew ${Math.round((peak - before) / 1048576)} MB over 200 MB of input`);
});
