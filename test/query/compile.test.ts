import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compileQuery } from '../../src/query/compile.js';
import { QueryError } from '../../src/query/ast.js';
import { events, heldAddresses, openReadStore } from '../../src/store/read.js';
import type { DB } from '../../src/store/db.js';
import { tmpDir } from '../helpers/cli.js';
import { FLAG_TAGS } from '../../src/model/event.js';
import { eventToEcs } from '../../src/output/ecs.js';
import { buildStore, loadStory } from '../cli/investigate-store.js';

// The story (fixtures/investigate/story.json), by index:
//  0-2 web 203.0.113.7 404 404 403 (zgrab) · 3 web alice 198.51.100.23 200 · 4 web 198.51.100.23 500 (sqlmap)
//  5 web 2001:db8::42 200 (escape sequences in the UA) · 6-7 sshd failures from 203.0.113.7 (root, admin)
//  8 sshd success deploy · 9 sudo deploy -> root · 10 web 10.1.2.3 /health · 11 pam session alice
// 12 firewall 203.0.113.7 -> 10.0.0.5 · 13 firewall 10.0.0.5 -> 203.0.113.7 · 14-15 raw (unparsed)
// 16-17 json (json.status "503" and 200, related.ip arrays) · 18 cloudtrail mallory · 19 web 04:10 302
// 20 web next day from ::ffff:203.0.113.8
const story = loadStory();
let dir: string;
let db: DB;

before(() => {
  dir = tmpDir();
  const file = path.join(dir, 'story.db');
  buildStore(file, story);
  db = openReadStore(file);
});

after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Story indices of the events a query matches, in time order of the store's ids. */
function hits(q: string): number[] {
  const index = new Map(story.map((e, i) => [e.raw, i]));
  return [...events(db, { query: compileQuery(q, { now: Date.UTC(2026, 10, 15, 12) }) })].map((ev) => index.get(ev.raw)!).sort((a, b) => a - b);
}

test('keyword fields: exact and case-sensitive; wildcards case-insensitive', () => {
  assert.deepEqual(hits('user.name:root'), [6]);
  assert.deepEqual(hits('user.name:Root'), []);
  assert.deepEqual(hits('http.request.method:get'), []);
  assert.deepEqual(hits('http.request.method:g*'), [0, 1, 3, 4, 5, 10, 19, 20]);
  assert.deepEqual(hits('user.name:(alice or deploy)'), [3, 8, 9, 11]);
  assert.deepEqual(hits('user.name:alice deploy'), [3, 8, 9, 11]);
  assert.deepEqual(hits('event.dataset:raw and not source.ip:*'), [15]);
  assert.deepEqual(hits('host.name:web01 and process.name:sudo'), [9]);
});

test('LIKE metacharacters in values are literal; ? is one character', () => {
  assert.deepEqual(hits('url.original:*1%27*'), [4]);
  assert.deepEqual(hits('url.original:*%*'), [4]);
  assert.deepEqual(hits('message:*_*'), [11]);
  assert.deepEqual(hits('url.original:/wp?login*'), [0, 20]);
  assert.deepEqual(hits('url.original:/admin\\?id*'), [4]);
});

test('free text and text fields: contains, case-insensitive; side by side means or', () => {
  assert.deepEqual(hits('failed'), [6, 7, 14]);
  assert.deepEqual(hits('failed password'), [6, 7, 8, 14]);
  assert.deepEqual(hits('"failed password"'), [6, 7]);
  assert.deepEqual(hits('message:password'), [6, 7, 8]);
  assert.deepEqual(hits('"FAILED for peer" and source.ip:203.0.113.7'), [14]);
});

