/**
 * nginx error log: `2016/10/25 14:49:34 [error] 54053#0: *1 message, client: IP, server: S, request: "R", host: "H"`.
 * The time has no zone (read in --tz). Messages can span lines (FastCGI stderr output): lines that do not start
 * with a time join the open event, so each line is held until the next one shows whether it continues.
 */
import { EventFlag, type Fields, type LineRef, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { wallToUtc } from '../util/time.js';
import { digitsAt } from './lib.js';
import type { LineParser, Parser, ParserContext } from './types.js';
import { applyPrefix, hostDomain, ipVersion, isHostName, levelType, parsePrefix, setRequest, WEB_FIELDS } from './web-common.js';

const NOT_NGINX_ERROR = 'not an nginx error line (YYYY/MM/DD HH:MM:SS [level] pid#tid: message)';
const TOO_LONG = 'continuation line beyond the limit of one nginx error event';
/** A multi-line message longer than this is cut: the rest of its lines are rejected one by one. */
const MAX_GROUP_LINES = 500;
const MAX_GROUP_CHARS = 256 * 1024;


/** `YYYY/MM/DD HH:MM:SS [` at i. */
function isStamp(s: string, i: number): boolean {
  return (
    s.charCodeAt(i + 4) === 47 && s.charCodeAt(i + 7) === 47 && s.charCodeAt(i + 10) === 32 &&
    s.charCodeAt(i + 13) === 58 && s.charCodeAt(i + 16) === 58 && s.charCodeAt(i + 19) === 32 &&
    s.charCodeAt(i + 20) === 91 && digitsAt(s, i, 4) >= 0
  );
}

/** nginx's log levels, as its error lines write them. */
const LEVELS = new Set(['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug']);

/** `[level] ` at i: how a line starts when it comes without its date. */
function isLevel(s: string, i: number): boolean {
  if (s.charCodeAt(i) !== 91) return false;
  const e = s.indexOf('] ', i + 1);
  return e > 0 && e - i <= 7 && LEVELS.has(s.slice(i + 1, e));
}

/**
 * Where the line proper starts: 0, or after a `host nginx[pid]: ` prefix (syslog, journald); -1 when nowhere.
 * `dateless` lets it start at the level as well.
 */
function lineStart(line: string, dateless: boolean): number {
  const starts = (i: number) => isStamp(line, i) || (dateless && isLevel(line, i));
  if (starts(0)) return 0;
  let i = line.indexOf(': ');
  for (let tries = 0; i > 0 && tries < 3; tries++) {
    if (starts(i + 2)) return i + 2;
    i = line.indexOf(': ', i + 2);
  }
  return -1;
}

/**
 * The head of an event: everything but the fields of the message's trailer, which wait for the whole message.
 * `dateless`: the line may come without its date (as nginx sends it to syslog in some versions); its time is then
 * left unknown.
 */
function parseHead(line: string, ctx: ParserContext, dateless = false): ParsedEvent | string {
  const s = lineStart(line, dateless);
  if (s < 0) return NOT_NGINX_ERROR;
  let ts: number | undefined;
  let lv = s;
  if (isStamp(line, s)) {
    const year = digitsAt(line, s, 4);
    const mon = digitsAt(line, s + 5, 2);
    const day = digitsAt(line, s + 8, 2);
    const h = digitsAt(line, s + 11, 2);
    const mi = digitsAt(line, s + 14, 2);
    const sec = digitsAt(line, s + 17, 2);
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
      return NOT_NGINX_ERROR;
    }
    ts = wallToUtc(ctx.tz, year, mon - 1, day, h, mi, sec);
    lv = s + 20;
  }
  const lvEnd = line.indexOf('] ', lv + 1);
  if (lvEnd < 0) return NOT_NGINX_ERROR;
  const level = line.slice(lv + 1, lvEnd);
  // pid#tid:
  let p = lvEnd + 2;
  const hash = line.indexOf('#', p);
  const colon = line.indexOf(': ', p);
  const pid = digitsAt(line, p, hash - p);
  const tid = digitsAt(line, hash + 1, colon - hash - 1);
  if (hash < 0 || colon < hash || pid < 0 || tid < 0 || hash === p || colon === hash + 1) return NOT_NGINX_ERROR;
  p = colon + 2;
  let cid: number | undefined;
  if (line.charCodeAt(p) === 42 /* * */) {
    const sp = line.indexOf(' ', p);
    const v = sp < 0 ? -1 : digitsAt(line, p + 1, sp - p - 1);
    if (v >= 0 && sp > p + 1) {
      cid = v;
      p = sp + 1;
    }
  }
  const f: Fields = {
    'log.level': level,
    'process.pid': pid,
    'process.thread.id': tid,
    'nginx.error.connection_id': cid,
    message: line.slice(p),
    'event.category': ['web'],
    'event.type': levelType(level),
  };
  if (s > 0) {
    const pre = parsePrefix(line.slice(0, s - 2), ctx);
    if (!pre) return NOT_NGINX_ERROR;
    applyPrefix(f, pre);
  }
  return { ts, dataset: 'nginx.error', fields: f, flags: ts === undefined ? 0 : EventFlag.TZ_ASSUMED };
}

