import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esDocument, eventToEcs, nestFields, type Doc } from '../../src/output/ecs.js';
import { nestGroup } from '../../src/output/findings.js';
import type { Fields, StoredEvent } from '../../src/model/event.js';

function stored(fields: Fields): StoredEvent {
  return { id: 7, ts: Date.UTC(2026, 10, 14, 3), dataset: 'logfmt', sourcePath: '/var/log/app.log', line: 3, offset: 120, status: 0, flags: 0, raw: 'a=2 a.b=1', fields };
}

/**
 * What Elasticsearch does with a document under dynamic mapping: dotted keys expand into objects, and a name that
 * is a value in one place and an object in another is a mapping conflict that refuses the whole document. Returns
 * the expanded document, or throws with the conflicting name.
 */
function esExpand(doc: Doc, at = ''): Doc {
  const out: Doc = {};
  for (const [key, value] of Object.entries(doc)) {
    const parts = key.split('.');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next))) {
        throw new Error(`mapping conflict at ${at}${parts.slice(0, i + 1).join('.')}`);
      }
      node = (node[parts[i]] ??= {}) as Doc;
    }
    const last = parts[parts.length - 1];
    const inner = typeof value === 'object' && value !== null && !Array.isArray(value) ? esExpand(value as Doc, `${at}${key}.`) : value;
    if (node[last] !== undefined) throw new Error(`mapping conflict at ${at}${key}`);
    node[last] = inner;
  }
  return out;
}

test('a name that is a value and a parent keeps both: the child is written whole beside the value, in any order', () => {
  const one = eventToEcs(stored({ 'logfmt.a': '2', 'logfmt.a.b': '1' }));
  const other = eventToEcs(stored({ 'logfmt.a.b': '1', 'logfmt.a': '2' }));
  assert.deepEqual(one.logfmt, { a: '2', 'a.b': '1' });
  assert.deepEqual(other.logfmt, one.logfmt);
  // jq .logfmt["a.b"] reads it; the event's own names still nest
  assert.deepEqual(one.log, { file: { path: '/var/log/app.log', line: 3 }, offset: 120 });
  assert.deepEqual(one.event, { dataset: 'logfmt', original: 'a=2 a.b=1' });
});

test('below the first name that holds a value, every deeper name is written whole beside it', () => {
  const doc = eventToEcs(stored({ 'json.x.a.b.c': 3, 'json.x.a': 1, 'json.x.a.b': 2, 'json.x.d': 4, 'json.y.z': [5] }));
  assert.deepEqual(doc.json, { x: { a: 1, 'a.b': 2, 'a.b.c': 3, d: 4 }, y: { z: [5] } });
});

test('a field that holds an object merges with the names below it; a value met twice is kept as a list', () => {
  const kept = { eventName: 'GetObject', nested: { k: 1 } };
  const doc = nestFields({}, [
    ['aws.cloudtrail', kept],
    ['aws.cloudtrail.nested.extra', 2],
    ['aws.cloudtrail.eventName', 'again'],
  ]);
  assert.deepEqual(doc, { aws: { cloudtrail: { eventName: ['GetObject', 'again'], nested: { k: 1, extra: 2 } } } });
  // the event's own object is not changed by the merge
  assert.deepEqual(kept, { eventName: 'GetObject', nested: { k: 1 } });
  // a value inside such an object is a value too: a name below it goes beside it
  assert.deepEqual(nestFields({}, [['o', { v: 1 }], ['o.v.w', 2]]), { o: { v: 1, 'v.w': 2 } });
});

test('names that would reach Object.prototype stay keys', () => {
  const doc = nestFields({}, [['x', { __proto__: null, constructor: 1 } as unknown as Doc], ['x.constructor', 2], ['__proto__.a', 3]]);
  assert.deepEqual(doc.x, { constructor: 1, _constructor_: 2 });
  assert.deepEqual(doc.___proto___, { a: 3 });
  assert.equal(({} as Doc).a, undefined);
});

test('a finding group nests the same way', () => {
  assert.deepEqual(nestGroup({ 'logfmt.a': '2', 'logfmt.a.b': '1', 'source.ip': '203.0.113.7' }), {
    logfmt: { a: '2', 'a.b': '1' },
    source: { ip: '203.0.113.7' },
  });
});

test('bulk documents: a key written beside a value loses its dots, so Elasticsearch takes the document', () => {
  const doc = eventToEcs(stored({ 'logfmt.a': '2', 'logfmt.a.b': '1', 'logfmt.a.b.c': '0', 'logfmt.a_b': 'taken', 'logfmt.k': 'v' }));
  assert.throws(() => esExpand(doc), /mapping conflict at logfmt\.a/);
  // bulk documents are objects without a prototype: compared as the JSON they are written as
  const bulk = JSON.parse(JSON.stringify(esDocument(doc))) as Doc;
  assert.deepEqual(bulk.logfmt, { a: '2', a_b_: '1', a_b_c: '0', a_b: 'taken', k: 'v' });
  assert.deepEqual(esExpand(bulk).logfmt, { a: '2', a_b_: '1', a_b_c: '0', a_b: 'taken', k: 'v' });
  // a dotted key that meets no value expands as Elasticsearch would: it is left as it is
  const free = { '@timestamp': 't', o: { 'p.q': 1, r: { s: 2 }, 'r.t': 3 } };
  assert.equal(esDocument(free), free);
  assert.deepEqual(esExpand(free).o, { p: { q: 1 }, r: { s: 2, t: 3 } });
});