test('numbers: equality, comparisons, ranges with [] and {}, digit wildcards', () => {
  assert.deepEqual(hits('http.response.status_code:404'), [0, 1, 20]);
  assert.deepEqual(hits('http.response.status_code >= 400'), [0, 1, 2, 4, 20]);
  assert.deepEqual(hits('http.response.status_code > 403 and http.response.status_code < 500'), [0, 1, 20]);
  assert.deepEqual(hits('http.response.status_code:[400 TO 499]'), [0, 1, 2, 20]);
  assert.deepEqual(hits('http.response.status_code:{403 TO 500}'), [0, 1, 20]);
  assert.deepEqual(hits('http.response.status_code:[500 TO *]'), [4]);
  assert.deepEqual(hits('http.response.status_code:4*'), [0, 1, 2, 20]);
  assert.throws(() => compileQuery('http.response.status_code:abc'), (e: unknown) => e instanceof QueryError && e.column === 27);
});

test('IPs: exact, CIDR v4 and v6 (any spelling, IPv4-mapped), ranges, wildcards, either side', () => {
  assert.deepEqual(hits('source.ip:203.0.113.7'), [0, 1, 2, 6, 7, 8, 12, 14, 19]);
  assert.deepEqual(hits('source.ip:203.0.113.0/24'), [0, 1, 2, 6, 7, 8, 12, 14, 18, 19, 20]);
  assert.deepEqual(hits('source.ip:203.0.113.96/28'), [18]);
  assert.deepEqual(hits('source.ip:2001:db8::/32'), [5]);
  assert.deepEqual(hits('source.ip:2001:0DB8:0000::0042/128'), [5]);
  assert.deepEqual(hits('source.ip:[198.51.100.0 TO 198.51.100.255]'), [3, 4, 16]);
  assert.deepEqual(hits('source.ip >= 203.0.113.8'), [18, 20]);
  assert.deepEqual(hits('source.ip > 203.0.113.8'), [18]);
  assert.deepEqual(hits('source.ip:10.*'), [10, 13]);
  assert.deepEqual(hits('source.ip:0.0.0.0/0'), [0, 1, 2, 3, 4, 6, 7, 8, 10, 12, 13, 14, 16, 17, 18, 19, 20]);
  assert.deepEqual(hits('destination.ip:10.0.0.0/8'), [12]);
  assert.deepEqual(hits('source.ip:2001:0DB8:0000::0042'), [5]);
  assert.deepEqual(hits('source.ip:203.0.113.8'), [20]);
  assert.deepEqual(hits('source.ip:::ffff:203.0.113.7'), hits('source.ip:203.0.113.7'));
  assert.throws(() => compileQuery('source.ip:bogus'), /not an IP address or CIDR/);
  assert.throws(() => compileQuery('source.ip:10.0.0.0/33'), /not a CIDR/);
});

test('an exact address matches every spelling the store holds, as its /32 or /128 does, with or without the counts', () => {
  const stored = [
    '2001:0db8:0000:0000:0000:0000:0000:0002', '2001:db8::2', '2001:DB8:0:0::2', '2001:db8::2%eth0', '2001:db8::0.0.0.2',
    '2001:db8::22', '2001:db8:1::2', '2001:db8::3', '2001:DB8::3', 'fe80::1', 'FE80:0000::0001', 'fe80::1:0',
    '10.1.2.3', '::ffff:10.1.2.3', '::FFFF:10.1.2.3', '10.1.2.30', '::ffff:10.1.2.30', '::1', '0:0:0:0:0:0:0:1',
  ];
  const file = path.join(dir, 'spellings.db');
  buildStore(file, stored.map((ip, i) => ({ ts: '2026-11-14T03:00:00Z', dataset: 'web.access', path: '/var/log/a.log', raw: `r${i}`, fields: { 'source.ip': ip } })));
  const sdb = openReadStore(file);
  const found = (q: string, held: boolean) =>
    [...events(sdb, { query: compileQuery(q, { held: held ? heldAddresses(sdb) : undefined }) })].map((ev) => ev.fields['source.ip']).sort();
  try {
    for (const [ip, bits] of [['2001:db8::2', 128], ['2001:0DB8::0002', 128], ['2001:db8::3', 128], ['fe80::1', 128], ['::1', 128], ['10.1.2.3', 32], ['::ffff:10.1.2.3', 128], ['2001:db8::99', 128]] as const) {
      const net = found(`source.ip:${ip}/${bits}`, false);
      for (const held of [false, true]) {
        assert.deepEqual(found(`source.ip:${ip}`, held), net, `${ip} (held: ${held})`);
        assert.equal(found(`not source.ip:${ip}`, held).length, stored.length - net.length, `not ${ip} (held: ${held})`);
      }
    }
    assert.equal(found('source.ip:2001:db8::2', true).length, 5);
    assert.equal(found('source.ip:10.1.2.3', true).length, 3);
  } finally {
    sdb.close();
  }
});

