/**
 * Golden files: fixtures/<format>/<case>.log beside <case>.expected.ndjson (one ECS event per line). Tests compare
 * field by field; UPDATE_GOLDEN=1 rewrites the expected files, which must then be read and checked by a person.
 */
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { parseLines, type RunOptions } from '../../src/parsers/run.js';

export function readLines(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Parses a fixture log and checks it against its expected NDJSON; returns the documents. */
export function checkGolden(logFile: string, opts: RunOptions & { expectParser?: string } = {}) {
  const expectedFile = logFile.replace(/\.log$/, '') + '.expected.ndjson';
  const result = parseLines(readLines(logFile), { path: logFile.split('/').slice(-2).join('/'), ...opts });
  if (opts.expectParser) assert.equal(result.parser.name, opts.expectParser, `${logFile}: chosen parser`);
  const docs = result.events.map((e) => e.doc);
  if (process.env.UPDATE_GOLDEN) {
    fs.writeFileSync(expectedFile, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  }
  const expected = fs
    .readFileSync(expectedFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  assert.equal(docs.length, expected.length, `${logFile}: number of events`);
  docs.forEach((doc, i) => assert.deepEqual(doc, expected[i], `${logFile}: event ${i + 1}`));
  return result;
}

/** Flattens a nested ECS document to dotted names (for comparisons with filebeat's expected files). */
export function flatten(doc: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(doc)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, out);
    else out[name] = v;
  }
  return out;
}
