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
