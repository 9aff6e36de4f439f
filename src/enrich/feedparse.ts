/**
 * A downloaded feed body -> address ranges. The whole body is parsed before anything is stored, and a body that
 * is not a list (an HTML error page, nothing at all, mostly unparsable lines) is refused so the previous data stays.
 * Special-purpose ranges (private, loopback, link-local, reserved...) are cut out of every entry.
 */
import { InputError } from '../errors.js';
import { formatRange, parseIp, parseRange, publicParts, type IpRange } from '../util/ip.js';

export interface ParseSpec {
  name: string;
  format: string;
  countColumn?: number;
  minCount?: number;
}

export interface ParsedFeed {
  /** flat triples: lo, hi, level (level = list count for counting feeds, else 0) */
  v4: number[];
  v6: { lo: bigint; hi: bigint; level: number }[];
  /** the format used (auto resolved) */
  format: string;
  /** lines that held an entry, including those left out below */
  entries: number;
  bad: number;
  badSamples: string[];
  /** entries below minCount */
  belowMin: number;
  /** entries wholly inside special-purpose ranges, dropped */
  special: number;
  /** entries that overlapped special-purpose ranges and were cut */
  clipped: number;
  specialSamples: string[];
  /** entries covering more public addresses than any list of attackers means (BROADEST_V4 / _V6), dropped */
  broad: number;
  broadSamples: string[];
}

/**
 * The most public addresses one entry may cover: a /8 of IPv4, a /16 of IPv6 (more than any network handed to one
 * organisation). Past that an entry is a mistake, 0.0.0.0/0 or a typo'd prefix, and matching it would list
 * every address seen.
 */
const BROADEST_V4 = 2 ** 24;
const BROADEST_V6 = 1n << 112n;

function publicSize(parts: IpRange[]): { v4: number; v6: bigint } {
  let v4 = 0;
  let v6 = 0n;
  for (const p of parts) {
    if (p.v === 4) v4 += p.hi - p.lo + 1;
    else v6 += p.hi - p.lo + 1n;
  }
  return { v4, v6 };
}

const HTML = /^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<!--|<title)/i;
const AUTO_FIELDS = ['cidr', 'ip', 'ip_address', 'ipaddress', 'address', 'dst_ip', 'src_ip', 'indicator', 'network'];

/** Splits one CSV record (RFC 4180 quoting, no newlines inside quotes: feeds do not use them). */
export function csvFields(line: string, sep = ','): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i++];
      }
      const next = line.indexOf(sep, i);
      out.push(v);
      if (next < 0) break;
      i = next + 1;
    } else {
      const next = line.indexOf(sep, i);
      out.push((next < 0 ? line.slice(i) : line.slice(i, next)).trim());
      if (next < 0) break;
      i = next + 1;
    }
  }
  return out;
}

function isComment(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 35 /* # */ || c === 59 /* ; */ || line.startsWith('//');
}

/** The data lines of a text list: comments (# or ;, whole-line or trailing) and blanks removed. */
function* dataLines(text: string): Generator<string> {
  for (const raw of text.split('\n')) {
    let line = raw;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const semi = line.indexOf(';');
    if (semi >= 0) line = line.slice(0, semi);
    line = line.trim();
    if (line) yield line;
  }
}

