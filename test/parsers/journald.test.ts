/**
 * journald: `journalctl -o json` entries give the event their message gives in a syslog file, with the header
 * taken from the journal's fields; ordinary JSON lines stay with the json parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES } from '../helpers/cli.js';
import { rankParsers } from '../../src/parsers/dispatch.js';
import { flatEvents } from './programs/util.js';
import { journald } from '../../src/parsers/journald.js';
import type { ParsedEvent } from '../../src/model/event.js';

const FIXTURE = path.join(FIXTURES, 'journald', 'export.log');
/** What only one of the two copies has: the journal's PRI and unit, the line as written, the tags. */
const SOURCE_ONLY = /^(log\.syslog\..*|systemd\..*|event\.original|tags)$/;

type Entry = Record<string, any>;

function entry(fields: Entry): string {
  return JSON.stringify({ __CURSOR: 's=1;i=1', __REALTIME_TIMESTAMP: '1794626402000123', __MONOTONIC_TIMESTAMP: '1', _HOSTNAME: 'h1', ...fields });
}

function only(line: string) {
  const evs = flatEvents([line], { format: 'journald' });
  assert.equal(evs.length, 1);
  return evs[0];
}

function comparable(f: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(f).filter(([k]) => !SOURCE_ONLY.test(k)));
}

/** The syslog line journald would have forwarded for an entry (RFC 3339, exact time). */
function asSyslog(e: Entry): string {
  const ms = Math.floor(Number(e.__REALTIME_TIMESTAMP) / 1000);
  const prog = e.SYSLOG_IDENTIFIER ?? e._COMM;
  const pid = e._PID ?? e.SYSLOG_PID;
  const msg = Array.isArray(e.MESSAGE) ? Buffer.from(e.MESSAGE).toString('utf8') : e.MESSAGE;
  return `${new Date(ms).toISOString()} ${e._HOSTNAME} ${prog}${pid ? `[${pid}]` : ''}: ${msg}`;
}

test('golden: a journal export with sshd, PAM, logind, sudo, kernel and plain entries', () => {
  const { events } = checkGolden(FIXTURE, { tz: 'UTC', expectParser: 'journald' });
  assert.equal(events.filter((e) => e.status !== 0).length, 0, 'no entry falls back to raw');
});

test('every entry gives the ECS fields the syslog parser gives for the same message', () => {
  const lines = readLines(FIXTURE);
  const journal = flatEvents(lines, { tz: 'UTC' });
  const syslogLines = lines.map((l) => asSyslog(JSON.parse(l)));
  const viaSyslog = flatEvents(syslogLines, { tz: 'UTC' });
  assert.equal(journal[0].parser, 'journald');
  assert.equal(viaSyslog[0].parser, 'syslog');
  assert.deepEqual(journal.map((e) => comparable(e.f)), viaSyslog.map((e) => comparable(e.f)));
  const actions = journal.map((e) => e.f['event.action'] ?? null);
  assert.equal(actions.filter((a) => a === 'ssh_login').length, 7);
  assert.ok(actions.includes('sudo_command'));
  assert.ok(actions.includes('pam_auth_failure'));
});

test('the header: time, host, program, pid, PRI and unit from the journal fields', () => {
  const { f } = only(
    entry({
      _TRANSPORT: 'syslog', PRIORITY: '6', SYSLOG_FACILITY: '10', SYSLOG_IDENTIFIER: 'sshd', SYSLOG_PID: '99', _PID: '4101', _COMM: 'sshd',
      _SYSTEMD_UNIT: 'ssh.service', MESSAGE: 'Failed password for root from 203.0.113.77 port 50140 ssh2',
    }),
  );
  assert.equal(f['@timestamp'], '2026-11-14T03:20:02.000Z');
  assert.equal(f.tags, undefined, 'an exact UTC time: no year or zone guessed');
  assert.equal(f['host.name'], 'h1');
  assert.equal(f['process.name'], 'sshd');
  assert.equal(f['process.pid'], 4101, '_PID first, as journalctl prints it');
  assert.equal(f['log.syslog.priority'], 86);
  assert.equal(f['log.syslog.facility.name'], 'authpriv');
  assert.equal(f['log.syslog.severity.name'], 'informational');
  assert.equal(f['systemd.unit'], 'ssh.service');
  assert.equal(f['systemd.transport'], 'syslog');
  assert.equal(f['event.dataset'], 'system.auth');
  assert.equal(f['event.action'], 'ssh_login');
  assert.equal(f['source.ip'], '203.0.113.77');
});

