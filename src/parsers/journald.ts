/**
 * systemd journal exports, `journalctl -o json` (and `-o json-seq`): one JSON object per entry. An entry becomes
 * the event its message gives in a syslog file: a syslog header is made from the journal's fields and handed to
 * the syslog parser's programs (sshd, sudo, PAM, ...), so the same rules read both.
 *
 * The header follows journalctl's own text output (`-o short`): the program is SYSLOG_IDENTIFIER, else _COMM; the
 * pid _PID, else SYSLOG_PID. The time is __REALTIME_TIMESTAMP (microseconds since the epoch, UTC: exact, no year or
 * zone guessed), which journalctl writes in every entry, so it also tells journal lines from other JSON.
 */
import { EventFlag, type Fields } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { FACILITIES, SEVERITIES, type SyslogHeader } from './syslog-header.js';
import { SYSLOG_DATASETS, SyslogMessages, headerFields, syslog } from './syslog.js';
import { objectStart, readObject } from './json.js';
import type { Parser } from './types.js';

/** the key as journalctl writes it (a value can hold the name only with its quotes escaped) */
const MARK = '"__REALTIME_TIMESTAMP":';
const NOT_JOURNAL = 'not a journal entry: no __REALTIME_TIMESTAMP';

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

function realtime(v: Json | undefined): number | undefined {
  const s = text(v);
  return s !== undefined && /^\d{1,19}$/.test(s) ? Math.floor(Number(s) / 1000) : undefined;
}

export const journald: Parser = {
  name: 'journald',
  description: 'systemd journal exports (journalctl -o json, -o json-seq): each entry parsed as its syslog line would be (sshd, sudo, PAM, ...)',
  datasets: SYSLOG_DATASETS,
  detect(sample) {
    let hits = 0;
    for (const line of sample) if (objectStart(line) >= 0 && line.includes(MARK)) hits++;
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    const messages = new SyslogMessages(ctx);
    return {
      parse(line, at) {
        const read = readObject(line);
        if (typeof read === 'string') return read;
        const doc = read as { [k: string]: Json };
        const ts = realtime(doc.__REALTIME_TIMESTAMP);
        if (ts === undefined) return NOT_JOURNAL;
        const bad = { invalid: false };
        const severity = smallInt(doc.PRIORITY, 7);
        const facility = smallInt(doc.SYSLOG_FACILITY, FACILITIES.length - 1);
        const h: SyslogHeader = {
          ts,
          flags: 0,
          offset: undefined,
          pri: severity !== undefined && facility !== undefined ? facility * 8 + severity : -1,
          host: text(doc._HOSTNAME),
          program: text(doc.SYSLOG_IDENTIFIER) ?? text(doc._COMM),
          sub: undefined,
          pid: smallInt(doc._PID, 2 ** 32) ?? smallInt(doc.SYSLOG_PID, 2 ** 32),
          msg: leftTrimmed(text(doc.MESSAGE, bad) ?? ''),
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
        return messages.event(h, fields, line, at);
      },
      flush: () => messages.flush(),
      held: () => messages.held(),
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
