/**
 * Access lines and audit records carried in syslog messages: the event is the one the native file gives (dataset,
 * fields, time), with the syslog header's host, program and PRI on top; audit records keep their grouping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { parseLines } from '../../src/parsers/run.js';
import { syslog } from '../../src/parsers/syslog.js';
import { SyslogReader } from '../../src/parsers/syslog-header.js';
import type { ParsedEvent } from '../../src/model/event.js';
import { SYSLOG_FIXTURES, flatEvents } from './programs/util.js';

const FIXTURE = path.join(SYSLOG_FIXTURES, 'embedded.log');
const MTIME = Date.UTC(2026, 10, 15);
/** What only the syslog copy of a line has: the header's facts and the line as written. */
const HEADER_KEYS = /^(host\.name|process\.name|process\.pid|log\.syslog\..*|event\.original|tags)$/;

type Flat = Record<string, unknown>;

function withoutHeader(f: Flat): Flat {
  return Object.fromEntries(Object.entries(f).filter(([k]) => !HEADER_KEYS.test(k)));
}

/** The messages of syslog lines: what the native log holds. */
function messages(lines: string[]): string[] {
  const reader = new SyslogReader({ path: '-', tz: 'UTC', mtimeMs: MTIME });
  return lines.map((l) => {
    const h = reader.read(l);
    assert.ok(typeof h !== 'string', l);
    return h.msg;
  });
}

test('golden: forwarded nginx/apache access lines and audit records among ordinary syslog lines', () => {
  const { events } = checkGolden(FIXTURE, { tz: 'UTC', mtimeMs: MTIME, expectParser: 'syslog' });
  assert.equal(events.filter((e) => e.status !== 0).length, 0, 'no line falls back to raw');
  const got = events.map((e) => [e.at.line, (e.doc as Record<string, any>).event.dataset]);
  assert.deepEqual(got, [
    [1, 'system.syslog'],
    [2, 'web.access'],
    [3, 'web.access'],
    [4, 'web.access'],
    [5, 'web.access'],
    [6, 'system.syslog'], // an nginx error line: not an access line, kept as the message
    [7, 'web.access'],
    [8, 'system.auth'],
    [9, 'auditd.log'], // lines 9-13, one event
    [14, 'system.syslog'], // after the group it closed
    [15, 'auditd.log'],
    [20, 'auditd.log'],
    [25, 'auditd.log'], // kernel audit line
    [26, 'firewall'], // kernel netfilter line, as before
    [27, 'system.syslog'], // audispd's own message
  ]);
});

