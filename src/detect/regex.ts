/**
 * Regular expressions from rules run on attacker-controlled text, so they must not be able to hang the tool.
 * V8's linear-time engine (no backtracking) takes every rule regex: main.ts enables it at start-up. A pattern that
 * needs backtracking (backreferences, lookaround) cannot run there and the rule is refused with that reason.
 * Sigma writes PCRE-style inline flags such as (?i); they become JavaScript flags.
 */
import v8 from 'node:v8';
import { ipv6ToBigInt, parseIp, parseRange, type IpRange } from '../util/ip.js';
import type { DB } from '../store/db.js';

let enabled = false;

/** Turns on V8's linear-time regexp engine (the `l` flag) and its fallback on excessive backtracking. */
export function enableLinearRegex(): void {
  if (enabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  enabled = true;
}

/** A compiled rule regex; `fold`: the text must be lower-cased before matching (case-insensitive patterns). */
export interface SigmaRegex {
  re: RegExp;
  fold: boolean;
}

export function compileSigmaRegex(pattern: string, flags: string): SigmaRegex | string {
  enableLinearRegex();
  let source = pattern;
  let f = flags;
  // leading inline flag groups: (?i), (?s), (?im) ...
  for (let m = /^\(\?([imsx]+)\)/.exec(source); m; m = /^\(\?([imsx]+)\)/.exec(source)) {
    if (m[1].includes('x')) return 'the (?x) extended-regex flag is not supported';
    for (const c of m[1]) if (!f.includes(c)) f += c;
    source = source.slice(m[0].length);
  }
  const anchored = subjectAnchors(source, f.includes('m'));
  if (anchored === null) return 'the regular expression uses \\A, \\Z or \\z with the m flag: JavaScript has no anchor for the start or end of the whole text in multiline mode';
  source = anchored;
  const foreign = pcreOnly(source);
  if (foreign) return `the regular expression uses ${foreign}, which PCRE reads differently from JavaScript (it would match other text, silently)`;
  // The linear engine has no `i` flag: fold the pattern's letters to lower case and the text too (sigma_re does).
  const fold = f.includes('i');
  if (fold) {
    source = lowerPattern(source);
    f = f.replace('i', '');
  }
  source = splitLongRepeats(source);
  try {
    new RegExp(source, f + 'l');
    // The linear engine is an interpreter, several times slower than V8's compiled backtracking engine. A pattern
    // it accepts runs on the fast engine, and V8 switches it to the linear engine by itself if it ever backtracks
    // excessively (enableLinearRegex turns that fallback on), so it still cannot hang.
    return { re: new RegExp(source, f), fold };
  } catch {
    try {
      new RegExp(source, f);
    } catch (err) {
      return `invalid regular expression: ${(err as Error).message}`;
    }
    if (/\\[1-9]|\\k</.test(source)) return 'the regular expression uses a backreference, which needs backtracking and could hang on hostile input';
    if (/\(\?<?[=!]/.test(source)) return 'the regular expression uses lookaround, which needs backtracking and could hang on hostile input';
    // The linear engine also refuses counted repetitions as small as [0-9a-f]{32}. Such a pattern runs on the
    // backtracking engine only when its work per position is bounded by a small number (see boundedChoices).
    if (/[*+]|\{\d+,\}/.test(source.replace(/\\./g, ''))) {
      return 'the regular expression combines a large counted repetition with unbounded quantifiers, which could hang on hostile input';
    }
    if (!boundedChoices(source)) {
      return 'the regular expression repeats a group, or multiplies counted repetitions, beyond what the linear-time engine runs, and could hang on hostile input';
    }
    return { re: new RegExp(source, f), fold };
  }
}

/** At most this many ways for a pattern's counted repetitions to split the text at one starting position. */
const MAX_CHOICES = 1000;

/**
 * Whether backtracking on a pattern without unbounded quantifiers stays cheap. Bounded is not enough: a repeated
 * group that can match the same text in several ways backtracks exponentially in its count ((a|a){1,100}c took two
 * minutes on 36 characters), and the ranges of several counted repetitions multiply. So quantifiers may apply only
 * to single characters and classes, and their ranges ({m,n} gives n-m+1 choices, ? two) multiply to MAX_CHOICES
 * at most: [0-9a-f]{32} and .{150} pass; (\w|\w\w){1,60} and \w{1,64}\w{1,64} do not.
 */
function boundedChoices(source: string): boolean {
  let choices = 1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(source, i);
    else if (c === ')') {
      if (/^(?:[?*+]|\{\d)/.test(source.slice(i + 1))) return false;
    } else if (c === '?') {
      // not a quantifier after "(" (a group's syntax) or after another quantifier (lazy)
      if (!/[(?*+}]/.test(source[i - 1] ?? '(')) choices *= 2;
    } else if (c === '{') {
      const m = /^\{(\d+)(?:,(\d+))?\}/.exec(source.slice(i));
      if (m) {
        if (m[2] !== undefined) choices *= Number(m[2]) - Number(m[1]) + 1;
        i += m[0].length - 1;
      }
    }
    if (choices > MAX_CHOICES) return false;
  }
  return true;
}

/** A class is one character: the index of its closing bracket (in JavaScript, [] and [^] are whole classes). */
function classEnd(source: string, open: number): number {
  let i = open + (source[open + 1] === '^' ? 2 : 1);
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i;
}

/** The largest count V8's linear-time engine takes in one counted repetition. */
const LINEAR_MAX_COUNT = 16;

/**
 * `x{40,}` (one character or class, at least 40 times) as `x{16}x{16}x{8}x*`: the same text, in counts the
 * linear-time engine takes, so that a pattern such as `[^/]{40,}$` (a long file name) runs, on the backtracking
 * engine with the linear one as its fallback, instead of being refused as one that could hang. A group around one
 * such atom counts as the atom (SigmaHQ writes `(.){200,}` for "200 characters or more"): rules only test whether
 * a text matches, so what the group captures is never read.
 */
function splitLongRepeats(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; ) {
    const grouped = groupedAtom(source, i);
    const end = grouped ? grouped.end : atomEnd(source, i);
    const atom = grouped ? grouped.atom : source.slice(i, end);
    const m = end > i ? /^\{(\d+),\}/.exec(source.slice(end)) : null;
    if (!m || Number(m[1]) <= LINEAR_MAX_COUNT) {
      out += source.slice(i, end) || source[i];
      i = Math.max(end, i + 1);
      continue;
    }
    for (let left = Number(m[1]); left > 0; left -= LINEAR_MAX_COUNT) out += `${atom}{${Math.min(left, LINEAR_MAX_COUNT)}}`;
    out += `${atom}*`;
    i = end + m[0].length;
  }
  return out;
}

/** `(x)` or `(?:x)` around one single-character atom at `i`: the atom and the end of the group. */
function groupedAtom(source: string, i: number): { atom: string; end: number } | undefined {
  const open = /^\((?:\?:)?/.exec(source.slice(i));
  if (!open || open[0] === '') return undefined;
  const start = i + open[0].length;
  const end = atomEnd(source, start);
  return end > start && source[end] === ')' ? { atom: source.slice(start, end), end: end + 1 } : undefined;
}

/** The end of the single-character atom at `i` (a character, an escape, a class), or `i` for syntax (groups, |). */
function atomEnd(source: string, i: number): number {
  const c = source[i];
  if (c === '[') return classEnd(source, i) + 1;
  if (c === '\\') {
    const rest = source.slice(i + 1);
    const m = /^(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|[pP]\{[^}]*\}|c[A-Za-z]|.)/.exec(rest);
    return i + 1 + (m ? m[0].length : 0);
  }
  return '()|{}*+?'.includes(c) ? i : i + 1;
}

/**
 * PCRE's subject anchors as JavaScript's: \\A becomes ^ and \\Z or \\z becomes $ (without the m flag those
 * mean the start and the end of the text; JavaScript's $ does not also match before a final newline, as \\Z does).
 * Escaped backslashes stay as they are (`C:\\\\Apps` is a backslash and `Apps`). Returns null when the pattern has
 * such an anchor and the m flag would turn it into a line anchor: the caller refuses the pattern then.
 */
function subjectAnchors(p: string, multiline: boolean): string | null {
  let out = '';
  let found = false;
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '\\' || i + 1 >= p.length) {
      out += p[i];
      continue;
    }
    const c = p[++i];
    if (c === 'A' || c === 'Z' || c === 'z') {
      found = true;
      out += c === 'A' ? '^' : '$';
    } else out += '\\' + c;
  }
  return found && multiline ? null : out;
}

