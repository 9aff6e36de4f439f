import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { csvFields, parseFeed, type ParsedFeed } from '../../src/enrich/feedparse.js';
import { InputError } from '../../src/errors.js';
import { formatRange } from '../../src/util/ip.js';
import { FEEDS } from './helpers.js';

const read = (name: string) => fs.readFileSync(path.join(FEEDS, name), 'utf8');

/** Every stored range as text, with its level when not 0. */
function ranges(p: ParsedFeed): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.v4.length; i += 3) out.push(formatRange({ v: 4, lo: p.v4[i], hi: p.v4[i + 1] }) + (p.v4[i + 2] ? ` x${p.v4[i + 2]}` : ''));
  for (const r of p.v6) out.push(formatRange({ v: 6, lo: r.lo, hi: r.hi }) + (r.level ? ` x${r.level}` : ''));
  return out;
}

function rejects(body: string, spec: { format: string; countColumn?: number }, pattern: RegExp): void {
  assert.throws(
    () => parseFeed(body, { name: 'testfeed', ...spec }),
    (err: unknown) => err instanceof InputError && /feed "testfeed"/.test(err.message) && pattern.test(err.message),
  );
}

test('plain list: # and ; comments, blank lines, CRLF, trailing comments, IPv6', () => {
  const p = parseFeed(read('plain.txt'), { name: 'plain', format: 'ip' });
  assert.deepEqual(ranges(p), ['45.155.205.233', '185.224.128.17', '193.142.146.35', '103.99.0.122', '2a03:b0c0:3:d0::1a51:c001']);
  assert.equal(p.bad, 0);
  assert.equal(p.entries, 5);
});

