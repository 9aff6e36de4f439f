import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden } from '../helpers/golden.js';
import { nginxError } from '../../src/parsers/nginx-error.js';
import { EventFlag, type ParsedEvent } from '../../src/model/event.js';
import type { ParseResult } from '../../src/parsers/types.js';

const DIR = path.join(FIXTURES, 'nginx-error');
const MTIME = Date.UTC(2026, 11, 1);
const CTX = { path: '-', tz: 'UTC', mtimeMs: MTIME };

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.log'))) {
  test(`golden: nginx-error/${file}`, () => {
    checkGolden(path.join(DIR, file), { expectParser: 'nginx-error', tz: 'Europe/Berlin', mtimeMs: MTIME });
  });
}

/** Runs lines through one parser instance and returns every event, flushed at the end. */
function run(lines: string[], tz = 'UTC') {
  const p = nginxError.create({ ...CTX, tz });
  const events: ParsedEvent[] = [];
  const rejected: string[] = [];
  const take = (r: ParseResult) => {
    if (typeof r === 'string') rejected.push(r);
    else if (Array.isArray(r)) events.push(...r);
    else if (r) events.push(r);
  };
  lines.forEach((l, i) => take(p.parse(l, { line: i + 1, offset: i * 100 })));
  events.push(...p.flush());
  return { events, rejected };
}

test('head fields, trailer fields, zone-less time read in --tz', () => {
  const { events } = run(
    ['2016/10/25 14:49:34 [error] 54053#7: *1 open() "/x" failed (2: No such file), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico?v=2 HTTP/1.1", host: "localhost:8080", referrer: "http://localhost:8080/"'],
    'Europe/Berlin',
  );
  const [ev] = events;
  assert.equal(ev.ts, Date.UTC(2016, 9, 25, 12, 49, 34));
  assert.equal(ev.flags, EventFlag.TZ_ASSUMED);
  assert.equal(ev.dataset, 'nginx.error');
  const f = ev.fields;
  assert.equal(f['log.level'], 'error');
  assert.equal(f['process.pid'], 54053);
  assert.equal(f['process.thread.id'], 7);
  assert.equal(f['nginx.error.connection_id'], 1);
  assert.match(f.message as string, /^open\(\) "\/x" failed/);
  assert.equal(f['source.ip'], '127.0.0.1');
  assert.equal(f['http.request.method'], 'GET');
  assert.equal(f['url.original'], '/favicon.ico?v=2');
  assert.equal(f['url.path'], '/favicon.ico');
  assert.equal(f['url.query'], 'v=2');
  assert.equal(f['url.domain'], 'localhost');
  assert.equal(f['destination.domain'], 'localhost');
  assert.equal(f['http.request.referrer'], 'http://localhost:8080/');
  assert.deepEqual(f['event.type'], ['error']);
});

test('continuation lines join the open event; held() points at its first line', () => {
  const p = nginxError.create(CTX);
  assert.equal(p.parse('2019/10/30 23:26:34 [error] 1#1: *9 FastCGI sent in stderr: "PHP message: a', { line: 1, offset: 0 }), null);
  assert.deepEqual(p.held?.(), { line: 1, offset: 0 });
  assert.equal(p.parse('PHP message: b" while reading upstream, client: 192.0.2.1, server: s, request: "GET /x HTTP/1.1"', { line: 2, offset: 60 }), null);
  const out = p.parse('2019/10/30 23:26:35 [notice] 1#1: signal process started', { line: 3, offset: 200 });
  assert.ok(Array.isArray(out) && out.length === 1);
  const ev = out[0];
  assert.deepEqual(ev.span?.at, { line: 1, offset: 0 });
  assert.equal(ev.span?.lines, 2);
  assert.equal(ev.fields.message, 'FastCGI sent in stderr: "PHP message: a\nPHP message: b" while reading upstream, client: 192.0.2.1, server: s, request: "GET /x HTTP/1.1"');
  // the trailer at the end of the last line is read from the whole message
  assert.equal(ev.fields['source.ip'], '192.0.2.1');
  assert.equal(ev.fields['url.original'], '/x');
  assert.deepEqual(p.held?.(), { line: 3, offset: 200 });
  const [last] = p.flush();
  assert.equal(last.fields['log.level'], 'notice');
  assert.deepEqual(last.fields['event.type'], ['info']);
  assert.equal(last.fields['nginx.error.connection_id'], undefined);
  assert.equal(p.held?.(), undefined);
});

