/**
 * Properties every parser keeps, whatever the input: it never throws, and every line ends up in exactly one
 * stored event (alone, or as one line of a multi-line group's span). Random bytes and random mutations of each
 * format's own fixture lines, with a fixed seed so a failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PARSERS } from '../../src/parsers/registry.js';
import { Dispatcher } from '../../src/parsers/dispatch.js';
import { FIXTURES } from '../helpers/cli.js';
import { readLines } from '../helpers/golden.js';

function prng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function linesOf(format: string): string[] {
  const dir = path.join(FIXTURES, format);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => readLines(path.join(dir, f)));
}

function mutate(line: string, rand: () => number): string {
  const chars = '{}[]"\':;= \t\\/<>()-_.0123456789aZ\u0000\u001b\u00e9\u202e\ufffd';
  let s = line;
  const edits = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rand() * (s.length + 1));
    const r = rand();
    if (r < 0.4) s = s.slice(0, at) + chars[Math.floor(rand() * chars.length)] + s.slice(at);
    else if (r < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 10));
    else s = s.slice(0, at);
  }
  return s;
}

function randomLine(rand: () => number): string {
  const n = Math.floor(rand() * 300);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.8 ? 32 + Math.floor(rand() * 95) : Math.floor(rand() * 0xffff));
  return s.replace(/[\n\r]/g, ' ');
}

for (const parser of PARSERS) {
  test(`${parser.name}: never throws, and every line is in exactly one event`, () => {
    const rand = prng(parser.name.length * 7919);
    const real = linesOf(parser.name);
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      lines.push(real.length && rand() < 0.7 ? mutate(real[Math.floor(rand() * real.length)], rand) : randomLine(rand));
    }
    let covered = 0;
    const crashes: string[] = [];
    const d = new Dispatcher(parser, { path: 'fuzz.log', tz: 'Europe/Berlin', mtimeMs: Date.UTC(2026, 10, 20), head: lines.slice(0, 20).join('\n') }, (ev, _status, _at, raw, n) => {
      covered += n;
      // the dispatcher keeps a line whose parser threw, saying so: that is a parser bug here
      if (String(ev.fields['error.message'] ?? '').startsWith(`parser ${parser.name} failed`)) crashes.push(`${ev.fields['error.message']}: ${raw.slice(0, 120)}`);
    });
    let offset = 0;
    lines.forEach((line, i) => {
      assert.doesNotThrow(() => d.push(line, { line: i + 1, offset }), `line ${i + 1}: ${JSON.stringify(line).slice(0, 200)}`);
      offset += Buffer.byteLength(line) + 1;
    });
    d.end();
    assert.deepEqual(crashes, [], 'no parser exception');
    assert.equal(covered, lines.length, 'the lines covered by emitted events');
  });
}
