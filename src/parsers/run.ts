/**
 * Parsing without a store: lines in, ECS documents out. Used by `explain` and the golden-file tests; ingest uses
 * the same Dispatcher, so what these show is what ingest stores.
 */
import { flagTags, type LineRef, type ParsedEvent } from '../model/event.js';
import { Dispatcher, chooseParser } from './dispatch.js';
import type { Parser } from './types.js';
import { fieldsDoc, type Doc } from '../output/ecs.js';
import { isoUtc } from '../util/time.js';

export interface RunOptions {
  format?: string;
  tz?: string;
  /** reference time for year inference (a file's mtime) */
  mtimeMs?: number;
  path?: string;
}

export interface RunResult {
  parser: Parser;
  /** `parser`: the one that took the line (the stream's parser, another standalone one, or raw) */
  events: { doc: Doc; status: number; at: LineRef; raw: string; parser: Parser }[];
}

export function parseLines(lines: string[], opts: RunOptions = {}): RunResult {
  const parser = chooseParser(lines.slice(0, 200), opts.format);
  const events: RunResult['events'] = [];
  const ctx = { path: opts.path ?? '-', tz: opts.tz ?? 'UTC', mtimeMs: opts.mtimeMs ?? Date.now() };
  const emit = (ev: ParsedEvent, status: number, at: LineRef, raw: string, _lines: number, by: Parser) => {
    events.push({ doc: toDoc(ev, status, raw), status, at, raw, parser: by });
  };
  const d = new Dispatcher(parser, ctx, emit, null, { forced: opts.format !== undefined });
  let offset = 0;
  lines.forEach((line, i) => {
    d.push(line, { line: i + 1, offset });
    offset += Buffer.byteLength(line) + 1;
  });
  d.end();
  return { parser, events };
}

/** A parsed (not yet stored) event as an ECS document. */
export function toDoc(ev: ParsedEvent, status: number, raw: string): Doc {
  const stamp: Doc = ev.ts !== undefined && !Number.isNaN(ev.ts) ? { '@timestamp': isoUtc(ev.ts) } : {};
  const doc = fieldsDoc(stamp, ev.fields, [
    ['event.dataset', ev.dataset],
    ['event.original', raw],
  ]);
  const tags = flagTags(ev.flags ?? 0, status);
  if (tags.length) doc.tags = tags;
  return doc;
}
