/** The dispatcher over streams that mix formats: the stream's parser first, then the standalone ones, then raw. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLines } from '../../src/parsers/run.js';
import { nginxError } from '../../src/parsers/nginx-error.js';
import { PARSERS } from '../../src/parsers/registry.js';

const ACCESS = (n: number, path: string, status = 200) =>
  `172.17.0.1 - - [03/Dec/2026:10:00:0${n} +0000] "GET ${path} HTTP/1.1" ${status} 153 "-" "curl/8.0" "-"`;
const ERROR = '2026/12/03 10:00:01 [error] 29#29: *1 FastCGI sent in stderr: "PHP message: a';
const CONTINUED = 'PHP message: b" while reading upstream, client: 172.17.0.9, server: s, request: "GET /x.php HTTP/1.1"';
const SSHD = 'Dec  3 10:00:03 h sshd[1]: Failed password for root from 203.0.113.7 port 22 ssh2';

/** `docker logs web 2>&1` of an nginx container: access lines on stdout, error lines on stderr, interleaved. */
const MIXED = [ACCESS(0, '/'), ACCESS(1, '/a'), ERROR, CONTINUED, ACCESS(2, '/wp-login.php', 404), SSHD, 'plain text no parser knows', ACCESS(4, '/b')];

test('each line of a mixed stream is read by the parser that knows it; a multi-line error keeps its continuation', () => {
  const { parser, events } = parseLines(MIXED);
  assert.equal(parser.name, 'access');
  assert.deepEqual(
    events.map((e) => [e.at.line, e.parser.name, e.doc.event && (e.doc.event as Record<string, unknown>).dataset, e.status]),
    [
      [1, 'access', 'web.access', 0],
      [2, 'access', 'web.access', 0],
      [3, 'nginx-error', 'nginx.error', 0],
      [5, 'access', 'web.access', 0],
      [6, 'syslog', 'system.auth', 0],
      [7, 'raw', 'raw', 1],
      [8, 'access', 'web.access', 0],
    ],
  );
  // the error event spans its two lines and reads the client from the trailer on the second
  const err = events[2];
  assert.match(err.raw, /PHP message: a\nPHP message: b/);
  assert.equal((err.doc.source as Record<string, unknown>).ip, '172.17.0.9');
  assert.equal((events[4].doc.source as Record<string, unknown>).ip, '203.0.113.7');
  // the line none took says why: the stream's parser's reason
  assert.match(String((events[5].doc.error as Record<string, unknown>).message), /time field|request/);
});

test('a format given with --format is the whole stream: the lines it rejects stay raw', () => {
  const { events } = parseLines(MIXED, { format: 'access' });
  assert.deepEqual(
    events.map((e) => e.parser.name),
    ['access', 'access', 'raw', 'raw', 'access', 'raw', 'raw', 'access'],
  );
});

test('a stream no format dominates (no parser reaches the detection threshold) still parses the lines it knows', () => {
  const lines = ['banner one', 'banner two', 'banner three', 'banner four', SSHD, 'more banner', ACCESS(1, '/x')];
  const { parser, events } = parseLines(lines);
  assert.equal(parser.name, 'raw');
  assert.deepEqual(
    events.map((e) => e.parser.name),
    ['raw', 'raw', 'raw', 'raw', 'syslog', 'raw', 'access'],
  );
  assert.equal(events[4].status, 0);
  assert.equal(events[0].status, 1);
});

test('an audit record among syslog lines is grouped by auditd; its group is stored before the next syslog line', () => {
  const lines = [
    SSHD,
    'type=SYSCALL msg=audit(1764756003.000:42): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="id" exe="/usr/bin/id" key=(null)',
    'type=EXECVE msg=audit(1764756003.000:42): argc=1 a0="id"',
    SSHD.replace('10:00:03', '10:00:04'),
  ];
  const { events } = parseLines(lines);
  assert.deepEqual(
    events.map((e) => [e.at.line, e.parser.name]),
    [
      [1, 'syslog'],
      [2, 'auditd'],
      [4, 'syslog'],
    ],
  );
  assert.equal(events[1].raw.split('\n').length, 2);
});

test('nginx error: a line that starts like another log line never continues a message', () => {
  const p = nginxError.create({ path: '-', tz: 'UTC', mtimeMs: 0 });
  assert.equal(p.parse(ERROR, { line: 1, offset: 0 }), null);
  assert.equal(typeof p.parse(ACCESS(2, '/'), { line: 2, offset: 100 }), 'string');
  assert.equal(typeof p.parse(SSHD, { line: 3, offset: 200 }), 'string');
  assert.equal(p.parse(CONTINUED, { line: 4, offset: 300 }), null);
  const [ev] = p.flush();
  assert.equal(ev.span?.lines, 2);
});

test('the standalone formats are the ones whose single lines are unambiguous', () => {
  const names = PARSERS.filter((p) => p.standalone).map((p) => p.name);
  for (const loose of ['logfmt', 'vpcflow', 'raw', 'cloudtrail', 'journald']) assert.ok(!names.includes(loose), loose);
  for (const strict of ['access', 'nginx-error', 'syslog', 'auditd', 'json']) assert.ok(names.includes(strict), strict);
});
