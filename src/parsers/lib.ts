/** Helpers shared by parsers: timestamps in the usual log shapes and IP addresses. Pure and allocation-light. */
import { isIP } from 'node:net';
import type { Fields, LineRef, ParsedEvent } from '../model/event.js';
import type { ParseResult } from './types.js';
import { formatIPv4, parseIp } from '../util/ip.js';
import { MONTHS, parseOffset, wallToUtc } from '../util/time.js';

/** [10/Oct/2000:13:55:36 -0700] (the brackets excluded), optional fraction after the seconds. NaN when not. */
export function parseClfTime(s: string): number {
  // dd/Mon/yyyy:HH:MM:SS[.fff] +zzzz
  if (s.length < 20 || s.charCodeAt(2) !== 47 /* / */ || s.charCodeAt(6) !== 47) return NaN;
  const day = num2(s, 0);
  const mon = MONTHS[s.slice(3, 6).toLowerCase()];
  const year = Number(s.slice(7, 11));
  const h = num2(s, 12);
  const mi = num2(s, 15);
  const sec = num2(s, 18);
  if (mon === undefined || !(day >= 1) || !(h >= 0) || !(mi >= 0) || !(sec >= 0) || !(year > 0)) return NaN;
  let i = 20;
  let ms = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    ms = Number(s.slice(i + 1, j).padEnd(3, '0').slice(0, 3));
    i = j;
  }
  const zone = s.slice(i).trim();
  const off = zone ? parseOffset(zone) : 0;
  if (Number.isNaN(off)) return NaN;
  return Date.UTC(year, mon, day, h, mi, sec, ms) - off;
}

/** The decimal number in s[i, i+len), or -1 when any of those characters is not a digit. */
export function digitsAt(s: string, i: number, len: number): number {
  let v = 0;
  for (let k = i; k < i + len; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function num2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return NaN;
  return a * 10 + b;
}

const ISO_RE = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s?(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/**
 * ISO-8601 / RFC 3339 date-time. Without a zone it is read in `tz` and `zoneless` is reported through the
 * optional out-parameter so the caller can flag the event.
 */
export function parseIsoTime(s: string, tz: string, out?: { zoneless: boolean }): number {
  const m = ISO_RE.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec = '0', frac = '', zone] = m;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +sec > 60) return NaN;
  if (zone) {
    const off = parseOffset(zone.toUpperCase());
    if (Number.isNaN(off)) return NaN;
    if (out) out.zoneless = false;
    return Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec, ms) - off;
  }
  if (out) out.zoneless = true;
  return wallToUtc(tz, +y, +mo - 1, +d, +h, +mi, +sec, ms);
}

/**
 * The year of an RFC 3164 stamp, which has none. The rule: the latest year that does not put the line in the
 * future of the reference time (the file's mtime), with a day of slack for zone differences. A December line in a
 * file last written in January is from the previous year; a file spanning New Year gets both years right.
 */
export function inferYear(month0: number, day: number, refMs: number): number {
  const ref = new Date(refMs);
  const year = ref.getUTCFullYear();
  const candidate = Date.UTC(year, month0, day);
  return candidate > refMs + 86_400_000 ? year - 1 : year;
}

const SYSLOG_TS = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/;

/** "Nov 14 03:12:01" (and "Nov  4 ..."): returns [utcMs, matchedLength] or undefined. */
export function parseSyslogTime(s: string, tz: string, refMs: number): [number, number] | undefined {
  const m = SYSLOG_TS.exec(s);
  if (!m) return undefined;
  const mon = MONTHS[m[1].toLowerCase()];
  if (mon === undefined) return undefined;
  const day = Number(m[2]);
  const year = inferYear(mon, day, refMs);
  const ms = m[6] ? Number(m[6].padEnd(3, '0').slice(0, 3)) : 0;
  return [wallToUtc(tz, year, mon, day, +m[3], +m[4], +m[5], ms), m[0].length];
}

const IPV4_IN_TEXT = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d.]*\d)/;
const IPV6_IN_TEXT = /(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/i;

/** The first IPv4 or IPv6 address in free text (IPv4 first: far more common in logs). */
export function findIp(text: string): string | undefined {
  const v4 = IPV4_IN_TEXT.exec(text);
  if (v4) return v4[0];
  if (text.indexOf(':') < 0) return undefined;
  const re = new RegExp(IPV6_IN_TEXT.source, 'gi');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // a time such as 03:12:01 looks like a short IPv6 address; require a real parse and at least one letter or ::
    if (isIP(m[0]) === 6 && (/[a-f]/i.test(m[0]) || m[0].includes('::'))) return m[0];
  }
  return undefined;
}

export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4, ::FFFF:102:304, 0:0:0:0:0:ffff:1.2.3.4) as its IPv4 address; anything else as it is. */
export function plainIp(s: string): string {
  // every spelling of a mapped address holds "ffff" and a colon: the rest is never parsed
  if (s.indexOf(':') < 0 || !/ffff/i.test(s)) return s;
  const p = parseIp(s);
  return p && p.v === 4 ? formatIPv4(p.n) : s;
}

