/**
 * HAProxy logs, with or without a syslog prefix: the HTTP log format (`option httplog`, with or without
 * `{captured headers}`), the TCP log format (`option tcplog`), the error format of failed handshakes
 * (`ip:port [date] frontend/bind: SSL handshake failure`) and `Connect from ip:port to ip:port (frontend/MODE)`.
 * Other messages of the haproxy program (proxy started, server DOWN, ...) are kept as events with their text.
 *
 * The time is HAProxy's accept date, which has a year and milliseconds but no zone: it is read in the zone of the
 * syslog stamp when that has one, in --tz otherwise.
 */
import { EventFlag, type Fields, type ParsedEvent } from '../model/event.js';
import { wallToUtc } from '../util/time.js';
import { SyslogReader, type SyslogHeader } from './syslog-header.js';
import { normIp } from './programs/types.js';
import type { Parser } from './types.js';

const NOT_HAPROXY = 'not a haproxy log line';
const EMPTY = 'empty line';
const TRAFFIC = /^\S+:\d+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d/;
const CONNECT = /^Connect from (\S+):(\d+) to (\S+):(\d+) \(([^/)]+)\/([^)]+)\)$/;
const MONTH = new Map([
  ['Jan', 0], ['Feb', 1], ['Mar', 2], ['Apr', 3], ['May', 4], ['Jun', 5],
  ['Jul', 6], ['Aug', 7], ['Sep', 8], ['Oct', 9], ['Nov', 10], ['Dec', 11],
]);

/** Cheap test for detect: a traffic or Connect line. */
export function looksLikeHaproxy(msg: string): boolean {
  return TRAFFIC.test(msg) || msg.startsWith('Connect from ');
}

/** A timer or counter: "-1" stays -1 (aborted), "+12" (logasap) is 12; undefined when not a number. */
function n(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const v = Number(s.charCodeAt(0) === 43 ? s.slice(1) : s);
  return Number.isInteger(v) ? v : undefined;
}

function setClient(f: Fields, ipPort: string): boolean {
  const c = ipPort.lastIndexOf(':');
  if (c <= 0) return false;
  const host = ipPort.slice(0, c);
  const ip = normIp(host);
  if (ip) f['source.ip'] = ip;
  else f['source.address'] = host;
  f['source.port'] = n(ipPort.slice(c + 1));
  return true;
}

/** dd/Mon/yyyy:HH:MM:SS[.mmm] */
function acceptDate(s: string, hdr: SyslogHeader | undefined, tz: string): [number, number] | undefined {
  const mon = MONTH.get(s.slice(3, 6));
  if (mon === undefined || s.length < 20) return undefined;
  const day = +s.slice(0, 2);
  const year = +s.slice(7, 11);
  const hh = +s.slice(12, 14);
  const mi = +s.slice(15, 17);
  const ss = +s.slice(18, 20);
  const ms = s.charCodeAt(20) === 46 ? Number(s.slice(21, 24).padEnd(3, '0')) : 0;
  if (!(day >= 1 && year > 0 && hh >= 0 && mi >= 0 && ss >= 0 && ms >= 0)) return undefined;
  if (hdr?.offset !== undefined) return [Date.UTC(year, mon, day, hh, mi, ss, ms) - hdr.offset, 0];
  return [wallToUtc(tz, year, mon, day, hh, mi, ss, ms), EventFlag.TZ_ASSUMED];
}

/**
 * Fills a haproxy message into the event (ts from the accept date); false when it is neither a traffic nor a
 * Connect line.
 */
export function haproxyMessage(msg: string, ev: ParsedEvent, hdr: SyslogHeader | undefined, tz: string): boolean {
  ev.dataset = 'haproxy.log';
  const f = ev.fields;
  const { ts, flags } = ev;
  const had = Object.keys(f).length;
  if (traffic(msg, f, ev, hdr, tz)) return true;
  // not a traffic line after all: keep only what the event had (its header fields); rare, so the deletes are cheap
  const keys = Object.keys(f);
  for (let i = had; i < keys.length; i++) delete f[keys[i]];
  ev.ts = ts;
  ev.flags = flags;
  return false;
}

