/**
 * Pieces shared by the web parsers (access, nginx-error, apache-error): address checks, request-target splitting,
 * log levels, and the `host program[pid]: ` prefix that syslog or journald puts before a server's own line.
 */
import { isIP } from 'node:net';
import type { Fields } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { SyslogReader } from './syslog-header.js';
import type { ParserContext } from './types.js';

/** 4 or 6 for an IP address, 0 otherwise. Dotted quads are checked by hand: they are most of what web logs hold. */
export function ipVersion(s: string): number {
  const n = s.length;
  if (s.indexOf(':') >= 0) return isIP(s);
  if (n < 7 || n > 15) return 0;
  let parts = 0;
  let val = 0;
  let digits = 0;
  let lead = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      else if (lead === 48) return 0;
      val = val * 10 + (c - 48);
      if (++digits > 3 || val > 255) return 0;
    } else if (c === 46) {
      if (digits === 0) return 0;
      parts++;
      val = 0;
      digits = 0;
    } else {
      return 0;
    }
  }
  return parts === 4 ? 4 : 0;
}

/**
 * Private, loopback, link-local, CGNAT and unspecified addresses: the hops a proxy chain adds in front of the real
 * client. `version` is ipVersion(s).
 */
export function isInternalIp(s: string, version: number): boolean {
  if (version === 4) {
    const dot = s.indexOf('.');
    const a = Number(s.slice(0, dot));
    const b = Number(s.slice(dot + 1, s.indexOf('.', dot + 1)));
    return (
      a === 10 || a === 127 || a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version !== 6) return false;
  const v = s.toLowerCase();
  if (v === '::1' || v === '::') return true;
  if (v.startsWith('::ffff:') && v.indexOf('.') > 0) return isInternalIp(v.slice(7), 4);
  // fc00::/7 (unique local) and fe80::/10 (link-local): a full first group fcXX, fdXX or fe8X..febX
  if (v.charCodeAt(0) !== 102 /* f */ || v.charCodeAt(4) !== 58 /* : */) return false;
  const c1 = v.charCodeAt(1);
  const c2 = v.charCodeAt(2);
  return c1 === 99 || c1 === 100 || (c1 === 101 && (c2 === 56 || c2 === 57 || c2 === 97 || c2 === 98));
}

/** A DNS name: letters, digits, hyphens, underscores and dots, at least one letter. */
export function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  let letter = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) letter = true;
    else if (!((c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95)) return false;
  }
  return letter;
}

/**
 * The parts of a request target: url.original always; url.path and url.query for origin-form (`/a?b`) and
 * absolute-form (`http://h/a?b`, proxies) targets, plus url.scheme and url.domain for the latter. Authority-form
 * (CONNECT host:port) and `*` have no path.
 */
export function setUrl(f: Fields, target: string): void {
  f['url.original'] = target;
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const sep = target.indexOf('://');
    if (sep <= 0) return;
    const hostStart = sep + 3;
    let hostEnd = hostStart;
    while (hostEnd < target.length) {
      const c = target.charCodeAt(hostEnd);
      if (c === 47 || c === 63 || c === 35) break;
      hostEnd++;
    }
    f['url.scheme'] = target.slice(0, sep).toLowerCase();
    const authority = target.slice(Math.max(hostStart, target.lastIndexOf('@', hostEnd) + 1), hostEnd);
    const domain = authority.charCodeAt(0) === 91 ? authority.slice(1, authority.indexOf(']')) : authority.split(':')[0];
    if (domain) f['url.domain'] = domain;
    if (hostEnd === target.length) {
      f['url.path'] = '/';
      return;
    }
    start = hostEnd;
  }
  const q = target.indexOf('?', start);
  if (q < 0) {
    f['url.path'] = start === 0 ? target : target.slice(start);
  } else {
    f['url.path'] = target.slice(start, q) || '/';
    if (q + 1 < target.length) f['url.query'] = target.slice(q + 1);
  }
}

/** The domain a Host header names: without its port, an IPv6 address without its brackets. */
export function hostDomain(host: string): string {
  return host.charCodeAt(0) === 91 ? host.slice(1, host.indexOf(']')) : host.split(':')[0];
}

/** Sets method, url.* and http.version from the request line between rs and re (the quotes excluded). */
export function setRequest(f: Fields, line: string, rs: number, re: number): void {
  let sp1 = -1;
  for (let i = rs; i < re; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      sp1 = i;
      break;
    }
    // methods are upper-case tokens (WebDAV's have - and _); anything else is not a request line
    if (!((c >= 65 && c <= 90) || c === 45 || c === 95)) return;
  }
  if (sp1 <= rs) return;
  f['http.request.method'] = line.slice(rs, sp1);
  let end = re;
  const sp2 = line.lastIndexOf(' ', re - 1);
  if (sp2 > sp1 && line.startsWith('HTTP/', sp2 + 1)) {
    f['http.version'] = line.slice(sp2 + 6, re);
    end = sp2;
  }
  if (end > sp1 + 1) setUrl(f, unescapeQuoted(line.slice(sp1 + 1, end)));
}

