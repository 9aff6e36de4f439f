/**
 * fail2ban's own log (/var/log/fail2ban.log): `2024-01-15 10:23:45,123 fail2ban.actions        [1234]: NOTICE  [sshd]
 * Ban 1.2.3.4`. The logger name is padded to a width (24 since 0.9, 16 before), the `[pid]` came with 0.9, and the
 * time has no zone (read in --tz). The same messages reach syslog and the journal with the time dropped:
 * `fail2ban-server[1]: fail2ban.actions [1]: NOTICE [sshd] Ban ...`, `fail2ban.actions[1]: NOTICE [sshd] Ban ...`, or
 * just `fail2ban[1]: [sshd] Ban ...`; the syslog parser hands those to fail2banMessages (programs/index.ts), and
 * this parser takes them too when they sit in a fail2ban file.
 */
import { EventFlag, type Fields, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { wallToUtc } from '../util/time.js';
import { isIpAddress } from './lib.js';
import type { LineParser, Parser, ParserContext } from './types.js';
import { applyPrefix, parsePrefix, WEB_FIELDS } from './web-common.js';

const DATASET = 'fail2ban.log';
const NOT_FAIL2BAN = 'not a fail2ban log line (YYYY-MM-DD HH:MM:SS,mmm fail2ban.module [pid]: LEVEL message)';
const NOT_FAIL2BAN_MESSAGE = 'not a fail2ban message (fail2ban.module [pid]:, a level or a [jail])';

/** The programs fail2ban writes to syslog and the journal as: the daemon, and its loggers when it logs to syslog. */
export const FAIL2BAN_PROGRAMS = [
  'fail2ban-server', 'fail2ban', 'fail2ban.actions', 'fail2ban.filter', 'fail2ban.observer', 'fail2ban.server',
  'fail2ban.jail', 'fail2ban.filtersystemd', 'fail2ban.transmitter', 'fail2ban.database',
];

const STAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:,(\d{3}))? +/;
/** `fail2ban.actions        [1234]: ` (0.9+) or `fail2ban.actions: ` (0.8, padded before the colon) */
const LOGGER = /^(fail2ban(?:\.[\w-]+)*) *(?:\[(\d+)\])? *: +/;
/** Python's level names and fail2ban's own (NOTICE, MSG, HEAVYDEBUG, TRACEDEBUG); "Level N" for unnamed ones */
const LEVEL = /^(CRITICAL|ERROR|WARNING|NOTICE|MSG|INFO|DEBUG|HEAVYDEBUG|TRACEDEBUG|Level \d+)(?: +|$)/;
const JAIL = /^\[([^\]\s]+)\] +(.*)$/s;
const ERROR_LEVELS = new Set(['CRITICAL', 'ERROR']);

type Action = [pattern: RegExp, action: string, type: string];

/**
 * What a jail does to an address, as fail2ban words it (server/actions.py, filter.py, observer.py): the address is
 * the first capture. A ban, its restoration after a restart, its prolongation and a repeated ban all keep the
 * address out (denied); an unban or an ignoreip match lets it through (allowed); a found failure is information.
 */
const ACTIONS: Action[] = [
  [/^Ban (\S+)$/, 'ban', 'denied'],
  [/^Restore Ban (\S+)$/, 'restore_ban', 'denied'],
  [/^Increase Ban (\S+) \(/, 'increase_ban', 'denied'],
  [/^(\S+) already banned$/, 'already_banned', 'denied'],
  [/^Unban (\S+)$/, 'unban', 'allowed'],
  [/^Found (\S+)(?: - |$)/, 'found', 'info'],
  [/^Ignore (\S+)(?: by |, |$)/, 'ignore', 'allowed'],
];

/** The level, jail and action of the text after the logger (`NOTICE  [sshd] Ban 1.2.3.4`), put on f. */
function readBody(body: string, f: Fields): void {
  let text = body.trimEnd();
  const lv = LEVEL.exec(text);
  if (lv) {
    f['log.level'] = lv[1];
    text = text.slice(lv[0].length);
  }
  f.message = text;
  f['event.kind'] = 'event';
  const jail = JAIL.exec(text);
  if (!jail) {
    f['event.type'] = [lv && ERROR_LEVELS.has(lv[1]) ? 'error' : 'info'];
    return;
  }
  f['rule.name'] = jail[1];
  f['event.category'] = ['intrusion_detection'];
  f['event.type'] = ['info'];
  for (const [re, action, type] of ACTIONS) {
    const m = re.exec(jail[2]);
    if (!m) continue;
    f['event.action'] = action;
    f['event.type'] = [type];
    f[isIpAddress(m[1]) ? 'source.ip' : 'source.address'] = m[1];
    return;
  }
}

/**
 * A message without its date, as syslog and the journal carry it: `fail2ban.actions [1]: NOTICE [sshd] Ban ...`,
 * `NOTICE [sshd] Ban ...` or `[sshd] Ban ...`. Something that has none of logger, level and jail is not fail2ban's.
 */
function readMessage(msg: string): Fields | string {
  const f: Fields = {};
  let body = msg;
  const lg = LOGGER.exec(msg);
  if (lg) {
    setLogger(f, lg);
    body = msg.slice(lg[0].length);
  } else if (!LEVEL.test(msg) && !JAIL.test(msg)) {
    return NOT_FAIL2BAN_MESSAGE;
  }
  readBody(body, f);
  return f;
}

/** The logger and the daemon's pid; the program name is left to the caller (the syslog header has its own). */
function setLogger(f: Fields, lg: RegExpExecArray): void {
  f['log.logger'] = lg[1];
  if (lg[2] !== undefined) f['process.pid'] = Number(lg[2]);
}

/** A line of fail2ban.log: the date and the logger are required, as fail2ban always writes them to its file. */
function readLine(line: string, ctx: ParserContext): ParsedEvent | string {
  const st = STAMP.exec(line);
  if (!st) return NOT_FAIL2BAN;
  const lg = LOGGER.exec(line.slice(st[0].length));
  if (!lg) return NOT_FAIL2BAN;
  const [mon, day, h, mi, sec] = [st[2], st[3], st[4], st[5], st[6]].map(Number);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60) return NOT_FAIL2BAN;
  const ts = wallToUtc(ctx.tz, Number(st[1]), mon - 1, day, h, mi, sec, st[7] === undefined ? 0 : Number(st[7]));
  const f: Fields = { 'process.name': 'fail2ban-server' };
  setLogger(f, lg);
  readBody(line.slice(st[0].length + lg[0].length), f);
  return { ts, dataset: DATASET, fields: f, flags: EventFlag.TZ_ASSUMED };
}