function traffic(msg: string, f: Fields, ev: ParsedEvent, hdr: SyslogHeader | undefined, tz: string): boolean {
  const c = CONNECT.exec(msg);
  if (c) {
    setClient(f, `${c[1]}:${c[2]}`);
    const dst = normIp(c[3]);
    if (dst) f['destination.ip'] = dst;
    else f['destination.address'] = c[3];
    f['destination.port'] = n(c[4]);
    f['haproxy.frontend_name'] = c[5];
    f['haproxy.mode'] = c[6];
    f['event.category'] = ['network'];
    f['event.type'] = ['connection', 'start'];
    return true;
  }
  if (!TRAFFIC.test(msg)) return false;
  const sp = msg.indexOf(' ');
  const close = msg.indexOf(']', sp);
  if (close < 0 || !setClient(f, msg.slice(0, sp))) return false;
  const toks = new Tokens(msg, close + 2);
  const frontend = toks.next();
  if (frontend === undefined) return false;
  const t = acceptDate(msg.slice(sp + 2, close), hdr, tz);
  if (t) {
    ev.ts = t[0];
    ev.flags = ((ev.flags ?? 0) & ~(EventFlag.YEAR_INFERRED | EventFlag.TZ_ASSUMED)) | t[1];
  }
  if (frontend.endsWith(':')) {
    // "frontend/bind: SSL handshake failure": a connection that never became a request
    const slash = frontend.indexOf('/');
    f['haproxy.frontend_name'] = slash > 0 ? frontend.slice(0, slash) : frontend.slice(0, -1);
    f['haproxy.error'] = toks.rest();
    f['event.category'] = ['network'];
    f['event.type'] = ['connection', 'error'];
    f['event.outcome'] = 'failure';
    return true;
  }
  f['haproxy.frontend_name'] = frontend;
  const bs = toks.next();
  const timers = toks.next()?.split('/');
  if (bs === undefined || timers === undefined) return false;
  const slash = bs.indexOf('/');
  f['haproxy.backend_name'] = slash < 0 ? bs : bs.slice(0, slash);
  if (slash >= 0) f['haproxy.server_name'] = bs.slice(slash + 1);
  if (timers.length >= 5) return http(f, timers, toks);
  if (timers.length === 3) return tcp(f, timers, toks);
  return false;
}

function durationNs(ms: number | undefined): number | undefined {
  return ms === undefined || ms < 0 ? undefined : ms * 1_000_000;
}

function counters(f: Fields, conns: string | undefined, queues: string | undefined): void {
  const c = conns?.split('/');
  if (c && c.length === 5) {
    f['haproxy.connections.active'] = n(c[0]);
    f['haproxy.connections.frontend'] = n(c[1]);
    f['haproxy.connections.backend'] = n(c[2]);
    f['haproxy.connections.server'] = n(c[3]);
    f['haproxy.connections.retries'] = n(c[4]);
  }
  const q = queues?.split('/');
  if (q && q.length === 2) {
    f['haproxy.server_queue'] = n(q[0]);
    f['haproxy.backend_queue'] = n(q[1]);
  }
}

/** TR/Tw/Tc/Tr/Ta status bytes req_cookie resp_cookie term conns queues [{hdrs}] [{hdrs}] "request" */
function http(f: Fields, timers: string[], toks: Tokens): boolean {
  f['haproxy.http.request.time_wait_ms'] = n(timers[0]);
  f['haproxy.total_waiting_time_ms'] = n(timers[1]);
  f['haproxy.connection_wait_time_ms'] = n(timers[2]);
  f['haproxy.http.request.time_wait_without_data_ms'] = n(timers[3]);
  const total = n(timers[timers.length - 1]);
  f['haproxy.total_time_ms'] = total;
  f['event.duration'] = durationNs(total);
  const status = n(toks.next());
  const bytes = n(toks.next());
  const reqCookie = toks.next();
  const resCookie = toks.next();
  const term = toks.next();
  const conns = toks.next();
  const queues = toks.next();
  if (queues === undefined) return false;
  if (status !== undefined && status >= 0) f['http.response.status_code'] = status;
  f['http.response.body.bytes'] = bytes;
  if (reqCookie !== '-') f['haproxy.http.request.captured_cookie'] = reqCookie;
  if (resCookie !== '-') f['haproxy.http.response.captured_cookie'] = resCookie;
  f['haproxy.termination_state'] = term;
  counters(f, conns, queues);
  const req = toks.headers();
  if (req !== undefined) {
    f['haproxy.http.request.captured_headers'] = req;
    const res = toks.headers();
    if (res !== undefined) f['haproxy.http.response.captured_headers'] = res;
  }
  request(f, toks.rest());
  f['event.category'] = ['web'];
  f['event.type'] = ['access'];
  f['event.outcome'] = status === undefined || status < 0 ? 'unknown' : status >= 400 ? 'failure' : 'success';
  return true;
}