test('fields in the extra JSON: strings or numbers, arrays by element, nested objects by path', () => {
  assert.deepEqual(hits('log.level:error'), [16]);
  assert.deepEqual(hits('json.status:503'), [16]);
  assert.deepEqual(hits('json.status:200'), [17]);
  assert.deepEqual(hits('json.status >= 500'), [16]);
  assert.deepEqual(hits('json.status:[100 TO 300]'), [17]);
  assert.deepEqual(hits('related.ip:10.0.0.5'), [16]);
  assert.deepEqual(hits('related.ip:192.0.2.0/24'), [17]);
  assert.deepEqual(hits('aws.cloudtrail.userIdentity.userName:mallory'), [18]);
  assert.deepEqual(hits('aws.cloudtrail.eventName:console*'), [18]);
  assert.deepEqual(hits('error.message:*parser*'), [14, 15]);
  assert.deepEqual(hits('no.such.field:x'), []);
});

test('list fields (event.category, event.type) match by element; wildcards stay inside one element', () => {
  assert.deepEqual(hits('event.category:session'), [8, 11]);
  assert.deepEqual(hits('event.category:auth*'), [6, 7, 8, 18]);
  assert.deepEqual(hits('event.category:AUTH*'), [6, 7, 8, 18]);
  assert.deepEqual(hits('event.type:denied'), [12, 13]);
  // "n*s" would span "authentication,session" if the wildcard could cross the comma
  assert.deepEqual(hits('event.category:n*s'), []);
});

test('@timestamp: an ISO time names its span; comparisons; durations before now', () => {
  assert.deepEqual(hits('@timestamp:2026-11-15'), [20]);
  assert.deepEqual(hits('@timestamp:"2026-11-14T03:03"'), [6, 7, 8]);
  assert.deepEqual(hits('@timestamp:2026-11-14T03:03:03Z'), [7]);
  assert.deepEqual(hits('@timestamp >= 2026-11-14T04:00'), [19, 20]);
  assert.deepEqual(hits('@timestamp <= 2026-11-14T03:00:05'), [0]);
  assert.deepEqual(hits('@timestamp < 2026-11-14T03:00:06'), [0]);
  assert.deepEqual(hits('@timestamp:[2026-11-14T03:09 TO 2026-11-14T03:10}'), [16, 17]);
  assert.deepEqual(hits('@timestamp >= 1d'), [20]);
  assert.deepEqual(hits('@timestamp:2026-11').length, 21);
  assert.throws(() => compileQuery('@timestamp:15m'), /duration/);
  assert.throws(() => compileQuery('@timestamp:yesterday'), (e: unknown) => e instanceof QueryError && e.column === 12);
});

test('@timestamp: a date or time that does not exist is an error, not rolled over into another one', () => {
  for (const q of ['@timestamp:2026-10-45', '@timestamp:2026-02-30', '@timestamp:2026-00', '@timestamp:"2026-11-14T25:00"', '@timestamp < "2026-11-14T03:00+25:00"']) {
    assert.throws(() => compileQuery(q), (e: unknown) => e instanceof QueryError && /as a time/.test(e.message), q);
  }
});