/**
 * A fail2ban message behind a syslog or journal prefix (`host fail2ban-server[1]: ...`) inside a fail2ban file:
 * the prefix gives the time, host and program.
 */
function readPrefixed(line: string, ctx: ParserContext): ParsedEvent | string {
  const colon = line.indexOf(': ');
  if (colon < 0) return NOT_FAIL2BAN;
  const pre = parsePrefix(line.slice(0, colon), ctx);
  if (!pre || !pre.program?.startsWith('fail2ban')) return NOT_FAIL2BAN;
  const f = readMessage(line.slice(colon + 2));
  if (typeof f === 'string') return NOT_FAIL2BAN;
  applyPrefix(f, pre);
  return { ts: pre.ts, dataset: DATASET, fields: f, flags: pre.flags };
}

export const fail2ban: Parser = {
  name: 'fail2ban',
  description: "fail2ban's own log (fail2ban.log): bans, unbans and found failures per jail; also through syslog and the journal",
  datasets: [DATASET],
  standalone: true,
  detect(sample) {
    const ctx: ParserContext = { path: '-', tz: 'UTC', mtimeMs: Date.now() };
    let score = 0;
    for (const line of sample) {
      if (typeof readLine(line, ctx) !== 'string') score++;
      // a prefixed line is the syslog parser's first (it hands fail2ban's messages on): a file of them stays syslog
      else if (typeof readPrefixed(line, ctx) !== 'string') score += 0.5;
    }
    return sample.length ? score / sample.length : 0;
  },
  create(ctx): LineParser {
    return {
      parse(line) {
        const ev = readLine(line, ctx);
        if (typeof ev !== 'string') return ev;
        const pre = readPrefixed(line, ctx);
        return typeof pre === 'string' ? ev : pre;
      },
      flush: () => [],
    };
  },
  fields: [
    { name: 'log.level', type: 'keyword', desc: 'the level the program wrote: NOTICE, INFO, WARNING, ERROR, ... (fail2ban); error, warn, ... (web servers)', filledBy: 'fail2ban, nginx-error, apache-error, json, logfmt' },
    { name: 'log.logger', type: 'keyword', desc: 'the module that wrote the line: fail2ban.actions, fail2ban.filter, ...', filledBy: 'fail2ban' },
    { name: 'event.kind', type: 'keyword', desc: 'ECS kind: event (a fail2ban line); pipeline_error (auditd separators without a record)', filledBy: 'fail2ban, auditd' },
    { name: 'rule.name', type: 'keyword', desc: 'the fail2ban jail that found, banned or unbanned the address: sshd, recidive, ...', filledBy: 'fail2ban' },
    // fail2ban bans what its filter captured: with usedns=yes/raw, a name rather than an address
    { ...WEB_FIELDS.sourceAddress, filledBy: 'fail2ban' },
  ] satisfies FieldDef[],
};

/**
 * fail2ban messages carried in syslog or the journal (programs/index.ts): the date is the header's, so none is
 * read here, and a message that is not fail2ban's (none of logger, level or jail) stays a plain syslog line.
 */
export const fail2banMessages: Parser = {
  ...fail2ban,
  create(): LineParser {
    return {
      parse(msg) {
        const st = STAMP.exec(msg);
        const f = readMessage(st ? msg.slice(st[0].length) : msg);
        return typeof f === 'string' ? f : { dataset: DATASET, fields: f };
      },
      flush: () => [],
    };
  },
};
