/**
 * The syslog header, shared by the syslog, haproxy and firewall parsers: RFC 3164 (`Nov 14 03:12:01 host
 * prog[pid]: msg`), RFC 3339-stamped lines (rsyslog, `journalctl -o short-iso`), RFC 5424, an optional `<PRI>`,
 * and time-less `host prog[pid]: msg` lines (what journal exports without a time look like).
 *
 * A hand-written scanner: the header is read once per line, so it avoids regexes, and time conversion is cached
 * per minute of wall clock (lines of one minute share the year inference and the zone lookup).
 */
import { EventFlag } from '../model/event.js';
import { parseOffset, wallToUtc } from '../util/time.js';
import { inferYear } from './lib.js';
import type { ParserContext } from './types.js';

export interface SyslogHeader {
  /** UTC ms; undefined for a line without time */
  ts: number | undefined;
  /** EventFlag bits: YEAR_INFERRED, TZ_ASSUMED */
  flags: number;
  /** the stamp's own UTC offset in ms, when it carried one (haproxy reads its accept date in it) */
  offset: number | undefined;
  /** <PRI>, or -1 */
  pri: number;
  host: string | undefined;
  program: string | undefined;
  /** the parenthesised part of `sshd(pam_unix)[123]:` */
  sub: string | undefined;
  pid: number | undefined;
  /** RFC 5424 PROCID when not a number, MSGID, VERSION, STRUCTURED-DATA */
  procid?: string;
  msgid?: string;
  version?: number;
  sd?: Record<string, Record<string, string>>;
  /** the text after the tag, leading blanks removed */
  msg: string;
  /** 1: time, (host) and a program tag; 0.5: a weaker shape (no tag, or no time); used by detect */
  quality: number;
}

export const NOT_SYSLOG = 'not a syslog line: no timestamp, host and program tag';
const TRUNCATED = 'truncated syslog line: nothing after the time';

const MONTH_BY_NAME = new Map<string, number>([
  ['Jan', 0], ['Feb', 1], ['Mar', 2], ['Apr', 3], ['May', 4], ['Jun', 5],
  ['Jul', 6], ['Aug', 7], ['Sep', 8], ['Oct', 9], ['Nov', 10], ['Dec', 11],
]);

