/** Stored events -> ECS-nested JSON documents: the one event shape of every --json output and export. */
import { flagTags, Status, type Fields, type StoredEvent } from '../model/event.js';
import { isoUtc } from '../util/time.js';

export type Doc = Record<string, unknown>;

/** Names that would reach Object.prototype through a nested assignment (log data can name fields). */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const safePart = (p: string) => (UNSAFE_KEYS.has(p) ? `_${p}_` : p);

function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own members only: a kept object's "constructor" key is data, and an absent one is not Object's constructor. */
const own = (node: Doc, key: string): unknown => (Object.hasOwn(node, key) ? node[key] : undefined);

/** Sets a dotted ECS name in a nested object: setPath(doc, "source.ip", v) -> {source: {ip: v}}. */
export function setPath(doc: Doc, name: string, value: unknown): void {
  const parts = name.split('.').map(safePart);
  let node: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    let next = own(node, k);
    if (!isObject(next)) {
      next = {};
      node[k] = next;
    }
    node = next as Doc;
  }
  node[parts[parts.length - 1]] = value;
}

/**
 * The event's own object at node[key], made the document's before anything is added to it: a shallow copy, whose
 * objects are the event's in turn. `kept` holds the objects of the event's fields that the document refers to.
 */
function ownObject(node: Doc, key: string, obj: Doc, kept: Set<Doc> | undefined): Doc {
  if (!kept?.has(obj)) return obj;
  const copy = { ...obj };
  for (const v of Object.values(copy)) if (isObject(v)) kept.add(v);
  node[key] = copy;
  return copy;
}

/**
 * Dotted names as one nested document, every value kept. A name below a name that holds a value (logfmt
 * `a=2 a.b=1`: no object can be both 2 and {b: 1}) is written whole beside that value, as the log wrote it:
 * {"a": "2", "a.b": "1"}, the flat form Elasticsearch keeps for an object mapped with `subobjects: false`. Which
 * names nest does not depend on their order. A field that holds an object merges with the names below it; two
 * values at one name become a list of both (Elasticsearch reads {"a":{"b":1},"a.b":2} as a.b [1, 2] too).
 */
export function nestFields(base: Doc, fields: [string, unknown][]): Doc {
  // nearly every event has no name below a value: nest plainly, and look for such names only when one is met
  return nest(base, fields, undefined) ?? (nest(base, fields, valueNames(fields)) as Doc);
}

function valueNames(fields: [string, unknown][]): Set<string> {
  const names = new Set<string>();
  for (const [name, v] of fields) if (!isObject(v)) names.add(name);
  return names;
}

/**
 * One pass of nestFields. Without `values` (the names that hold a value) it gives up, undefined, at a name below a
 * value; with them it always completes.
 */
function nest(base: Doc, fields: [string, unknown][], values: Set<string> | undefined): Doc | undefined {
  // Object.assign, not a spread: the spread's copy took three times as long to fill (base holds only our names)
  const doc: Doc = Object.assign({}, base);
  let kept: Set<Doc> | undefined;
  for (const [name, value] of fields) {
    const parts = name.split('.').map(safePart);
    // where the written key starts: the last part, or the part of the shortest prefix that holds a value
    let at = parts.length - 1;
    if (values && at > 0) {
      for (let i = name.indexOf('.'), n = 0; i >= 0; i = name.indexOf('.', i + 1), n++) {
        if (values.has(name.slice(0, i))) {
          at = n;
          break;
        }
      }
    }
    let node = doc;
    for (let j = 0; j < at; j++) {
      const k = parts[j];
      const next = own(node, k);
      if (next === undefined) node = node[k] = {};
      else if (isObject(next)) node = ownObject(node, k, next, kept);
      else if (!values) return undefined;
      else {
        // a value inside an object the event holds whole: the rest of the name goes beside it
        at = j;
        break;
      }
    }
    const key = at === parts.length - 1 ? parts[at] : parts.slice(at).join('.');
    const old = own(node, key);
    if (old === undefined) {
      if (isObject(value)) (kept ??= new Set()).add(value);
      node[key] = value;
    } else if (isObject(old) && isObject(value)) {
      // a field that holds an object, and names below it met first
      merge(node, key, value, (kept ??= new Set()));
    } else if (!values && isObject(old)) {
      return undefined;
    } else {
      node[key] = ([] as unknown[]).concat(old, value);
    }
  }
  return doc;
}

/** Puts a member of an event's object at node[key], merging it with what is there. */
function merge(node: Doc, key: string, value: unknown, kept: Set<Doc>): void {
  const old = own(node, key);
  if (old === undefined) {
    // a kept object's own "__proto__" key stays a key (an assignment would set the prototype)
    if (key === '__proto__') Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
    else node[key] = value;
    if (isObject(value)) kept.add(value);
  } else if (isObject(old) && isObject(value)) {
    const into = ownObject(node, key, old, kept);
    for (const [k, v] of Object.entries(value)) merge(into, k, v, kept);
  } else {
    node[key] = ([] as unknown[]).concat(old, value);
  }
}

