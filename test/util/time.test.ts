import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { parseTimeArg } from '../../src/util/time.js';

const NOW = Date.UTC(2026, 10, 15, 12);
const parse = (text: string) => parseTimeArg(text, 'UTC', NOW);
const refused = (text: string) =>
  assert.throws(() => parse(text), (e: unknown) => e instanceof UsageError && e.message === `cannot read "${text}" as a time`, text);

test('parseTimeArg reads ISO dates and times, offsets, epochs and durations', () => {
  assert.equal(parse('2026-11-14'), Date.UTC(2026, 10, 14));
  assert.equal(parse('2026-11-14T03:00'), Date.UTC(2026, 10, 14, 3));
  assert.equal(parse('2026-11-14T03:00:00+01:00'), Date.UTC(2026, 10, 14, 2));
  assert.equal(parse('2026-11-14T23:59:59.999Z'), Date.UTC(2026, 10, 14, 23, 59, 59, 999));
  assert.equal(parse('2028-02-29'), Date.UTC(2028, 1, 29));
  assert.equal(parse('2000-02-29'), Date.UTC(2000, 1, 29));
  assert.equal(parse('2026-11-14T03:00+14:00'), Date.UTC(2026, 10, 13, 13));
  assert.equal(parse('2026-11-14T03:00-1200'), Date.UTC(2026, 10, 14, 15));
  assert.equal(parse('1763089200'), 1763089200_000);
  assert.equal(parse('2h'), NOW - 7_200_000);
});

test('parseTimeArg refuses dates and times that do not exist instead of rolling them over', () => {
  for (const text of [
    '2026-11-14T25:00',
    '2026-11-13T47:00',
    '2026-11-14T24:00',
    '2026-11-14T03:60',
    '2026-11-14T03:00:60',
    '2026-10-45',
    '2026-02-30',
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-11-00',
    '2026-11-14T03:00:00+25:00',
    '2026-11-14T03:00:00+14:30',
    '2026-11-14T03:00:00-05:60',
    'abc',
  ]) refused(text);
});