const LENIENT_KEYS = ['server', 'request', 'upstream', 'host'];

/**
 * Keys nginx appends after `, client: A`, in the order it writes them (ngx_http_log_error and the mail and stream
 * modules): a trailer names each at most once, in this order.
 */
const TRAILER_ORDER = ['server', 'login', 'request', 'subrequest', 'upstream', 'host', 'referrer'];

/** A request line as nginx 1.21.1 and later accept it: no space inside the target. */
const REQUEST_LINE = /^[A-Z_-]+ [^ ]+(?: HTTP\/[\d.]*)?$/;

/**
 * Whether a value can be what nginx writes for that key. Values are written unescaped, so these shapes are what
 * keeps a quoted value from swallowing the text after it: the request and the subrequest, upstream and host have no
 * space (nginx refuses one there); only the login and the referrer can hold anything.
 */
function plausible(rank: number, value: string): boolean {
  switch (TRAILER_ORDER[rank]) {
    case 'request':
      return REQUEST_LINE.test(value);
    case 'subrequest':
    case 'upstream':
    case 'host':
      return value.indexOf(' ') < 0;
    default:
      return true;
  }
}

/**
 * Where the quoted value of the key of `rank` that opens just before `from` closes: at the first quote followed by
 * the end of the line or by a key nginx writes later; the referrer, last of all, at the line's last quote. The end of
 * the line when it has no such quote (nginx cuts lines at 2 KiB).
 */
function quoteEnd(msg: string, from: number, rank: number): number {
  if (TRAILER_ORDER[rank] === 'referrer') {
    const q = msg.lastIndexOf('"');
    return q >= from ? q : msg.length;
  }
  for (let q = msg.indexOf('"', from); q >= 0; q = msg.indexOf('"', q + 1)) {
    if (q === msg.length - 1) return q;
    if (msg.charCodeAt(q + 1) !== 44 || msg.charCodeAt(q + 2) !== 32) continue;
    const ke = msg.indexOf(': ', q + 3);
    if (ke > 0 && TRAILER_ORDER.indexOf(msg.slice(q + 3, ke)) > rank) return q;
  }
  return msg.length;
}

/**
 * The `, client: A, server: S, request: "R", upstream: "U", host: "H", referrer: "F"` trailer, read strictly from
 * `start` (just after "client: ") to the end of the line: known keys in nginx's order, each value of the shape nginx
 * writes. Null when the text from there is not such a trailer; a line cut inside the last value is accepted.
 */
function readTrailer(msg: string, start: number): Map<string, string> | null {
  const out = new Map<string, string>();
  let e = msg.indexOf(', ', start);
  if (e < 0) e = msg.length;
  const client = msg.slice(start, e);
  if (client.length === 0 || client.indexOf(' ') >= 0 || client.indexOf('"') >= 0) return null;
  out.set('client', client);
  let p = e;
  let last = -1;
  while (p < msg.length) {
    if (msg.charCodeAt(p) !== 44 || msg.charCodeAt(p + 1) !== 32) return null;
    const ke = msg.indexOf(': ', p + 2);
    if (ke < 0) return null;
    const rank = TRAILER_ORDER.indexOf(msg.slice(p + 2, ke));
    if (rank <= last) return null;
    last = rank;
    const v = ke + 2;
    let value: string;
    if (msg.charCodeAt(v) === 34) {
      const q = quoteEnd(msg, v + 1, rank);
      value = msg.slice(v + 1, q);
      p = q + 1;
    } else {
      let q = msg.indexOf(', ', v);
      if (q < 0) q = msg.length;
      value = msg.slice(v, q);
      if (value.indexOf('"') >= 0) return null;
      p = q;
    }
    if (!plausible(rank, value)) return null;
    out.set(TRAILER_ORDER[rank], value);
  }
  return out;
}

/** How many `, client: ` a line is searched for: nginx writes one, the rest is text sent by the client. */
const MAX_CANDIDATES = 8;

type Reading = { at: number; keys: Map<string, string> };
type Trailer = Reading | { ats: number[]; conflict: string[] };