/** An event's fields (absent ones left out) and the metadata set beside them, nested below `base`. */
export function fieldsDoc(base: Doc, fields: Fields, meta: [string, unknown][]): Doc {
  const all: [string, unknown][] = [];
  for (const name in fields) {
    const value = fields[name];
    if (value !== undefined && value !== null && Object.hasOwn(fields, name)) all.push([name, value]);
  }
  for (const m of meta) all.push(m);
  return nestFields(base, all);
}

export function eventToEcs(ev: StoredEvent): Doc {
  const doc = fieldsDoc({ '@timestamp': isoUtc(ev.ts) }, ev.fields, [
    ['event.dataset', ev.dataset],
    ['event.original', ev.raw],
    ['log.file.path', ev.sourcePath],
    ['log.file.line', ev.line],
    ['log.offset', ev.offset],
  ]);
  const tags = flagTags(ev.flags, ev.status);
  if (tags.length) doc.tags = tags;
  doc.loghound = { event_id: ev.id, parsed: ev.status === Status.PARSED };
  return doc;
}

/**
 * Top-level names Elasticsearch keeps for metadata: a document that holds one as a field is refused whole
 * ("Field [_id] is a metadata field and cannot be added inside a document"). OpenSearch's and older versions' too.
 */
const ES_METADATA = new Set([
  '_id', '_index', '_source', '_routing', '_version', '_seq_no', '_primary_term', '_ignored', '_ignored_source',
  '_field_names', '_type', '_tier', '_doc_count', '_data_stream_timestamp', '_feature', '_nested_path', '_tsid',
  '_uid', '_parent', '_all', '_size', '_timestamp', '_ttl',
]);

/** Where a top-level metadata name of the log goes in a bulk document: beside loghound's own fields. */
export const RENAMED_PREFIX = 'loghound.renamed';

// a part of a dotted name that is empty or only whitespace, which Elasticsearch refuses ("a.", ".b", "a..b", "")
const EMPTY_PART = /(^|\.)\s*(\.|$)/;

function esKey(key: string): string {
  return EMPTY_PART.test(key) ? key.split('.').map((part) => (part.trim() === '' ? '_' : part)).join('.') : key;
}

/**
 * Whether Elasticsearch, expanding a dotted key of `obj` into objects, meets one of obj's values on the way or at its
 * end: {"a": 2, "a.b": 1} is a mapping conflict that refuses the document, unless `a` is mapped `subobjects: false`.
 */
function expansionClash(obj: Doc, key: string): boolean {
  let node: unknown = obj;
  for (const part of key.split('.')) {
    if (!isObject(node)) return true;
    node = own(node, part);
    if (node === undefined) return false;
  }
  return true;
}

/** A key of `obj` that Elasticsearch refuses as it stands. */
function refusedKey(obj: Doc, key: string): boolean {
  return EMPTY_PART.test(key) || (key.includes('.') && expansionClash(obj, key));
}

function hasRefusedKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasRefusedKey);
  if (v === null || typeof v !== 'object') return false;
  for (const k in v) if (Object.hasOwn(v, k) && (refusedKey(v as Doc, k) || hasRefusedKey((v as Doc)[k]))) return true;
  return false;
}

function esValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(esValue);
  if (v === null || typeof v !== 'object') return v;
  const src = v as Doc;
  // no prototype: a kept object of the log can hold an own "__proto__" key, which is a name like any other here
  const out: Doc = Object.create(null) as Doc;
  for (const [k, inner] of Object.entries(src)) {
    let name = esKey(k);
    // a key written whole beside a value of its first parts ({"a": 2, "a.b": 1}) loses its dots, as Logstash's
    // de_dot filter writes them: "a_b"
    if (name.includes('.') && expansionClash(src, name)) name = name.replace(/\./g, '_');
    // a renamed key must not take the name of another key, as written or renamed: underscores until it is free
    if (name !== k) while (Object.hasOwn(src, name) || Object.hasOwn(out, name)) name += '_';
    out[name] = esValue(inner);
  }
  return out;
}

/**
 * An event or alert document as an Elasticsearch `_bulk` source: logs name fields freely (a JSON log's "a." or
 * "", an ECS-shaped line's "_id", logfmt's `a=2 a.b=1`), and one name Elasticsearch refuses fails the whole
 * document. A name part that is empty or blank becomes "_", a key written whole beside a value of its own first
 * parts has its dots replaced by "_", and a top-level metadata name moves under loghound.renamed; everything else is
 * kept.
 */
export function esDocument(doc: Doc): Doc {
  // nearly every document has nothing to rename: look before copying (a copy of each cost a fifth of an export)
  if (!Object.keys(doc).some((k) => ES_METADATA.has(k)) && !hasRefusedKey(doc)) return doc;
  const out = esValue(doc) as Doc;
  for (const key of Object.keys(out)) {
    if (!ES_METADATA.has(key)) continue;
    setPath(out, `${RENAMED_PREFIX}.${key}`, out[key]);
    delete out[key];
  }
  return out;
}