/** `\"` and `\\` inside a quoted field, as Apache writes them (nginx writes \x22 and \x5C, which stay as they are). */
export function unescapeQuoted(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length - 1; i++) {
    if (s.charCodeAt(i) !== 92) continue;
    const next = s.charCodeAt(i + 1);
    if (next === 34 || next === 92) {
      out += s.slice(last, i);
      last = i + 1;
    }
    i++;
  }
  return out + s.slice(last);
}

/**
 * Index of the quote that closes a field opened just before `from`: the first quote not escaped by an odd run of
 * backslashes; -1 when the line ends first. indexOf does the scanning: it is several times faster than a loop.
 */
export function closingQuote(line: string, from: number): number {
  let q = line.indexOf('"', from);
  while (q >= 0) {
    let b = q - 1;
    while (b >= from && line.charCodeAt(b) === 92) b--;
    if (((q - 1 - b) & 1) === 0) return q;
    q = line.indexOf('"', q + 1);
  }
  return -1;
}

/** ECS event.outcome of an HTTP exchange by its status: client and server errors are failures. */
export function httpOutcome(status: number | undefined): string | undefined {
  if (status === undefined) return undefined;
  return status >= 400 ? 'failure' : status >= 100 ? 'success' : 'unknown';
}

const ERROR_LEVELS = new Set(['emerg', 'alert', 'crit', 'error', 'warn']);

/** ECS event.type of a server error-log line: warnings and worse are errors, the rest information. */
export function levelType(level: string): string[] {
  return ERROR_LEVELS.has(level) ? ['error'] : ['info'];
}

export interface Prefix {
  ts?: number;
  flags: number;
  host?: string;
  program?: string;
  pid?: number;
}

/**
 * `[TIME ]host program[pid]` (the text before the `: ` that ends a syslog or journald prefix): TIME is an RFC 3164
 * or RFC 3339 stamp. A doubled prefix (`host nginx[1]: host nginx`) keeps its first part. Undefined when the text
 * is not of that shape.
 */
export function parsePrefix(p: string, ctx: ParserContext): Prefix | undefined {
  let reader = readers.get(ctx);
  if (!reader) readers.set(ctx, (reader = new SyslogReader(ctx)));
  // the syslog parser's own header reader, given the prefix as a whole line with an empty message
  const h = reader.read(`${p}: `);
  if (typeof h === 'string' || h.program === undefined || h.sub !== undefined) return undefined;
  return { ts: h.ts, flags: h.flags, host: h.host, program: h.program, pid: h.pid };
}

const readers = new WeakMap<ParserContext, SyslogReader>();

/** Puts a prefix's host and program on an event. */
export function applyPrefix(f: Fields, pre: Prefix): void {
  if (pre.host !== undefined) f['host.name'] = pre.host;
  if (pre.program !== undefined) f['process.name'] = pre.program;
  if (pre.pid !== undefined && f['process.pid'] === undefined) f['process.pid'] = pre.pid;
}

/** Extra (non-column) fields more than one web parser fills, described once. */
export const WEB_FIELDS = {
  sourceAddress: { name: 'source.address', type: 'keyword', desc: 'the client as written when it is not an IP address (a host name, "unix:")', filledBy: 'access, nginx-error, apache-error, json, logfmt' },
  sourceDomain: { name: 'source.domain', type: 'keyword', desc: 'the client host name', filledBy: 'access, json, logfmt' },
  destinationDomain: { name: 'destination.domain', type: 'keyword', desc: 'the virtual host that served the request (vhost prefix, nginx "server:")', filledBy: 'access, nginx-error, json, logfmt' },
  urlScheme: { name: 'url.scheme', type: 'keyword', desc: 'scheme of an absolute request target (proxy requests)', filledBy: 'access, nginx-error, json, logfmt' },
  urlDomain: { name: 'url.domain', type: 'keyword', desc: 'host of an absolute request target; the Host header of an nginx error line, a JSON or logfmt access line or a Zeek http.log record', filledBy: 'access, nginx-error, json, logfmt' },
  // ECS describes this field as sniffed from the body; a web server logs only the header, and the header is what
  // Sigma's cs-content-type names, so it goes to the nearest ECS field (as Suricata's does for the response)
  requestMimeType: { name: 'http.request.mime_type', type: 'keyword', desc: "the request's Content-Type header, as the web server logged it", filledBy: 'json, logfmt' },
  threadId: { name: 'process.thread.id', type: 'long', desc: 'thread id (nginx pid#tid, Apache 2.4 [pid N:tid M])', filledBy: 'nginx-error, apache-error' },
} satisfies Record<string, FieldDef>;