function resolveAuto(text: string): string {
  let commentHeader: string | undefined;
  for (const raw of text.split('\n', 200)) {
    const line = raw.trim();
    if (!line) continue;
    if (isComment(line)) {
      // abuse.ch keeps its CSV header in a comment
      const cols = csvFields(line.replace(/^[#;/]+\s*/, '')).map((c) => c.toLowerCase());
      commentHeader = AUTO_FIELDS.find((f) => cols.includes(f)) ?? commentHeader;
      continue;
    }
    if (line.startsWith('{')) {
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        const field = AUTO_FIELDS.find((f) => typeof obj[f] === 'string');
        if (field) return `jsonl:${field}`;
      } catch {
        // not JSON after all: fall through to the line formats
      }
      continue;
    }
    if (line.includes(',') && !parseRange(line.split(/[\s,]+/)[0])) {
      const cols = csvFields(line);
      const header = AUTO_FIELDS.find((f) => cols.some((c) => c.toLowerCase() === f));
      if (header) return `csv:${header}`;
      if (commentHeader) return `csv:${commentHeader}`;
      const at = cols.findIndex((c) => parseRange(c));
      if (at >= 0) return `csv:${at + 1}`;
    }
    return 'ip';
  }
  return 'ip';
}

class Collector {
  readonly out: ParsedFeed;
  constructor(
    format: string,
    private readonly spec: ParseSpec,
  ) {
    this.out = { v4: [], v6: [], format, entries: 0, bad: 0, badSamples: [], belowMin: 0, special: 0, clipped: 0, specialSamples: [], broad: 0, broadSamples: [] };
  }

  bad(line: string): void {
    this.out.bad++;
    if (this.out.badSamples.length < 3) this.out.badSamples.push(line.length > 80 ? `${line.slice(0, 77)}...` : line);
  }

  /** One entry's address text and, for counting feeds, its count text. */
  add(addr: string, countText: string | undefined, line: string): void {
    const r = parseRange(addr);
    if (!r) return this.bad(line);
    let level = 0;
    if (this.spec.countColumn) {
      level = countText === undefined ? NaN : Number(countText);
      if (!Number.isInteger(level) || level < 0) return this.bad(line);
    }
    this.out.entries++;
    if (this.spec.minCount && level < this.spec.minCount) {
      this.out.belowMin++;
      return;
    }
    this.push(r, level);
  }

  private push(r: IpRange, level: number): void {
    const parts = publicParts(r);
    if (parts.length === 0) {
      this.out.special++;
      if (this.out.specialSamples.length < 3) this.out.specialSamples.push(formatRange(r));
      return;
    }
    const size = publicSize(parts);
    if (size.v4 > BROADEST_V4 || size.v6 > BROADEST_V6) {
      this.out.broad++;
      if (this.out.broadSamples.length < 3) this.out.broadSamples.push(formatRange(r));
      return;
    }
    if (parts.length !== 1 || parts[0].lo !== r.lo || parts[0].hi !== r.hi) {
      this.out.clipped++;
      if (this.out.specialSamples.length < 3) this.out.specialSamples.push(formatRange(r));
    }
    for (const p of parts) {
      if (p.v === 4) this.out.v4.push(p.lo, p.hi, level);
      else this.out.v6.push({ lo: p.lo, hi: p.hi, level });
    }
  }
}

function parseLines(text: string, c: Collector, countColumn: number | undefined): void {
  for (const line of dataLines(text)) {
    const tokens = line.split(/[\s,]+/);
    // Some lists space the dash of a range: "1.2.3.4 - 1.2.3.9" is one entry, not the address 1.2.3.4.
    if (tokens[1] === '-' && tokens.length > 2 && parseIp(tokens[2])) tokens.splice(0, 3, `${tokens[0]}-${tokens[2]}`);
    c.add(tokens[0], countColumn ? tokens[countColumn - 1] : undefined, line);
  }
}

function parseCsv(text: string, column: string, c: Collector, spec: ParseSpec): void {
  const lines = text.split('\n');
  let idx = /^\d+$/.test(column) ? Number(column) - 1 : -1;
  const want = column.toLowerCase();
  let commentHeader = -1;
  let started = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (isComment(line)) {
      // abuse.ch puts the header in a comment: `# "first_seen_utc","dst_ip",...`
      if (idx < 0) {
        const cols = csvFields(line.replace(/^[#;]+\s*/, '')).map((x) => x.toLowerCase());
        const at = cols.indexOf(want);
        if (at >= 0) commentHeader = at;
      }
      continue;
    }
    const fields = csvFields(line);
    if (!started) {
      started = true;
      if (idx < 0) {
        const at = fields.map((x) => x.toLowerCase()).indexOf(want);
        if (at >= 0) {
          idx = at;
          continue;
        }
        if (commentHeader < 0) throw new InputError(`feed "${spec.name}": no column "${column}" in the CSV header`, 'check --format csv:COLUMN');
        idx = commentHeader;
      } else if (!parseRange(fields[idx] ?? '')) {
        continue; // a header row above numbered columns
      }
    }
    const addr = fields[idx];
    if (addr === undefined || addr === '') {
      c.bad(line);
      continue;
    }
    c.add(addr, spec.countColumn ? fields[spec.countColumn - 1] : undefined, line);
  }
}

function getPath(obj: unknown, path: string[]): unknown {
  let v = obj;
  for (const p of path) {
    // own keys only: the path comes from the config, and "constructor" is not a field of the record
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function parseJsonLines(text: string, field: string, c: Collector): void {
  const path = field.split('.');
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || isComment(line)) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      c.bad(line);
      continue;
    }
    const v = getPath(obj, path);
    // Spamhaus ends its files with a {"type":"metadata",...} line: records without the field are not entries.
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') {
      c.bad(line);
      continue;
    }
    c.add(v, undefined, line);
  }
}

function feedError(spec: ParseSpec, what: string, hint?: string): InputError {
  return new InputError(`feed "${spec.name}": ${what}; the previous data is kept`, hint);
}

export function parseFeed(body: string, spec: ParseSpec): ParsedFeed {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (text.trim() === '') throw feedError(spec, 'the download is empty');
  if (HTML.test(text.slice(0, 1024))) throw feedError(spec, 'the download is an HTML page, not a list (an error or login page?)');
  const format = spec.format === 'auto' ? resolveAuto(text) : spec.format;
  const c = new Collector(format, spec);
  if (format === 'ip' || format === 'cidr') parseLines(text, c, spec.countColumn);
  else if (format.startsWith('csv:')) parseCsv(text, format.slice(4), c, spec);
  else if (format.startsWith('jsonl:')) parseJsonLines(text, format.slice(6), c);
  else throw new InputError(`feed "${spec.name}": unknown format "${spec.format}"`, 'formats: ip, cidr, csv:COLUMN, jsonl:FIELD, auto');
  const out = c.out;
  if (out.entries === 0 && out.bad === 0) throw feedError(spec, 'the download holds no addresses');
  if (out.bad > out.entries) {
    throw feedError(
      spec,
      `${out.bad} of ${out.bad + out.entries} lines are not addresses (first: ${JSON.stringify(out.badSamples[0])})`,
      `is the format right? this feed is read as ${format}`,
    );
  }
  return out;
}
