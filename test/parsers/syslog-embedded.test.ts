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
import { SYSLOG_FIXTURES, flatEvents, one } from './programs/util.js';

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
    [6, 'nginx.error'], // an nginx error line: the second format nginx carries
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
      'Nov 14 03:12:06 web01 nginx: nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)',
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
  assert.match(String(evs[1].f.message), /\[emerg\]/);
});

test('a file of forwarded access lines only still goes to the access parser (registry order)', () => {
  const lines = readLines(FIXTURE).slice(1, 4);
  assert.equal(parseLines(lines).parser.name, 'access');
});

const ERRORS = path.join(SYSLOG_FIXTURES, 'embedded-errors.log');
/** The header's facts, plus the time: a carried line's time may come from the header (dateless, exact header). */
const HEADER_OR_TIME = /^(host\.name|process\.name|process\.pid|log\.syslog\..*|event\.original|tags|@timestamp)$/;

test('golden: nginx and Apache error lines carried in syslog, beside access lines and messages no format takes', () => {
  const { events } = checkGolden(ERRORS, { tz: 'UTC', mtimeMs: MTIME, expectParser: 'syslog' });
  assert.equal(events.filter((e) => e.status !== 0).length, 0);
  assert.deepEqual(events.map((e) => [e.at.line, (e.doc as Record<string, any>).event.dataset]), [
    [1, 'system.syslog'],
    [2, 'nginx.error'],
    [3, 'nginx.error'],
    [4, 'nginx.error'], // without its date
    [5, 'nginx.error'],
    [6, 'nginx.error'], // a forged client in the message
    [7, 'nginx.error'], // a forged trailer that swallows the real one
    [8, 'web.access'], // the first format nginx carries
    [9, 'system.syslog'], // nginx's stderr form: no error line
    [10, 'apache.error'],
    [11, 'apache.error'],
    [12, 'apache.error'],
    [13, 'apache.error'],
    [14, 'apache.error'], // 2.2
    [15, 'apache.error'], // no level (ErrorLogFormat without %l)
    [16, 'system.syslog'], // a startup message
    [17, 'apache.error'],
  ]);
});