/** Words that start application log lines after an ISO stamp: such a line is not syslog with a host of that name. */
const LEVEL_WORDS = new Set(['INFO', 'WARN', 'WARNING', 'ERROR', 'DEBUG', 'TRACE', 'FATAL', 'NOTICE', 'CRITICAL', 'ERR', 'CRIT']);

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlnum = (c: number) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Milliseconds from a fraction `.123456` starting at i (the dot); returns [ms, end]. */
function fraction(s: string, i: number): [number, number] {
  let j = i + 1;
  let ms = 0;
  let digits = 0;
  while (j < s.length && isDigit(s.charCodeAt(j))) {
    if (digits < 3) ms = ms * 10 + (s.charCodeAt(j) - 48);
    digits++;
    j++;
  }
  if (digits === 0) return [0, i];
  for (; digits < 3; digits++) ms *= 10;
  return [ms, j];
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Reads syslog headers of one stream; holds the per-minute time cache. */
export class SyslogReader {
  /** the text of the last converted stamp up to the minutes ("Nov 14 03:12", "2019-06-14T10:40") */
  private minuteKey = '';
  private minuteBase = 0;

  constructor(private readonly ctx: ParserContext) {}

  /** The header of `line`, or a rejection reason. */
  read(line: string): SyslogHeader | string {
    const h: SyslogHeader = {
      ts: undefined, flags: 0, offset: undefined, pri: -1, host: undefined, program: undefined, sub: undefined,
      pid: undefined, msg: '', quality: 1,
    };
    let i = 0;
    if (line.charCodeAt(0) === 60 /* < */) {
      const end = line.indexOf('>', 1);
      if (end < 2 || end > 4) return NOT_SYSLOG;
      let pri = 0;
      for (let k = 1; k < end; k++) {
        const c = line.charCodeAt(k);
        if (!isDigit(c)) return NOT_SYSLOG;
        pri = pri * 10 + c - 48;
      }
      if (pri > 191) return NOT_SYSLOG;
      h.pri = pri;
      i = end + 1;
      // RFC 5424: "<PRI>VERSION SP TIMESTAMP ..."
      if (isDigit(line.charCodeAt(i)) && line.charCodeAt(i + 1) === 32) return this.rfc5424(line, i, h);
    }
    const t = this.stamp(line, i, h);
    if (t < 0) return this.timeless(line, i, h);
    i = t;
    if (line.charCodeAt(i) !== 32) return NOT_SYSLOG;
    while (line.charCodeAt(i) === 32) i++;
    return this.afterTime(line, i, h);
  }

  /** Host and tag after the time. */
  private afterTime(line: string, i: number, h: SyslogHeader): SyslogHeader | string {
    const first = line.charCodeAt(i);
    if (Number.isNaN(first)) return TRUNCATED;
    // "[sshd]: msg", "[sshd] msg": a bracketed tag and no host
    if (first === 91 /* [ */) {
      const close = line.indexOf(']', i);
      if (close > i + 1 && close - i < 64 && line.indexOf(' ', i) > close) {
        const prog = line.slice(i + 1, close);
        if (validProgram(prog)) {
          h.program = prog;
          let j = close + 1;
          if (line.charCodeAt(j) === 58 /* : */) j++;
          return this.message(line, j, h);
        }
      }
    }
    const sp = line.indexOf(' ', i);
    const tokEnd = sp < 0 ? line.length : sp;
    // no host: the first word is the tag ("sshd[8148]: msg", "kernel: msg")
    if (line.charCodeAt(tokEnd - 1) === 58 /* : */) {
      const m = tag(line, i, h);
      if (m >= 0) return this.message(line, m, h);
    }
    if (!isAlnum(first) || sp < 0) {
      // "--- last message repeated 1 time ---" (macOS): no host, no tag
      h.quality = 0.5;
      h.msg = line.slice(i);
      return h;
    }
    const host = line.slice(i, sp);
    if (LEVEL_WORDS.has(host)) return NOT_SYSLOG;
    h.host = host;
    let j = sp + 1;
    while (line.charCodeAt(j) === 32) j++;
    const m = tag(line, j, h);
    if (m >= 0) return this.message(line, m, h);
    h.quality = 0.5;
    h.msg = line.slice(j);
    return h;
  }

  /** Sets h.msg from position j (after the tag), blanks removed. */
  private message(line: string, j: number, h: SyslogHeader): SyslogHeader {
    let k = j;
    while (line.charCodeAt(k) === 32) k++;
    h.msg = k === 0 ? line : line.slice(k);
    return h;
  }

  /** "srv sshd[13709]: msg" or "sshd[1]: msg" (after an optional PRI): only with a [pid], the shape is too loose otherwise. */
  private timeless(line: string, i: number, h: SyslogHeader): SyslogHeader | string {
    const sp = line.indexOf(' ', i);
    if (sp <= i || !isAlnum(line.charCodeAt(i))) return NOT_SYSLOG;
    let j = i;
    if (line.charCodeAt(sp - 1) !== 58 /* : */) {
      h.host = line.slice(i, sp);
      j = sp + 1;
    }
    const m = tag(line, j, h);
    if (m < 0 || h.pid === undefined) return NOT_SYSLOG;
    h.quality = 0.5;
    return this.message(line, m, h);
  }

  /**
   * A time at i: RFC 3164 ("Nov 14 03:12:01", "Nov  4 03:12:01.123") or RFC 3339 ("2018-08-14T14:30:02.2+02:00").
   * Sets h.ts/flags/offset and returns the end index, or -1.
   */
  private stamp(line: string, i: number, h: SyslogHeader): number {
    const c = line.charCodeAt(i);
    if (isDigit(c)) return this.iso(line, i, h);
    if (c < 65 || c > 90) return -1;
    // most lines share their minute with the line before: then only the seconds are left to read
    const key = this.minuteKey;
    if (key.length !== 0 && key.charCodeAt(0) === c && line.startsWith(key, i) && line.charCodeAt(i + key.length) === 58) {
      h.flags = EventFlag.YEAR_INFERRED | EventFlag.TZ_ASSUMED;
      return this.seconds(line, i + key.length + 1, h, this.minuteBase);
    }
    const mon = MONTH_BY_NAME.get(line.slice(i, i + 3));
    if (mon === undefined || line.charCodeAt(i + 3) !== 32) return -1;
    let j = i + 4;
    if (line.charCodeAt(j) === 32) j++;
    let day = line.charCodeAt(j) - 48;
    if (day < 0 || day > 9) return -1;
    j++;
    const c2 = line.charCodeAt(j) - 48;
    if (c2 >= 0 && c2 <= 9) {
      day = day * 10 + c2;
      j++;
    }
    if (line.charCodeAt(j) !== 32 || day < 1 || day > 31) return -1;
    j++;
    const hh = d2(line, j);
    const mi = d2(line, j + 3);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || line.charCodeAt(j + 2) !== 58 || line.charCodeAt(j + 5) !== 58) return -1;
    let year = inferYear(mon, day, this.ctx.mtimeMs);
    // "Feb 29" names a leap year: the latest one not after the inferred year
    if (mon === 1 && day === 29) while (!isLeap(year)) year--;
    const base = wallToUtc(this.ctx.tz, year, mon, day, hh, mi);
    const end = this.seconds(line, j + 6, h, base);
    if (end >= 0) {
      this.minuteKey = line.slice(i, j + 5);
      this.minuteBase = base;
      h.flags = EventFlag.YEAR_INFERRED | EventFlag.TZ_ASSUMED;
    }
    return end;
  }

  /** "SS[.fff]" at j, added to the minute's UTC base; sets h.ts and returns the end index, or -1. */
  private seconds(line: string, j: number, h: SyslogHeader, base: number): number {
    const ss = d2(line, j);
    if (ss < 0 || ss > 60) return -1;
    let end = j + 2;
    let ms = 0;
    if (line.charCodeAt(end) === 46 /* . */) [ms, end] = fraction(line, end);
    h.ts = base + ss * 1000 + ms;
    return end;
  }

  /** RFC 3339 / ISO 8601 with a 'T'; the zone is optional (then read in ctx.tz). */
  private iso(line: string, i: number, h: SyslogHeader): number {
    if (line.charCodeAt(i + 4) !== 45 || line.charCodeAt(i + 7) !== 45 || line.charCodeAt(i + 10) !== 84 /* T */) return -1;
    if (line.charCodeAt(i + 13) !== 58 || line.charCodeAt(i + 16) !== 58) return -1;
    const y = d2(line, i) * 100 + d2(line, i + 2);
    const mo = d2(line, i + 5);
    const d = d2(line, i + 8);
    const hh = d2(line, i + 11);
    const mi = d2(line, i + 14);
    const ss = d2(line, i + 17);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60) return -1;
    let end = i + 19;
    let ms = 0;
    if (line.charCodeAt(end) === 46 || line.charCodeAt(end) === 44) [ms, end] = fraction(line, end);
    const zc = line.charCodeAt(end);
    if (zc === 90 || zc === 122 /* Z */) {
      h.offset = 0;
      end++;
    } else if (zc === 43 || zc === 45) {
      let zEnd = end + 1;
      while (zEnd < line.length && (isDigit(line.charCodeAt(zEnd)) || line.charCodeAt(zEnd) === 58) && zEnd - end <= 6) zEnd++;
      const off = parseOffset(line.slice(end, zEnd));
      if (Number.isNaN(off)) return -1;
      h.offset = off;
      end = zEnd;
    }
    if (h.offset !== undefined) {
      h.ts = Date.UTC(y, mo - 1, d, hh, mi, ss, ms) - h.offset;
      return end;
    }
    const keyEnd = i + 16;
    if (!(this.minuteKey.length === keyEnd - i && line.startsWith(this.minuteKey, i))) {
      this.minuteKey = line.slice(i, keyEnd);
      this.minuteBase = wallToUtc(this.ctx.tz, y, mo - 1, d, hh, mi);
    }
    h.ts = this.minuteBase + ss * 1000 + ms;
    h.flags = EventFlag.TZ_ASSUMED;
    return end;
  }

  /** <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG] */
  private rfc5424(line: string, i: number, h: SyslogHeader): SyslogHeader | string {
    h.version = line.charCodeAt(i) - 48;
    let j = i + 2;
    if (line.charCodeAt(j) === 45 /* - */) {
      j++;
    } else {
      j = this.iso(line, j, h);
      if (j < 0) return NOT_SYSLOG;
    }
    const fields: (string | undefined)[] = [];
    for (let n = 0; n < 4; n++) {
      if (line.charCodeAt(j) !== 32) return NOT_SYSLOG;
      const sp = line.indexOf(' ', j + 1);
      const end = sp < 0 ? line.length : sp;
      const v = line.slice(j + 1, end);
      if (v === '') return NOT_SYSLOG;
      fields.push(v === '-' ? undefined : v);
      j = end;
    }
    const [host, app, procid, msgid] = fields;
    h.host = host;
    h.program = app;
    if (procid !== undefined) {
      const pid = Number(procid);
      if (Number.isInteger(pid) && pid >= 0) h.pid = pid;
      else h.procid = procid;
    }
    h.msgid = msgid;
    if (line.charCodeAt(j) !== 32) return NOT_SYSLOG;
    j++;
    if (line.charCodeAt(j) === 45 /* - */) {
      j++;
    } else if (line.charCodeAt(j) === 91 /* [ */) {
      const sd: Record<string, Record<string, string>> = {};
      const end = structuredData(line, j, sd);
      if (end < 0) return NOT_SYSLOG;
      h.sd = sd;
      j = end;
    } else {
      return NOT_SYSLOG;
    }
    if (line.charCodeAt(j) === 32) j++;
    // a UTF-8 BOM may open the MSG
    if (line.charCodeAt(j) === 0xfeff) j++;
    h.msg = line.slice(j);
    return h;
  }
}