test('a line that is not nginx with no event open is rejected; a group stops growing at its limit', () => {
  const { events, rejected } = run(['hello', '2026/11/14 03:12:01 [error] 1#1: *1 x', ...Array.from({ length: 600 }, () => 'more')]);
  assert.equal(events.length, 1);
  assert.equal(events[0].span?.lines, 500);
  assert.equal(rejected.length, 1 + 101);
});

test('text injected before or after the real trailer cannot pose as the client', () => {
  const before = run([
    '2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443"',
  ]).events[0].fields;
  assert.equal(before['source.ip'], '192.0.2.2');
  assert.equal(before['user.name'], 'test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"');
  assert.equal(before['event.outcome'], 'failure');
});

/** One nginx error line (a 404 of the static module) around a message and a trailer. */
const line = (msg: string, trailer: string) => `2024/03/03 10:15:02 [error] 1234#0: *5 ${msg}, client: 203.0.113.5, server: www.example.com, ${trailer}`;

test('hostile lines: a client named inside the message, the request, the upstream, the host or the referrer is not the client', () => {
  const cases: [string, string][] = [
    // the message quotes the decoded path
    ['open() "/var/www/, client: 6.6.6.6" failed (2: No such file or directory)', 'request: "GET /%2C%20client:%206.6.6.6 HTTP/1.1", host: "www.example.com"'],
    ['open() "/var/www/x, client: 6.6.6.6, server: y" failed (2: No such file or directory)', 'request: "GET /x HTTP/1.1", host: "www.example.com"'],
    ['FastCGI sent in stderr: "PHP message: , client: 6.6.6.6, server: x, request: "GET /a HTTP/1.1"" while reading response header from upstream', 'request: "GET /a HTTP/1.1", upstream: "fastcgi://unix:/run/php.sock:", host: "www.example.com"'],
    // nginx before 1.21.1 let a request hold spaces
    ['open() "/var/www/x, client: 6.6.6.6, server: y" failed (2: No such file or directory)', 'request: "GET /a, client: 6.6.6.6, server: y HTTP/1.1", host: "www.example.com"'],
    ['open() "/var/www/a" failed (2: No such file or directory)', 'request: "GET /a?q=, client: 6.6.6.6 HTTP/1.1", upstream: "http://127.0.0.1:8080/a?q=, client: 6.6.6.6", host: "www.example.com"'],
    ['access forbidden by rule', 'request: "GET /a HTTP/1.1", host: "www.example.com, client: 6.6.6.6"'],
    ['access forbidden by rule', 'request: "GET /a HTTP/1.1", host: "www.example.com", referrer: "http://r/, client: 6.6.6.6, server: z"'],
  ];
  for (const [msg, trailer] of cases) {
    const f = run([line(msg, trailer)]).events[0].fields;
    assert.equal(f['source.ip'], '203.0.113.5', msg + ' | ' + trailer);
    assert.equal(f['http.request.method'], 'GET', trailer);
    assert.equal(f['destination.domain'], 'www.example.com', trailer);
  }
  const first = run([line(...cases[0])]).events[0].fields;
  assert.equal(first['url.original'], '/%2C%20client:%206.6.6.6');
  assert.equal(first['url.domain'], 'www.example.com');
  const old = run([line(...cases[3])]).events[0].fields;
  assert.equal(old['url.original'], '/a, client: 6.6.6.6, server: y');
  const referrer = run([line(...cases[6])]).events[0].fields;
  assert.equal(referrer['http.request.referrer'], 'http://r/, client: 6.6.6.6, server: z');
  assert.equal(referrer['url.path'], '/a');
});

