import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden, flatten, readLines } from '../helpers/golden.js';
import { json } from '../../src/parsers/json.js';
import { EventFlag, type ParsedEvent } from '../../src/model/event.js';
import { parseLines } from '../../src/parsers/run.js';

const DIR = path.join(FIXTURES, 'json');
const CTX = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2026, 11, 1) };

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.log'))) {
  test(`golden: json/${file}`, () => {
    checkGolden(path.join(DIR, file), { expectParser: 'json', tz: 'Asia/Tokyo', mtimeMs: CTX.mtimeMs });
  });
}

function parse(line: string, tz = 'UTC'): ParsedEvent {
  const r = json.create({ ...CTX, tz }).parse(line, { line: 1, offset: 0 });
  assert.ok(r && typeof r === 'object' && !Array.isArray(r), `rejected: ${String(r)}`);
  return r;
}

test('ECS documents keep their names, flattened; typed columns are coerced; the dataset is theirs', () => {
  const ev = parse('{"@timestamp":"2026-11-14T03:12:01.5Z","event":{"dataset":"app.auth","category":"authentication","outcome":"failure"},"source":{"ip":"203.0.113.9","port":"51234"},"user":{"name":"alice","roles":["a","b"]},"custom":{"x":1}}');
  assert.equal(ev.ts, Date.UTC(2026, 10, 14, 3, 12, 1, 500));
  assert.equal(ev.dataset, 'app.auth');
  assert.deepEqual(ev.fields, {
    'event.category': ['authentication'],
    'event.outcome': 'failure',
    'source.ip': '203.0.113.9',
    'source.port': 51234,
    'user.name': 'alice',
    'user.roles': ['a', 'b'],
    'custom.x': 1,
  });
});

test('ECS names ingest sets itself, and column values of the wrong type, are kept under json.*', () => {
  const f = parse('{"@timestamp":"2026-11-14T03:12:01Z","ecs.version":"8","event.original":"o","log.file.path":"/p","tags":["t"],"source.ip":"nope","process.pid":"x"}').fields;
  assert.equal(f['json.event.original'], 'o');
  assert.equal(f['json.log.file.path'], '/p');
  assert.deepEqual(f['json.tags'], ['t']);
  assert.equal(f['json.source.ip'], 'nope');
  assert.equal(f['json.process.pid'], 'x');
  assert.equal(f['source.ip'], undefined);
  assert.equal(f['ecs.version'], '8');
});

test('other JSON: the usual keys are mapped, the rest kept under json.<key>; a status with a method is an access entry', () => {
  const ev = parse('{"ts":1794625921,"lvl":"info","msg":"done","client_ip":"198.51.100.7:5000","username":"bob","status":"404","method":"GET","uri":"/a?b=1","user_agent":"curl","referer":"-","bytes":"12","extra":{"k":[1,2]}}');
  assert.equal(ev.ts, Date.UTC(2026, 10, 14, 3, 12, 1));
  assert.equal(ev.dataset, 'web.access');
  assert.deepEqual(ev.fields, {
    'log.level': 'info',
    message: 'done',
    'source.ip': '198.51.100.7',
    'source.port': 5000,
    'user.name': 'bob',
    'http.response.status_code': 404,
    'http.request.method': 'GET',
    'url.original': '/a?b=1',
    'url.path': '/a',
    'url.query': 'b=1',
    'user_agent.original': 'curl',
    'http.response.body.bytes': 12,
    'json.extra.k': [1, 2],
    'event.category': ['web'],
    'event.type': ['access'],
    'event.outcome': 'failure',
  });
});

test('times: epoch seconds, ms, µs, ns; ISO with and without zone; CLF', () => {
  const t = Date.UTC(2026, 10, 14, 3, 12, 1);
  for (const v of ['1794625921', '1794625921000', '1794625921000000', '1794625921000000000', '"1794625921"', '"2026-11-14T03:12:01Z"', '"14/Nov/2026:03:12:01 +0000"']) {
    const ev = parse(`{"time":${v}}`);
    assert.equal(ev.ts, t, v);
    assert.equal(ev.flags, 0, v);
  }
  const local = parse('{"timestamp":"2026-11-14 12:12:01"}', 'Asia/Tokyo');
  assert.equal(local.ts, t);
  assert.equal(local.flags, EventFlag.TZ_ASSUMED);
  // not a time: stays a field, and the line has no time
  const bad = parse('{"ts":12,"date":"soon"}');
  assert.equal(bad.ts, undefined);
  assert.equal(bad.fields['json.ts'], 12);
  assert.equal(bad.fields['json.date'], 'soon');
});

