/** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are stored as the IPv4 address, whatever parser read them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseLines } from '../../src/parsers/run.js';
import { plainIp, plainIps } from '../../src/parsers/lib.js';
import { flatten } from '../helpers/golden.js';
import { run, tmpDir } from '../helpers/cli.js';

test('plainIp: every spelling of a mapped address, and nothing else', () => {
  for (const s of ['::ffff:203.0.113.5', '::FFFF:203.0.113.5', '0:0:0:0:0:ffff:203.0.113.5', '::ffff:cb00:7105', '0000:0000:0000:0000:0000:FFFF:CB00:7105']) {
    assert.equal(plainIp(s), '203.0.113.5', s);
  }
  for (const s of ['203.0.113.5', '2001:db8::ffff', '::1', 'ffff::203.0.113.5', '::ffff:0:203.0.113.5', 'fe80::ffff:1', 'host.ffff.example', '::ffff:999.1.1.1', '']) {
    assert.equal(plainIp(s), s, s);
  }
  const f = { 'source.ip': '::ffff:198.51.100.1', 'host.ip': ['::ffff:10.0.0.5', '2001:db8::5'], 'json.note': '::ffff:1.2.3.4', 'json.ip': 'name' };
  plainIps(f);
  assert.deepEqual(f, { 'source.ip': '198.51.100.1', 'host.ip': ['10.0.0.5', '2001:db8::5'], 'json.note': '::ffff:1.2.3.4', 'json.ip': 'name' });
});

/** The flat fields of the one event a line gives, read as ingest reads it. */
function one(line: string, format: string): Record<string, unknown> {
  const r = parseLines([line], { format, tz: 'UTC', mtimeMs: Date.UTC(2024, 2, 11) });
  assert.equal(r.events.length, 1, line);
  return flatten(r.events[0].doc);
}

test('each parser stores ::ffff:a.b.c.d as a.b.c.d', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['access', '::ffff:203.0.113.5 - - [03/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 200 1 "-" "curl"', { 'source.ip': '203.0.113.5' }],
    ['access', 'www.example.com:443 ::ffff:203.0.113.5 - - [03/Mar/2024:10:15:02 +0000] "GET / HTTP/1.1" 200 1 "-" "curl"', { 'source.ip': '203.0.113.5' }],
    ['json', '{"time":"2026-11-14T03:12:03Z","remote_addr":"::ffff:203.0.113.5","method":"GET","path":"/","status":200}', { 'source.ip': '203.0.113.5' }],
    ['json', '{"level":30,"time":1794626410250,"req":{"method":"GET","url":"/","remoteAddress":"::ffff:203.0.113.5","remotePort":51234},"res":{"statusCode":200},"msg":"request completed"}', { 'source.ip': '203.0.113.5' }],
    ['json', '{"@timestamp":"2026-11-14T03:12:03Z","ecs.version":"8","source":{"ip":"::ffff:203.0.113.5"},"destination":{"ip":"0:0:0:0:0:ffff:cb00:7106"},"client":{"ip":"::FFFF:203.0.113.7"}}', { 'source.ip': '203.0.113.5', 'destination.ip': '203.0.113.6', 'client.ip': '203.0.113.7' }],
    ['logfmt', 'ts=2026-11-14T03:12:01Z ip=::ffff:203.0.113.5 msg=x', { 'source.ip': '203.0.113.5' }],
    ['syslog', 'Mar 10 08:00:31 bastion sshd[3026]: Failed password for root from ::ffff:203.0.113.5 port 4242 ssh2', { 'source.ip': '203.0.113.5' }],
    ['haproxy', 'Mar 10 16:00:05 lb1 haproxy[901]: ::ffff:203.0.113.5:41004 [10/Mar/2024:16:00:05.250] www~ app/app1 0/0/1/10/+11 302 +120 - - ---- 4/4/1/1/+1 0/0 "GET / HTTP/2.0"', { 'source.ip': '203.0.113.5' }],
    ['nginx-error', '2024/03/03 10:15:02 [error] 1#0: *5 access forbidden by rule, client: ::ffff:203.0.113.5, server: x, request: "GET / HTTP/1.1", host: "h"', { 'source.ip': '203.0.113.5' }],
    ['apache-error', '[Sun Mar 03 10:15:02.1 2024] [core:error] [pid 1:tid 2] [client ::ffff:203.0.113.5:51234] AH00128: File does not exist: /x', { 'source.ip': '203.0.113.5' }],
    ['apache-error', '[Sun Mar 03 10:15:02 2024] [error] [client [::ffff:203.0.113.5]:51234] File does not exist: /x', { 'source.ip': '203.0.113.5' }],
    ['raw', 'something odd happened for ::ffff:203.0.113.5 today', { 'source.ip': '203.0.113.5' }],
  ];
  for (const [format, line, want] of cases) {
    const f = one(line, format);
    for (const [k, v] of Object.entries(want)) assert.equal(f[k], v, `${format}: ${k} of ${line}`);
  }
});

test('ingest: a client logged both ways is one address in the store', () => {
  const dir = tmpDir();
  const log = path.join(dir, 'access.log');
  fs.writeFileSync(log, [
    '::ffff:203.0.113.5 - - [03/Mar/2024:10:15:02 +0000] "GET /a HTTP/1.1" 404 1 "-" "curl"',
    '203.0.113.5 - - [03/Mar/2024:10:15:03 +0000] "GET /b HTTP/1.1" 404 1 "-" "curl"',
    '',
  ].join('\n'));
  const db = path.join(dir, 'store.db');
  assert.equal(run(['--db', db, 'ingest', log]).code, 0);
  const res = run(['--db', db, 'sql', 'select source_ip, count(*) as n from events group by source_ip', '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { source_ip: '203.0.113.5', n: 2 });
});