/**
 * Reads the tag at i: `prog[pid]:`, `prog:`, `prog(sub)[pid]:`, `prog[pid] msg`, and programs with blanks when a
 * [pid] follows (`Google Chrome[85294]:`). Fills program/sub/pid and returns where the message starts, or -1 when
 * there is no tag.
 */
function tag(line: string, i: number, h: SyslogHeader): number {
  const limit = Math.min(line.length, i + 64);
  let k = i;
  let blank = false;
  for (; k < limit; k++) {
    const c = line.charCodeAt(k);
    if (c === 91 /* [ */ || c === 58 /* : */) break;
    if (c === 32) blank = true;
    else if (c === 61 /* = */ || c === 34 /* " */) return -1;
  }
  if (k >= limit || k === i) return -1;
  let name = line.slice(i, k);
  let next: number;
  let pid: number | undefined;
  if (line.charCodeAt(k) === 91) {
    let p = k + 1;
    pid = 0;
    while (isDigit(line.charCodeAt(p))) pid = pid * 10 + line.charCodeAt(p++) - 48;
    if (p === k + 1 || line.charCodeAt(p) !== 93 /* ] */) return -1;
    p++;
    const c = line.charCodeAt(p);
    if (c === 58) next = p + 1;
    else if (c === 32 || Number.isNaN(c)) next = p;
    else return -1;
  } else {
    if (blank) return -1;
    const c = line.charCodeAt(k + 1);
    if (!(c === 32 || c === 91 || Number.isNaN(c))) return -1;
    next = k + 1;
  }
  // "sshd(pam_unix)" (old Linux-PAM): the module rides in the tag
  let sub: string | undefined;
  if (name.charCodeAt(name.length - 1) === 41 /* ) */) {
    const open = name.indexOf('(');
    if (open > 0) {
      sub = name.slice(open + 1, -1);
      name = name.slice(0, open);
    }
  }
  if (!validProgram(name)) return -1;
  h.program = name;
  h.sub = sub;
  h.pid = pid;
  return next;
}