test('fallbacks: _COMM without SYSLOG_IDENTIFIER, SYSLOG_PID without _PID, a severity without a facility', () => {
  const { f } = only(entry({ _TRANSPORT: 'journal', PRIORITY: '3', _COMM: 'backup-agent', SYSLOG_PID: '77', MESSAGE: 'upload failed' }));
  assert.equal(f['process.name'], 'backup-agent');
  assert.equal(f['process.pid'], 77);
  assert.equal(f['log.syslog.severity.code'], 3);
  assert.equal(f['log.syslog.severity.name'], 'error');
  assert.equal(f['log.syslog.priority'], undefined, 'half a <PRI> is no priority');
  assert.equal(f['log.syslog.facility.code'], undefined);
  assert.equal(f['event.dataset'], 'system.syslog');
});

test('MESSAGE as journalctl writes odd values: bytes, several values, null', () => {
  const bytes = [...Buffer.from('Invalid user '), 0xff, ...Buffer.from(' from 192.0.2.4 port 1')];
  const bin = only(entry({ SYSLOG_IDENTIFIER: 'sshd', _PID: '5', MESSAGE: bytes }));
  assert.equal(bin.f.message, 'Invalid user \ufffd from 192.0.2.4 port 1');
  assert.deepEqual(bin.f.tags, ['invalid_utf8']);
  assert.equal(bin.f['event.action'], 'ssh_invalid_user');
  const utf8 = only(entry({ SYSLOG_IDENTIFIER: 'app', MESSAGE: [...Buffer.from('tab\there é')] }));
  assert.equal(utf8.f.message, 'tab\there é');
  assert.equal(utf8.f.tags, undefined, 'valid UTF-8 written as bytes (control characters) is not flagged');
  assert.equal(only(entry({ SYSLOG_IDENTIFIER: 'app', MESSAGE: ['first', 'second'] })).f.message, 'first');
  const none = only(entry({ SYSLOG_IDENTIFIER: 'app', MESSAGE: null }));
  assert.equal(none.f.message, undefined);
  assert.equal(none.status, 0);
});

test('json-seq records (a record separator first) are read too', () => {
  const { f, parser } = flatEvents([`\x1e${entry({ SYSLOG_IDENTIFIER: 'su', _PID: '3', MESSAGE: 'FAILED SU (to root) alice on pts/1' })}`], { tz: 'UTC' })[0];
  assert.equal(parser, 'journald');
  assert.equal(f['event.action'], 'su');
});

test('detection: journal entries go to journald, ordinary JSON lines stay with json', () => {
  assert.equal(rankParsers(readLines(FIXTURE))[0].parser.name, 'journald');
  for (const name of ['app.log', 'ecs.log']) {
    const lines = readLines(path.join(FIXTURES, 'json', name));
    const [best] = rankParsers(lines);
    assert.equal(best.parser.name, 'json', name);
  }
  const mention = ['{"level":"info","msg":"\\"__REALTIME_TIMESTAMP\\": is a journal field"}'];
  assert.equal(rankParsers(mention)[0].parser.name, 'json', 'the name inside a value is no journal key');
});

test('lines that are not journal entries are rejected with a reason', () => {
  const [bad, plain, broken] = flatEvents(['not json', '{"msg":"no realtime stamp"}', '{"__REALTIME_TIMESTAMP":"1'], { format: 'journald' });
  assert.equal(bad.status, 1);
  assert.equal(bad.f['error.message'], 'not a JSON object');
  assert.equal(plain.f['error.message'], 'not a journal entry: no __REALTIME_TIMESTAMP');
  assert.equal(broken.f['error.message'], 'not valid JSON');
});

const AUDIT_FIXTURE = path.join(FIXTURES, 'journald', 'audit.log');
/** What only the journal copy has: the journal's facts, the entries as written. */
const JOURNAL_ONLY = /^(log\.syslog\..*|systemd\..*|event\.original|tags|host\.name)$/;

