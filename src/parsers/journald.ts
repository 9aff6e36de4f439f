/**
 * systemd journal exports, `journalctl -o json` (and `-o json-seq`): one JSON object per entry; `-o json-pretty`
 * spreads an entry over lines from a `{` to its closing `}`, held until it closes (held() reports its first line)
 * and stored together as the event's text. An entry becomes the event its message gives in a syslog file: a syslog
 * header is made from the journal's fields and handed to the syslog parser's programs (sshd, sudo, PAM, ...), so the
 * same rules read both.
 *
 * The header follows journalctl's own text output (`-o short`): the program is SYSLOG_IDENTIFIER, else _COMM; the
 * pid _PID, else SYSLOG_PID. The time is __REALTIME_TIMESTAMP (microseconds since the epoch, UTC: exact, no year or
 * zone guessed), which journalctl writes in every entry, so it also tells journal lines from other JSON.
 *
 * Audit records journald reads from the kernel (_TRANSPORT=audit) lose their `type=... msg=audit(TIME:SERIAL): `
 * head: MESSAGE is the type's name and the record's fields, the serial is _AUDIT_ID and the record's time
 * _SOURCE_REALTIME_TIMESTAMP. The record is written back as audit.log has it and read by the auditd parser, as
 * records carried in syslog are: consecutive entries of one serial are one event.
 */
import { EventFlag, type Fields, type LineRef } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { FACILITIES, SEVERITIES, type SyslogHeader } from './syslog-header.js';
import { SYSLOG_DATASETS, SyslogMessages, headerFields, syslog } from './syslog.js';
import { objectStart, readObject } from './json.js';
import { brokenHeld, brokenThen, holdLine, type HeldJson } from './lib.js';
import type { ParseResult, Parser } from './types.js';

/** the key as journalctl writes it (a value can hold the name only with its quotes escaped) */
const MARK = '"__REALTIME_TIMESTAMP":';
const NOT_JOURNAL = 'not a journal entry: no __REALTIME_TIMESTAMP';
/** json-pretty: an entry's braces alone on their lines, its fields indented, `"KEY" : value` */
const PRETTY_LINE = /^(?:[{}]\s*$|[\t ])/;
const PRETTY_MARK = /^\s+"__REALTIME_TIMESTAMP" ?: ?"\d+",?$/;
/** The program whose messages are audit records (programs/index.ts), and journald's SYSLOG_IDENTIFIER for them. */
const AUDIT_PROGRAM = 'audit';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * A field's text. journalctl writes a value that is not printable UTF-8 as an array of its bytes, a field set
 * several times as an array of its values (the first is taken), and a value above its size limit as null.
 */
function text(v: Json | undefined, bad?: { invalid: boolean }): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (!Array.isArray(v) || v.length === 0) return undefined;
  if (!v.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) return text(v[0], bad);
  const bytes = Uint8Array.from(v as number[]);
  try {
    return utf8.decode(bytes);
  } catch {
    if (bad) bad.invalid = true;
    return lenient.decode(bytes);
  }
}