test('a forwarded access line gives the native event plus the header: host, program, pid, PRI', () => {
  const lines = readLines(FIXTURE).filter((l) => / (nginx|apache2|httpd)(\[\d+\])?:? \S+ .*\[\d\d\/Nov/.test(l));
  assert.equal(lines.length, 5);
  const embedded = flatEvents(lines, { tz: 'UTC', mtimeMs: MTIME, format: 'syslog' });
  const native = flatEvents(messages(lines), { tz: 'UTC', mtimeMs: MTIME, format: 'access' });
  assert.deepEqual(embedded.map((e) => withoutHeader(e.f)), native.map((e) => withoutHeader(e.f)));

  const [first, second, third, fourth] = embedded.map((e) => e.f);
  assert.equal(first['url.original'], '/../../etc/passwd');
  assert.equal(first['source.ip'], '203.0.113.5');
  assert.equal(first['http.response.status_code'], 400);
  assert.equal(first['host.name'], 'web01');
  assert.equal(first['process.name'], 'nginx');
  assert.equal(first.message, undefined, 'the message is the access line, now in fields; event.original keeps it');
  assert.equal(first['event.original'], lines[0]);
  // the access time has a year and a zone: it wins over the RFC 3164 stamp, whose year was guessed
  assert.equal(first['@timestamp'], '2026-11-14T03:12:02.000Z');
  assert.equal(first.tags, undefined, 'neither year_inferred nor timezone_assumed');
  assert.equal(second['process.pid'], 812);
  assert.equal(second['user_agent.original'], 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)');
  assert.equal(third['log.syslog.priority'], 190);
  assert.equal(third['log.syslog.facility.name'], 'local7');
  assert.equal(third['destination.domain'], 'www.example.com', 'vhost_combined inside syslog');
  assert.equal(third['user.name'], 'bob');
  assert.equal(fourth['log.syslog.version'], 1, 'RFC 5424');
  assert.equal(fourth['process.pid'], 812);
});

test('the header names the host: a prefix inside the message cannot replace it', () => {
  const line = 'Nov 14 03:12:02 web01 nginx: evil nginx[1]: 203.0.113.5 - - [14/Nov/2026:03:12:02 +0000] "GET / HTTP/1.1" 200 1 "-" "x"';
  const [native] = flatEvents([line.slice(line.indexOf('nginx: ') + 7)], { format: 'access' });
  assert.equal(native.f['host.name'], 'evil', 'the access parser alone reads the inner prefix as a host');
  const [ev] = flatEvents([line], { format: 'syslog', mtimeMs: MTIME });
  assert.equal(ev.f['event.dataset'], 'web.access');
  assert.equal(ev.f['host.name'], 'web01');
});

test('audit records through syslog group into the events the native audit log gives', () => {
  const lines = readLines(FIXTURE).filter((l) => l.includes('audit('));
  const embedded = flatEvents(lines, { tz: 'UTC', mtimeMs: MTIME, format: 'syslog' });
  const native = flatEvents(messages(lines), { tz: 'UTC', mtimeMs: MTIME, format: 'auditd' });
  assert.equal(embedded.length, 4);
  assert.deepEqual(embedded.map((e) => withoutHeader(e.f)), native.map((e) => withoutHeader(e.f)));

  const [exec, chpasswd, passwd, avc] = embedded.map((e) => e.f);
  assert.equal(exec['event.action'], 'execve');
  assert.equal(exec['process.executable'], '/tmp/.x/kworker');
  assert.deepEqual(exec['process.args'], ['/tmp/.x/kworker', '-d']);
  assert.equal(exec['process.name'], 'kworker', "the audited process, not the forwarder's name");
  assert.equal(exec['process.pid'], 3101);
  assert.equal(exec['host.name'], 'db01');
  assert.equal(exec['event.original'], lines.slice(0, 5).join('\n'), 'the syslog lines as written');
  assert.equal(exec['@timestamp'], '2026-11-14T03:12:09.101Z', 'the record time, not the syslog stamp');
  // the SYSCALL record's exe sits beside the PATH record's name in one event, as the identity rule needs
  assert.equal(chpasswd['auditd.exe'], '/usr/sbin/chpasswd');
  assert.deepEqual(chpasswd['auditd.name'], ['/etc/', '/etc/shadow']);
  assert.equal(passwd['auditd.uid'], '1001');
  assert.equal(avc['host.name'], 'db01', 'a kernel record has no node=: the host comes from the header');
  assert.equal(avc['event.action'], 'avc');
});

test('a group is held while its records follow each other, and any other line closes it first', () => {
  const p = syslog.create({ path: '-', tz: 'UTC', mtimeMs: MTIME });
  const refs = [1, 2, 3, 4].map((n) => ({ line: n, offset: n * 100 }));
  const rec = (type: string, rest: string) => `Nov 14 03:12:09 db01 audispd: node=db01 type=${type} msg=audit(1794625929.101:5101): ${rest}`;
  assert.equal(p.parse(rec('SYSCALL', 'arch=c000003e syscall=59 success=yes exit=0 pid=1 comm="id" exe="/usr/bin/id"'), refs[0]), null);
  assert.equal(p.parse(rec('EXECVE', 'argc=1 a0="id"'), refs[1]), null);
  assert.deepEqual(p.held?.(), refs[0], 'ingest must not commit a resume point past the open group');
  const res = p.parse('Nov 14 03:12:10 db01 CRON[3120]: (root) CMD (true)', refs[2]) as ParsedEvent[];
  assert.ok(Array.isArray(res));
  assert.deepEqual(res.map((e) => e.dataset), ['auditd.log', 'system.syslog']);
  assert.equal(res[0].span?.lines, 2);
  assert.equal(res[0].fields['process.args'] !== undefined, true);
  assert.equal(p.held?.(), undefined);
  // a group open at the end of the stream comes out of flush
  assert.equal(p.parse(rec('SYSCALL', 'arch=c000003e syscall=59 success=yes exit=0 pid=2 comm="id"'), refs[3]), null);
  const [last] = p.flush();
  assert.equal(last.dataset, 'auditd.log');
  assert.equal(last.span?.raw, rec('SYSCALL', 'arch=c000003e syscall=59 success=yes exit=0 pid=2 comm="id"'));
});

test('messages the carried format does not take stay syslog events of their program', () => {
  const evs = flatEvents(
    [
      'Nov 14 03:12:22 db01 audispd: audispd initialized with q_depth=1200 and 1 active plugins',
      'Nov 14 03:12:06 web01 nginx: 2026/11/14 03:12:06 [error] 812#812: *7 open() "/x" failed (2: No such file or directory)',
      'Nov 14 03:12:21 db01 kernel: [1.0] [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.61 DST=192.0.2.10 LEN=44 TTL=243 PROTO=TCP SPT=51234 DPT=3389 SYN URGP=0',
      'Nov 14 03:12:23 db01 kernel: audit: initializing netlink socket (disabled)',
    ],
    { format: 'syslog', mtimeMs: MTIME },
  );
  assert.deepEqual(evs.map((e) => [e.status, e.f['event.dataset'], e.f['process.name']]), [
    [0, 'system.syslog', 'audispd'],
    [0, 'system.syslog', 'nginx'],
    [0, 'firewall', 'kernel'],
    [0, 'system.syslog', 'kernel'],
  ]);
  assert.match(String(evs[1].f.message), /\[error\]/);
});

test('a file of forwarded access lines only still goes to the access parser (registry order)', () => {
  const lines = readLines(FIXTURE).slice(1, 4);
  assert.equal(parseLines(lines).parser.name, 'access');
});