/** audit.log's line for a journal audit entry, rebuilt from the syslog fixture the entries were made from. */
function auditLogLines(): string[] {
  return readLines(path.join(FIXTURES, 'syslog', 'embedded.log'))
    .filter((l) => l.includes('audit('))
    .map((l) => l.slice(l.indexOf('type=')).replace(/^type=1400 audit\(/, 'type=AVC msg=audit('));
}

test('golden: kernel audit records journald collected (_TRANSPORT=audit), new and old entry shapes', () => {
  const { events } = checkGolden(AUDIT_FIXTURE, { tz: 'UTC', expectParser: 'journald' });
  assert.equal(events.filter((e) => e.status !== 0).length, 0);
  assert.deepEqual(events.map((e) => [e.at.line, e.raw.split('\n').length, (e.doc as Entry).event.dataset]), [
    [1, 5, 'auditd.log'], // serial 5101: SYSCALL, EXECVE, CWD, PATH, PROCTITLE
    [6, 1, 'system.syslog'], // a cron entry closes nothing: the group before it was complete
    [7, 5, 'auditd.log'], // 5102, entries without SYSLOG_IDENTIFIER or _AUDIT_TYPE_NAME (older journald)
    [12, 5, 'auditd.log'], // 5103
    [17, 1, 'auditd.log'], // an AVC
  ]);
});

test('journal audit entries give the events of the same records in audit.log, grouped by serial', () => {
  const journal = flatEvents(readLines(AUDIT_FIXTURE), { tz: 'UTC' }).filter((e) => e.f['event.dataset'] === 'auditd.log');
  const native = flatEvents(auditLogLines(), { tz: 'UTC', format: 'auditd' });
  assert.equal(journal[0].parser, 'journald');
  assert.equal(native.length, 4);
  const strip = (f: Record<string, unknown>) => Object.fromEntries(Object.entries(f).filter(([k]) => !JOURNAL_ONLY.test(k)));
  assert.deepEqual(journal.map((e) => strip(e.f)), native.map((e) => strip(e.f)));

  const [exec, chpasswd, passwd, avc] = journal.map((e) => e.f);
  assert.equal(exec['event.action'], 'execve');
  assert.deepEqual(exec['process.args'], ['/tmp/.x/kworker', '-d']);
  assert.equal(exec['process.name'], 'kworker', 'the audited process');
  assert.equal(exec['@timestamp'], '2026-11-14T03:12:09.101Z', "the record's time (_SOURCE_REALTIME_TIMESTAMP)");
  assert.equal(exec['auditd.sequence'], 5101);
  assert.equal(exec['host.name'], 'db01');
  assert.equal(exec['systemd.transport'], 'audit');
  assert.match(String(exec['event.original']), /^\{"__CURSOR".*\n\{"__CURSOR"/s, 'the entries as written');
  assert.deepEqual(chpasswd['auditd.name'], ['/etc/', '/etc/shadow'], 'old-shape entries group the same way');
  assert.equal(passwd['auditd.uid'], '1001');
  assert.equal(avc['event.action'], 'avc');
  assert.equal(avc['process.name'], 'tcpdump');
});

test('a journal audit entry journald could not name keeps its number; one without a serial stays a plain entry', () => {
  const base = { _TRANSPORT: 'audit', _HOSTNAME: 'db01', SYSLOG_FACILITY: '4', _SOURCE_REALTIME_TIMESTAMP: '1794625929101000' };
  const unnamed = only(entry({ ...base, _AUDIT_TYPE: '1334', _AUDIT_ID: '77', MESSAGE: 'AUDIT1334 prog-id=12 op=LOAD' }));
  assert.equal(unnamed.f['event.dataset'], 'auditd.log');
  assert.equal(unnamed.f['auditd.sequence'], 77);
  assert.equal(unnamed.f['@timestamp'], '2026-11-14T03:12:09.101Z');
  // without _AUDIT_ID (an export that left it out) nothing tells which event the record belongs to
  const lone = only(entry({ ...base, _PID: '3101', _COMM: 'kworker', MESSAGE: 'SYSCALL arch=c000003e syscall=59 success=yes exit=0 pid=3101 comm="kworker"' }));
  assert.equal(lone.f['event.dataset'], 'system.syslog');
  assert.equal(lone.f.message, 'SYSCALL arch=c000003e syscall=59 success=yes exit=0 pid=3101 comm="kworker"');
});

const PRETTY_FIXTURE = path.join(FIXTURES, 'journald', 'pretty.log');
/** What differs between two exports of the same entries: where and how each was written. */
const WRITTEN = /^(event\.original|log\..*offset|log\.file\..*)$/;

test('golden: journalctl -o json-pretty, entries over many lines, byte arrays included', () => {
  const { events, parser } = checkGolden(PRETTY_FIXTURE, { tz: 'UTC', expectParser: 'journald' });
  assert.equal(parser.name, 'journald');
  assert.equal(events.filter((e) => e.status !== 0).length, 0);
  assert.equal(events[0].at.line, 1);
  assert.equal(events[1].at.line, 24, "each event starts at its entry's {");
  assert.match(events[0].raw, /^\{\n\t"__CURSOR" : .*\n\}$/s, 'the whole entry is the event text');
});

test('json-pretty entries give the events of the same entries in -o json, audit groups across entries included', () => {
  const compact = [...readLines(FIXTURE), ...readLines(AUDIT_FIXTURE).slice(6, 11)];
  const fromJson = flatEvents(compact, { tz: 'UTC' });
  const fromPretty = flatEvents(readLines(PRETTY_FIXTURE), { tz: 'UTC' });
  assert.equal(fromPretty[0].parser, 'journald');
  const strip = (f: Record<string, unknown>) => Object.fromEntries(Object.entries(f).filter(([k]) => !WRITTEN.test(k)));
  assert.deepEqual(fromPretty.map((e) => strip(e.f)), fromJson.map((e) => strip(e.f)));
  const audit = fromPretty.at(-1)!.f;
  assert.equal(audit['event.dataset'], 'auditd.log');
  assert.deepEqual(audit['auditd.type'], ['SYSCALL', 'CWD', 'PATH', 'PATH', 'PROCTITLE'], 'five pretty entries, one event');
  assert.equal(String(audit['event.original']).split('\n{\n').length, 5);
});

test('a json-pretty entry is held until it closes; one cut short is kept whole as unparsed', () => {
  const p = journald.create({ path: '-', tz: 'UTC', mtimeMs: 0 });
  const at = (n: number) => ({ line: n, offset: n * 10 });
  assert.equal(p.parse('{', at(1)), null);
  assert.deepEqual(p.held?.(), at(1), 'no resume point inside an open entry');
  assert.equal(p.parse('\t"__REALTIME_TIMESTAMP" : "1794626402000123",', at(2)), null);
  assert.equal(p.parse('\t"SYSLOG_IDENTIFIER" : "sshd", "_CMDLINE" : "sshd: } {",', at(3)), null, 'braces in a string are text');
  assert.equal(p.parse('\t"MESSAGE" : "Invalid user admin from 203.0.113.77 port 50122"', at(4)), null);
  const ev = p.parse('}', at(5)) as ParsedEvent;
  assert.equal(ev.fields['source.ip'], '203.0.113.77');
  assert.deepEqual(ev.span?.at, at(1));
  assert.equal(ev.span?.lines, 5);
  assert.equal(p.held?.(), undefined);
  // an entry that never closes: the next one's { at the left margin, or the end of the input
  assert.equal(p.parse('{', at(6)), null);
  assert.equal(p.parse('\t"__REALTIME_TIMESTAMP" : "1794626402000123",', at(7)), null);
  const broken = p.parse('{', at(8)) as ParsedEvent;
  assert.match(String(broken.unparsed), /truncated/);
  assert.equal(broken.span?.raw, '{\n\t"__REALTIME_TIMESTAMP" : "1794626402000123",');
  const [last] = p.flush();
  assert.match(String(last.unparsed), /ended inside it/);
  assert.deepEqual(last.span?.at, at(8));
});

test('a pretty-printed document that is not a journal entry is not taken for one', () => {
  const doc = ['{', '  "eventVersion": "1.08",', '  "eventSource": "iam.amazonaws.com",', '  "eventName": "CreateUser"', '}'];
  const ranked = rankParsers(doc);
  assert.notEqual(ranked[0].parser.name, 'journald');
  assert.equal(ranked.find((c) => c.parser.name === 'journald')?.score, 0);
});