test('tags: what the event JSON shows (unparsed from the status, the rest from the flag bits); loghound.event_id', () => {
  assert.deepEqual(hits('tags:unparsed'), [14, 15]);
  assert.deepEqual(hits('tags:timestamp_inferred'), [15]);
  assert.deepEqual(hits('tags:(unparsed and not timestamp_inferred)'), [14]);
  assert.deepEqual(hits('tags:*inferred'), [15]);
  assert.deepEqual(hits('tags:*'), [14, 15]);
  assert.equal(hits('not tags:timestamp_inferred').length, 20);
  assert.deepEqual(hits('tags:year_inferred'), []);
  assert.deepEqual(hits('loghound.event_id:7'), [6]);
  assert.deepEqual(hits('loghound.event_id:[20 TO *]'), [19, 20]);
  // every status and flag combination: a tag matches exactly the events whose JSON carries it
  const file = path.join(dir, 'tags.db');
  const combos = Array.from({ length: 64 }, (_, i) => ({ ts: '2026-11-14T03:00:00Z', dataset: 'raw', path: '/var/log/x.log', raw: `r${i}`, status: i >> 5, flags: i & 31, fields: {} }));
  buildStore(file, combos);
  const tdb = openReadStore(file);
  try {
    for (const tag of ['unparsed', ...FLAG_TAGS.map(([, t]) => t)]) {
      const q = compileQuery(`tags:${tag}`);
      const found = [...events(tdb, { query: q })].map((ev) => ev.raw).sort();
      const carry = [...events(tdb, {})].filter((ev) => (eventToEcs(ev).tags as string[] | undefined)?.includes(tag)).map((ev) => ev.raw).sort();
      assert.equal(found.length, 32, tag);
      assert.deepEqual(found, carry, tag);
    }
  } finally {
    tdb.close();
  }
});

test('not is two-valued: events without the field count as "not equal"', () => {
  assert.equal(hits('not user.name:root').length, 20);
  assert.equal(hits('not (user.name:root or user.name:admin)').length, 19);
  assert.deepEqual(hits('not not user.name:root'), [6]);
});

test('SQL shape: columns and their indexes are used, values are parameters', () => {
  const c = compileQuery('source.ip:203.0.113.7 and user.name:"x\' OR 1=1 --"');
  assert.equal(c.where, '(e.source_ip IN (?, ?, ?) AND e.user_name = ?)');
  assert.deepEqual(c.params, ['203.0.113.7', '::ffff:203.0.113.7', '::FFFF:203.0.113.7', "x' OR 1=1 --"]);
  // the spellings the store holds: one, so an equality the index answers in time order
  const held = compileQuery('source.ip:203.0.113.7', { held: heldAddresses(db) });
  assert.equal(held.where, 'e.source_ip IN (?)');
  assert.deepEqual(held.params, ['203.0.113.7']);
  assert.deepEqual(c.fields.sort(), ['source.ip', 'user.name']);
  const plan = (q: string) => {
    const cq = compileQuery(q);
    return (db.prepare(`EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE ${cq.where}`).all(...cq.params) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
  };
  assert.match(plan('source.ip:203.0.113.7'), /USING (COVERING )?INDEX events_source_ip/);
  assert.match(plan('source.ip:10.0.0.0/8'), /INDEX events_source_ip/);
  assert.match(plan('source.ip:2001:db8::42'), /MULTI-INDEX OR.*INDEX events_source_ip/);
  assert.doesNotMatch(plan('source.ip:2001:db8::42'), /SCAN/);
  assert.match(plan('user.name:root'), /INDEX events_user_name/);
});

test('a wide or is nested so SQLite never hits its expression depth limit', () => {
  const q = `user.name:(${Array.from({ length: 1000 }, (_, i) => `u${i}`).join(' ')} root)`;
  assert.deepEqual(hits(q), [6]);
});