/** Tw/Tc/Tt bytes term conns queues */
function tcp(f: Fields, timers: string[], toks: Tokens): boolean {
  f['haproxy.total_waiting_time_ms'] = n(timers[0]);
  f['haproxy.connection_wait_time_ms'] = n(timers[1]);
  const total = n(timers[2]);
  f['haproxy.total_time_ms'] = total;
  f['event.duration'] = durationNs(total);
  const bytes = n(toks.next());
  const term = toks.next();
  const conns = toks.next();
  const queues = toks.next();
  if (queues === undefined) return false;
  f['network.bytes'] = bytes;
  f['haproxy.termination_state'] = term;
  counters(f, conns, queues);
  f['event.category'] = ['network'];
  f['event.type'] = ['connection'];
  f['event.outcome'] = tcpOutcome(term);
  return true;
}

/** "--": normal end; the session was ended by a server, proxy, resource, internal error, timeout or kill: failure. */
function tcpOutcome(term: string | undefined): string {
  if (term === undefined) return 'unknown';
  if (term.startsWith('--')) return 'success';
  return 'SPRIcsK'.includes(term[0]) ? 'failure' : 'unknown';
}

/** "GET /a?b HTTP/1.1" (quotes included, possibly cut short) */
function request(f: Fields, quoted: string): void {
  if (quoted.charCodeAt(0) !== 34) return;
  const text = quoted.endsWith('"') && quoted.length > 1 ? quoted.slice(1, -1) : quoted.slice(1);
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || text.startsWith('<BADREQ>')) {
    if (text) f['haproxy.http.request.raw_request_line'] = text;
    return;
  }
  const sp2 = text.lastIndexOf(' ');
  const hasVersion = sp2 > sp1 && text.startsWith('HTTP/', sp2 + 1);
  f['http.request.method'] = text.slice(0, sp1);
  const target = hasVersion ? text.slice(sp1 + 1, sp2) : text.slice(sp1 + 1);
  if (hasVersion) f['http.version'] = text.slice(sp2 + 6);
  f['url.original'] = target;
  // absolute-form targets (HTTP/2, proxies): the path starts after the authority
  let pathStart = 0;
  if (target.startsWith('http://') || target.startsWith('https://')) {
    const slash = target.indexOf('/', target.indexOf('//') + 2);
    pathStart = slash < 0 ? target.length : slash;
  }
  const q = target.indexOf('?', pathStart);
  const path = target.slice(pathStart, q < 0 ? target.length : q);
  if (path) f['url.path'] = path;
  if (q >= 0) f['url.query'] = target.slice(q + 1);
}

/** Blank-separated fields of a haproxy line, with the brace blocks and the quoted request that may hold blanks. */
class Tokens {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  next(): string | undefined {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
    if (this.i >= this.s.length) return undefined;
    let end = this.s.indexOf(' ', this.i);
    if (end < 0) end = this.s.length;
    const t = this.s.slice(this.i, end);
    this.i = end;
    return t;
  }

  /** A `{a|b|c}` block: its non-empty entries; undefined when the next field is not one. */
  headers(): string[] | undefined {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
    if (this.s.charCodeAt(this.i) !== 123 /* { */) return undefined;
    let end = this.s.indexOf('}', this.i);
    if (end < 0) end = this.s.length;
    const body = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return body === '' ? [] : body.split('|').filter((h) => h !== '');
  }

  rest(): string {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
    return this.s.slice(this.i);
  }
}

/** Syslog header fields of a haproxy line. */
function headerFields(h: SyslogHeader, ev: ParsedEvent): void {
  ev.ts = h.ts;
  ev.flags = h.flags;
  const f = ev.fields;
  if (h.host !== undefined) f['host.name'] = h.host;
  if (h.program !== undefined) f['process.name'] = h.program;
  if (h.pid !== undefined) f['process.pid'] = h.pid;
}