test('pino/bunyan numeric levels become names; the nginx $request line is split', () => {
  assert.equal(parse('{"level":50}').fields['log.level'], 'error');
  assert.equal(parse('{"level":35}').fields['log.level'], '35');
  const f = parse('{"request":"POST /login?x=1 HTTP/2.0","status":200}').fields;
  assert.equal(f['http.request.method'], 'POST');
  assert.equal(f['url.path'], '/login');
  assert.equal(f['http.version'], '2.0');
});

/** The fields the access parser gives a request, as a flat document. */
const ACCESS_FIELDS = [
  'event.dataset', 'event.category', 'event.type', 'event.outcome', '@timestamp', 'source.ip', 'http.request.method',
  'url.original', 'url.path', 'url.query', 'http.version', 'http.response.status_code', 'http.response.body.bytes',
  'http.request.referrer', 'user_agent.original',
];

function accessView(file: string, format?: string): Record<string, unknown>[] {
  const r = parseLines(readLines(path.join(FIXTURES, file)).filter((l) => l !== ''), { format, tz: 'UTC' });
  return r.events.map((e) => {
    const f = flatten(e.doc);
    return Object.fromEntries(ACCESS_FIELDS.map((k) => [k, f[k]]));
  });
}

test('nginx JSON (escape=json) and Caddy access lines get the fields and dataset the access parser gives the same requests', () => {
  const combined = accessView('access/web-same-as-json.log', 'access');
  assert.equal(combined.length, 7);
  assert.equal(combined[2]['url.query'], 'page=../../../../etc/passwd');
  assert.deepEqual(accessView('json/web-nginx.log'), combined);
  // Caddy logs a fraction of a second the combined stamp has not
  const caddy = accessView('json/web-caddy.log').map((e) => ({ ...e, '@timestamp': (e['@timestamp'] as string).replace('.250Z', '.000Z') }));
  assert.deepEqual(caddy, combined);
});

test('Traefik, Envoy and pino-http access lines are access entries; ordinary app lines stay json', () => {
  const lines = [
    '{"ClientAddr":"198.51.100.23:51234","ClientHost":"198.51.100.23","ClientPort":"51234","ClientUsername":"-","DownstreamContentSize":153,"DownstreamStatus":404,"Duration":431000,"OriginStatus":404,"RequestHost":"www.example.com","RequestMethod":"GET","RequestPath":"/index.php?page=../../../../etc/passwd","RequestProtocol":"HTTP/1.1","RequestScheme":"https","RouterName":"web@docker","StartLocal":"2026-11-14T03:20:10.25Z","StartUTC":"2026-11-14T03:20:10.25Z","entryPointName":"websecure","level":"info","msg":"","request_Referer":"https://www.example.com/","request_User-Agent":"Mozilla/5.00 (Nikto/2.5.0)","time":"2026-11-14T03:20:10Z"}',
    '{"start_time":"2026-11-14T03:20:10.250Z","method":"GET","path":"/index.php?page=../../../../etc/passwd","protocol":"HTTP/1.1","response_code":404,"response_flags":"-","bytes_received":0,"bytes_sent":153,"duration":1,"x_forwarded_for":"-","user_agent":"Mozilla/5.00 (Nikto/2.5.0)","request_id":"5b6b3e1a","authority":"www.example.com","upstream_host":"10.0.0.7:80","downstream_remote_address":"198.51.100.23:51234"}',
    '{"level":30,"time":1794626410250,"pid":7,"hostname":"api-1","req":{"id":12,"method":"GET","url":"/index.php?page=../../../../etc/passwd","query":{"page":"../../../../etc/passwd"},"headers":{"host":"api.example.com","user-agent":"Mozilla/5.00 (Nikto/2.5.0)","referer":"https://www.example.com/"},"remoteAddress":"198.51.100.23","remotePort":51234},"res":{"statusCode":404},"responseTime":2,"msg":"request completed"}',
  ];
  lines.forEach((line, i) => {
    const ev = parse(line);
    const f = ev.fields;
    assert.equal(ev.dataset, 'web.access', line);
    assert.equal(ev.ts, Date.UTC(2026, 10, 14, 3, 20, 10, 250), line);
    assert.equal(f['source.ip'], '198.51.100.23', line);
    assert.equal(f['http.request.method'], 'GET', line);
    assert.equal(f['url.path'], '/index.php', line);
    assert.equal(f['url.query'], 'page=../../../../etc/passwd', line);
    assert.equal(f['http.response.status_code'], 404, line);
    assert.equal(f['user_agent.original'], 'Mozilla/5.00 (Nikto/2.5.0)', line);
    assert.equal(f['event.outcome'], 'failure', line);
    assert.deepEqual(f['event.category'], ['web'], line);
    if (i < 2) assert.equal(f['http.response.body.bytes'], 153, line);
    if (i < 2) assert.equal(f['http.version'], '1.1', line);
    if (i !== 1) assert.equal(f['http.request.referrer'], 'https://www.example.com/', line);
    assert.equal(f['user.name'], undefined, line);
  });
  // app lines: a status alone, a request without a response, a size that is no response's: not access entries
  for (const line of [
    '{"level":"info","msg":"job done","status":200,"size":12}',
    '{"level":30,"time":1794626410250,"req":{"method":"GET","url":"/health","remoteAddress":"::1"},"msg":"incoming request"}',
    '{"msg":"cache stats","size":4096,"protocol":"tcp","path":"/var/cache"}',
  ]) {
    const ev = parse(line);
    assert.equal(ev.dataset, 'json', line);
    assert.equal(ev.fields['http.response.body.bytes'], undefined, line);
    assert.equal(ev.fields['http.version'], undefined, line);
  }
  assert.equal(parse('{"msg":"cache stats","size":4096,"protocol":"tcp","path":"/var/cache"}').fields['json.size'], 4096);
});

