import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden } from '../helpers/golden.js';
import { logfmt, readPairs } from '../../src/parsers/logfmt.js';
import type { ParsedEvent } from '../../src/model/event.js';
import { parseLines } from '../../src/parsers/run.js';

const DIR = path.join(FIXTURES, 'logfmt');
const CTX = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2026, 11, 1) };

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.log'))) {
  test(`golden: logfmt/${file}`, () => {
    checkGolden(path.join(DIR, file), { expectParser: 'logfmt', tz: 'UTC', mtimeMs: CTX.mtimeMs });
  });
}

function parse(line: string): ParsedEvent {
  const r = logfmt.create(CTX).parse(line, { line: 1, offset: 0 });
  assert.ok(r && typeof r === 'object' && !Array.isArray(r), `rejected: ${String(r)}`);
  return r;
}

test('pairs: quoted values with escapes, bare keys, empty values, = inside values', () => {
  assert.deepEqual(readPairs('a=1 b="x \\"y\\" \\\\ z\\n" c d= e=f=g'), [
    ['a', '1'],
    ['b', 'x "y" \\ z\n'],
    ['c', true],
    ['d', ''],
    ['e', 'f=g'],
  ]);
  assert.deepEqual(readPairs('a="cut'), [['a', 'cut']]);
  assert.equal(readPairs('first words then a=1'), undefined);
  assert.equal(readPairs('=x'), undefined);
  assert.equal(readPairs(''), undefined);
});

test('the usual keys are mapped as for JSON, the rest kept under logfmt.<key>', () => {
  const ev = parse('ts=2026-11-14T03:12:01Z level=info msg="user logged in" ip=203.0.113.9 user=alice method=GET path=/x?y=1 status=200 duration=12ms');
  assert.equal(ev.ts, Date.UTC(2026, 10, 14, 3, 12, 1));
  // a status with a method: an access entry, as in JSON
  assert.equal(ev.dataset, 'web.access');
  assert.deepEqual(ev.fields, {
    'log.level': 'info',
    message: 'user logged in',
    'source.ip': '203.0.113.9',
    'user.name': 'alice',
    'http.request.method': 'GET',
    'url.original': '/x?y=1',
    'url.path': '/x',
    'url.query': 'y=1',
    'http.response.status_code': 200,
    'logfmt.duration': '12ms',
    'event.category': ['web'],
    'event.type': ['access'],
    'event.outcome': 'success',
  });
});

test('ECS names with a store column are kept; a value that does not fit stays a logfmt field', () => {
  const f = parse('source.port=2222 destination.ip=192.0.2.1 source.ip=bad').fields;
  assert.equal(f['source.port'], 2222);
  assert.equal(f['destination.ip'], '192.0.2.1');
  assert.equal(f['logfmt.source.ip'], 'bad');
});

test('lines that do not start with key= are rejected', () => {
  const p = logfmt.create(CTX);
  for (const line of ['', 'hello world', 'Nov 14 03:12:01 host app: a=1 b=2', '{"a":1}', '"a"=1']) {
    assert.equal(typeof p.parse(line, { line: 1, offset: 0 }), 'string', line);
  }
});

test('detect: logfmt scores 1; auditd, firewall, syslog-prefixed and JSON lines score 0', () => {
  assert.equal(logfmt.detect(['a=1 b=2', 'ts=1 level=info msg="x y"']), 1);
  assert.equal(
    logfmt.detect([
      'type=USER_LOGIN msg=audit(1364481363.243:24287): pid=1 uid=0 res=failed',
      'node=h1 type=SYSCALL msg=audit(1364481363.243:24288): arch=c000003e syscall=59',
      'IN=eth0 OUT= MAC=00 SRC=192.0.2.1 DST=192.0.2.2 LEN=60 PROTO=TCP SPT=1 DPT=22',
      'Nov 14 03:12:01 fw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2',
      'Nov 14 03:12:01 host app[1]: a=1 b=2',
      '{"a":"b=c d=e"}',
      'only=one',
    ]),
    0,
  );
});

test('a key that is a value and a parent keeps both values, as fields and in the event JSON', () => {
  const f = parse('a=2 a.b=1').fields;
  assert.equal(f['logfmt.a'], '2');
  assert.equal(f['logfmt.a.b'], '1');
  const { events } = parseLines(['ts=2026-11-14T03:12:01Z a=2 a.b=1', 'ts=2026-11-14T03:12:02Z a.b=1 a=2'], { format: 'logfmt' });
  for (const e of events) assert.deepEqual(e.doc.logfmt, { a: '2', 'a.b': '1' });
});

test('host=: the host that wrote the line, or on an HTTP line (a router) the request Host, its domain url.domain', () => {
  assert.equal(parse('level=info host=web01 msg="cache warm"').fields['host.name'], 'web01');
  const router = parse('at=info method=GET path=/ host=app.example.com status=200').fields;
  assert.equal(router['host.name'], undefined);
  assert.equal(router['url.domain'], 'app.example.com');
  assert.equal(router['logfmt.host'], undefined);
});