export const haproxy: Parser = {
  name: 'haproxy',
  description: 'HAProxy HTTP and TCP logs (option httplog / tcplog), with or without a syslog prefix',
  datasets: ['haproxy.log'],
  standalone: true,
  detect(sample) {
    const reader = new SyslogReader({ path: '-', tz: 'UTC', mtimeMs: Date.now() });
    let score = 0;
    for (const line of sample) {
      const h = reader.read(line);
      if (typeof h !== 'string' && h.program !== undefined) {
        if (h.program === 'haproxy' || looksLikeHaproxy(h.msg)) score += h.quality;
      } else if (looksLikeHaproxy(line)) {
        score++;
      }
    }
    return sample.length ? score / sample.length : 0;
  },
  create(ctx) {
    const reader = new SyslogReader(ctx);
    return {
      parse(line) {
        if (line === '') return EMPTY;
        const fields: Fields = {};
        const ev: ParsedEvent = { dataset: 'haproxy.log', fields };
        const h = reader.read(line);
        if (typeof h !== 'string' && h.program !== undefined) {
          headerFields(h, ev);
          fields.message = h.msg;
          if (haproxyMessage(h.msg, ev, h, ctx.tz)) return ev;
          // the haproxy program's other messages (proxy started, server DOWN, ...) are still haproxy events
          return h.program === 'haproxy' ? ev : NOT_HAPROXY;
        }
        fields.message = line;
        return haproxyMessage(line, ev, undefined, ctx.tz) ? ev : NOT_HAPROXY;
      },
      flush: () => [],
    };
  },
  fields: [
    { name: 'haproxy.frontend_name', type: 'keyword', desc: 'frontend that took the connection', filledBy: 'haproxy' },
    { name: 'haproxy.backend_name', type: 'keyword', desc: 'backend chosen', filledBy: 'haproxy' },
    { name: 'haproxy.server_name', type: 'keyword', desc: 'server chosen (<NOSRV> when none)', filledBy: 'haproxy' },
    { name: 'haproxy.termination_state', type: 'keyword', desc: 'session state at disconnection (----, CD, SC--, PR--, ...)', filledBy: 'haproxy' },
    { name: 'haproxy.mode', type: 'keyword', desc: 'HTTP or TCP (Connect lines)', filledBy: 'haproxy' },
    { name: 'haproxy.http.request.time_wait_ms', type: 'long', desc: 'TR/Tq: time to receive the full request (-1: never)', filledBy: 'haproxy' },
    { name: 'haproxy.total_waiting_time_ms', type: 'long', desc: 'Tw: time spent in queues', filledBy: 'haproxy' },
    { name: 'haproxy.connection_wait_time_ms', type: 'long', desc: 'Tc: time to connect to the server', filledBy: 'haproxy' },
    { name: 'haproxy.http.request.time_wait_without_data_ms', type: 'long', desc: 'Tr: server response time', filledBy: 'haproxy' },
    { name: 'haproxy.total_time_ms', type: 'long', desc: 'Ta/Tt: total time (event.duration holds it in ns)', filledBy: 'haproxy' },
    { name: 'event.duration', type: 'long', desc: 'duration in nanoseconds', filledBy: 'haproxy' },
    { name: 'haproxy.connections.active', type: 'long', desc: 'actconn: connections on the process', filledBy: 'haproxy' },
    { name: 'haproxy.connections.frontend', type: 'long', desc: 'feconn', filledBy: 'haproxy' },
    { name: 'haproxy.connections.backend', type: 'long', desc: 'beconn', filledBy: 'haproxy' },
    { name: 'haproxy.connections.server', type: 'long', desc: 'srv_conn', filledBy: 'haproxy' },
    { name: 'haproxy.connections.retries', type: 'long', desc: 'retries', filledBy: 'haproxy' },
    { name: 'haproxy.server_queue', type: 'long', desc: 'srv_queue', filledBy: 'haproxy' },
    { name: 'haproxy.backend_queue', type: 'long', desc: 'backend_queue', filledBy: 'haproxy' },
    { name: 'haproxy.http.request.captured_headers', type: 'keyword[]', desc: 'captured request headers (non-empty ones)', filledBy: 'haproxy' },
    { name: 'haproxy.http.response.captured_headers', type: 'keyword[]', desc: 'captured response headers (non-empty ones)', filledBy: 'haproxy' },
    { name: 'haproxy.http.request.captured_cookie', type: 'keyword', desc: 'captured request cookie', filledBy: 'haproxy' },
    { name: 'haproxy.http.response.captured_cookie', type: 'keyword', desc: 'captured response cookie', filledBy: 'haproxy' },
    { name: 'haproxy.http.request.raw_request_line', type: 'keyword', desc: 'the request line when it is not METHOD TARGET [VERSION] (<BADREQ>, ...)', filledBy: 'haproxy' },
    { name: 'haproxy.error', type: 'text', desc: 'the error of a connection that never became a request (SSL handshake failure, ...)', filledBy: 'haproxy' },
    { name: 'source.address', type: 'keyword', desc: 'client address when it is not an IP (unix sockets)', filledBy: 'haproxy' },
  ],
};
