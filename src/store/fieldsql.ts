/**
 * ECS field name -> SQL expression over the events table (alias `e`). Column fields map to their column; any other
 * name is looked up in the extra JSON, where keys are dotted ECS names whose values may be nested objects
 * (aws.cloudtrail holds the whole record), so every split of the name into key + path is tried, longest key first.
 * Names are validated against a strict pattern before they reach SQL text; values are always bound parameters.
 */
import { fieldDef, type FieldType } from '../model/fields.js';
import { FLAG_TAGS, Status } from '../model/event.js';
import { UsageError } from '../errors.js';

const NAME = /^@?[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

export function isFieldName(name: string): boolean {
  return NAME.test(name);
}

export interface FieldSql {
  /** SQL expression yielding the value (TEXT, INTEGER or JSON text for objects/arrays) */
  sql: string;
  type: FieldType;
  /** true for a store column (indexable) */
  column: boolean;
  /** a field an event can hold more than once: SQL yielding a JSON array of all its values */
  values?: string;
}

/**
 * The `tags` of the event JSON (flagTags: "unparsed" from the status, then one tag per flag bit), built from the
 * same table and comma-joined like the list columns, so search and stats see exactly what the JSON shows; NULL
 * when there are none.
 */
function tagsSql(a: string): string {
  const parts = [
    `CASE WHEN ${a}.status = ${Status.UNPARSED} THEN ',unparsed' ELSE '' END`,
    ...FLAG_TAGS.map(([bit, tag]) => `CASE WHEN ${a}.flags & ${bit} THEN ',${tag}' ELSE '' END`),
  ];
  return `nullif(substr(${parts.join(' || ')}, 2), '')`;
}

/**
 * Event metadata that lives in the base columns rather than the ECS catalogue. Maps, not object literals: the
 * names come from the user, and "constructor" or "__proto__" would find Object.prototype's members in an object.
 */
const META = new Map<string, (alias: string) => FieldSql>([
  ['event.original', (a) => ({ sql: `${a}.raw`, type: 'text', column: true })],
  ['log.file.line', (a) => ({ sql: `${a}.line`, type: 'long', column: true })],
  ['log.offset', (a) => ({ sql: `${a}.offset`, type: 'long', column: true })],
  ['log.file.path', (a) => ({ sql: `(SELECT path FROM sources WHERE id = ${a}.source_id)`, type: 'keyword', column: false })],
  ['tags', (a) => ({ sql: tagsSql(a), type: 'keyword[]', column: true })],
  ['loghound.event_id', (a) => ({ sql: `${a}.id`, type: 'long', column: true })],
]);

/** A field search knows: the catalogue's, or event metadata (for "is this name misspelt?" notes). */
export function isKnownField(name: string): boolean {
  return META.has(name) || fieldDef(name) !== undefined;
}

const INTEL_COLUMN = new Map([
  ['geo.country_iso_code', 'country_iso_code'],
  ['geo.country_name', 'country_name'],
  ['geo.city_name', 'city_name'],
  ['as.number', 'asn'],
  ['as.organization.name', 'as_org'],
]);

const LISTED = (a: string, side: 'source' | 'destination') =>
  `(SELECT i.feed_count FROM ip_intel i WHERE i.ip = ${a}.${side}_ip) > 0`;

/**
 * A threat field by which of the event's addresses the feeds list: `one(address)` when only that one is (or both
 * fields hold the same address), `both` when two different addresses are, NULL when none is. An event with no
 * listed address (nearly every event) costs two ip_intel lookups and builds no JSON. Written as CASE over the two
 * lookups: one subquery over both addresses cost a third more per event in a hunt's scan.
 */
function byListed(a: string, one: (ip: string) => string, both: string): string {
  const src = `${a}.source_ip`;
  const dst = `${a}.destination_ip`;
  return `(CASE WHEN ${LISTED(a, 'source')} THEN (CASE WHEN ${LISTED(a, 'destination')} AND ${dst} <> ${src} THEN ${both} ELSE ${one(src)} END) WHEN ${LISTED(a, 'destination')} THEN ${one(dst)} END)`;
}

/**
 * Every listed address of an event is an indicator (as ECS threat.enrichments has one per match): the address when
 * one is listed, a JSON array when both are, which search matches element by element. `values` is always an array,
 * for rules: they match any element, and group one finding per listed address.
 */
function indicatorSql(a: string): FieldSql {
  const both = `json_array(${a}.source_ip, ${a}.destination_ip)`;
  return {
    sql: byListed(a, (ip) => ip, both),
    values: byListed(a, (ip) => `json_array(${ip})`, both),
    type: 'ip',
    column: false,
  };
}

/** Fields that hold what each listing says, from the JSON array at this path of ip_intel.threat (matcher.ts Threat). */
const PER_LISTING = new Map([
  ['threat.feed.name', '$.feeds'],
  ['threat.context', '$.contexts'],
]);

/**
 * The feed names (or contexts) of every listing of the event's addresses, as threat.enrichments shows them: one
 * value, or a JSON array of the distinct ones, which search matches element by element; `values` always an array,
 * for rules, which match any element and group per element. A Tor exit that a heavier list also holds is found by
 * the Tor list's name.
 */
function perListingSql(a: string, path: string): FieldSql {
  const array = (ip: string) => `(SELECT json_extract(i.threat, '${path}') FROM ip_intel i WHERE i.ip = ${ip})`;
  const single = (ip: string) =>
    `(SELECT CASE WHEN json_array_length(i.threat, '${path}') = 1 THEN json_extract(i.threat, '${path}[0]') ELSE json_extract(i.threat, '${path}') END FROM ip_intel i WHERE i.ip = ${ip})`;
  const elements = `FROM ip_intel i, json_each(i.threat, '${path}') j WHERE i.ip IN (${a}.source_ip, ${a}.destination_ip)`;
  return {
    sql: byListed(a, single, `(SELECT CASE WHEN count(DISTINCT j.value) = 1 THEN min(j.value) ELSE json_group_array(DISTINCT j.value) END ${elements})`),
    values: byListed(a, array, `(SELECT json_group_array(DISTINCT j.value) ${elements})`),
    type: 'keyword',
    column: false,
  };
}

/**
 * Measures of how strongly the event is implicated: the highest over its listed addresses. A severity query is a
 * triage level, so `threat.severity: low` must not return an event whose other address is a critical C2. Severity
 * rises with the score, so the highest is the heaviest listing's, as the event JSON's threat.severity; feed_count
 * is the most feeds any listed address is on, so `threat.feed_count >= 2` finds an address on two feeds even when
 * the event's heavier address is on one.
 */
function highestSql(a: string, name: 'threat.severity' | 'threat.feed_count'): FieldSql {
  const col = name === 'threat.severity' ? 'threat_severity' : 'feed_count';
  const one = (ip: string) => `(SELECT i.${col} FROM ip_intel i WHERE i.ip = ${ip})`;
  const both =
    col === 'feed_count'
      ? `max(${one(`${a}.source_ip`)}, ${one(`${a}.destination_ip`)})`
      : `(SELECT i.threat_severity FROM ip_intel i WHERE i.ip IN (${a}.source_ip, ${a}.destination_ip) ORDER BY i.threat_score DESC LIMIT 1)`;
  return { sql: byListed(a, one, both), type: col === 'feed_count' ? 'long' : 'keyword', column: false };
}

/** Enrichment lives per address in ip_intel; these read it through the event's address. */
function intelSql(name: string, a: string): FieldSql | undefined {
  const m = /^(source|destination)\.(.+)$/.exec(name);
  const intel = m && INTEL_COLUMN.get(m[2]);
  if (m && intel) {
    const type = m[2] === 'as.number' ? 'long' : 'keyword';
    return { sql: `(SELECT i.${intel} FROM ip_intel i WHERE i.ip = ${a}.${m[1]}_ip)`, type, column: false };
  }
  if (name === 'threat.indicator.ip') return indicatorSql(a);
  const path = PER_LISTING.get(name);
  if (path) return perListingSql(a, path);
  if (name === 'threat.severity' || name === 'threat.feed_count') return highestSql(a, name);
  return undefined;
}

/**
 * `expr` when it holds a JSON array, else NULL: the lists of the extra JSON, for json_each to read element by element.
 * Nested CASEs because json_type fails on text that is not JSON (a plain string of the extra JSON, an intel column).
 */
export function jsonArraySql(expr: string): string {
  return `CASE WHEN json_valid(${expr}) THEN CASE WHEN json_type(${expr}) = 'array' THEN ${expr} END END`;
}

export function fieldSql(name: string, alias = 'e'): FieldSql {
  if (!isFieldName(name)) throw new UsageError(`"${name}" is not a field name`);
  const meta = META.get(name);
  if (meta) return meta(alias);
  const intel = intelSql(name, alias);
  if (intel) return intel;
  const def = fieldDef(name);
  if (def?.column) return { sql: `${alias}.${def.column}`, type: def.type, column: true };
  const parts = name.split('.');
  const paths: string[] = [];
  for (let k = parts.length; k >= 1; k--) {
    const key = parts.slice(0, k).join('.');
    const rest = parts.slice(k);
    paths.push(`$."${key}"${rest.map((p) => `."${p}"`).join('')}`);
  }
  const exprs = paths.map((p) => `json_extract(${alias}.extra, '${p}')`);
  return { sql: exprs.length === 1 ? exprs[0] : `coalesce(${exprs.join(', ')})`, type: def?.type ?? 'keyword', column: false };
}
