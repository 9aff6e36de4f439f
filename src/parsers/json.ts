/**
 * JSON lines. ECS-shaped documents (an @timestamp plus ECS objects or dotted ECS names, or an `ecs` version) keep
 * their names, flattened to dotted form; other documents get the usual keys mapped (keymap.ts) and keep the rest
 * under `json.<key>`, and those that are a web server's access entries (nginx, Caddy, Traefik, Envoy JSON formats)
 * get the access parser's dataset, web.access. CloudTrail's shapes belong to the cloudtrail parser and score 0 here.
 */
import type { FieldValue } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { ECS_SETS, endLine, mapKey, type KeyMode, type Mapped } from './keymap.js';
import type { Parser, ParserContext } from './types.js';
import { WEB_FIELDS } from './web-common.js';
import { TOO_DEEP, jsonTooDeep } from './lib.js';

const NOT_OBJECT = 'not a JSON object';
const BAD_JSON = 'not valid JSON';
/** Deeper objects are kept whole under their name rather than flattened further. */
const MAX_DEPTH = 16;

export type Obj = { [key: string]: FieldValue };

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record's object value, or undefined (the JSON-record parsers read nested objects with it). */
export const objectOf = (v: unknown): Obj | undefined => (isObject(v) ? v : undefined);

/** A record's text value, or undefined when it is empty or no string. */
export const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function isEcsShaped(doc: Obj): boolean {
  let stamp = false;
  let sets = false;
  for (const k in doc) {
    if (k === '@timestamp') {
      stamp = true;
      continue;
    }
    const dot = k.indexOf('.');
    const head = dot < 0 ? k : k.slice(0, dot);
    if (head === 'ecs') return true;
    if (ECS_SETS.has(head) && (dot > 0 || isObject(doc[k]))) sets = true;
  }
  return stamp && sets;
}

function flatten(m: Mapped, name: string, value: FieldValue, ctx: ParserContext, mode: KeyMode, depth: number): void {
  if (isObject(value) && depth < MAX_DEPTH) {
    let empty = true;
    for (const k in value) {
      empty = false;
      flatten(m, `${name}.${k}`, value[k], ctx, mode, depth + 1);
    }
    if (!empty) return;
  }
  mapKey(m, name, value, 'json', ctx, mode);
}

/** CloudTrail: a `{"Records":[` file or single records with eventVersion and eventSource. */
function isCloudTrail(line: string): boolean {
  return line.includes('"Records"') || (line.includes('"eventVersion"') && line.includes('"eventSource"'));
}

/** Where the object starts: after a BOM, json-seq's record separator and blanks; -1 when the line is no object. */
export function objectStart(line: string): number {
  let i = 0;
  if (line.charCodeAt(0) === 0xfeff) i = 1;
  while (line.charCodeAt(i) === 0x1e || line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  return line.charCodeAt(i) === 123 /* { */ ? i : -1;
}

/** The line's JSON object, or why it is none (the reason a parser gives back). */
export function readObject(line: string): Obj | string {
  const start = objectStart(line);
  if (start < 0) return NOT_OBJECT;
  let doc: unknown;
  try {
    doc = JSON.parse(start === 0 ? line : line.slice(start));
  } catch {
    return BAD_JSON;
  }
  if (jsonTooDeep(doc)) return TOO_DEEP;
  return isObject(doc) ? doc : NOT_OBJECT;
}

function parseLine(line: string, ctx: ParserContext) {
  const doc = readObject(line);
  if (typeof doc === 'string') return doc;
  const ecs = isEcsShaped(doc);
  const m: Mapped = { fields: {}, flags: 0, logstash: !ecs && Object.hasOwn(doc, '@version') };
  for (const k in doc) {
    const v = doc[k];
    if (isObject(v)) flatten(m, k, v, ctx, ecs ? 'ecs' : 'nested', 1);
    else mapKey(m, k, v, 'json', ctx, ecs ? 'ecs' : 'usual');
  }
  if (!ecs) endLine(m, 'json');
  return { ts: m.ts, dataset: m.dataset ?? 'json', fields: m.fields, flags: m.flags };
}

export const json: Parser = {
  name: 'json',
  description: 'JSON lines: ECS documents keep their names; other documents get the usual keys mapped',
  datasets: ['json', 'web.access'],
  standalone: true,
  detect(sample) {
    let hits = 0;
    for (const line of sample) {
      const end = line.trimEnd();
      if (objectStart(line) >= 0 && end.charCodeAt(end.length - 1) === 125 /* } */ && !isCloudTrail(line)) hits++;
    }
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    return { parse: (line) => parseLine(line, ctx), flush: () => [] };
  },
  fields: [
    WEB_FIELDS.sourceAddress,
    WEB_FIELDS.sourceDomain,
    WEB_FIELDS.urlScheme,
    WEB_FIELDS.urlDomain,
    WEB_FIELDS.requestMimeType,
    { name: 'json.*', type: 'object', desc: 'keys of a non-ECS JSON line that no ECS field takes, flattened to dotted names', filledBy: 'json' },
  ] satisfies FieldDef[],
};
