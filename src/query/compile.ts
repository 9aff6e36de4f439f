/**
 * Search AST -> a parameterized SQL condition over the events table (alias `e`).
 *
 * What a term means depends on the field's type in the catalogue, as in Kibana:
 * - keyword: `field:value` is exact and case-sensitive (and uses the column's index); a value with `*` or `?`
 *   is a case-insensitive wildcard match (LIKE, ASCII case folding).
 * - text (message) and free text: contains the value or phrase, case-insensitive.
 * - long: numbers; `field:4*` matches the digits as text.
 * - ip: an address, a CIDR (v4 or v6) or a wildcard; ranges compare addresses, not strings.
 * - @timestamp: an ISO time names a span (a day, a minute, a second...) and matches within it.
 * - keyword[] (event.category, event.type): matches when any element matches.
 * Fields outside the columns live in the extra JSON: their type is unknown there, so a value matches a string or
 * a number that equals it, and an array matches when one of its elements does.
 *
 * SQL text is built only from fixed fragments and fieldSql() expressions (whose field names pass its strict
 * pattern); every value is a bound parameter. `not` is two-valued (a missing field is "not equal"), as in Kibana.
 */
import { fieldSql, jsonArraySql, type FieldSql } from '../store/fieldsql.js';
import { parseTimeArg } from '../util/time.js';
import { LoghoundError } from '../errors.js';
import { QueryError, STAR, ONE, hasWildcard, type Bound, type Node, type Seg, type Value } from './ast.js';
import { familyBounds, ipKey, isIpv4Key, parseCidr, spellingPrefixes, stepKey, V4_SPELLINGS } from './ip.js';
import { parseQuery } from './parser.js';

export type SqlParam = string | number;

export interface CompiledQuery {
  /** a condition for a WHERE clause; "1" matches everything */
  where: string;
  params: SqlParam[];
  /** field names the query names (for "is this a known field?" notes) */
  fields: string[];
}

/**
 * The spellings of an address (its ipKey) that the store holds in a column field, or undefined when the store
 * cannot tell cheaply.
 */
export type HeldAddresses = (field: string, key: string) => string[] | undefined;

export interface CompileOptions {
  /** reference time for durations in @timestamp comparisons ("@timestamp >= 2h") */
  now?: number;
  held?: HeldAddresses;
}

export function compileQuery(query: string, opts: CompileOptions = {}): CompiledQuery {
  return compileAst(parseQuery(query), query, opts);
}

/** A tree built by code (entity filters) or by the parser; `source` is the text errors point into. */
export function compileAst(node: Node, source: string, opts: CompileOptions = {}): CompiledQuery {
  const c = new Compiler(source, opts.now ?? Date.now(), opts.held);
  const where = c.node(node);
  return { where, params: c.params, fields: [...c.fields] };
}

const NUMBER = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;
const LIKE_ESCAPE = " ESCAPE '\\'";

function likeBody(segs: Seg[]): string {
  let out = '';
  for (const s of segs) {
    if (s === STAR) out += '%';
    else if (s === ONE) out += '_';
    else out += s.replace(/[\\%_]/g, (ch) => '\\' + ch);
  }
  return out;
}

