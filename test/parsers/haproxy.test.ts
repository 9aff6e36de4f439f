import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES } from '../helpers/cli.js';
import { haproxy } from '../../src/parsers/haproxy.js';
import { rankParsers } from '../../src/parsers/dispatch.js';
import { MTIME_2024, flatEvents } from './programs/util.js';

const fixture = (name: string) => path.join(FIXTURES, 'haproxy', name);

test('haproxy golden: HTTP log format (headers, <NOSRV>, -1 timers, BADREQ, IPv6, logasap, zone from the syslog stamp)', () => {
  checkGolden(fixture('http.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'haproxy' });
});

test('haproxy golden: TCP log format, error and Connect lines, with and without a syslog prefix', () => {
  checkGolden(fixture('tcp.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'haproxy' });
});

test('haproxy golden: filebeat samples', () => {
  for (const name of ['beats-default.log', 'beats-haproxy.log', 'beats-httplog-no-headers.log', 'beats-tcplog.log']) {
    checkGolden(fixture(name), { tz: 'UTC', mtimeMs: Date.UTC(2019, 0, 1), expectParser: 'haproxy' });
  }
});

test('haproxy: an HTTP line', () => {
  const f = flatEvents(readLines(fixture('http.log')).slice(1, 2))[0].f;
  assert.equal(f['@timestamp'], '2024-03-10T16:00:02.001Z', 'the accept date, read in --tz');
  assert.deepEqual([f['source.ip'], f['source.port']], ['198.51.100.81', 41001]);
  assert.deepEqual([f['haproxy.frontend_name'], f['haproxy.backend_name'], f['haproxy.server_name']], ['www~', 'app', 'app2']);
  assert.deepEqual([f['http.request.method'], f['url.path'], f['http.version']], ['POST', '/api/login', '1.1']);
  assert.deepEqual([f['http.response.status_code'], f['http.response.body.bytes'], f['event.outcome']], [401, 248, 'failure']);
  assert.deepEqual(f['haproxy.http.request.captured_headers'], ['app.example.com', 'Mozilla/5.0 (X11; Linux x86_64)']);
  assert.equal(f['event.duration'], 132_000_000);
  assert.equal(f['haproxy.termination_state'], '----');
  assert.equal(f['host.name'], 'lb1');
});

test('haproxy: the accept date is read in the zone of a zoned syslog stamp', () => {
  const f = flatEvents(readLines(fixture('http.log')).slice(5, 6))[0].f;
  assert.equal(f['@timestamp'], '2024-03-10T15:00:06.400Z');
  assert.equal(f.tags, undefined, 'neither year nor zone was guessed');
});

test('haproxy: a TCP line without a syslog prefix (the issue example)', () => {
  const f = flatEvents(readLines(fixture('tcp.log')).slice(0, 1))[0].f;
  assert.deepEqual([f['source.ip'], f['source.port'], f['network.bytes'], f['haproxy.termination_state']], ['202.62.17.240', 39542, 6465, 'CD']);
  assert.deepEqual([f['haproxy.total_waiting_time_ms'], f['haproxy.connection_wait_time_ms'], f['haproxy.total_time_ms']], [1, 0, 3720]);
  assert.equal(f['haproxy.connections.active'], 30111);
  assert.equal(f['@timestamp'], '2018-09-04T13:48:08.267Z');
});

test('haproxy: Connect lines carry the destination', () => {
  const f = flatEvents(['Connect from 198.51.100.93:50003 to 192.0.2.20:443 (https-in/TCP)'], { format: 'haproxy' })[0].f;
  assert.deepEqual([f['source.ip'], f['destination.ip'], f['destination.port'], f['haproxy.mode']], ['198.51.100.93', '192.0.2.20', 443, 'TCP']);
});

test('haproxy: the syslog parser gives the same events for haproxy lines', () => {
  const lines = readLines(fixture('http.log'));
  assert.deepEqual(flatEvents(lines, { format: 'syslog' }).map((e) => e.f), flatEvents(lines).map((e) => e.f));
});

test('haproxy: detect ranks a pure haproxy file first, a syslog file with a few haproxy lines second', () => {
  assert.equal(haproxy.detect(readLines(fixture('tcp.log'))), 1);
  assert.equal(rankParsers(readLines(fixture('http.log')))[0].parser.name, 'haproxy');
  assert.equal(rankParsers(readLines(path.join(FIXTURES, 'syslog', 'mixed-syslog.log')))[0].parser.name, 'syslog');
});

test('haproxy: rejections', () => {
  const p = haproxy.create({ path: '-', tz: 'UTC', mtimeMs: MTIME_2024 });
  for (const line of ['', 'Mar 10 16:00:08 lb1 nginx[1]: not haproxy', '198.51.100.1:1 [10/Mar/2024:16:00:01.120]', '198.51.100.1:1 [10/Mar/2024:16:00:01.120] fe be/srv 1/2 x']) {
    assert.equal(typeof p.parse(line, { line: 1, offset: 0 }), 'string', JSON.stringify(line));
  }
});
