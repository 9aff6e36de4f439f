/**
 * Apache error log, 2.2 (`[Mon Dec 26 16:22:08 2016] [error] [client 1.2.3.4] msg`) and 2.4 (`[Fri Sep 09
 * 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 1.2.3.4:1234] AH00094: msg`), and the
 * same lines sent through syslog (`ErrorLog syslog`: `Feb 15 16:23:00 srv httpd[22034]: [core:error] ...`).
 * Times carry no zone: they are read in --tz.
 */
import { EventFlag, type Fields, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { MONTHS, wallToUtc } from '../util/time.js';
import type { Parser, ParserContext } from './types.js';
import { digitsAt } from './lib.js';
import { applyPrefix, ipVersion, levelType, parsePrefix, WEB_FIELDS } from './web-common.js';

const NOT_APACHE_ERROR = 'not an Apache error line ([Www Mmm dd HH:MM:SS yyyy] [module:level] ...)';


/** `[Www Mmm dd HH:MM:SS[.ffffff] yyyy]` at 0: [utc ms, index after the closing bracket], or undefined. */
function readTime(line: string, tz: string): [number, number] | undefined {
  if (line.charCodeAt(4) !== 32 || line.charCodeAt(8) !== 32 || line.charCodeAt(11) !== 32) return undefined;
  if (line.charCodeAt(14) !== 58 || line.charCodeAt(17) !== 58) return undefined;
  const mon = MONTHS[line.slice(5, 8).toLowerCase()];
  const day = line.charCodeAt(9) === 32 ? digitsAt(line, 10, 1) : digitsAt(line, 9, 2);
  const h = digitsAt(line, 12, 2);
  const mi = digitsAt(line, 15, 2);
  const sec = digitsAt(line, 18, 2);
  let i = 20;
  let ms = 0;
  if (line.charCodeAt(i) === 46) {
    let j = i + 1;
    while (j < line.length && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
    ms = Math.floor(Number(`0.${line.slice(i + 1, j)}`) * 1000);
    i = j;
  }
  if (line.charCodeAt(i) !== 32 || line.charCodeAt(i + 5) !== 93) return undefined;
  const year = digitsAt(line, i + 1, 4);
  if (mon === undefined || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || year < 0) {
    return undefined;
  }
  return [wallToUtc(tz, year, mon, day, h, mi, sec, ms), i + 6];
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:5678`, `2001:db8::1` (2.2, no port), `::1:5678` (2.4, always a port). */
function setClient(f: Fields, value: string, withPort: boolean): void {
  let ip = value;
  let port: string | undefined;
  if (value.charCodeAt(0) === 91) {
    const e = value.indexOf(']');
    ip = value.slice(1, e);
    if (value.charCodeAt(e + 1) === 58) port = value.slice(e + 2);
  } else if (ipVersion(value) === 0 || (withPort && value.indexOf('.') < 0)) {
    const c = value.lastIndexOf(':');
    const tail = value.slice(c + 1);
    if (c > 0 && /^\d{1,5}$/.test(tail) && ipVersion(value.slice(0, c)) !== 0) {
      ip = value.slice(0, c);
      port = tail;
    }
  }
  if (ipVersion(ip) !== 0) f['source.ip'] = ip;
  else f['source.address'] = ip;
  const n = port === undefined ? NaN : Number(port);
  if (Number.isInteger(n) && n >= 0 && n <= 65535 && port !== '') f['source.port'] = n;
}

type Failure = 'authentication' | 'denied' | 'not_found';

/**
 * The failures that brute-force and probing detection look for, in the wording of 2.2 and 2.4 (after the AH code
 * and before ", referer: "): mod_auth_basic / mod_auth_digest (authentication), mod_authz_* and mod_access_compat
 * (access denied), mod_cgi and the core (a script or file asked for that is not there). Groups: the user, the request path (r->uri) or
 * the file (r->filename, a path on disk). A basic-auth user cannot hold a colon: the header splits at the first.
 */
const FAILURES: [RegExp, Failure][] = [
  [/^(?:Digest: )?user `(?<user>[^']*)' in realm `[^']*' not found: (?<uri>.*)$/s, 'authentication'],
  [/^user (?<user>[^:]*): authentication failure for "(?<uri>.*)": /s, 'authentication'],
  [/^user (?<user>.*?) not found(?:: (?<uri>.*))?$/s, 'authentication'],
  [/^(?:Digest: )?user (?<user>.*?): password mismatch: (?<uri>.*)$/s, 'authentication'],
  [/^client used wrong authentication scheme: (?<uri>.*)$/s, 'authentication'],
  [/^user (?<user>[^:]*): authorization failure for "(?<uri>.*)": /s, 'denied'],
  [/^Authorization of user (?<user>.*?) to access (?<uri>.*) failed, reason: /s, 'denied'],
  // r->filename, or "uri " and the path when the request maps to no file
  [/^client denied by server configuration: (?:uri (?<uri>.*)|(?<file>.*))$/s, 'denied'],
  [/^script not found or unable to stat: (?<file>.*)$/s, 'not_found'],
  [/^stderr from (?<file>.*): script not found or unable to stat$/s, 'not_found'],
  [/^script '(?<file>.*)' not found or unable to stat$/s, 'not_found'],
  [/^File does not exist: (?<file>.*)$/s, 'not_found'],
];

/** event.category / type / outcome and the user and path of a failure message. */
function setFailure(f: Fields, body: string): void {
  for (const [re, kind] of FAILURES) {
    const g = re.exec(body)?.groups;
    if (!g) continue;
    f['event.outcome'] = 'failure';
    if (kind === 'authentication') f['event.category'] = ['web', 'authentication'];
    else if (kind === 'denied') f['event.type'] = ['access', 'denied'];
    if (g.user) f['user.name'] = g.user;
    if (g.uri) f['url.path'] = g.uri;
    if (g.file) f['file.path'] = g.file;
    return;
  }
}

const BEFORE_CLIENT = /^(?:[\w.-]+\(\d+\): (?:\(-?\d+\)[^:[\]]*: )?|\(-?\d+\)[^:[\]]*: )(?=\[(?:client|remote) )/;

interface Groups {
  client?: string;
  remote?: string;
}

/**
 * Reads `[pid N:tid M] [client A:P] [remote A:P]` groups from p (the space before the first bracket) and returns
 * where they end. Only the first client counts: the message after them may quote others.
 */
function readGroups(line: string, p: number, f: Fields, g: Groups): number {
  while (line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 91) {
    const e = line.indexOf(']', p + 2);
    if (e < 0) break;
    const text = line.slice(p + 2, e);
    if (text.startsWith('pid ')) {
      const t = text.indexOf(':tid ');
      const pid = Number(t < 0 ? text.slice(4) : text.slice(4, t));
      if (Number.isInteger(pid)) f['process.pid'] = pid;
      if (t >= 0) {
        const tid = Number(text.slice(t + 5));
        if (Number.isInteger(tid)) f['process.thread.id'] = tid;
      }
      p = e + 1;
    } else if (text.startsWith('client ') || text.startsWith('remote ')) {
      // the bracket of an IPv6 address in brackets closes before the port: [client [::1]:80]
      const end = text.charCodeAt(7) === 91 ? line.indexOf(']', e + 1) : e;
      if (end < 0) break;
      const value = line.slice(p + 9, end);
      if (text.charCodeAt(0) === 99) g.client ??= value;
      else g.remote ??= value;
      p = end + 1;
    } else {
      break;
    }
  }
  return p;
}

const LEVELS = new Set(['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug', 'trace1', 'trace2', 'trace3', 'trace4', 'trace5', 'trace6', 'trace7', 'trace8']);

/** The groups that can open a line sent to syslog without its level (a custom ErrorLogFormat). */
const GROUP_FIRST = /^\[(?:client|remote|pid) /;

/**
 * One error line. `carried`: a syslog message's text, which Apache writes without the time (syslog stamps it) and
 * the syslog parser has already stripped of its header: it starts at the level, or, without one, at the groups.
 */
function parseLine(line: string, ctx: ParserContext, carried = false): ParsedEvent | string {
  let ts: number | undefined;
  let flags = 0;
  let p: number;
  let pre: ReturnType<typeof parsePrefix>;
  if (carried) {
    if (line.charCodeAt(0) !== 91) return NOT_APACHE_ERROR;
    p = 0;
  } else if (line.charCodeAt(0) === 91) {
    const t = readTime(line, ctx.tz);
    if (!t) return NOT_APACHE_ERROR;
    ts = t[0];
    flags = EventFlag.TZ_ASSUMED;
    p = t[1];
    if (line.charCodeAt(p) !== 32 || line.charCodeAt(p + 1) !== 91) return NOT_APACHE_ERROR;
    p++;
  } else {
    // through syslog: the prefix brings the time (no year, no zone) and the line starts at the level
    const c = line.indexOf(': [');
    if (c < 0) return NOT_APACHE_ERROR;
    pre = parsePrefix(line.slice(0, c), ctx);
    if (!pre) return NOT_APACHE_ERROR;
    ts = pre.ts;
    flags = pre.flags;
    p = c + 2;
  }
  const f: Fields = { 'log.level': undefined, message: undefined, 'event.category': ['web'], 'event.type': undefined };
  // [module:level] (2.4) or [level] (2.2); only a carried line may have none (2.4's ErrorLogFormat without %l)
  let colon = 0;
  if (carried && GROUP_FIRST.test(line)) {
    // readGroups starts at the blank before a group
    line = ' ' + line;
  } else {
    const le = line.indexOf(']', p);
    if (le < 0) return NOT_APACHE_ERROR;
    const lv = line.slice(p + 1, le);
    colon = lv.indexOf(':');
    const level = colon < 0 ? lv : lv.slice(colon + 1);
    if (!LEVELS.has(level)) return NOT_APACHE_ERROR;
    f['log.level'] = level;
    f['event.type'] = levelType(level);
    if (colon > 0) f['apache.error.module'] = lv.slice(0, colon);
    p = le + 1;
  }
  if (pre) applyPrefix(f, pre);
  const groups: Groups = {};
  p = readGroups(line, p, f, groups);
  const msgStart = line.charCodeAt(p) === 32 ? p + 1 : p;
  let msg = line.slice(msgStart);
  // debug levels and APR errors put "file.c(123): " and "(104)Connection reset by peer: " before the client
  let codeAt = 0;
  if (groups.client === undefined && groups.remote === undefined) {
    const m = BEFORE_CLIENT.exec(msg);
    if (m) {
      const after = readGroups(line, msgStart + m[0].length - 1, f, groups);
      msg = m[0] + line.slice(line.charCodeAt(after) === 32 ? after + 1 : after);
      codeAt = m[0].length;
    }
  }
  const withPort = colon >= 0;
  if (groups.client !== undefined) setClient(f, groups.client, withPort);
  else if (groups.remote !== undefined) setClient(f, groups.remote, withPort);
  if (msg !== '') f.message = msg;
  if (msg.charCodeAt(codeAt) === 65 && msg.charCodeAt(codeAt + 1) === 72 && msg.charCodeAt(codeAt + 7) === 58 && digitsAt(msg, codeAt + 2, 5) >= 0) {
    f['error.code'] = msg.slice(codeAt, codeAt + 7);
  }
  const ref = msg.lastIndexOf(', referer: ');
  if (ref >= 0) f['http.request.referrer'] = msg.slice(ref + 11);
  setFailure(f, msg.slice(f['error.code'] === undefined ? codeAt : codeAt + 9, ref >= 0 ? ref : msg.length));
  return { ts, dataset: 'apache.error', fields: f, flags };
}

const DETECT_CTX: ParserContext = { path: '-', tz: 'UTC', mtimeMs: 0 };

export const apacheError: Parser = {
  name: 'apache-error',
  description: 'Apache httpd error log, 2.2 and 2.4 formats, also through syslog',
  datasets: ['apache.error'],
  standalone: true,
  detect(sample) {
    let hits = 0;
    for (const line of sample) if (typeof parseLine(line, DETECT_CTX) !== 'string') hits++;
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    return { parse: (line) => parseLine(line, ctx), flush: () => [] };
  },
  fields: [
    { name: 'apache.error.module', type: 'keyword', desc: 'the module that logged an Apache 2.4 error line (core, ssl, auth_basic, ...)', filledBy: 'apache-error' },
    { name: 'error.code', type: 'keyword', desc: 'Apache 2.4 message code, e.g. AH01618', filledBy: 'apache-error' },
    WEB_FIELDS.threadId,
    WEB_FIELDS.sourceAddress,
    { name: 'file.path', type: 'keyword', desc: 'the file on disk an Apache error line names (denied by configuration, file or script not found)', filledBy: 'apache-error' },
  ] satisfies FieldDef[],
};

/**
 * Apache error lines carried in syslog messages (`ErrorLog syslog`): Apache leaves the time out for syslog to add,
 * so a message starts at the level (`[core:error] [pid N] [client A:P] AH...`, 2.2's `[error] [client A] ...`) or,
 * with an ErrorLogFormat that has no level, at its groups (`[client A:P] ...`); the time is the syslog header's.
 */
export const apacheErrorMessages: Parser = {
  ...apacheError,
  create(ctx) {
    return { parse: (msg) => parseLine(msg, ctx, true), flush: () => [] };
  },
};