/**
 * PCRE syntax that JavaScript (without the u flag) takes without an error but reads as something else: \\h, \\Q,
 * \\p{L}, \\x{41}... become a plain letter (`\\h` is "h"), \\v is a vertical tab instead of any vertical space, and
 * a POSIX class [[:digit:]] is a class of the characters "[:digt" then a "]". Escapes of punctuation and those the
 * two flavours share (\\d \\w \\s \\b, \\n \\t..., \\xHH, \\cX, back-references; \\uHHHH, which PCRE lacks, means the
 * one character) pass. The first such construct, or undefined.
 */
function pcreOnly(p: string): string | undefined {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '[' && /^\[:[A-Za-z]+:\]/.test(p.slice(i))) return `the POSIX class ${/^\[:[A-Za-z]+:\]/.exec(p.slice(i))![0]}`;
    if (p[i] !== '\\') continue;
    const c = p[++i] ?? '';
    if (c === 'x' && !/^[0-9a-fA-F]{2}/.test(p.slice(i + 1))) return `\\x${p.slice(i + 1, i + 2)}`;
    if (c === 'u' && !/^[0-9a-fA-F]{4}/.test(p.slice(i + 1))) return `\\u${p.slice(i + 1, i + 2)}`;
    if (/[A-Za-z]/.test(c) && !'dDwWsSbBnrtfxuck'.includes(c)) return `\\${c}`;
  }
  return undefined;
}

