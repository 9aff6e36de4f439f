import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden } from '../helpers/golden.js';
import { access, parseAccessLine } from '../../src/parsers/access.js';
import { EventFlag, type ParsedEvent } from '../../src/model/event.js';
import type { ParserContext } from '../../src/parsers/types.js';

const DIR = path.join(FIXTURES, 'access');
/** A fixed reference time: year inference (syslog prefixes) must not depend on the day the tests run. */
const MTIME = Date.UTC(2026, 11, 1);
const CTX: ParserContext = { path: '-', tz: 'UTC', mtimeMs: MTIME };

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.log'))) {
  test(`golden: access/${file}`, () => {
    checkGolden(path.join(DIR, file), { expectParser: 'access', tz: 'America/New_York', mtimeMs: MTIME });
  });
}

function parse(line: string, ctx: ParserContext = CTX): ParsedEvent {
  const r = parseAccessLine(line, ctx);
  assert.equal(typeof r, 'object', `rejected: ${String(r)}`);
  return r as ParsedEvent;
}

const UA = '"-" "Mozilla/5.0"';

test('combined line: every core field', () => {
  const ev = parse(`203.0.113.9 - bob [10/Oct/2026:13:55:36 -0700] "GET /a/b.php?x=1&y=2 HTTP/1.1" 404 2326 "https://ref.example/" "curl/8.5.0"`);
  assert.equal(ev.ts, Date.UTC(2026, 9, 10, 20, 55, 36));
  assert.equal(ev.dataset, 'web.access');
  assert.equal(ev.flags, 0);
  const f = ev.fields;
  assert.equal(f['source.ip'], '203.0.113.9');
  assert.equal(f['user.name'], 'bob');
  assert.equal(f['http.request.method'], 'GET');
  assert.equal(f['url.original'], '/a/b.php?x=1&y=2');
  assert.equal(f['url.path'], '/a/b.php');
  assert.equal(f['url.query'], 'x=1&y=2');
  assert.equal(f['http.version'], '1.1');
  assert.equal(f['http.response.status_code'], 404);
  assert.equal(f['http.response.body.bytes'], 2326);
  assert.equal(f['http.request.referrer'], 'https://ref.example/');
  assert.equal(f['user_agent.original'], 'curl/8.5.0');
  assert.deepEqual(f['event.category'], ['web']);
  assert.deepEqual(f['event.type'], ['access']);
  assert.equal(f['event.outcome'], 'failure');
});

test('common line, "-" user and size, 3xx is a success', () => {
  const f = parse('192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.0" 304 -').fields;
  assert.equal(f['user.name'], undefined);
  assert.equal(f['http.response.body.bytes'], undefined);
  assert.equal(f['http.request.referrer'], undefined);
  assert.equal(f['event.outcome'], 'success');
});

test('escaped quotes inside the request, referrer and user agent are unescaped', () => {
  const f = parse(String.raw`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET /q?s=\"x\" HTTP/1.1" 200 1 "http://r/\"y\"" "UA \"z\" \\"`).fields;
  assert.equal(f['url.original'], '/q?s="x"');
  assert.equal(f['url.query'], 's="x"');
  assert.equal(f['http.request.referrer'], 'http://r/"y"');
  assert.equal(f['user_agent.original'], 'UA "z" \\');
});

test('nginx hex escapes stay as written', () => {
  const f = parse(String.raw`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a\x22b HTTP/1.1" 400 1 ${UA}`).fields;
  assert.equal(f['url.original'], String.raw`/a\x22b`);
});