/** SQLite's lower() folds ASCII only; fold the pattern the same way so both sides agree. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
}

/** GLOB pattern for one element of a comma-joined list: wildcards never cross a comma. */
function elementGlob(segs: Seg[]): string {
  let out = '';
  for (const s of segs) {
    if (s === STAR) out += '[^,]*';
    else if (s === ONE) out += '[^,]';
    else out += asciiLower(s).replace(/[*?[]/g, (ch) => `[${ch}]`);
  }
  return `*,${out},*`;
}

function literal(v: Value): string {
  return v.segs.join('');
}

function balanced(parts: string[], op: 'AND' | 'OR'): string {
  // nested pairs keep SQLite's expression depth logarithmic in the number of terms (its limit is 1000)
  if (parts.length === 1) return parts[0];
  const mid = parts.length >> 1;
  return `(${balanced(parts.slice(0, mid), op)} ${op} ${balanced(parts.slice(mid), op)})`;
}

interface TimeSpan {
  ms: number;
  /** how long the value names: a day for a date, a minute for hh:mm, ... */
  span: number;
}

type Pred = (expr: string) => string;

class Compiler {
  readonly params: SqlParam[] = [];
  readonly fields = new Set<string>();

  constructor(
    private readonly query: string,
    private readonly now: number,
    private readonly held?: HeldAddresses,
  ) {}

  private fail(reason: string, pos: number, hint?: string): never {
    throw new QueryError(reason, this.query, pos, hint);
  }

  private p(v: SqlParam): string {
    this.params.push(v);
    return '?';
  }

  node(n: Node): string {
    switch (n.type) {
      case 'all':
        return '1';
      case 'and':
        return balanced(n.children.map((c) => this.node(c)), 'AND');
      case 'or':
        return balanced(n.children.map((c) => this.node(c)), 'OR');
      case 'not':
        return `NOT coalesce(${this.node(n.child)}, 0)`;
      case 'match':
        return n.field === null ? this.freeText(n.value) : this.match(n.field, n.fieldPos, n.value);
      case 'exists':
        return this.exists(n.field, n.fieldPos);
      case 'range':
        return this.range(n.field, n.fieldPos, n.lo, n.hi);
    }
  }

  private field(name: string, pos: number): FieldSql {
    try {
      const f = fieldSql(name);
      this.fields.add(name);
      return f;
    } catch (err) {
      if (err instanceof LoghoundError) this.fail(err.message, pos);
      throw err;
    }
  }

  private freeText(v: Value): string {
    const pattern = `%${likeBody(v.segs)}%`;
    return `(e.message LIKE ${this.p(pattern)}${LIKE_ESCAPE} OR e.raw LIKE ${this.p(pattern)}${LIKE_ESCAPE})`;
  }

  private exists(name: string, pos: number): string {
    const f = this.field(name, pos);
    return f.type === 'date' && f.column ? '1' : `${f.sql} IS NOT NULL`;
  }

  /**
   * Extra-JSON fields: the predicate on the value itself, or on any element when the value is a JSON array.
   * json_each only sees arrays: a nested object is not searched member by member.
   */
  private loose(expr: string, pred: Pred): string {
    return `(${pred(expr)} OR EXISTS (SELECT 1 FROM json_each(${jsonArraySql(expr)}) WHERE ${pred('value')}))`;
  }

  private match(name: string, fieldPos: number, v: Value): string {
    const f = this.field(name, fieldPos);
    const wild = hasWildcard(v);
    const isIp = f.type === 'ip' || name.endsWith('.ip');
    if (f.type === 'date' && f.column) {
      if (wild) this.fail('wildcards do not apply to @timestamp', v.pos, 'use a range: @timestamp >= 2026-11-14T03:00 and @timestamp < 2026-11-14T04:00');
      const t = this.time(v, false);
      return `(${f.sql} >= ${this.p(t.ms)} AND ${f.sql} < ${this.p(t.ms + t.span)})`;
    }
    const like = (pattern: string): Pred => (x) => `${x} LIKE ${this.p(pattern)}${LIKE_ESCAPE}`;
    if (isIp && !wild) return this.ipMatch(name, f, literal(v), v.pos);
    if (f.column) {
      switch (f.type) {
        case 'keyword[]':
          return wild
            ? `lower(',' || ${f.sql} || ',') GLOB ${this.p(elementGlob(v.segs))}`
            : `instr(',' || ${f.sql} || ',', ${this.p(`,${literal(v)},`)}) > 0`;
        case 'long':
          if (wild) return `CAST(${f.sql} AS TEXT) LIKE ${this.p(likeBody(v.segs))}${LIKE_ESCAPE}`;
          return `${f.sql} = ${this.p(this.number(v, name))}`;
        case 'text':
          return like(`%${likeBody(v.segs)}%`)(f.sql);
        default:
          return wild ? like(likeBody(v.segs))(f.sql) : `${f.sql} = ${this.p(literal(v))}`;
      }
    }
    if (wild) return this.loose(f.sql, like(likeBody(v.segs)));
    if (f.type === 'text') return this.loose(f.sql, like(`%${likeBody(v.segs)}%`));
    if (f.type === 'long') {
      const n = this.number(v, name);
      return this.loose(f.sql, (x) => `lh_number(${x}) = ${this.p(n)}`);
    }
    const text = literal(v);
    const alt: SqlParam[] = [text];
    if (!v.quoted && NUMBER.test(text)) alt.push(Number(text));
    if (!v.quoted && (text === 'true' || text === 'false')) alt.push(text === 'true' ? 1 : 0);
    return this.loose(f.sql, (x) => (alt.length === 1 ? `${x} = ${this.p(text)}` : `${x} IN (${alt.map((a) => this.p(a)).join(', ')})`));
  }

  /**
   * An address, or a CIDR. On a column, an IPv4 CIDR first narrows by the text of its whole octets ("10." for
   * 10.0.0.0/8, as written and ::ffff:-mapped in either case) so the column's index does the work; ip_in_cidr is
   * exact.
   */
  private ipMatch(name: string, f: FieldSql, text: string, pos: number): string {
    const pred = (x: string) => (f.column ? x : this.loose(x, (y) => `ip_in_cidr(${y}, ${this.p(text)})`));
    if (!text.includes('/')) {
      const key = ipKey(text);
      if (key === undefined) this.fail(`"${text}" is not an IP address or CIDR`, pos, 'e.g. source.ip:203.0.113.7, source.ip:10.0.0.0/8, source.ip:2001:db8::/32');
      return f.column ? this.ipAddress(name, f.sql, text, key) : pred(f.sql);
    }
    const cidr = parseCidr(text);
    if (!cidr) this.fail(`"${text}" is not a CIDR`, pos, 'e.g. 10.0.0.0/8 or 2001:db8::/32');
    if (!f.column) return pred(f.sql);
    // parameters are bound in the order their "?" appear, so the exact test is built where it is written
    const exact = () => `ip_in_cidr(${f.sql}, ${this.p(text)})`;
    const octets = cidr.v4 ? Math.floor(cidr.bits / 8) : 0;
    if (octets === 0) return exact();
    const network = text.slice(0, text.indexOf('/')).split('.').slice(0, octets).join('.');
    if (octets === 4) return `(${this.spelt(f.sql, network)} AND ${exact()})`;
    const between = (prefix: string) => `(${f.sql} >= ${this.p(prefix + '.')} AND ${f.sql} < ${this.p(prefix + '/')})`;
    return `(${balanced(V4_SPELLINGS.map((m) => between(m + network)), 'OR')} AND ${exact()})`;
  }

  /**
   * One address on a column, which holds addresses as the logs wrote them: an IPv4 address as written or mapped
   * (what its /32 matches), an IPv6 address in any spelling. When the store says which spellings it holds (one,
   * nearly always), an equality, which the column's index answers already in time order: several values would
   * make SQLite sort every match, a second for an address seen 300,000 times. Else still index lookups: an IN
   * list, or one index range per spelling prefix of the address, each with the test by value (so the ranges join
   * an enclosing `or` as its own terms). likelihood(): SQLite guesses that a range holds 1/64 of the rows, so a
   * score of ranges looked like a third of the store and it scanned the time index instead.
   */
  private ipAddress(name: string, sql: string, text: string, key: string): string {
    const held = this.held?.(name, key);
    if (held) return held.length === 0 ? '0' : `${sql} IN (${held.map((h) => this.p(h)).join(', ')})`;
    if (isIpv4Key(key)) return this.spelt(sql, keyToIp(key));
    const range = (p: string) =>
      `(likelihood(${sql} >= ${this.p(p)}, 0.001) AND likelihood(${sql} < ${this.p(p.slice(0, -1) + ';')}, 0.001) AND ip_in_cidr(${sql}, ${this.p(text)}))`;
    return balanced(spellingPrefixes(key).map(range), 'OR');
  }

  /** The text of a whole IPv4 address, as written or ::ffff:-mapped. */
  private spelt(sql: string, v4: string): string {
    return `${sql} IN (${V4_SPELLINGS.map((m) => this.p(m + v4)).join(', ')})`;
  }

  private number(v: Value, name: string): number {
    const text = literal(v);
    if (v.quoted ? !NUMBER.test(text.trim()) : !NUMBER.test(text)) this.fail(`${name} is a number; "${text}" is not`, v.pos);
    return Number(text);
  }

  private range(name: string, fieldPos: number, lo: Bound | undefined, hi: Bound | undefined): string {
    const f = this.field(name, fieldPos);
    const isIp = f.type === 'ip' || name.endsWith('.ip');
    if (f.type === 'date' && f.column) {
      const parts: string[] = [];
      if (lo) {
        const t = this.time(lo.value, true);
        parts.push(`${f.sql} >= ${this.p(lo.inclusive ? t.ms : t.ms + t.span)}`);
      }
      if (hi) {
        const t = this.time(hi.value, true);
        parts.push(`${f.sql} < ${this.p(hi.inclusive ? t.ms + t.span : t.ms)}`);
      }
      return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
    }
    if (isIp) return this.ipRange(f, lo, hi);
    const numeric =
      f.type === 'long' || (!f.column && f.type === 'keyword' && [lo, hi].every((b) => !b || NUMBER.test(literal(b.value))));
    const bound = (b: Bound): SqlParam => (numeric ? this.number(b.value, name) : literal(b.value));
    const pred: Pred = (x) => {
      const e = numeric && !f.column ? `lh_number(${x})` : x;
      const parts: string[] = [];
      if (lo) parts.push(`${e} ${lo.inclusive ? '>=' : '>'} ${this.p(bound(lo))}`);
      if (hi) parts.push(`${e} ${hi.inclusive ? '<=' : '<'} ${this.p(bound(hi))}`);
      return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
    };
    return f.column ? pred(f.sql) : this.loose(f.sql, pred);
  }

  private ipRange(f: FieldSql, lo: Bound | undefined, hi: Bound | undefined): string {
    const key = (b: Bound) => {
      const text = literal(b.value);
      const k = ipKey(text);
      if (k === undefined) this.fail(`"${text}" is not an IP address`, b.value.pos);
      return k;
    };
    const loKey = lo && key(lo);
    const hiKey = hi && key(hi);
    const v4 = isIpv4Key((loKey ?? hiKey)!);
    const family = familyBounds(v4);
    const from = lo ? (lo.inclusive ? loKey : stepKey(loKey!, 1, v4)) : family.lo;
    const to = hi ? (hi.inclusive ? hiKey : stepKey(hiKey!, -1, v4)) : family.hi;
    if (from === undefined || to === undefined) return '0';
    const pred: Pred = (x) => `ip_in_range(${x}, ${this.p(keyToIp(from))}, ${this.p(keyToIp(to))})`;
    return f.column ? pred(f.sql) : this.loose(f.sql, pred);
  }

  /**
   * An ISO time (its span follows its precision: 2026-11, 2026-11-14, ...T03:04, ...T03:04:05), epoch seconds or
   * ms, or in comparisons a duration before now ("@timestamp >= 2h"). Times without a zone are UTC.
   */
  private time(v: Value, comparison: boolean): TimeSpan {
    const text = literal(v).trim();
    let m = /^(\d{4})(?:-(\d\d))?$/.exec(text);
    if (m) {
      const y = Number(m[1]);
      if (m[2] === undefined) return { ms: Date.UTC(y, 0, 1), span: Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1) };
      const mo = Number(m[2]) - 1;
      if (mo < 0 || mo > 11) this.fail(`cannot read "${text}" as a time`, v.pos);
      return { ms: Date.UTC(y, mo, 1), span: Date.UTC(y, mo + 1, 1) - Date.UTC(y, mo, 1) };
    }
    let ms: number;
    try {
      ms = parseTimeArg(text, 'UTC', this.now);
    } catch {
      return this.fail(`cannot read "${text}" as a time`, v.pos, 'use an ISO time such as 2026-11-14 or "2026-11-14T03:00:00Z", or in a comparison a duration such as 2h');
    }
    if (Number.isNaN(ms)) this.fail(`cannot read "${text}" as a time`, v.pos);
    if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/.test(text)) {
      if (!comparison) this.fail(`"${text}" is a duration`, v.pos, `to match the last ${text}, write @timestamp >= ${text}`);
      return { ms, span: 1 };
    }
    if (/^\d{10}$/.test(text)) return { ms, span: 1000 };
    if (/^\d{13}$/.test(text)) return { ms, span: 1 };
    m = /^\d{4}-\d\d-\d\d(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?/i.exec(text);
    if (!m || m[1] === undefined) return { ms, span: 86_400_000 };
    if (m[3] === undefined) return { ms, span: 60_000 };
    if (m[4] === undefined) return { ms, span: 1000 };
    return { ms, span: Math.max(1, 10 ** (3 - Math.min(3, m[4].length))) };
  }
}

/** Back from a key to address text (IPv4 dotted, IPv6 uncompressed: both spellings that ip_in_range reads). */
export function keyToIp(key: string): string {
  if (isIpv4Key(key)) {
    const h = key.slice(24);
    return [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16)).join('.');
  }
  return key.match(/.{4}/g)!.join(':');
}