/**
 * Lower-cases a pattern's literal letters, leaving class escapes (\\S, \\W, \\p{...}) as they are; a letter written
 * as an escape (\\x41, \\u0041, \\u{41}) is folded too, since the text it must match is folded.
 */
function lowerPattern(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      let j = i + 2;
      let code: string | undefined;
      if (/[pP]/.test(p[i + 1] ?? '') && p[j] === '{') j = p.indexOf('}', j) + 1 || p.length;
      else if (p[i + 1] === 'u' && p[j] === '{') {
        j = p.indexOf('}', j) + 1 || p.length;
        code = p.slice(i + 3, j - 1);
      } else if (p[i + 1] === 'x') code = p.slice(i + 2, (j = i + 4));
      else if (p[i + 1] === 'u') code = p.slice(i + 2, (j = i + 6));
      else if (p[i + 1] === 'c') j = i + 3;
      const ch = code !== undefined && /^[0-9a-fA-F]+$/.test(code) ? String.fromCodePoint(parseInt(code, 16)) : undefined;
      out += ch !== undefined && ch.toLowerCase() !== ch ? escapeRe(ch.toLowerCase()) : p.slice(i, j);
      i = j - 1;
    } else out += p[i].toLowerCase();
  }
  return out;
}

const regexCache = new Map<string, Map<string, SigmaRegex | null>>();

function cachedRegex(flags: string, pattern: string): SigmaRegex | null {
  let byFlags = regexCache.get(pattern);
  if (!byFlags) regexCache.set(pattern, (byFlags = new Map()));
  let re = byFlags.get(flags);
  if (re === undefined) {
    const compiled = compileSigmaRegex(pattern, flags);
    re = typeof compiled === 'string' ? null : compiled;
    byFlags.set(flags, re);
  }
  return re;
}

/**
 * Long value lists (a rule's 40 sensitive paths, 30 scanner user agents) as one regular expression: one call per
 * row instead of 40 LIKEs, several times cheaper. The text is folded to lower case, as Sigma matches. Only
 * literals and Sigma's * and ? wildcards go in, so the alternation cannot backtrack badly, and V8's fallback to
 * the linear engine still guards it.
 */
export type ListMode = 'exact' | 'contains' | 'startswith' | 'endswith';

const listIds = new Map<string, number>();
const lists: RegExp[] = [];

/** A small integer for the list, bound into the SQL: the per-row lookup is an array index, not a string hash. */
export function listId(mode: ListMode, values: string[]): number {
  const key = JSON.stringify([mode, values]);
  let id = listIds.get(key);
  if (id === undefined) {
    id = lists.length;
    lists.push(listRegex(mode, values));
    listIds.set(key, id);
  }
  return id;
}

/** The lists registered so far, in id order: another thread that imports them binds the same ids. */
export function exportLists(): string[] {
  return [...listIds.keys()];
}

export function importLists(keys: string[]): void {
  for (const key of keys) {
    const [mode, values] = JSON.parse(key) as [ListMode, string[]];
    listId(mode, values);
  }
}

function wildcardSource(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length && '*?\\'.includes(value[i + 1])) out += escapeRe(value[++i]);
    else if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else out += escapeRe(c.toLowerCase());
  }
  return out;
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