/** A value without the space or quote that text around it would bring: `, client: A, server: S` as nginx writes them. */
function plainUntilComma(msg: string, start: number): number {
  let e = msg.indexOf(', ', start);
  if (e < 0) e = msg.length;
  for (let k = start; k < e; k++) {
    const c = msg.charCodeAt(k);
    if (c === 32 || c === 34) return -1;
  }
  return e;
}

/**
 * The weaker reading, for lines whose trailer does not read cleanly (the stream module adds "bytes from/to ...",
 * nginx before 1.21.1 let a request hold spaces): a plain client, then the end or a plain `, server: `.
 */
function weakTrailer(msg: string, at: number): Map<string, string> | null {
  const ce = plainUntilComma(msg, at + 10);
  if (ce <= at + 10) return null;
  if (ce < msg.length && (!msg.startsWith(', server: ', ce) || plainUntilComma(msg, ce + 10) < 0)) return null;
  const keys = new Map<string, string>([['client', msg.slice(at + 10, ce)]]);
  for (const key of LENIENT_KEYS) {
    const k = msg.indexOf(`, ${key}: `, ce);
    if (k < 0) continue;
    const vs = k + key.length + 4;
    const quoted = msg.charCodeAt(vs) === 34;
    let ve = quoted ? msg.indexOf('"', vs + 1) : msg.indexOf(', ', vs);
    if (ve < 0) ve = msg.length;
    keys.set(key, msg.slice(quoted ? vs + 1 : vs, ve));
  }
  return keys;
}

/** The first reading, or a conflict when the readings name different clients. */
function pick(found: Reading[]): Trailer | undefined {
  const clients = [...new Set(found.map((t) => t.keys.get('client')!))];
  if (clients.length > 1) return { ats: found.map((t) => t.at), conflict: clients };
  return found[0];
}

/**
 * nginx's own trailer. Request, referrer and parts of the message are written unescaped, so text a client sent
 * can hold a trailer of its own: before the real one (in the message) or after it (in a value). Only text that
 * reads as a whole trailer to the end of the line counts (or, when none does, the weaker reading). When two
 * readings name different clients, nothing on the line tells nginx's from the forged one (a forged one in the
 * message swallows the real one into its referrer just as a real referrer holds a forged one): the line is a
 * conflict, and its clients are only listed.
 */
function findTrailer(msg: string): Trailer | undefined {
  const strict: Reading[] = [];
  const weak: Reading[] = [];
  let i = msg.indexOf(', client: ');
  for (let tries = 0; i !== -1 && tries < MAX_CANDIDATES; tries++) {
    const keys = readTrailer(msg, i + 10);
    if (keys) strict.push({ at: i, keys });
    else if (strict.length === 0) {
      const w = weakTrailer(msg, i);
      if (w) weak.push({ at: i, keys: w });
    }
    i = msg.indexOf(', client: ', i + 10);
  }
  return pick(strict.length > 0 ? strict : weak);
}

