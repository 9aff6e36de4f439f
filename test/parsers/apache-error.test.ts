import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden } from '../helpers/golden.js';
import { apacheError } from '../../src/parsers/apache-error.js';
import { EventFlag, type ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'apache-error');
const MTIME = Date.UTC(2026, 11, 1);
const CTX = { path: '-', tz: 'UTC', mtimeMs: MTIME };

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.log'))) {
  test(`golden: apache-error/${file}`, () => {
    checkGolden(path.join(DIR, file), { expectParser: 'apache-error', tz: 'Europe/Berlin', mtimeMs: MTIME });
  });
}

function parse(line: string, tz = 'UTC'): ParsedEvent {
  const r = apacheError.create({ ...CTX, tz }).parse(line, { line: 1, offset: 0 });
  assert.ok(r && typeof r === 'object' && !Array.isArray(r), `rejected: ${String(r)}`);
  return r;
}

test('Apache 2.2: level, client, message, referer, zone-less time', () => {
  const ev = parse('[Mon Dec 26 16:22:00 2016] [error] [client 192.168.33.1] File does not exist: /var/www/favicon.ico, referer: http://192.168.33.72/', 'Europe/Berlin');
  assert.equal(ev.ts, Date.UTC(2016, 11, 26, 15, 22, 0));
  assert.equal(ev.flags, EventFlag.TZ_ASSUMED);
  assert.equal(ev.dataset, 'apache.error');
  const f = ev.fields;
  assert.equal(f['log.level'], 'error');
  assert.equal(f['source.ip'], '192.168.33.1');
  assert.equal(f['source.port'], undefined);
  assert.equal(f.message, 'File does not exist: /var/www/favicon.ico, referer: http://192.168.33.72/');
  assert.equal(f['http.request.referrer'], 'http://192.168.33.72/');
  assert.deepEqual(f['event.type'], ['error']);
});

test('Apache 2.4: module, pid, tid, client ip:port, error code, microseconds', () => {
  const ev = parse('[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:1234] AH00094: msg');
  assert.equal(ev.ts, Date.UTC(2011, 8, 9, 10, 42, 29, 902));
  const f = ev.fields;
  assert.equal(f['apache.error.module'], 'core');
  assert.equal(f['process.pid'], 35708);
  assert.equal(f['process.thread.id'], 4328636416);
  assert.equal(f['source.ip'], '72.15.99.187');
  assert.equal(f['source.port'], 1234);
  assert.equal(f['error.code'], 'AH00094');
  assert.equal(f.message, 'AH00094: msg');
});

test('IPv6 clients with and without port', () => {
  assert.deepEqual(
    [
      parse('[Sat Jul 20 22:11:44.147674 2013] [authz_owner:error] [pid 1:tid 2] [client [2001:db8::80da:af6b:8b2c]:51548] AH01637: x').fields,
      parse('[Thu Jul 11 01:21:44 2013] [error] [client 2001:db8::80da:af6b:8b2c] user test-ipv6 not found: /').fields,
      parse('[Thu Jul 11 01:21:44 2013] [cgi:error] [pid 3] [client ::1:40404] AH01215: x').fields,
      parse('[Thu Jul 11 01:21:44 2013] [proxy_fcgi:error] [pid 3] [client 2001:db8::8b2c] AH01071: x').fields,
    ].map((f) => [f['source.ip'], f['source.port']]),
    [
      ['2001:db8::80da:af6b:8b2c', 51548],
      ['2001:db8::80da:af6b:8b2c', undefined],
      ['::1', 40404],
      ['2001:db8::8b2c', undefined],
    ],
  );
});

test('only the header [client] counts, not one quoted inside the message', () => {
  const f = parse('[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /srv/http/site/[client 192.168.0.1] user root not found').fields;
  assert.equal(f['source.ip'], '192.168.33.1');
  assert.equal(f['user.name'], undefined);
  const g = parse('[Sat Sep 28 09:18:06 2018] [error] [client 192.0.2.1:55555] [client 192.0.2.9] ModSecurity: [file "x"]').fields;
  assert.equal(g['source.ip'], '192.0.2.1');
  assert.equal(g['source.port'], 55555);
  assert.equal(g.message, 'ModSecurity: [file "x"]');
});

test('[remote] is the source when there is no [client]', () => {
  const f = parse('[Mon Nov 06 13:39:56.637868 2023] [auth_basic:error] [pid 3175001:tid 140494544914112] [remote 192.0.2.111:35924] AH01618: user whatever not found: /admin').fields;
  assert.equal(f['source.ip'], '192.0.2.111');
  assert.equal(f['user.name'], 'whatever');
  assert.deepEqual(f['event.category'], ['web', 'authentication']);
  assert.equal(f['event.outcome'], 'failure');
});

