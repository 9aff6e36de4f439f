/**
 * Field mappings: data (src/detect/mappings/*.yml) that tie a Sigma log source to loghound datasets and Sigma
 * field names to ECS fields. A rule whose log source has no mapping, or that names a field its mapping does not
 * know, is skipped with that reason: a mapping mistake must never silently match nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { fieldDef } from '../model/fields.js';
// parsers register the fields they add (ssh.*, pam.*, source.domain...) when loaded: a rule may name them in any
// command, also in those that parse nothing ("rules list", a hunt that ingests no new file)
import '../parsers/registry.js';
import { fieldSql, isFieldName } from '../store/fieldsql.js';
import type { FieldType } from '../model/fields.js';
import type { LogSource } from './model.js';

const MAPPING_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/detect/mappings');

interface JsonField {
  json: string;
  path?: string;
  multi?: boolean;
}

export interface Mapping {
  file: string;
  logsource: LogSource;
  datasets: string[];
  /**
   * the mapping's own filter on the datasets' events: alternatives, ORed, each a map of fields ANDed, each field
   * matching any of its values (any element of a multi-valued field); empty: every event
   */
  where: Record<string, string[]>[];
  /** only events whose address a feed lists can match: with no address listed the log source is empty */
  listed: boolean;
  groupBy: string[];
  /**
   * what keyword lists search: a field, or several whose values are joined with a space into one text (the program
   * name before its message; an auditd event's raw records, then its decoded command line). A space, not the
   * line's `: `, so that a rule asking for a colon (Remote File Copy: `scp ` and `:`) does not find the tag's.
   */
  keywords: string[];
  /**
   * a list: the first of those fields that the event has (cs-host: an absolute URL's host, else the vhost);
   * `any`: an item matches when it matches on any of those fields (cs-uri-query: the whole target or the query);
   * `parts`: those of them whose value is always a part of the first's (the query of the target), which a
   * `contains` item then need not read: it cannot match there without matching the first
   */
  fields: Record<string, string | string[] | JsonField | { any: string[]; parts?: string[] } | Translated>;
  otherFields?: JsonField;
}

/**
 * A Sigma field whose values name what an ECS field holds in other words (Sysmon's Initiated 'true' is an
 * egress connection): a rule's value is translated before it is compared; one not listed is compared as written.
 */
interface Translated {
  field: string;
  values: Record<string, string>;
}

/** A field as the SQL compiler sees it. */
export interface ResolvedField {
  name: string;
  /** SQL yielding the value (scalar fields) */
  sql: string;
  type: FieldType;
  /** multi-valued: match when any element of this JSON location matches */
  each?: { column: string; path: string };
  /**
   * `sql` gives one value, or a JSON array when the event holds several; a group-by reads `each.column`, always an
   * array, and makes one group of each element
   */
  spread?: true;
  /**
   * a key inside a JSON object (other-fields): lists on the way to it (requestParameters.containerDefinitions[])
   * and an object or list found there hold values too, which the value at the path alone does not reach
   */
  nested?: { root: string; path: string; arrays: string[]; leaf: string };
  /** an `any` mapping: the fields an item is matched on, ORed (the first also stands for the field elsewhere) */
  alternatives?: ResolvedField[];
  /** of the alternatives, the names whose value is always a part of the first's (Mapping.fields `parts`) */
  parts?: string[];
  /** a rule's values as the field holds them (Mapping.fields `values`), keyed in lower case */
  translate?: Record<string, string>;
}

let cache: Mapping[] | undefined;

/**
 * Every mapping file's log sources. A file is one mapping, or a list of them that share fields through YAML
 * anchors and merge keys (zeek.yml: one per Zeek log); a listed mapping is named `<file>:<service>`.
 */
