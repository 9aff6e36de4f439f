/** Stored events -> ECS-nested JSON documents: the one event shape of every --json output and export. */
import { flagTags, Status, type StoredEvent } from '../model/event.js';
import { isoUtc } from '../util/time.js';

export type Doc = Record<string, unknown>;

/** Sets a dotted ECS name in a nested object: setPath(doc, "source.ip", v) -> {source: {ip: v}}. */
/** Names that would reach Object.prototype through a nested assignment (log data can name fields). */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function setPath(doc: Doc, name: string, value: unknown): void {
  const parts = name.split('.').map((p) => (UNSAFE_KEYS.has(p) ? `_${p}_` : p));
  let node: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i];
    let next = node[k];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
      next = {};
      node[k] = next;
    }
    node = next as Doc;
  }
  node[parts[parts.length - 1]] = value;
}

export function eventToEcs(ev: StoredEvent): Doc {
  const doc: Doc = { '@timestamp': isoUtc(ev.ts) };
  for (const [name, value] of Object.entries(ev.fields)) {
    if (value !== undefined && value !== null) setPath(doc, name, value);
  }
  setPath(doc, 'event.dataset', ev.dataset);
  setPath(doc, 'event.original', ev.raw);
  setPath(doc, 'log.file.path', ev.sourcePath);
  setPath(doc, 'log.file.line', ev.line);
  setPath(doc, 'log.offset', ev.offset);
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

function hasEmptyPart(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasEmptyPart);
  if (v === null || typeof v !== 'object') return false;
  for (const k in v) if (Object.hasOwn(v, k) && (EMPTY_PART.test(k) || hasEmptyPart((v as Doc)[k]))) return true;
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
    // a renamed key must not take the name of another key, as written or renamed: underscores until it is free
    if (name !== k) while (Object.hasOwn(src, name) || Object.hasOwn(out, name)) name += '_';
    out[name] = esValue(inner);
  }
  return out;
}

/**
 * An event or alert document as an Elasticsearch `_bulk` source: logs name fields freely (a JSON log's "a." or
 * "", an ECS-shaped line's "_id"), and one name Elasticsearch refuses fails the whole document. A name part that is
 * empty or blank becomes "_", and a top-level metadata name moves under loghound.renamed; everything else is kept.
 */
export function esDocument(doc: Doc): Doc {
  // nearly every document has nothing to rename: look before copying (a copy of each cost a fifth of an export)
  if (!Object.keys(doc).some((k) => ES_METADATA.has(k)) && !hasEmptyPart(doc)) return doc;
  const out = esValue(doc) as Doc;
  for (const key of Object.keys(out)) {
    if (!ES_METADATA.has(key)) continue;
    setPath(out, `${RENAMED_PREFIX}.${key}`, out[key]);
    delete out[key];
  }
  return out;
}