test("the request's Content-Type header, as nginx, Traefik, Caddy and pino-http log it, is http.request.mime_type", () => {
  const lines = [
    '{"time":"2026-11-14T03:20:10+00:00","remote_addr":"198.51.100.23","request":"POST /upload HTTP/1.1","status":200,"content_type":"application/octet-stream"}',
    '{"ClientHost":"198.51.100.23","DownstreamStatus":200,"RequestMethod":"POST","RequestPath":"/upload","request_Content-Type":"application/octet-stream","time":"2026-11-14T03:20:10Z"}',
    '{"ts":1794626410.25,"msg":"handled request","request":{"remote_ip":"198.51.100.23","method":"POST","uri":"/upload","headers":{"Content-Type":["application/octet-stream"]}},"status":200,"size":0}',
    '{"time":1794626410250,"req":{"method":"POST","url":"/upload","headers":{"content-type":"application/octet-stream"},"remoteAddress":"198.51.100.23"},"res":{"statusCode":200},"msg":"request completed"}',
  ];
  for (const line of lines) {
    const ev = parse(line);
    assert.equal(ev.dataset, 'web.access', line);
    assert.equal(ev.fields['http.request.mime_type'], 'application/octet-stream', line);
  }
  // nginx writes "-" for a request without the header: none, not a type called "-"
  assert.equal(parse('{"remote_addr":"198.51.100.23","request":"GET / HTTP/1.1","status":200,"content_type":"-"}').fields['http.request.mime_type'], undefined);
});

