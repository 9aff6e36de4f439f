/**
 * Web access logs: nginx and Apache common and combined formats and the variants real servers write (vhost
 * prefixes, proxy address lists, extra fields after the user agent, host names, IPv6, `-` sizes, escaped quotes,
 * a syslog prefix, Apache's ssl_request log). The busiest parser of all, so it is a hand-written scanner over
 * character codes rather than a regex.
 */
import { EventFlag, type Fields, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { MONTHS, wallToUtc } from '../util/time.js';
import type { LineParser, Parser, ParserContext } from './types.js';
import {
  applyPrefix,
  closingQuote,
  httpOutcome,
  ipVersion,
  isHostName,
  isInternalIp,
  parsePrefix,
  setRequest,
  unescapeQuoted,
  WEB_FIELDS,
} from './web-common.js';

const SP = 32;
const QUOTE = 34;
const COMMA = 44;
const DASH = 45;
const SLASH = 47;
const COLON = 58;
const LBRACKET = 91;

const NO_TIME = 'no [dd/Mon/yyyy:HH:MM:SS zone] time field';
const BAD_TIME = 'the time field is not a valid date';
const NO_CLIENT = 'no client, identd and user fields before the time';
const BAD_CLIENT = 'the client field is neither an address, an address list nor a vhost prefix';
const NO_REQUEST = 'no quoted request after the time';
const NO_STATUS = 'no status code after the request';
const BAD_SIZE = 'the size field is neither a number nor "-"';
const NOT_SSL_REQUEST = 'not an access line: starts with [ but is not an ssl_request log line';

/** Three lower-cased month letters packed into one number -> month index. */
const MONTH_BY_KEY = new Map<number, number>(
  Object.entries(MONTHS).map(([name, idx]) => [(name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2), idx]),
);

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1000;
}

/** Set by clfTime: the stamp had no zone, so it was read in the context's zone. */
let zoneless = false;
/** The last date seen (`dd/Mon/yyyy`) and its parts: consecutive lines nearly always share it. */
let dayKey = '';
let dayUtc = 0;
let dayY = 0;
let dayM = 0;
let dayD = 0;