/** A small non-negative integer field (PRIORITY, SYSLOG_FACILITY, _PID), or undefined. */
function smallInt(v: Json | undefined, max: number): number | undefined {
  const s = text(v);
  if (s === undefined || !/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** As the syslog header reader leaves it: the blanks after the tag (sudo writes `sudo:   alice : ...`) dropped. */
function leftTrimmed(s: string): string {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  return i === 0 ? s : s.slice(i);
}

function micros(v: Json | undefined): number | undefined {
  const s = text(v);
  return s !== undefined && /^\d{1,19}$/.test(s) ? Number(s) : undefined;
}

function realtime(v: Json | undefined): number | undefined {
  const us = micros(v);
  return us === undefined ? undefined : Math.floor(us / 1000);
}

/**
 * An audit entry's record as auditd writes it: `type=NAME msg=audit(SECONDS.MILLIS:SERIAL): fields`. journald
 * puts the type's name before the fields in MESSAGE (`AUDIT1334` for a type it cannot name, whose number is then
 * _AUDIT_TYPE) and stamps the entry with the record's own time. Undefined without a serial: the record could not be
 * told from the other events' records.
 */
function auditRecord(doc: { [k: string]: Json }, msg: string): string | undefined {
  const serial = text(doc._AUDIT_ID);
  const us = micros(doc._SOURCE_REALTIME_TIMESTAMP) ?? micros(doc.__REALTIME_TIMESTAMP);
  const sp = msg.indexOf(' ');
  if (serial === undefined || !/^\d+$/.test(serial) || us === undefined || sp <= 0) return undefined;
  let type = msg.slice(0, sp);
  if (/^AUDIT\d+$/.test(type)) type = text(doc._AUDIT_TYPE) ?? type.slice(5);
  const ms = Math.floor(us / 1000);
  const stamp = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  return `type=${type} msg=audit(${stamp}:${serial}): ${msg.slice(sp + 1)}`;
}

/** A json-pretty entry held line by line is given up on past this size (journalctl prints none near it). */
const MAX_PRETTY_BYTES = 16 * 1024 * 1024;

const brokenEntry = (entry: HeldJson, why: string) => brokenHeld(entry, 'system.syslog', why);

export const journald: Parser = {
  name: 'journald',
  description: 'systemd journal exports (journalctl -o json, -o json-seq, -o json-pretty): each entry parsed as its syslog line would be (sshd, sudo, PAM, ...)',
  datasets: SYSLOG_DATASETS,
  detect(sample) {
    let hits = 0;
    let pretty = 0;
    let marked = false;
    for (const line of sample) {
      if (objectStart(line) >= 0 && line.includes(MARK)) hits++;
      else if (PRETTY_LINE.test(line)) {
        pretty++;
        if (!marked && PRETTY_MARK.test(line)) marked = true;
      }
    }
    // json-pretty's lines count once one of them is a journal entry's time
    return sample.length ? (hits + (marked ? pretty : 0)) / sample.length : 0;
  },
  create(ctx) {
    const messages = new SyslogMessages(ctx);
    /** A json-pretty entry being read: its lines until its braces close. */
    let open: HeldJson | undefined;

    /** The events of one entry, whose text is `raw` and whose first line is `at`. */
    const entryEvents = (doc: { [k: string]: Json }, raw: string, at: LineRef): ParseResult => {
      const ts = realtime(doc.__REALTIME_TIMESTAMP);
      if (ts === undefined) return NOT_JOURNAL;
      const bad = { invalid: false };
      const severity = smallInt(doc.PRIORITY, 7);
      const facility = smallInt(doc.SYSLOG_FACILITY, FACILITIES.length - 1);
      let msg = leftTrimmed(text(doc.MESSAGE, bad) ?? '');
      // the kernel's audit records: no program logged them, and their _PID and _COMM are the audited process's
      const record = text(doc._TRANSPORT) === 'audit' ? auditRecord(doc, msg) : undefined;
      if (record !== undefined) msg = record;
      const h: SyslogHeader = {
        ts,
        flags: 0,
        offset: undefined,
        pri: severity !== undefined && facility !== undefined ? facility * 8 + severity : -1,
        host: text(doc._HOSTNAME),
        program: record !== undefined ? AUDIT_PROGRAM : text(doc.SYSLOG_IDENTIFIER) ?? text(doc._COMM),
        sub: undefined,
        pid: record !== undefined ? undefined : smallInt(doc._PID, 2 ** 32) ?? smallInt(doc.SYSLOG_PID, 2 ** 32),
        msg,
        quality: 1,
      };
      if (bad.invalid) h.flags |= EventFlag.INVALID_UTF8;
      const fields: Fields = {};
      headerFields(h, fields);
      // the journal may know only one half of a <PRI>
      if (h.pri < 0 && severity !== undefined) {
        fields['log.syslog.severity.code'] = severity;
        fields['log.syslog.severity.name'] = SEVERITIES[severity];
      }
      if (h.pri < 0 && facility !== undefined) {
        fields['log.syslog.facility.code'] = facility;
        fields['log.syslog.facility.name'] = FACILITIES[facility];
      }
      fields['systemd.unit'] = text(doc._SYSTEMD_UNIT);
      fields['systemd.transport'] = text(doc._TRANSPORT);
      return messages.event(h, fields, raw, at);
    };

    /** A json-pretty entry whose braces closed: its events carry all its lines. */
    const closePretty = (entry: HeldJson): ParseResult => {
      open = undefined;
      const raw = entry.lines.join('\n');
      const read = readObject(raw);
      const res = typeof read === 'string' ? read : entryEvents(read as { [k: string]: Json }, raw, entry.first);
      if (typeof res === 'string') return brokenEntry(entry, res);
      if (res === null) return null;
      const span = { at: entry.first, raw, lines: entry.lines.length };
      // events of earlier entries (a group this one closed) have their span already
      for (const ev of Array.isArray(res) ? res : [res]) ev.span ??= { ...span };
      return res;
    };

    const oneLine = (line: string, at: LineRef): ParseResult => {
      if (line.trim() === '{') {
        open = { first: at, lines: [line], bytes: line.length, state: { depth: 1, inString: false } };
        return null;
      }
      const read = readObject(line);
      return typeof read === 'string' ? read : entryEvents(read as { [k: string]: Json }, line, at);
    };

    return {
      parse(line, at) {
        if (!open) return oneLine(line, at);
        if (line.charCodeAt(0) === 123 /* { */ || open.bytes + line.length > MAX_PRETTY_BYTES) {
          // the next entry starts at the left margin (or this one grew past any real entry): the open one is broken
          const broken = brokenEntry(open, 'truncated json-pretty entry');
          open = undefined;
          return brokenThen(broken, oneLine(line, at), 'system.syslog');
        }
        return holdLine(open, line) ? closePretty(open) : null;
      },
      flush() {
        const out = messages.flush();
        if (open) out.push(brokenEntry(open, 'truncated json-pretty entry (the input ended inside it)'));
        open = undefined;
        return out;
      },
      held: () => messages.held() ?? open?.first,
    };
  },
  fields: [
    ...(syslog.fields ?? [])
      .filter((f) => f.name.startsWith('log.syslog.') && (f.name.includes('facility') || f.name.includes('severity') || f.name.endsWith('priority')))
      .map((f) => ({ ...f, filledBy: 'journald' })),
    { name: 'systemd.unit', type: 'keyword', desc: 'the systemd unit that logged the entry (_SYSTEMD_UNIT), e.g. ssh.service', filledBy: 'journald' },
    { name: 'systemd.transport', type: 'keyword', desc: 'how the entry reached the journal (_TRANSPORT): syslog, journal, stdout, kernel, audit, driver', filledBy: 'journald' },
  ] satisfies FieldDef[],
};