function validProgram(name: string): boolean {
  if (name === '' || name.charCodeAt(0) === 32 || name.charCodeAt(name.length - 1) === 32) return false;
  const c = name.charCodeAt(0);
  return isAlnum(c) || c === 95 /* _ */ || c === 46 /* . */ || c === 47 /* / */ || c === 40 /* ( */;
}

/** RFC 5424 SD-ELEMENTs from i ('['); returns the index after the last ']' or -1. */
function structuredData(line: string, i: number, out: Record<string, Record<string, string>>): number {
  let j = i;
  while (line.charCodeAt(j) === 91) {
    let k = j + 1;
    while (k < line.length && line.charCodeAt(k) !== 32 && line.charCodeAt(k) !== 93) k++;
    const id = line.slice(j + 1, k);
    if (!id) return -1;
    const params: Record<string, string> = {};
    while (line.charCodeAt(k) === 32) {
      const eq = line.indexOf('="', k + 1);
      if (eq < 0) return -1;
      const name = line.slice(k + 1, eq);
      let v = '';
      let p = eq + 2;
      for (;;) {
        if (p >= line.length) return -1;
        const c = line.charCodeAt(p);
        if (c === 92 /* \ */ && p + 1 < line.length) {
          v += line[p + 1];
          p += 2;
        } else if (c === 34 /* " */) {
          break;
        } else {
          v += line[p];
          p++;
        }
      }
      params[name] = v;
      k = p + 1;
    }
    if (line.charCodeAt(k) !== 93) return -1;
    out[id] = params;
    j = k + 1;
  }
  return j;
}

/** RFC 5424 facility names by code. */
export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp',
  'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];
export const SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];