test('IPv6 clients, and a proxy list keeps the first public address', () => {
  assert.equal(parse(`2001:db8::1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields['source.ip'], '2001:db8::1');
  const f = parse(`10.0.0.2, 192.168.1.1, 198.51.100.7 10.0.0.9 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(f['source.ip'], '198.51.100.7');
  assert.deepEqual(f['access.remote_ip_list'], ['10.0.0.2', '192.168.1.1', '198.51.100.7', '10.0.0.9']);
  // all internal: the first one, as filebeat does
  const g = parse(`fd00::1, ::1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(g['source.ip'], 'fd00::1');
});

test('host names go to source.address and source.domain, never source.ip', () => {
  const f = parse(`gw.example.net - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(f['source.ip'], undefined);
  assert.equal(f['source.address'], 'gw.example.net');
  assert.equal(f['source.domain'], 'gw.example.net');
  const u = parse(`unix: - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(u['source.address'], 'unix:');
  assert.equal(u['source.domain'], undefined);
});

test('vhost prefixes: host:port, bare host, and a server name after the time', () => {
  const a = parse(`www.example.com:8443 192.0.2.5 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(a['destination.domain'], 'www.example.com');
  assert.equal(a['destination.port'], 8443);
  assert.equal(a['source.ip'], '192.0.2.5');
  assert.equal(a['access.remote_ip_list'], undefined);
  const b = parse(`example.org 192.0.2.6 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(b['destination.domain'], 'example.org');
  assert.equal(b['source.ip'], '192.0.2.6');
  const c = parse(`192.0.2.7 - - - [10/Oct/2026:13:55:36 ] example.net "GET / HTTP/1.1" 200 1 ${UA}`).fields;
  assert.equal(c['destination.domain'], 'example.net');
  assert.equal(c['source.ip'], '192.0.2.7');
});

test('a time without zone is read in --tz and flagged', () => {
  const ev = parse(`192.0.2.7 - - [10/Oct/2026:13:55:36 ] "GET / HTTP/1.1" 200 1`, { ...CTX, tz: 'Europe/Berlin' });
  assert.equal(ev.ts, Date.UTC(2026, 9, 10, 11, 55, 36));
  assert.equal(ev.flags, EventFlag.TZ_ASSUMED);
});

test('fields after the user agent: X-Forwarded-For list, request time, the rest in order', () => {
  const f = parse(`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA} "203.0.113.1, 10.0.0.1" 0.250 "up:80" -`).fields;
  assert.deepEqual(f['access.forwarded_for'], ['203.0.113.1', '10.0.0.1']);
  assert.equal(f['access.request_time_ms'], 250);
  assert.deepEqual(f['access.extra'], ['up:80']);
  const g = parse(`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 ${UA} "-"`).fields;
  assert.equal(g['access.forwarded_for'], undefined);
  assert.equal(g['access.extra'], undefined);
});

test('requests that are not request lines: "-", empty, binary, one word', () => {
  for (const req of ['-', '', String.raw`\x16\x03\x01`, 'HELP']) {
    const f = parse(`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "${req}" 400 0 ${UA}`).fields;
    assert.equal(f['http.request.method'], undefined, req);
    assert.equal(f['url.original'], undefined, req);
    assert.equal(f['http.response.status_code'], 400);
  }
});

test('absolute-form and authority-form targets', () => {
  const a = parse(`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET https://h.example:8080/p/q?z=1 HTTP/1.1" 200 1`).fields;
  assert.equal(a['url.scheme'], 'https');
  assert.equal(a['url.domain'], 'h.example');
  assert.equal(a['url.path'], '/p/q');
  assert.equal(a['url.query'], 'z=1');
  const c = parse(`192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "CONNECT h.example:443 HTTP/1.1" 200 1`).fields;
  assert.equal(c['url.original'], 'h.example:443');
  assert.equal(c['url.path'], undefined);
});

test('a line cut inside the user agent keeps what it has; one cut inside the request is rejected', () => {
  const f = parse('192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11').fields;
  assert.equal(f['user_agent.original'], 'Mozilla/5.0 (X11');
  assert.equal(typeof parseAccessLine('192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET /cut', CTX), 'string');
  assert.equal(typeof parseAccessLine('192.0.2.1 - - [10/Oct/2026:13:5', CTX), 'string');
});

test('hostile lines: quotes and a status inside the referrer, user agent or request never shift status and size', () => {
  const T = '[03/Mar/2024:10:15:02 +0000]';
  for (const [line, agent, referrer, target] of [
    // nginx escapes a quote as \x22, Apache as \"
    [`203.0.113.5 - - ${T} "GET /a HTTP/1.1" 404 10 "http://x/\\x22 200 123 \\x22y" "ua\\x22 200 999 \\x22"`, 'ua\\x22 200 999 \\x22', 'http://x/\\x22 200 123 \\x22y', '/a'],
    [`203.0.113.5 - - ${T} "GET /a HTTP/1.1" 404 10 "http://x/\\" 200 123 \\"y" "Mozilla \\" 200 999 \\""`, 'Mozilla " 200 999 "', 'http://x/" 200 123 "y', '/a'],
    [`203.0.113.5 - - ${T} "GET /a\\" 200 123 \\" HTTP/1.1" 404 10 "-" "curl"`, 'curl', undefined, '/a" 200 123 "'],
    [`203.0.113.5 - - ${T} "GET /a\\x22 200 123 \\x22 HTTP/1.1" 404 10 "-" "curl"`, 'curl', undefined, '/a\\x22 200 123 \\x22'],
  ] as const) {
    const f = parse(line).fields;
    assert.equal(f['http.response.status_code'], 404, line);
    assert.equal(f['http.response.body.bytes'], 10, line);
    assert.equal(f['event.outcome'], 'failure', line);
    assert.equal(f['source.ip'], '203.0.113.5', line);
    assert.equal(f['user_agent.original'], agent, line);
    assert.equal(f['http.request.referrer'], referrer, line);
    assert.equal(f['url.original'], target, line);
  }
});

test('hostile lines: a user name (sent by the client, spaces unescaped) cannot hide the line, pose as the time or add a client', () => {
  // a time of its own in the name: the real time is the one before the quoted request
  const a = parse('203.0.113.5 - a [01/Jan/2020:00:00:00 +0000] b [03/Mar/2024:10:15:02 +0000] "GET /private HTTP/1.1" 401 10 "-" "curl"');
  assert.equal(a.ts, Date.UTC(2024, 2, 3, 10, 15, 2));
  assert.equal(a.fields['user.name'], 'a [01/Jan/2020:00:00:00 +0000] b');
  assert.equal(a.fields['http.response.status_code'], 401);
  assert.equal(a.fields['url.original'], '/private');
  // an address in the name is no proxy hop, so it is not taken for a public client behind a private one
  const b = parse('10.0.0.5 - 6.6.6.6 - x [03/Mar/2024:10:15:02 +0000] "GET /private HTTP/1.1" 401 10 "-" "curl"').fields;
  assert.equal(b['source.ip'], '10.0.0.5');
  assert.equal(b['user.name'], '6.6.6.6 - x');
  assert.equal(b['access.remote_ip_list'], undefined);
  const c = parse('198.51.100.1, 10.0.0.5 - alice smith [03/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 401 10 "-" "curl"').fields;
  assert.equal(c['source.ip'], '198.51.100.1');
  assert.equal(c['user.name'], 'alice smith');
});

test('garbage and near misses are rejected with a reason', () => {
  for (const line of [
    '',
    'hello world',
    '192.0.2.1 [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1',
    '192.0.2.1 - - [10/Foo/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1',
    '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] GET / HTTP/1.1 200 1',
    '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" abc 1',
    '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 12x',
    '[10/Oct/2026:13:55:36 +0000] only a time',
    '202.62.17.240:39542 [04/Sep/2018:13:48:08.267] HTTPS-TCP_8091 HTTPS-TCP_8091/PROD 1/0/3720 6465 CD 30111/4058/4058/115/0 0/0',
    '2016/10/25 14:49:34 [error] 54053#0: *1 open() failed, client: 127.0.0.1, request: "GET / HTTP/1.1"',
  ]) {
    const r = parseAccessLine(line, CTX);
    assert.equal(typeof r, 'string', line);
    assert.ok((r as string).length > 0);
  }
});

test('never throws: random bytes and mutations of real lines', () => {
  const base = fs.readFileSync(path.join(DIR, 'variants.log'), 'utf8').split('\n');
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const p = access.create(CTX);
  for (let i = 0; i < 20000; i++) {
    let line = base[rnd(base.length)];
    const cuts = 1 + rnd(4);
    for (let c = 0; c < cuts; c++) {
      const at = rnd(line.length + 1);
      const op = rnd(3);
      const ch = String.fromCharCode(rnd(3) === 0 ? rnd(0x10000) : ' "[]\\-:,/'.charCodeAt(rnd(10)));
      line = op === 0 ? line.slice(0, at) + ch + line.slice(at) : op === 1 ? line.slice(0, at) + line.slice(at + 1) : line.slice(0, at);
    }
    const r = p.parse(line, { line: i + 1, offset: 0 });
    assert.ok(typeof r === 'string' || (r !== null && typeof r === 'object'), line);
  }
});

test('detect: access lines score 1, other formats score 0', () => {
  const lines = fs.readFileSync(path.join(DIR, 'beats-nginx-test.log'), 'utf8').trim().split('\n');
  assert.equal(access.detect(lines), 1);
  assert.equal(
    access.detect([
      'Nov 14 03:12:01 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2',
      '[Mon Dec 26 16:22:08 2016] [error] [client 192.168.33.1] File does not exist: /var/www/favicon.ico',
      '{"time":"2026-11-14T03:12:01Z","msg":"x"}',
      'type=USER_AUTH msg=audit(1364481363.243:24287): pid=1',
    ]),
    0,
  );
});