test('basic and digest auth failures name the user', () => {
  const users = [
    '[Wed Jul 17 22:18:52 2013] [error] [client 127.0.0.1] user username: authentication failure for "/basic/file": Password Mismatch',
    '[Sat Jul 20 21:40:33.803528 2013] [auth_basic:error] [pid 1:tid 2] [client 127.0.0.1:51395] AH01618: user wrongusername not found: /basic/file',
    '[Wed Jul 17 23:50:37 2013] [error] [client 127.0.0.1] Digest: user username: password mismatch: /digest/cant_get_me.html',
    "[Thu Jul 18 00:08:39 2013] [error] [client 127.0.0.1] Digest: user `username' in realm `digest private area' not found: /x",
    '[Wed Jul 17 23:14:37 2013] [error] [client 127.0.0.1] user  not found: /basic/anon/cant_get_me.html',
  ].map((l) => parse(l).fields['user.name']);
  assert.deepEqual(users, ['username', 'wrongusername', 'username', 'username', undefined]);
});

test('authentication, authorization and not-found failures: outcome, category, user and path (2.2 and 2.4 wording)', () => {
  const h24 = (mod: string, msg: string) => `[Sun Mar 03 10:15:02.123456 2024] [${mod}:error] [pid 1234:tid 5678] [client 203.0.113.5:51234] ${msg}`;
  const h22 = (msg: string) => `[Sun Mar 03 10:15:02 2024] [error] [client 203.0.113.5] ${msg}`;
  const auth = ['web', 'authentication'];
  const cases: [string, string[] | undefined, string[] | undefined, string | undefined, string | undefined, string | undefined][] = [
    // line, event.category (undefined: web only), event.type (undefined: error), user, url.path, file.path
    [h24('auth_basic', 'AH01617: user bob: authentication failure for "/admin": Password Mismatch'), auth, undefined, 'bob', '/admin', undefined],
    [h24('auth_basic', 'AH01618: user alice not found: /admin'), auth, undefined, 'alice', '/admin', undefined],
    [h24('auth_basic', 'AH01618: user alice smith not found: /admin, referer: https://example.com/'), auth, undefined, 'alice smith', '/admin', undefined],
    [h24('auth_basic', 'AH01614: client used wrong authentication scheme: /admin'), auth, undefined, undefined, '/admin', undefined],
    [h24('auth_digest', 'AH01792: user carol: password mismatch: /digest/'), auth, undefined, 'carol', '/digest/', undefined],
    [h24('auth_digest', "AH01790: user `dave' in realm `private' not found: /digest/"), auth, undefined, 'dave', '/digest/', undefined],
    [h22('user bob: authentication failure for "/admin": Password Mismatch'), auth, undefined, 'bob', '/admin', undefined],
    [h22('user bob not found: /admin'), auth, undefined, 'bob', '/admin', undefined],
    [h22('user root not found'), auth, undefined, 'root', undefined, undefined],
    [h24('access_compat', 'AH01797: client denied by server configuration: /var/www/private'), undefined, ['access', 'denied'], undefined, undefined, '/var/www/private'],
    [h24('authz_core', 'AH01630: client denied by server configuration: /var/www/private/'), undefined, ['access', 'denied'], undefined, undefined, '/var/www/private/'],
    [h24('authz_core', 'AH01630: client denied by server configuration: uri /status'), undefined, ['access', 'denied'], undefined, '/status', undefined],
    [h22('client denied by server configuration: /var/www/private'), undefined, ['access', 'denied'], undefined, undefined, '/var/www/private'],
    [h24('authz_core', 'AH01631: user bob: authorization failure for "/admin": '), undefined, ['access', 'denied'], 'bob', '/admin', undefined],
    [h24('authz_owner', 'AH01637: Authorization of user bob to access /admin/x.html failed, reason: file owner dan does not match'), undefined, ['access', 'denied'], 'bob', '/admin/x.html', undefined],
    [h24('cgi', 'AH02811: script not found or unable to stat: /usr/lib/cgi-bin/luci'), undefined, undefined, undefined, undefined, '/usr/lib/cgi-bin/luci'],
    [h24('cgi', 'AH02811: stderr from /usr/lib/cgi-bin/luci: script not found or unable to stat'), undefined, undefined, undefined, undefined, '/usr/lib/cgi-bin/luci'],
    [h22("script '/var/www/timthumb.php' not found or unable to stat"), undefined, undefined, undefined, undefined, '/var/www/timthumb.php'],
    [h24('core', 'AH00128: File does not exist: /var/www/html/wp-login.php'), undefined, undefined, undefined, undefined, '/var/www/html/wp-login.php'],
  ];
  for (const [line, category, type, user, urlPath, filePath] of cases) {
    const f = parse(line).fields;
    assert.equal(f['source.ip'], '203.0.113.5', line);
    assert.equal(f['event.outcome'], 'failure', line);
    assert.deepEqual(f['event.category'], category ?? ['web'], line);
    assert.deepEqual(f['event.type'], type ?? ['error'], line);
    assert.equal(f['user.name'], user, line);
    assert.equal(f['url.path'], urlPath, line);
    assert.equal(f['file.path'], filePath, line);
  }
  // other messages are no failure of the kind, and a name quoted later in the message is no user
  for (const line of [h24('ssl', 'AH02033: No hostname was provided via SNI for a name based virtual host'), h22('Invalid URI in request GET /x user bob not found: /y HTTP/1.1')]) {
    const f = parse(line).fields;
    assert.equal(f['event.outcome'], undefined, line);
    assert.equal(f['user.name'], undefined, line);
  }
});