test('a carried nginx error line gives the event of the same line in error.log, guard against forged clients included', () => {
  const lines = readLines(ERRORS).filter((l) => / nginx(\[\d+\])?: \d{4}\//.test(l));
  assert.equal(lines.length, 5);
  const embedded = flatEvents(lines, { tz: 'UTC', mtimeMs: MTIME, format: 'syslog' });
  const native = flatEvents(messages(lines), { tz: 'UTC', mtimeMs: MTIME, format: 'nginx-error' });
  const strip = (f: Flat) => Object.fromEntries(Object.entries(f).filter(([k]) => !HEADER_OR_TIME.test(k)));
  assert.deepEqual(embedded.map((e) => strip(e.f)), native.map((e) => strip(e.f)));

  const [notFound, mismatch, limit, forgedInMessage, forgedTrailer] = embedded.map((e) => e.f);
  assert.equal(notFound['event.dataset'], 'nginx.error');
  assert.equal(notFound['source.ip'], '192.0.43.10');
  assert.equal(notFound['user.name'], 'xyz');
  assert.equal(notFound['event.outcome'], 'failure');
  assert.equal(notFound['host.name'], 'web01');
  assert.equal(notFound['process.pid'], 2865, "nginx's pid: the header has none");
  // nginx's stamp has the year the RFC 3164 header lacks: it is the time
  assert.equal(notFound['@timestamp'], '2026-11-14T04:00:01.000Z');
  assert.deepEqual(notFound.tags, ['timezone_assumed']);
  assert.equal(mismatch['http.request.referrer'], 'https://www.example.com/admin');
  assert.equal(mismatch['url.path'], '/admin');
  // an exact header time (RFC 3339 with its offset) wins over nginx's stamp, read in an assumed zone
  assert.equal(limit['@timestamp'], '2026-11-14T04:00:04.250Z');
  assert.equal(limit.tags, undefined);
  assert.equal(limit['process.pid'], 983479);
  assert.equal(forgedInMessage['source.ip'], '203.0.113.5', 'a client: in the message is not the trailer');
  assert.equal(forgedTrailer['source.ip'], undefined, 'two readings, two clients: none is trusted');
  assert.deepEqual([...(forgedTrailer['nginx.error.conflicting_clients'] as string[])].sort(), ['203.0.113.5', '6.6.6.6']);
});

test('a carried nginx error line without its date takes the header time and reads as the dated line does', () => {
  const dateless = 'Nov 14 04:00:03 web01 nginx: [error] 2865#2865: *66650 open() "/x" failed (2: No such file or directory), client: 5.7.9.2, server: localhost, request: "GET /x HTTP/1.1", host: "1.2.3.4"';
  const dated = dateless.replace('nginx: [error]', 'nginx: 2026/11/14 04:00:03 [error]');
  const [a, b] = flatEvents([dateless, dated], { tz: 'UTC', mtimeMs: MTIME, format: 'syslog' }).map((e) => e.f);
  assert.equal(a['event.dataset'], 'nginx.error');
  assert.equal(a['@timestamp'], '2026-11-14T04:00:03.000Z');
  assert.deepEqual(a.tags, ['year_inferred', 'timezone_assumed'], "the header's time, with what it guessed");
  const noTime = (f: Flat) => ({ ...f, '@timestamp': undefined, tags: undefined, 'event.original': undefined });
  assert.deepEqual(noTime(a), noTime(b));
  assert.equal(a['source.ip'], '5.7.9.2');
  assert.equal(a['log.level'], 'error');
  assert.equal(a['nginx.error.connection_id'], 66650);
  // in error.log itself a line must start with its date: the native parser does not take the dateless form
  assert.equal(flatEvents(['[error] 2865#2865: *1 x, client: 5.7.9.2'], { format: 'nginx-error' })[0].status, 1);
});

test('carried nginx error lines are whole messages: nothing is held, and the next message is never their continuation', () => {
  const p = syslog.create({ path: '-', tz: 'UTC', mtimeMs: MTIME });
  const err = 'Nov 14 04:00:01 web01 nginx: 2026/11/14 04:00:01 [error] 1#1: *1 open() "/x" failed, client: 192.0.2.1, server: s, request: "GET /x HTTP/1.1"';
  const first = p.parse(err, { line: 1, offset: 0 }) as ParsedEvent;
  assert.equal(first.dataset, 'nginx.error', 'out at once, not held for a continuation');
  assert.equal(p.held?.(), undefined);
  const next = p.parse('Nov 14 04:00:02 web01 nginx: PHP message: b" while reading upstream, client: 6.6.6.6, server: s', { line: 2, offset: 200 }) as ParsedEvent;
  assert.equal(next.dataset, 'system.syslog', 'a message of its own, not joined to the error line');
  assert.equal(first.fields['source.ip'], '192.0.2.1');
  assert.deepEqual(p.flush(), []);
  // the native parser still joins FastCGI's continuation lines in a file
  const native = flatEvents(
    ['2026/11/14 04:00:01 [error] 1#1: *1 FastCGI sent in stderr: "PHP message: a', 'PHP message: b" while reading upstream, client: 192.0.2.1, server: s, request: "GET /x HTTP/1.1"'],
    { format: 'nginx-error' },
  );
  assert.equal(native.length, 1);
  assert.equal(native[0].f['source.ip'], '192.0.2.1');
});

test('a carried Apache error line gives the event of the same line in error_log; the time is the header\'s', () => {
  const lines = readLines(ERRORS).filter((l) => / (httpd|apache2)\[\d+\]: \[[^\]]*error\]/.test(l));
  assert.equal(lines.length, 6);
  const embedded = flatEvents(lines, { tz: 'UTC', mtimeMs: MTIME, format: 'syslog' });
  // error_log writes the time first, which syslog leaves to its header
  const native = flatEvents(messages(lines).map((m) => `[Sat Nov 14 04:00:00 2026] ${m}`), { tz: 'UTC', mtimeMs: MTIME, format: 'apache-error' });
  const strip = (f: Flat) => Object.fromEntries(Object.entries(f).filter(([k]) => !HEADER_OR_TIME.test(k)));
  assert.deepEqual(embedded.map((e) => strip(e.f)), native.map((e) => strip(e.f)));

  const [notFound, mismatch, denied, script, old, invalid] = embedded.map((e) => e.f);
  assert.equal(notFound['event.dataset'], 'apache.error');
  assert.equal(notFound['user.name'], 'admin');
  assert.deepEqual(notFound['event.category'], ['web', 'authentication']);
  assert.equal(notFound['source.ip'], '198.51.100.7');
  assert.equal(notFound['host.name'], 'web02');
  assert.equal(notFound['@timestamp'], '2026-11-14T04:00:09.000Z');
  assert.equal(mismatch['url.path'], '/basic/file');
  assert.deepEqual(denied['event.type'], ['access', 'denied']);
  assert.equal(script['file.path'], '/var/www/timthumb.php');
  assert.equal(old['source.ip'], '198.51.100.86');
  assert.equal(old['log.level'], 'error');
  assert.equal(invalid['source.ip'], '198.51.100.7', 'the first [client] group, not one in the text after it');
});

test('a carried Apache error line with no level starts at its groups', () => {
  const f = one('Nov 14 04:00:14 web02 apache2[2201]: [client 198.51.100.86:40112] AH01630: client denied by server configuration: /var/www/html/.git', { mtimeMs: MTIME });
  assert.equal(f['event.dataset'], 'apache.error');
  assert.equal(f['source.ip'], '198.51.100.86');
  assert.equal(f['source.port'], 40112);
  assert.equal(f['error.code'], 'AH01630');
  assert.equal(f['file.path'], '/var/www/html/.git');
  assert.deepEqual(f['event.type'], ['access', 'denied']);
  assert.equal(f['log.level'], undefined, 'no level written, none made up');
  // a bracket that is neither a level nor a group is no error line
  assert.equal(one('Nov 14 04:00:14 web02 apache2[2201]: [notice-ish] something', { mtimeMs: MTIME })['event.dataset'], 'system.syslog');
});