export function mappings(): Mapping[] {
  if (cache) return cache;
  cache = fs
    .readdirSync(MAPPING_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .flatMap((f) => {
      const d = YAML.parse(fs.readFileSync(path.join(MAPPING_DIR, f), 'utf8'), { merge: true }) as Record<string, any> | Record<string, any>[];
      if (!Array.isArray(d)) return [toMapping(f, d)];
      return d.map((x) => toMapping(`${f}:${x.logsource?.service ?? x.logsource?.category}`, x));
    });
  return cache;
}

function toMapping(file: string, d: Record<string, any>): Mapping {
  // `where:` is one map, or a list of maps for a log source that is several kinds of event (created or overwritten)
  const where = [d.where ?? []].flat().map((alt: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(alt).map(([k, v]) => [k, [v].flat().map(String)])),
  );
  return {
    file,
    logsource: d.logsource ?? {},
    datasets: d.datasets ?? [],
    where,
    listed: d.listed === true,
    groupBy: d['group-by'] ?? [],
    keywords: [d.keywords ?? 'event.original'].flat(),
    fields: d.fields ?? {},
    otherFields: d['other-fields'],
  };
}

/** The mapping whose product, category and service all equal the rule's (absent equals absent). */
export function mappingFor(ls: LogSource): Mapping | undefined {
  return mappings().find(
    (m) => (m.logsource.product ?? undefined) === ls.product && (m.logsource.category ?? undefined) === ls.category && (m.logsource.service ?? undefined) === ls.service,
  );
}

export function describeLogsource(ls: LogSource): string {
  return Object.entries(ls)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '(empty)';
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function jsonPath(key: string, rest: string[]): string {
  return `$."${key}"${rest.map((p) => `."${p}"`).join('')}`;
}

/** Where a nested key's values may also be: each step of its path that may be a list, and the key itself. */
function nestedOf(key: string, segs: string[]): NonNullable<ResolvedField['nested']> {
  const arrays = segs.slice(0, -1).map((_s, i) => jsonPath(key, segs.slice(0, i + 1)));
  return { root: jsonPath(key, []), path: segs.join('.'), arrays, leaf: jsonPath(key, segs) };
}

/** Sigma field name -> resolved field, or a reason it cannot be mapped. */
export function resolveField(m: Mapping, sigmaName: string): ResolvedField | string {
  const mapped = m.fields[sigmaName];
  if (typeof mapped === 'string') return ecsField(mapped);
  if (Array.isArray(mapped)) {
    const fs = ecsFields(mapped);
    if (typeof fs === 'string') return fs;
    return { name: fs[0].name, sql: `coalesce(${fs.map((f) => f.sql).join(', ')})`, type: fs[0].type };
  }
  if (mapped !== undefined && 'values' in mapped) {
    const f = ecsField(mapped.field);
    const translate = Object.fromEntries(Object.entries(mapped.values).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return typeof f === 'string' ? f : { ...f, translate };
  }
  if (mapped !== undefined && 'any' in mapped) {
    const fs = ecsFields(mapped.any);
    return typeof fs === 'string' ? fs : { ...fs[0], alternatives: fs, parts: mapped.parts };
  }
  const json = mapped ?? (fieldDef(sigmaName) ? undefined : m.otherFields);
  if (json) {
    const segs = (json.path ?? sigmaName).split('.');
    if (!segs.every((s) => SEGMENT.test(s))) return `field "${sigmaName}" has characters loghound cannot address`;
    const p = jsonPath(json.json, segs);
    return json.multi
      ? { name: `${json.json}.${segs.join('.')}`, sql: `json_extract(e.extra, '${p}')`, type: 'keyword', each: { column: 'e.extra', path: p } }
      : { name: `${json.json}.${segs.join('.')}`, sql: `json_extract(e.extra, '${p}')`, type: 'keyword', nested: nestedOf(json.json, segs) };
  }
  if (fieldDef(sigmaName)) return ecsField(sigmaName);
  return `field "${sigmaName}" has no mapping for logsource ${describeLogsource(m.logsource)} (${m.file})`;
}

/** The text keyword lists search (see Mapping.keywords), or why it cannot be read. */
export function keywordField(m: Mapping): ResolvedField | string {
  const fs = ecsFields(m.keywords);
  if (typeof fs === 'string') return fs;
  if (fs.length === 1) return fs[0];
  if (fs.some((f) => f.each)) return `keywords: the multi-valued ${fs.find((f) => f.each)!.name} cannot be joined into one text`;
  // concat_ws leaves out the fields an event lacks (a line without a tag)
  return { name: m.keywords.join('+'), sql: `concat_ws(' ', ${fs.map((f) => f.sql).join(', ')})`, type: 'text' };
}

/** Several ECS names, or why one of them cannot be read. */
function ecsFields(names: string[]): ResolvedField[] | string {
  const each = names.map(ecsField);
  return each.find((f): f is string => typeof f === 'string') ?? (each as ResolvedField[]);
}

/** An ECS name used directly (rule packs written against loghound's schema, group-by fields). */
export function ecsField(name: string): ResolvedField | string {
  if (!isFieldName(name)) return `"${name}" is not a field name`;
  const f = fieldSql(name);
  return f.values ? { name, sql: f.sql, type: f.type, each: { column: f.values, path: '$' }, spread: true } : { name, sql: f.sql, type: f.type };
}