test('FireHOL level1: the bogons are dropped or trimmed, never stored', () => {
  const p = parseFeed(read('firehol_level1.netset'), { name: 'firehol', format: 'cidr' });
  assert.deepEqual(ranges(p), ['1.10.16.0/20', '5.134.128.0/19', '31.184.196.0/24', '185.156.73.0/24', '223.254.0.0/16']);
  // 0/8 10/8 100.64/10 127/8 169.254/16 172.16/12 192.0.0/24 192.0.2/24 192.168/16 198.18/15 wholly special;
  // 224.0.0.0/3 is 224/4 (multicast) + 240/4 (reserved): wholly special too
  assert.equal(p.special, 11);
  assert.equal(p.clipped, 0);
  assert.deepEqual(p.specialSamples, ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10']);
});

test('an entry partly inside a special range is trimmed to its public part', () => {
  const p = parseFeed('10.0.0.0/7\n', { name: 'wide', format: 'cidr' });
  assert.deepEqual(ranges(p), ['11.0.0.0/8']);
  assert.equal(p.clipped, 1);
});

test('a range with a spaced dash is the whole range, not its first address', () => {
  const p = parseFeed('1.2.3.4 - 1.2.3.9\n2a03:b0c0::1 - 2a03:b0c0::ff # a v6 range\n5.6.7.8 - Scanner\n', { name: 'ranges', format: 'ip' });
  assert.deepEqual(ranges(p), ['1.2.3.4-1.2.3.9', '5.6.7.8', '2a03:b0c0::1-2a03:b0c0::ff']);
  assert.equal(p.bad, 0);
});

test('an entry covering more than a /8 (IPv4) or a /16 (IPv6) of public addresses is dropped, not matched', () => {
  const p = parseFeed('0.0.0.0/0\n1.0.0.0-99.255.255.255\n::/0\n2a00::/12\n45.155.205.233\n11.0.0.0/8\n2a03::/16\n', { name: 'broad', format: 'ip' });
  assert.deepEqual(ranges(p), ['45.155.205.233', '11.0.0.0/8', '2a03::/16'], 'a /8 and a /16 are still lists');
  assert.equal(p.broad, 4);
  assert.deepEqual(p.broadSamples, ['0.0.0.0/0', '1.0.0.0-99.255.255.255', '::/0']);
  assert.equal(p.entries, 7);
  assert.equal(p.bad, 0);
  const bogons = parseFeed('224.0.0.0/3\n1.10.16.0/20\n', { name: 'bogons', format: 'cidr' });
  assert.deepEqual([bogons.special, bogons.broad], [1, 0], 'wide but wholly special: dropped as special');
});

test('Spamhaus DROP JSON lines: the metadata line is not an entry', () => {
  const p4 = parseFeed(read('drop_v4.json'), { name: 'drop', format: 'jsonl:cidr' });
  assert.deepEqual(ranges(p4), ['1.10.16.0/20', '2.56.192.0/22', '5.134.128.0/19', '31.24.81.0/24', '45.135.232.0/24']);
  assert.equal(p4.bad, 0);
  const p6 = parseFeed(read('drop_v6.json'), { name: 'drop6', format: 'jsonl:cidr' });
  assert.deepEqual(ranges(p6), ['2a06:e480::/29', '2a07:9944::/30']);
});

test('IPsum: the count column becomes the level; fewer than 3 lists are left out', () => {
  const p = parseFeed(read('ipsum.txt'), { name: 'ipsum', format: 'ip', countColumn: 2, minCount: 3 });
  assert.deepEqual(ranges(p), ['80.94.95.115 x9', '185.224.128.17 x6', '45.155.205.233 x4', '193.142.146.35 x3']);
  assert.equal(p.belowMin, 2);
  assert.equal(p.entries, 6);
  rejects('1.2.3.4\tmany\n5.6.7.8\tlots\n', { format: 'ip', countColumn: 2 }, /2 of 2 lines are not addresses/);
});

test('Feodo: the text list and the CSV whose header sits in a comment', () => {
  assert.deepEqual(ranges(parseFeed(read('feodo.txt'), { name: 'feodo', format: 'ip' })), ['50.16.16.211', '162.243.103.246', '185.224.128.17']);
  assert.deepEqual(ranges(parseFeed(read('feodo.csv'), { name: 'feodo', format: 'csv:dst_ip' })), ['50.16.16.211', '162.243.103.246']);
});

test('CSV with a header row, by name or by number; quoted fields', () => {
  const byName = parseFeed(read('custom.csv'), { name: 'c', format: 'csv:address' });
  assert.deepEqual(ranges(byName), ['91.92.240.10', '91.92.240.11', '2a01:4f8:c17:1234::2']);
  const byIndex = parseFeed(read('custom.csv'), { name: 'c', format: 'csv:1' });
  assert.deepEqual(ranges(byIndex), ranges(byName));
  assert.throws(() => parseFeed(read('custom.csv'), { name: 'c', format: 'csv:ip_addr' }), /no column "ip_addr"/);
  assert.deepEqual(csvFields('"a,b",c,"d ""e"""'), ['a,b', 'c', 'd "e"']);
  assert.deepEqual(csvFields('x,,y'), ['x', '', 'y']);
});

test('JSON lines with a nested field; objects without it are not entries', () => {
  const p = parseFeed(read('iocs.jsonl'), { name: 'iocs', format: 'jsonl:indicator.ip' });
  assert.deepEqual(ranges(p), ['77.90.185.64', '77.90.185.65']);
  assert.equal(p.bad, 0);
});

test('auto detects each format', () => {
  const cases: [string, string][] = [
    ['plain.txt', 'ip'],
    ['firehol_level1.netset', 'ip'],
    ['drop_v4.json', 'jsonl:cidr'],
    ['custom.csv', 'csv:address'],
    ['feodo.csv', 'csv:dst_ip'],
    ['tor-exits.txt', 'ip'],
  ];
  for (const [file, format] of cases) assert.equal(parseFeed(read(file), { name: 'a', format: 'auto' }).format, format, file);
  assert.deepEqual(ranges(parseFeed(read('feodo.csv'), { name: 'a', format: 'auto' })), ['50.16.16.211', '162.243.103.246']);
  assert.equal(parseFeed('2026-01-01,8.8.4.4,x\n2026-01-02,8.8.8.8,y\n', { name: 'a', format: 'auto' }).format, 'csv:2', 'no header: the address column');
  rejects(read('iocs.jsonl'), { format: 'auto' }, /3 of 3 lines are not addresses/); // nested fields need jsonl:FIELD
});

test('refused: HTML, empty, comments only, mostly not addresses', () => {
  rejects(read('error.html'), { format: 'ip' }, /HTML page/);
  rejects('', { format: 'ip' }, /empty/);
  rejects('\n  \r\n', { format: 'ip' }, /empty/);
  rejects('# nothing today\n# come back later\n', { format: 'ip' }, /holds no addresses/);
  rejects(read('garbage.txt'), { format: 'ip' }, /3 of 4 lines are not addresses \(first: "see our new site for the list"\)/);
  rejects('{"error": "rate limited"}\n', { format: 'jsonl:cidr' }, /holds no addresses/);
  rejects('not json\n{"cidr":"1.2.3.0/24"}\nnope\n', { format: 'jsonl:cidr' }, /2 of 3 lines/);
  // a field named like an Object.prototype member is absent, not Object's own function
  rejects('{"cidr":"1.2.3.0/24"}\n', { format: 'jsonl:constructor' }, /holds no addresses/);
});

test('a few bad lines among many good ones are counted, not fatal', () => {
  const p = parseFeed('1.2.3.4\n5.6.7.8\nbogus\n9.9.9.9\n', { name: 'x', format: 'ip' });
  assert.equal(p.bad, 1);
  assert.deepEqual(p.badSamples, ['bogus']);
  assert.equal(ranges(p).length, 3);
});