test('a line that reads as two whole trailers naming different clients gets no source.ip: it lists both', () => {
  // a forged trailer in the message swallows the real one into its referrer...
  const inMessage = run([
    line(
      'open() "/var/www/x, client: 6.6.6.6, server: y, request: "GET / HTTP/1.1", referrer: "" failed (2: No such file or directory)',
      'request: "GET /x,%20client:%206.6.6.6,%20server:%20y,%20request:%20%22GET%20/%20HTTP/1.1%22,%20referrer:%20%22 HTTP/1.1", host: "www.example.com"',
    ),
  ]).events[0].fields;
  // ...just as a real referrer holds a forged one: nothing tells the two apart
  const inReferrer = run([
    line('open() "/var/www/x" failed (2: No such file or directory)', 'request: "GET /x HTTP/1.1", host: "www.example.com", referrer: "http://r/", client: 6.6.6.6, server: y, request: "GET / HTTP/1.1", host: "z"'),
  ]).events[0].fields;
  for (const f of [inMessage, inReferrer]) {
    assert.equal(f['source.ip'], undefined);
    assert.deepEqual([...(f['nginx.error.conflicting_clients'] as string[])].sort(), ['203.0.113.5', '6.6.6.6']);
    assert.equal(f['url.original'], undefined);
  }
  // a forged trailer that names the real client changes nothing
  const same = run([line('access forbidden by rule', 'request: "GET /a HTTP/1.1", host: "h", referrer: "x", client: 203.0.113.5, server: y, request: "GET /b HTTP/1.1", host: "z"')]).events[0].fields;
  assert.equal(same['source.ip'], '203.0.113.5');
  assert.equal(same['url.original'], '/a');
  // a basic-auth failure still names its user when the name forges a trailer
  const auth = run([
    line('user "x, client: 6.6.6.6, server: y, request: "GET / HTTP/1.1", referrer: "": password mismatch', 'request: "GET /private/ HTTP/1.1", host: "www.example.com"'),
  ]).events[0].fields;
  assert.equal(auth['source.ip'], undefined);
  assert.equal(auth['user.name'], 'x, client: 6.6.6.6, server: y, request: "GET / HTTP/1.1", referrer: "');
  assert.equal(auth['event.outcome'], 'failure');
});

test('basic-auth failures name the user', () => {
  const users = run([
    '2026/11/14 03:12:01 [error] 1#1: *1 user "admin": password mismatch, client: 192.0.2.1, server: s, request: "GET / HTTP/1.1", host: "h"',
    '2026/11/14 03:12:02 [error] 1#1: *2 user "scriben dio" was not found in "/etc/nginx/.htpasswd", client: 192.0.2.1, server: s, request: "GET / HTTP/1.1", host: "h"',
    "2026/11/14 03:12:03 [error] 1#1: *3 PAM: user 'bob' - not authenticated: Authentication failure, client: 192.0.2.1, server: s, request: \"GET / HTTP/1.1\", host: \"h\"",
    '2026/11/14 03:12:04 [error] 1#1: *4 open() "/user "x": password mismatch" failed, client: 192.0.2.1, server: s',
  ]).events.map((e) => e.fields['user.name']);
  assert.deepEqual(users, ['admin', 'scriben dio', 'bob', undefined]);
});

test('syslog and journald prefixes', () => {
  const [a, b] = run([
    'host01 nginx[983478]: 2023/12/09 21:35:20 [error] 983478#983478: *3 access forbidden by rule, client: 192.0.2.3, server: h, request: "GET / HTTP/2.0", host: "h"',
    'host nginx[23141]: host nginx: 2025/09/07 21:20:40 [error] 23141#23141: *24470 x, client: 192.0.2.120, server: w',
  ]).events;
  assert.equal(a.fields['host.name'], 'host01');
  assert.equal(a.fields['process.name'], 'nginx');
  assert.equal(a.fields['process.pid'], 983478);
  assert.equal(a.fields['http.version'], '2.0');
  assert.equal(a.ts, Date.UTC(2023, 11, 9, 21, 35, 20));
  assert.equal(b.fields['source.ip'], '192.0.2.120');
  assert.equal(b.ts, Date.UTC(2025, 8, 7, 21, 20, 40));
});

test('garbage never throws and is rejected', () => {
  const p = nginxError.create(CTX);
  for (const line of ['', 'x', '2016/10/25 14:49:34', '2016/10/25 14:49:34 [error]', '2016/13/25 14:49:34 [error] 1#1: x', '2016/10/25 14:49:34 [error] a#b: x', ': 2016/10/25 14:49:34 [error] 1#1: x']) {
    assert.equal(typeof p.parse(line, { line: 1, offset: 0 }), 'string', line);
  }
});

test('detect: nginx error logs score high, continuation text counts, other logs do not', () => {
  const lines = fs.readFileSync(path.join(DIR, 'beats-error.log'), 'utf8').trim().split('\n');
  assert.equal(nginxError.detect(lines), 1);
  const syslog = ['2016/10/25 14:49:34 [error] 1#0: *1 x', 'Nov 14 03:12:01 host sshd[1]: y', 'Nov 14 03:12:02 host sshd[1]: z', 'Nov 14 03:12:03 host cron[2]: w'];
  assert.equal(nginxError.detect(syslog), 0.25);
});