test('a key that would reach Object.prototype is renamed', () => {
  const f = parse('{"__proto__":{"polluted":1},"a":{"__proto__":{"b":2}}}').fields;
  assert.equal(f['json._proto_.polluted'], 1);
  assert.equal(f['json.a._proto_.b'], 2);
  const { events } = parseLines(['{"@timestamp":"2026-11-14T03:12:01Z","event":{"kind":"x"},"__proto__":{"polluted":1}}'], { format: 'json' });
  assert.equal((events[0].doc as Record<string, any>)._proto_.polluted, 1);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('lines that are not JSON objects are rejected', () => {
  const p = json.create(CTX);
  for (const line of ['', '[1,2]', '"x"', '42', 'null', '{"a":', 'text {"a":1}', '{"a":1} trailing']) {
    assert.equal(typeof p.parse(line, { line: 1, offset: 0 }), 'string', line);
  }
});

test('detect: JSON lines score 1; CloudTrail shapes, text and logfmt score 0', () => {
  assert.equal(json.detect(['{"a":1}', ' {"b":2} ']), 1);
  assert.equal(
    json.detect([
      '{"Records":[{"eventVersion":"1.08","eventSource":"iam.amazonaws.com"}]}',
      '{"eventVersion":"1.08","eventTime":"2026-11-14T03:12:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}',
      'ts=1 msg=x',
      '192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1',
    ]),
    0,
  );
});

test('a document nested deeper than 100 levels is refused with the reason; 100 levels parse', () => {
  const nested = (n: number) => `{"message":"x","a":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
  assert.equal(json.create(CTX).parse(nested(101), { line: 1, offset: 0 }), 'JSON nested deeper than 100 levels');
  assert.deepEqual(Object.keys(parse(nested(100)).fields), ['message', 'json.a']);
});

test('a key that is a value and a parent keeps both values, as fields and in the event JSON', () => {
  const f = parse('{"a":2,"a.b":1,"msg":"x"}').fields;
  assert.equal(f['json.a'], 2);
  assert.equal(f['json.a.b'], 1);
  const { events } = parseLines(['{"a.b":1,"a":2}', '{"@timestamp":"2026-11-14T03:12:01Z","event":{"kind":"event"},"custom":3,"custom.sub":4}'], { format: 'json' });
  assert.deepEqual(events[0].doc.json, { 'a.b': 1, a: 2 });
  assert.equal(events[1].doc.custom, 3);
  assert.equal(events[1].doc['custom.sub'], 4);
});

test('a name given twice, nested and dotted, keeps both values in order', () => {
  assert.deepEqual(parse('{"a":{"b":1},"a.b":5}').fields['json.a.b'], [1, 5]);
  const ecs = parse('{"@timestamp":"2026-11-14T03:12:01Z","event":{"kind":"event"},"custom":{"x":1},"custom.x":2}').fields;
  assert.deepEqual(ecs['custom.x'], [1, 2]);
});

test('Logstash events before ECS: host is the host (host.name, an address host.ip), path the file it was read from', () => {
  const ev = parse('{"@timestamp":"2026-11-14T03:12:01.000Z","@version":"1","host":"web1","path":"/var/log/app.log","message":"disk full"}');
  assert.equal(ev.ts, Date.UTC(2026, 10, 14, 3, 12, 1));
  assert.deepEqual(ev.fields, { 'json.@version': '1', 'host.name': 'web1', 'json.path': '/var/log/app.log', message: 'disk full' });
  // python-logstash and the syslog input: an address
  assert.equal(parse('{"@version":1,"host":"192.0.2.8","message":"m"}').fields['host.ip'], '192.0.2.8');
  // the host of a Logstash event is Logstash's, even on a web line grok took apart
  const web = parse('{"@version":"1","host":"lb1","clientip":"203.0.113.9","verb":"GET","request":"/x","response":"200"}').fields;
  assert.equal(web['host.name'], 'lb1');
  assert.equal(web['url.path'], '/x');
});

test('host: the host that wrote an application line, the Host header of an HTTP line; agent is the user agent', () => {
  assert.equal(parse('{"time":"2026-11-14T03:12:01Z","host":"db1","msg":"connected"}').fields['host.name'], 'db1');
  const http = parse('{"time":"2026-11-14T03:12:01Z","host":"www.example.com","method":"GET","path":"/","status":200,"agent":"curl/8.5"}').fields;
  assert.equal(http['host.name'], undefined);
  // the domain the Host names is url.domain, where Sigma's cs-host looks (as in nginx error and Zeek http logs)
  assert.equal(http['url.domain'], 'www.example.com');
  assert.equal(http['json.host'], undefined);
  assert.equal(http['user_agent.original'], 'curl/8.5');
  // a port is not part of the domain: the header as written is kept too
  const port = parse('{"host":"www.example.com:8443","request":"GET / HTTP/1.1","status":200}').fields;
  assert.equal(port['url.domain'], 'www.example.com');
  assert.equal(port['json.host'], 'www.example.com:8443');
  // an absolute request target names the domain itself: the Host is kept beside it
  const proxy = parse('{"host":"proxy.internal","request":"GET http://example.org/x HTTP/1.1","status":200}').fields;
  assert.equal(proxy['url.domain'], 'example.org');
  assert.equal(proxy['json.host'], 'proxy.internal');
  // Caddy logs the Host as request.host
  const caddy = parse('{"msg":"handled request","request":{"remote_ip":"192.0.2.4","method":"GET","host":"shop.example.com","uri":"/"},"status":200}').fields;
  assert.equal(caddy['url.domain'], 'shop.example.com');
  // hostname came first: host.name is taken, and the other is kept
  const both = parse('{"hostname":"api-1","host":"api-1.internal"}').fields;
  assert.equal(both['host.name'], 'api-1');
  assert.equal(both['json.host'], 'api-1.internal');
});

test('ECS-shaped lines: an ECS object given as a string goes to its main field or under json.*, never stays a value', () => {
  const f = parse(
    '{"@timestamp":"2026-11-14T03:12:01Z","event":{"kind":"event"},"host":"web1","user":"bob","url":"/a?b=1","agent":"curl/8.5","process":"worker","service":"api","source":"/var/log/x.log","log":"raw","error":"boom","message":"m"}',
  ).fields;
  assert.deepEqual(f, {
    'event.kind': 'event',
    'host.name': 'web1',
    'user.name': 'bob',
    'url.original': '/a?b=1',
    'url.path': '/a',
    'url.query': 'b=1',
    'user_agent.original': 'curl/8.5',
    'process.name': 'worker',
    'service.name': 'api',
    'json.source': '/var/log/x.log',
    'json.log': 'raw',
    'json.error': 'boom',
    message: 'm',
  });
  const { events } = parseLines(['{"@timestamp":"2026-11-14T03:12:01Z","host":"10.0.0.5","source":{"ip":"203.0.113.9"}}'], { format: 'json' });
  assert.deepEqual(events[0].doc.host, { ip: '10.0.0.5' });
  assert.deepEqual(events[0].doc.source, { ip: '203.0.113.9' });
});