function listRegex(mode: ListMode, values: string[]): RegExp {
  enableLinearRegex();
  const alt = `(?:${values.map(wildcardSource).join('|')})`;
  const source = mode === 'exact' ? `^${alt}$` : mode === 'startswith' ? `^${alt}` : mode === 'endswith' ? `${alt}$` : alt;
  return new RegExp(source, 's');
}

const rangeCache = new Map<string, IpRange | null>();

export function ipInCidr(ip: unknown, cidr: unknown): number {
  if (typeof ip !== 'string' || typeof cidr !== 'string') return 0;
  let range = rangeCache.get(cidr);
  if (range === undefined) {
    range = parseRange(cidr);
    rangeCache.set(cidr, range);
  }
  if (!range) return 0;
  const p = parseIp(ip);
  if (!p) return 0;
  if (range.v === 4) return p.v === 4 && p.n >= range.lo && p.n <= range.hi ? 1 : 0;
  if (p.v !== 6) return 0;
  const n = ipv6ToBigInt(p.b);
  return n >= range.lo && n <= range.hi ? 1 : 0;
}

/**
 * SQL functions the compiled rules and searches call: sigma_re(flags, pattern, value), ip_in_cidr(ip, cidr), sigma_fold(value).
 * Both are deterministic, so SQLite may use them in indexes and reuse results.
 */
/**
 * The many rules of one scan test the same few values of a row (its URL, its user agent) one after the other:
 * the last value folded to lower case is kept, so each is folded once per row, not once per rule.
 */
let lastText = '';
let lastFolded = '';

function folded(value: unknown): string {
  const text = String(value);
  if (text !== lastText) {
    lastText = text;
    lastFolded = text.toLowerCase();
  }
  return lastFolded;
}

export function registerSqlFunctions(db: DB): void {
  db.function('sigma_re', { deterministic: true }, (flags: unknown, pattern: unknown, value: unknown) => {
    if (value === null || value === undefined) return 0;
    const compiled = cachedRegex(String(flags), String(pattern));
    if (!compiled) return 0;
    // no truncation: cutting the text would change what ^ and $ mean; linear time makes whole values safe
    return compiled.re.test(compiled.fold ? folded(value) : String(value)) ? 1 : 0;
  });
  db.function('ip_in_cidr', { deterministic: true }, (ip: unknown, cidr: unknown) => ipInCidr(ip, cidr));
  db.function('sigma_any', { deterministic: true }, (value: unknown, id: unknown) => {
    if (value === null || value === undefined) return 0;
    return lists[id as number].test(folded(value)) ? 1 : 0;
  });
  db.function('json_reach', { deterministic: true }, (json: unknown, path: unknown) => jsonReach(json, path));
  // lower() as JavaScript folds (letters beyond ASCII too), for |fieldref, which compares two values of a row
  db.function('sigma_fold', { deterministic: true }, (value: unknown) => (value === null || value === undefined ? null : String(value).toLowerCase()));
  // sigma_any_of(id1, value1, id2, value2, ...): whether any value matches its list
  db.function('sigma_any_of', { deterministic: true, varargs: true }, (...args: unknown[]) => {
    for (let i = 0; i < args.length; i += 2) {
      const value = args[i + 1];
      if (value !== null && value !== undefined && lists[args[i] as number].test(folded(value))) return 1;
    }
    return 0;
  });
}

/**
 * json_reach(json, 'a.b.c'): the values a dotted path reaches in a JSON document, looking into every element of a
 * list met on the way, and the scalars inside a list or object found at its end, as a JSON list (for json_each).
 * Sigma names a key inside a list of objects (requestParameters.containerDefinitions.command) as if there were none.
 */
export function jsonReach(json: unknown, path: unknown): string | null {
  if (typeof json !== 'string' || typeof path !== 'string') return null;
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return null;
  }
  let at: unknown[] = [doc];
  for (const key of path.split('.')) {
    at = at.flatMap(elements).flatMap((v) => (v !== null && typeof v === 'object' && Object.hasOwn(v, key) ? [(v as Record<string, unknown>)[key]] : []));
  }
  const out: unknown[] = [];
  const scalars = (v: unknown): void => {
    if (v === null) return;
    if (typeof v !== 'object') out.push(v);
    else for (const x of Array.isArray(v) ? v : Object.values(v)) scalars(x);
  };
  at.forEach(scalars);
  return JSON.stringify(out);
}

const elements = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(elements) : [v]);