/** `dd/Mon/yyyy:HH:MM:SS[.fff] +zzzz` between i and end (the brackets excluded); NaN when it is not one. */
function clfTime(s: string, i: number, end: number, tz: string): number {
  if (end - i < 20 || s.charCodeAt(i + 11) !== COLON || s.charCodeAt(i + 14) !== COLON || s.charCodeAt(i + 17) !== COLON) {
    return NaN;
  }
  if (dayKey === '' || !s.startsWith(dayKey, i)) {
    if (s.charCodeAt(i + 2) !== SLASH || s.charCodeAt(i + 6) !== SLASH) return NaN;
    const day = digits2(s, i);
    const mon = MONTH_BY_KEY.get(((s.charCodeAt(i + 3) | 32) << 16) | ((s.charCodeAt(i + 4) | 32) << 8) | (s.charCodeAt(i + 5) | 32));
    const century = digits2(s, i + 7);
    const yy = digits2(s, i + 9);
    if (mon === undefined || day < 1 || day > 31 || century < 0 || yy < 0) return NaN;
    const year = century * 100 + yy;
    dayKey = s.slice(i, i + 11);
    dayUtc = Date.UTC(year, mon, day);
    dayY = year;
    dayM = mon;
    dayD = day;
  }
  const h = digits2(s, i + 12);
  const mi = digits2(s, i + 15);
  const sec = digits2(s, i + 18);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return NaN;
  let j = i + 20;
  let ms = 0;
  if (s.charCodeAt(j) === 46 /* . */) {
    let scale = 100;
    for (j++; j < end; j++) {
      const c = s.charCodeAt(j) - 48;
      if (c < 0 || c > 9) break;
      ms += c * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  while (j < end && s.charCodeAt(j) === SP) j++;
  if (j === end) {
    zoneless = true;
    return wallToUtc(tz, dayY, dayM, dayD, h, mi, sec, ms);
  }
  zoneless = false;
  const sign = s.charCodeAt(j);
  const oh = digits2(s, j + 1);
  const om = digits2(s, s.charCodeAt(j + 3) === COLON ? j + 4 : j + 3);
  if ((sign !== 43 && sign !== DASH) || oh < 0 || om < 0) return NaN;
  const off = (oh * 60 + om) * 60_000;
  return dayUtc + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms - (sign === DASH ? -off : off);
}

function isDecimal(s: string): boolean {
  const dot = s.indexOf('.');
  if (dot <= 0 || dot === s.length - 1) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (i !== dot && (c < 48 || c > 57)) return false;
  }
  return true;
}

/** The client field when it is more than one address: a vhost prefix, a proxy list, a syslog prefix. */
interface Client {
  address?: string;
  list?: string[];
  vhost?: string;
  vport?: number;
  prefix?: ReturnType<typeof parsePrefix>;
}

/**
 * Reads everything before the identd field. The address kept as the client is the first public one in the list
 * (the real client behind proxies), else the first IP address, else the first entry: filebeat's newest rule.
 */
function readClient(s: string, ctx: ParserContext): Client | string {
  const out: Client = {};
  const colon = s.lastIndexOf(': ');
  if (colon >= 0) {
    out.prefix = parsePrefix(s.slice(0, colon), ctx);
    if (!out.prefix) return BAD_CLIENT;
    s = s.slice(colon + 2);
  }
  // space-separated tokens; a quoted token is one token
  const tokens: string[] = [];
  const quoted: boolean[] = [];
  for (let i = 0; i < s.length; ) {
    if (s.charCodeAt(i) === SP) {
      i++;
    } else if (s.charCodeAt(i) === QUOTE) {
      const e = s.indexOf('"', i + 1);
      if (e < 0) return BAD_CLIENT;
      tokens.push(s.slice(i + 1, e));
      quoted.push(true);
      i = e + 1;
    } else {
      let e = s.indexOf(' ', i);
      if (e < 0) e = s.length;
      tokens.push(s.slice(i, e));
      quoted.push(false);
      i = e;
    }
  }
  let first = 0;
  const t0 = tokens[0];
  if (tokens.length >= 2 && !quoted[0] && t0.charCodeAt(t0.length - 1) !== COMMA && ipVersion(t0) === 0) {
    // Apache vhost_combined (`%v:%p %h`) or a bare `%v %h`
    const c = t0.lastIndexOf(':');
    const port = c > 0 ? Number(t0.slice(c + 1)) : NaN;
    if (c > 0 && Number.isInteger(port) && port <= 65535 && c < t0.length - 1) {
      out.vhost = t0.slice(0, c);
      out.vport = port;
      first = 1;
    } else if (isHostName(t0)) {
      out.vhost = t0;
      first = 1;
    }
  }
  const list: string[] = [];
  for (let t = first; t < tokens.length; t++) {
    for (const part of tokens[t].split(',')) {
      const e = part.trim();
      if (e !== '' && e !== '-') list.push(e);
    }
  }
  if (list.length > 1) out.list = list;
  let chosen = -1;
  let firstIp = -1;
  for (let i = 0; i < list.length; i++) {
    const v = ipVersion(list[i]);
    if (v === 0) continue;
    if (firstIp < 0) firstIp = i;
    if (!isInternalIp(list[i], v)) {
      chosen = i;
      break;
    }
  }
  if (list.length > 0) out.address = list[chosen >= 0 ? chosen : firstIp >= 0 ? firstIp : 0];
  return out;
}

function setSource(f: Fields, address: string): void {
  if (ipVersion(address) !== 0) {
    f['source.ip'] = address;
    return;
  }
  f['source.address'] = address;
  if (isHostName(address)) f['source.domain'] = address;
}

/**
 * Where the time field starts: the first ` [dd/Mon/yyyy:` followed by the quoted request (or a server name and the
 * request). A user name may hold a time of its own, but never an unescaped quote. Else the first such stamp (the
 * line is then rejected for its request); -1 when there is none.
 */
function timeStart(line: string): number {
  let first = -1;
  for (let b = line.indexOf(' ['); b >= 0; b = line.indexOf(' [', b + 2)) {
    if (!(line.charCodeAt(b + 4) === SLASH && line.charCodeAt(b + 8) === SLASH && line.charCodeAt(b + 13) === COLON)) continue;
    if (first < 0) first = b;
    const close = line.indexOf(']', b + 2);
    if (close < 0 || line.charCodeAt(close + 1) !== SP) continue;
    if (line.charCodeAt(close + 2) === QUOTE) return b;
    const sp = line.indexOf(' ', close + 2);
    if (sp > 0 && line.charCodeAt(sp + 1) === QUOTE) return b;
  }
  return first;
}

export function parseAccessLine(line: string, ctx: ParserContext): ParsedEvent | string {
  const n = line.length;
  if (n === 0) return 'empty line';
  if (line.charCodeAt(0) === LBRACKET) return parseSslRequest(line, ctx);
  const b = timeStart(line);
  if (b < 0) return NO_TIME;
  // the two fields before the time (identd, user) and the client part before them
  let j = b > 0 ? line.lastIndexOf(' ', b - 1) : -1;
  let k = j > 0 ? line.lastIndexOf(' ', j - 1) : -1;
  // a user name with spaces (sent by the client, written unescaped): identd is "-" after an address; more "-"
  // fields than two are a custom format's, not a user
  const d = line.indexOf(' - ');
  if (d > 0 && d < k && ipVersion(line.slice(line.lastIndexOf(' ', d - 1) + 1, d)) !== 0 && /[^ -]/.test(line.slice(d + 3, b))) {
    k = d;
    j = d + 2;
  }
  if (k <= 0) return NO_CLIENT;
  const close = line.indexOf(']', b + 2);
  if (close < 0) return NO_TIME;
  const ts = clfTime(line, b + 2, close, ctx.tz);
  if (ts !== ts) return BAD_TIME;
  const flags = zoneless ? EventFlag.TZ_ASSUMED : 0;

  let p = close + 1;
  if (line.charCodeAt(p) !== SP) return NO_REQUEST;
  p++;
  let vhostAfter: string | undefined;
  if (line.charCodeAt(p) !== QUOTE) {
    // a server name between the time and the request (custom LogFormat)
    const sp = line.indexOf(' ', p);
    if (sp < 0 || line.charCodeAt(sp + 1) !== QUOTE) return NO_REQUEST;
    vhostAfter = line.slice(p, sp);
    p = sp + 1;
  }
  const rs = p + 1;
  let re = closingQuote(line, rs);
  // an Apache older than 2.0.46 did not escape quotes in the request: the real end is the quote before the status
  while (re >= 0) {
    const c = line.charCodeAt(re + 2);
    if (line.charCodeAt(re + 1) === SP && ((c >= 48 && c <= 57) || c === DASH)) break;
    re = closingQuote(line, re + 1);
  }
  if (re < 0) return NO_STATUS;
  p = re + 2;

  let status: number | undefined;
  let c = line.charCodeAt(p);
  if (c === DASH) {
    p++;
  } else {
    let v = 0;
    const s0 = p;
    while (p < n && (c = line.charCodeAt(p)) >= 48 && c <= 57) {
      v = v * 10 + c - 48;
      p++;
    }
    if (p === s0 || p - s0 > 3) return NO_STATUS;
    status = v;
  }
  if (p < n && line.charCodeAt(p) !== SP) return NO_STATUS;

  let bytes: number | undefined;
  if (p + 1 < n) {
    p++;
    c = line.charCodeAt(p);
    if (c === DASH) {
      p++;
    } else {
      let v = 0;
      const s0 = p;
      while (p < n && (c = line.charCodeAt(p)) >= 48 && c <= 57) {
        v = v * 10 + c - 48;
        p++;
      }
      if (p === s0) return BAD_SIZE;
      bytes = v;
    }
    if (p < n && line.charCodeAt(p) !== SP) return BAD_SIZE;
  }

  // referrer and user agent, each quoted; a line cut short keeps what it has
  let referrer: string | undefined;
  let agent: string | undefined;
  if (p + 1 < n && line.charCodeAt(p + 1) === QUOTE) {
    let e = closingQuote(line, p + 2);
    referrer = line.slice(p + 2, e < 0 ? n : e);
    p = e < 0 ? n : e + 1;
    if (p + 1 < n && line.charCodeAt(p) === SP && line.charCodeAt(p + 1) === QUOTE) {
      e = closingQuote(line, p + 2);
      agent = line.slice(p + 2, e < 0 ? n : e);
      p = e < 0 ? n : e + 1;
    }
  }

  const f: Fields = {
    'source.ip': undefined,
    'user.name': undefined,
    'http.request.method': undefined,
    'url.original': undefined,
    'url.path': undefined,
    'url.query': undefined,
    'http.version': undefined,
    'http.response.status_code': status,
    'http.response.body.bytes': bytes,
    'http.request.referrer': referrer === undefined || referrer === '-' ? undefined : unescapeQuoted(referrer),
    'user_agent.original': agent === undefined || agent === '-' ? undefined : unescapeQuoted(agent),
    'event.category': ['web'],
    'event.type': ['access'],
    'event.outcome': httpOutcome(status),
  };

  // the client: one address (the usual case) or a longer field
  if (line.indexOf(' ') === k && line.lastIndexOf(',', k) < 0 && line.charCodeAt(0) !== QUOTE) {
    const addr = line.slice(0, k);
    if (addr !== '-') setSource(f, addr);
  } else {
    const client = readClient(line.slice(0, k), ctx);
    if (typeof client === 'string') return client;
    if (client.address !== undefined) setSource(f, client.address);
    if (client.list) f['access.remote_ip_list'] = client.list;
    if (client.vhost !== undefined) setDestination(f, client.vhost, client.vport);
    // the prefix's own time (if any) is ignored: the access time has a year and a zone
    if (client.prefix) applyPrefix(f, client.prefix);
  }
  const user = line.slice(j + 1, b);
  if (user !== '-' && user !== '') f['user.name'] = user;
  if (vhostAfter !== undefined) setDestination(f, vhostAfter, undefined);
  if (re > rs) setRequest(f, line, rs, re);
  if (p < n) trailing(f, line, p);
  return { ts, dataset: 'web.access', fields: f, flags };
}

function setDestination(f: Fields, host: string, port: number | undefined): void {
  if (ipVersion(host) !== 0) f['destination.ip'] = host;
  else f['destination.domain'] = host;
  if (port !== undefined) f['destination.port'] = port;
}

/** Fields after the user agent: an X-Forwarded-For list, a request time, anything else kept in order. */
function trailing(f: Fields, line: string, p: number): void {
  const n = line.length;
  let forwarded: string[] | undefined;
  let requestMs: number | undefined;
  let extra: string[] | undefined;
  while (p < n) {
    if (line.charCodeAt(p) === SP) {
      p++;
      continue;
    }
    let tok: string;
    let quoted = false;
    if (line.charCodeAt(p) === QUOTE) {
      const e = closingQuote(line, p + 1);
      tok = unescapeQuoted(line.slice(p + 1, e < 0 ? n : e));
      p = e < 0 ? n : e + 1;
      quoted = true;
    } else {
      let e = line.indexOf(' ', p);
      if (e < 0) e = n;
      tok = line.slice(p, e);
      p = e;
    }
    if (tok === '-' || tok === '') continue;
    if (quoted && forwarded === undefined) {
      const parts = tok.split(',').map((x) => x.trim());
      if (parts.every((x) => ipVersion(x) !== 0)) {
        forwarded = parts;
        continue;
      }
    }
    if (!quoted && requestMs === undefined) {
      const eq = tok.indexOf('=');
      const value = eq < 0 ? tok : tok.slice(0, eq) === 'rt' || tok.slice(0, eq) === 'request_time' ? tok.slice(eq + 1) : '';
      if (isDecimal(value)) {
        requestMs = Math.round(Number(value) * 1000);
        continue;
      }
    }
    (extra ??= []).push(tok);
  }
  if (forwarded) f['access.forwarded_for'] = forwarded;
  if (requestMs !== undefined) f['access.request_time_ms'] = requestMs;
  if (extra) f['access.extra'] = extra;
}

/** Apache's ssl_request_log: `[time] client protocol cipher "request" size`. */
function parseSslRequest(line: string, ctx: ParserContext): ParsedEvent | string {
  const close = line.indexOf(']');
  if (close < 0) return NOT_SSL_REQUEST;
  const ts = clfTime(line, 1, close, ctx.tz);
  if (ts !== ts) return NOT_SSL_REQUEST;
  const flags = zoneless ? EventFlag.TZ_ASSUMED : 0;
  const s1 = close + 2;
  const s2 = line.indexOf(' ', s1) + 1;
  const s3 = s2 > 0 ? line.indexOf(' ', s2) + 1 : 0;
  const s4 = s3 > 0 ? line.indexOf(' ', s3) + 1 : 0;
  if (line.charCodeAt(close + 1) !== SP || s4 === 0 || line.charCodeAt(s4) !== QUOTE) return NOT_SSL_REQUEST;
  const re = closingQuote(line, s4 + 1);
  if (re < 0 || line.charCodeAt(re + 1) !== SP) return NOT_SSL_REQUEST;
  const size = line.slice(re + 2);
  const bytes = size === '-' ? undefined : Number(size);
  if (bytes !== undefined && !(Number.isInteger(bytes) && bytes >= 0 && size !== '')) return NOT_SSL_REQUEST;
  const f: Fields = {
    'http.response.body.bytes': bytes,
    'event.category': ['web'],
    'event.type': ['access'],
  };
  const client = line.slice(s1, s2 - 1);
  if (client !== '-') setSource(f, client);
  const proto = line.slice(s2, s3 - 1);
  const m = /^(SSL|TLS)v(\d+(?:\.\d+)?)$/.exec(proto);
  if (m) {
    f['tls.version_protocol'] = m[1].toLowerCase();
    f['tls.version'] = m[2].includes('.') || m[1] === 'SSL' ? m[2] : `${m[2]}.0`;
  }
  const cipher = line.slice(s3, s4 - 1);
  if (cipher !== '-') f['tls.cipher'] = cipher;
  setRequest(f, line, s4 + 1, re);
  return { ts, dataset: 'web.access', fields: f, flags };
}

const DETECT_CTX: ParserContext = { path: '-', tz: 'UTC', mtimeMs: 0 };

const ACCESS_FIELDS: FieldDef[] = [
  WEB_FIELDS.sourceAddress,
  WEB_FIELDS.sourceDomain,
  WEB_FIELDS.destinationDomain,
  WEB_FIELDS.urlScheme,
  WEB_FIELDS.urlDomain,
  { name: 'access.remote_ip_list', type: 'keyword[]', desc: 'every address of a client field that lists several (X-Forwarded-For style), in line order', filledBy: 'access' },
  { name: 'access.forwarded_for', type: 'keyword[]', desc: 'a quoted list of IP addresses after the user agent (nginx main format\'s "$http_x_forwarded_for")', filledBy: 'access' },
  { name: 'access.request_time_ms', type: 'long', desc: 'request time in milliseconds, from the first unquoted decimal number of seconds (or rt= / request_time=) after the user agent (nginx $request_time)', filledBy: 'access' },
  { name: 'access.extra', type: 'keyword[]', desc: 'other fields after the user agent, in line order, "-" left out', filledBy: 'access' },
  { name: 'tls.version_protocol', type: 'keyword', desc: 'tls or ssl (Apache ssl_request log)', filledBy: 'access' },
  { name: 'tls.version', type: 'keyword', desc: 'protocol version, e.g. 1.2 (Apache ssl_request log)', filledBy: 'access' },
  { name: 'tls.cipher', type: 'keyword', desc: 'cipher suite (Apache ssl_request log)', filledBy: 'access' },
];

export const access: Parser = {
  name: 'access',
  description: 'nginx / Apache access logs (common, combined and their variants)',
  datasets: ['web.access'],
  standalone: true,
  detect(sample) {
    let hits = 0;
    for (const line of sample) if (typeof parseAccessLine(line, DETECT_CTX) !== 'string') hits++;
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx): LineParser {
    return { parse: (line) => parseAccessLine(line, ctx), flush: () => [] };
  },
  fields: ACCESS_FIELDS,
};