test('hostile lines: a [client] or referer inside the request or message is not the client', () => {
  for (const line of [
    '[Sun Mar 03 10:15:02.123456 2024] [core:error] [pid 1:tid 2] [client 203.0.113.5:51234] AH00126: Invalid URI in request GET /x] [client 6.6.6.6:1] HTTP/1.1',
    '[Sun Mar 03 10:15:02.123456 2024] [core:info] [pid 1:tid 2] [client 203.0.113.5:51234] AH00128: File does not exist: /var/www/[client 6.6.6.6:1], referer: http://x/ [client 7.7.7.7]',
    '[Sun Mar 03 10:15:02.123456 2024] [php7:error] [pid 1:tid 2] [client 203.0.113.5:51234] PHP Warning:  x [client 6.6.6.6:5] in /var/www/a.php on line 3',
    '[Sun Mar 03 10:15:02.123456 2024] [proxy_fcgi:error] [pid 1:tid 2] (70007)The timeout specified has expired: [client 203.0.113.5:51234] AH01075: Error dispatching request to [client 6.6.6.6:1]',
  ]) {
    const f = parse(line).fields;
    assert.equal(f['source.ip'], '203.0.113.5', line);
    assert.equal(f['source.port'], 51234, line);
  }
});

test('through syslog: the prefix gives the time (year inferred, zone assumed), host and program', () => {
  const ev = parse('Feb 15 16:23:00 srv httpd[22034]: [authz_core:error] [pid 22034] [client 192.0.2.1:58585] AH01630: client denied');
  assert.equal(ev.ts, Date.UTC(2026, 1, 15, 16, 23, 0));
  assert.equal(ev.flags, EventFlag.YEAR_INFERRED | EventFlag.TZ_ASSUMED);
  assert.equal(ev.fields['host.name'], 'srv');
  assert.equal(ev.fields['process.name'], 'httpd');
  assert.equal(ev.fields['process.pid'], 22034);
  assert.equal(ev.fields['source.ip'], '192.0.2.1');
});

test('garbage is rejected and never throws', () => {
  const p = apacheError.create(CTX);
  for (const line of [
    '',
    '[',
    '[Mon Dec 26 16:22:00 2016]',
    '[Mon Dec 26 16:22:00 2016] error',
    '[Mon Foo 26 16:22:00 2016] [error] x',
    '[Mon Dec 26 16:22:00 2016] [Not A Level] x',
    '[10/Aug/2018:09:45:56 +0200] 172.30.0.119 TLSv1.2 X "GET / HTTP/1.1" 1',
    'Nov 14 03:12:01 host sshd[1]: [preauth] x',
    'just text: [x]',
  ]) {
    assert.equal(typeof p.parse(line, { line: 1, offset: 0 }), 'string', line);
  }
});

test('detect: Apache error logs score 1, access and syslog lines 0', () => {
  const lines = fs.readFileSync(path.join(DIR, 'beats-ubuntu-2.2.22.log'), 'utf8').trim().split('\n');
  assert.equal(apacheError.detect(lines), 1);
  assert.equal(
    apacheError.detect(['192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1', 'Nov 14 03:12:01 host sshd[1]: Accepted password for x from 192.0.2.1 port 22 ssh2']),
    0,
  );
});