/**
 * Every IP field of an event (a name ending in .ip: source.ip, destination.ip, client.ip, host.ip lists, ...) in
 * plainIp form. Dual-stack servers (Node, Java, nginx or Apache on a [::] socket) log IPv4 clients as ::ffff:a.b.c.d:
 * one spelling per address keeps group-bys, feed ranges and GeoIP lookups whole. Ingest calls it for every parser.
 */
export function plainIps(f: Fields): void {
  for (const k in f) {
    if (k.charCodeAt(k.length - 1) !== 112 /* p */ || !k.endsWith('.ip')) continue;
    const v = f[k];
    if (typeof v === 'string') f[k] = plainIp(v);
    else if (Array.isArray(v)) f[k] = v.map((x) => (typeof x === 'string' ? plainIp(x) : x));
  }
}

/** A port or count field: a non-negative integer, or undefined for "-" and anything else. */
export function toInt(s: string | undefined): number | undefined {
  if (s === undefined || s === '' || s === '-') return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

const TS_IN_TEXT: { re: RegExp; parse: (m: string, tz: string, ref: number) => number }[] = [
  { re: /\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s?(?:Z|[+-]\d\d:?\d\d)?/i, parse: (m, tz) => parseIsoTime(m, tz) },
  { re: /\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?/, parse: (m) => parseClfTime(m) },
  { re: /\b[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d\b/, parse: (m, tz, ref) => parseSyslogTime(m, tz, ref)?.[0] ?? NaN },
];

/** The first timestamp of a known shape anywhere in the line (raw fallback, free-text formats). */
export function findTimestamp(text: string, tz: string, refMs: number): number | undefined {
  for (const { re, parse } of TS_IN_TEXT) {
    const m = re.exec(text);
    if (m) {
      const t = parse(m[0], tz, refMs);
      if (!Number.isNaN(t)) return t;
    }
  }
  return undefined;
}

/** A JSON document spread over lines (pretty-printed), held from its first line until its brackets close. */
export interface HeldJson {
  first: LineRef;
  lines: string[];
  bytes: number;
  state: { depth: number; inString: boolean };
}

/** Adds a line to a held document; true once its brackets have closed. */
export function holdLine(doc: HeldJson, line: string): boolean {
  doc.lines.push(line);
  doc.bytes += line.length + 1;
  depthAfter(line, doc.state);
  return doc.state.depth <= 0;
}

/** A held document that could not be read, kept with all its lines and the reason. */
export function brokenHeld(doc: HeldJson, dataset: string, why: string): ParsedEvent {
  return { dataset, fields: {}, unparsed: why, span: { at: doc.first, raw: doc.lines.join('\n'), lines: doc.lines.length } };
}

/** A held document broken off by the next one's first line: its event, then what that line gives. */
export function brokenThen(broken: ParsedEvent, next: ParseResult, dataset: string): ParseResult {
  if (next === null) return broken;
  if (typeof next === 'string') return [broken, { dataset, fields: {}, unparsed: next }];
  return [broken, ...(Array.isArray(next) ? next : [next])];
}

/** Bracket depth of a JSON line, continuing from `depth`; strings are skipped. `inString` carries across lines. */
export function depthAfter(line: string, state: { depth: number; inString: boolean }): void {
  let { depth, inString } = state;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  state.depth = depth;
  state.inString = inString;
}

/**
 * JSON nested deeper than this is refused by the parsers that read JSON. Log lines are attacker-controlled: one line
 * of 400,000 brackets (well under the line cap) parses, but overflowed the stack of JSON.stringify when its event
 * was stored, which failed the whole ingest; and SQLite's JSON functions refuse text nested over 1000 levels, so a
 * stored event that deep would fail every rule that reads a JSON field. Real logs nest a handful of levels.
 */
export const MAX_JSON_DEPTH = 100;
export const TOO_DEEP = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

/** Whether a parsed JSON value nests objects or arrays deeper than MAX_JSON_DEPTH. */
export function jsonTooDeep(value: unknown): boolean {
  return typeof value === 'object' && value !== null && deeper(value, MAX_JSON_DEPTH);
}

// Recursion stops at MAX_JSON_DEPTH levels, so it cannot overflow; for-in allocates nothing (a tenth of a parse).
function deeper(v: object, levelsLeft: number): boolean {
  if (levelsLeft === 0) return true;
  if (Array.isArray(v)) {
    for (const c of v) if (typeof c === 'object' && c !== null && deeper(c, levelsLeft - 1)) return true;
  } else {
    for (const k in v) {
      const c = (v as Record<string, unknown>)[k];
      if (typeof c === 'object' && c !== null && deeper(c, levelsLeft - 1)) return true;
    }
  }
  return false;
}