const NOT_FOUND = /":? was not found in "[^"]*"$/;
const PAM_FAILURE = /^PAM: user '(.*)' - not authenticated/s;

/**
 * The user of a basic-auth failure (`user "NAME": password mismatch`, `user "NAME" was not found in "FILE"`,
 * `PAM: user 'NAME' - not authenticated: ...`), read from both ends of the message before the trailer because the
 * name itself may hold quotes.
 */
function authUser(head: string): string | undefined {
  if (head.startsWith('user "')) {
    if (head.endsWith('": password mismatch')) return head.slice(6, -20);
    const m = NOT_FOUND.exec(head);
    return m ? head.slice(6, m.index) : undefined;
  }
  return head.startsWith('PAM: user ') ? PAM_FAILURE.exec(head)?.[1] : undefined;
}

/** Fields from the message trailer and from the basic-auth failure messages. */
function finish(ev: ParsedEvent): ParsedEvent {
  const f = ev.fields;
  const msg = f.message as string;
  const t = findTrailer(msg);
  if (t && 'conflict' in t) {
    f['nginx.error.conflicting_clients'] = t.conflict;
  } else if (t) {
    const client = t.keys.get('client')!;
    if (ipVersion(client) !== 0) f['source.ip'] = client;
    else if (client !== '') f['source.address'] = client;
    const request = t.keys.get('request');
    if (request !== undefined) setRequest(f, request, 0, request.length);
    const server = t.keys.get('server');
    if (server) setServer(f, server);
    const host = t.keys.get('host');
    if (host) {
      const domain = hostDomain(host);
      if (domain && f['url.domain'] === undefined) f['url.domain'] = domain;
    }
    const referrer = t.keys.get('referrer');
    if (referrer !== undefined && referrer !== '-') f['http.request.referrer'] = referrer;
    const upstream = t.keys.get('upstream');
    if (upstream !== undefined) f['nginx.error.upstream'] = upstream;
    const login = t.keys.get('login');
    if (login !== undefined) f['user.name'] = login;
  }
  // a conflict's message ends before one of its readings, and a forged reading may sit inside the user name
  const heads = !t ? [msg.length] : 'ats' in t ? t.ats : [t.at];
  let user: string | undefined;
  for (let k = heads.length - 1; k >= 0 && user === undefined; k--) user = authUser(msg.slice(0, heads[k]));
  if (user !== undefined) {
    f['user.name'] = user;
    f['event.category'] = ['web', 'authentication'];
    f['event.outcome'] = 'failure';
  }
  return ev;
}

function setServer(f: Fields, server: string): void {
  const c = server.lastIndexOf(':');
  const port = c > 0 ? Number(server.slice(c + 1)) : NaN;
  const host = Number.isInteger(port) && c < server.length - 1 ? server.slice(0, c) : server;
  if (ipVersion(host) !== 0) f['destination.ip'] = host;
  else if (isHostName(host)) f['destination.domain'] = host;
  if (host !== server) f['destination.port'] = port;
}

interface Group {
  ev: ParsedEvent;
  at: LineRef;
  raw: string;
  lines: number;
}

function close(g: Group): ParsedEvent {
  g.ev.span = { at: g.at, raw: g.raw, lines: g.lines };
  return finish(g.ev);
}

/**
 * Lines that start like a line of some log (a time, a bracket, JSON, an access line's client, ident, user and
 * [time]): never an nginx message continued. They are rejected, so that in a stream of mixed formats (an nginx
 * container's output) another parser reads them.
 */
const LINE_START = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:|\d{4}[-/]\d\d[-/]\d\d|<\d+>|[[{]|\S+ \S+ \S+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:)/;

export const nginxError: Parser = {
  name: 'nginx-error',
  description: 'nginx error log (with multi-line messages and an optional syslog/journald prefix)',
  datasets: ['nginx.error'],
  standalone: true,
  detect(sample) {
    const ctx: ParserContext = { path: '-', tz: 'UTC', mtimeMs: 0 };
    let hits = 0;
    let open = false;
    for (const line of sample) {
      if (typeof parseHead(line, ctx) !== 'string') {
        hits++;
        open = true;
      } else if (open && !LINE_START.test(line)) {
        hits++;
      } else {
        open = false;
      }
    }
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx): LineParser {
    let open: Group | undefined;
    return {
      parse(line, at) {
        const head = parseHead(line, ctx);
        if (typeof head === 'string') {
          if (!open || LINE_START.test(line)) return head;
          if (open.lines >= MAX_GROUP_LINES || open.raw.length + line.length > MAX_GROUP_CHARS) return TOO_LONG;
          open.raw += '\n' + line;
          open.lines++;
          open.ev.fields.message = `${open.ev.fields.message as string}\n${line}`;
          return null;
        }
        const prev = open;
        open = { ev: head, at, raw: line, lines: 1 };
        return prev ? [close(prev)] : null;
      },
      flush() {
        const prev = open;
        open = undefined;
        return prev ? [close(prev)] : [];
      },
      held: () => open?.at,
    };
  },
  fields: [
    WEB_FIELDS.threadId,
    WEB_FIELDS.sourceAddress,
    WEB_FIELDS.destinationDomain,
    WEB_FIELDS.urlScheme,
    WEB_FIELDS.urlDomain,
    { name: 'nginx.error.connection_id', type: 'long', desc: 'the connection serial (*N) of an nginx error line', filledBy: 'nginx-error' },
    { name: 'nginx.error.upstream', type: 'keyword', desc: 'the upstream named in an nginx error line', filledBy: 'nginx-error' },
    { name: 'nginx.error.conflicting_clients', type: 'keyword[]', desc: 'the clients of an nginx error line that reads as two trailers naming different clients, one forged by text the client sent; source.ip is then left empty', filledBy: 'nginx-error' },
  ] satisfies FieldDef[],
};

/**
 * nginx error lines carried in syslog messages (`error_log syslog:server=...`; stderr that journald keeps): each
 * message is one whole error line, never the continuation of the message before it (a multi-line message arrives
 * in one), so nothing is held; the date may be missing, and the syslog header's time is then the event's. The
 * trailer is read as in the file, with the same guard against forged clients.
 */
export const nginxErrorMessages: Parser = {
  ...nginxError,
  create(ctx): LineParser {
    return {
      parse(msg) {
        const head = parseHead(msg, ctx, true);
        return typeof head === 'string' ? head : finish(head);
      },
      flush: () => [],
    };
  },
};
