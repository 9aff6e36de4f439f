/**
 * Container runtime logs (Docker json-file, Kubernetes CRI): the wrapper is read, the line inside goes to the parser
 * of its format, chosen line by line, and gives the event the bare line gives, with the container's facts on top.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden, flatten } from '../helpers/golden.js';
import { FIXTURES } from '../helpers/cli.js';
import { parseLines, type RunOptions } from '../../src/parsers/run.js';
import { rankParsers } from '../../src/parsers/dispatch.js';
import { container, pathFields } from '../../src/parsers/container.js';
import { MAX_LINE_BYTES } from '../../src/model/event.js';
import type { ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'container');
const ID = 'a3f5c8e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6';
const ACCESS = '203.0.113.5 - - [03/Dec/2026:10:00:02 +0000] "GET /../../etc/passwd HTTP/1.1" 400 157 "-" "curl/8.5.0" "-"';
const NGINX_ERROR = '2026/12/03 10:00:04 [error] 29#29: *3 open() "/usr/share/nginx/html/.env" failed (2: No such file or directory), client: 203.0.113.9, server: localhost, request: "GET /.env HTTP/1.1", host: "localhost"';
/** What only the wrapped copy of a line has. */
const WRAPPER_KEYS = /^(stream|container\..*|orchestrator\..*|docker\..*)$/;

type Flat = Record<string, any>;

/** Docker's json-file entry for a piece of output (Go's encoder escapes <, > and &). */
function docker(log: string, stream = 'stdout', time = '2026-12-03T10:00:02.537190041Z', attrs?: object): string {
  return JSON.stringify({ log, stream, ...(attrs ? { attrs } : {}), time }).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

function cri(text: string, stream = 'stdout', tag = 'F', time = '2026-12-03T10:00:02.537190041Z'): string {
  return `${time} ${stream} ${tag} ${text}`;
}

function events(lines: string[], opts: RunOptions = {}) {
  const r = parseLines(lines, { tz: 'UTC', ...opts });
  return { parser: r.parser.name, evs: r.events.map((e) => ({ status: e.status, at: e.at, raw: e.raw, f: flatten(e.doc) as Flat })) };
}

function only(line: string, opts: RunOptions = {}): Flat {
  const { parser, evs } = events([line], opts);
  assert.equal(parser, 'container', line);
  assert.equal(evs.length, 1);
  assert.equal(evs[0].status, 0, evs[0].f['error.message']);
  return evs[0].f;
}

function withoutWrapper(f: Flat): Flat {
  return Object.fromEntries(Object.entries(f).filter(([k]) => !WRAPPER_KEYS.test(k)));
}

test('golden: the official nginx image in Docker json-file: entrypoint output, error lines on stderr, access lines, a line in two pieces', () => {
  const { events: evs } = checkGolden(path.join(DIR, 'docker-nginx.log'), { tz: 'UTC', expectParser: 'container' });
  assert.equal(evs.filter((e) => e.status !== 0).length, 0, 'no line falls back to raw');
  const datasets = evs.map((e) => (e.doc as Flat).event.dataset);
  assert.deepEqual(datasets.filter((d) => d === 'container.log').length, 4);
  assert.deepEqual(datasets.filter((d) => d === 'nginx.error').length, 5);
  assert.deepEqual(datasets.filter((d) => d === 'web.access').length, 7);
  // 17 lines of the file, 16 events: the long request is one
  assert.equal(evs.length, 16);
});

test('golden: an Apache pod in CRI (containerd, local offset): error lines, access lines, JSON, logfmt, a P+F line', () => {
  const { events: evs } = checkGolden(path.join(DIR, 'cri-httpd.log'), { tz: 'UTC', expectParser: 'container' });
  assert.equal(evs.filter((e) => e.status !== 0).length, 0);
  assert.deepEqual(
    evs.map((e) => (e.doc as Flat).event.dataset),
    ['container.log', 'apache.error', 'apache.error', 'web.access', 'json', 'logfmt', 'web.access', 'apache.error', 'web.access', 'container.log', 'apache.error'],
  );
});

test('an access line in a Docker entry or a CRI line is the event of the bare line, plus the stream', () => {
  const bare = events([ACCESS]);
  assert.equal(bare.parser, 'access');
  const fromDocker = only(docker(ACCESS + '\n'));
  const fromCri = only(cri(ACCESS));
  for (const f of [fromDocker, fromCri]) {
    assert.deepEqual(withoutWrapper(f), bare.evs[0].f);
    assert.equal(f.stream, 'stdout');
    // the access line's own time (exact, with its zone) is kept: the bare line's
    assert.equal(f['@timestamp'], '2026-12-03T10:00:02.000Z');
    assert.equal(f['event.original'], ACCESS, 'the event text is the line the container wrote');
  }
});

test('Docker escapes <, > and &: the unwrapped line is what keyword rules read', () => {
  const line = '198.51.100.7 - - [03/Dec/2026:10:00:05 +0000] "GET /?a=1&b=2 HTTP/1.1" 200 615 "-" "<?php system($_GET[\\x22c\\x22]); ?>"';
  const entry = docker(line + '\n');
  assert.ok(entry.includes('\\u003c?php'));
  const f = only(entry);
  assert.equal(f['event.original'], line);
  assert.equal(f['user_agent.original'], '<?php system($_GET[\\x22c\\x22]); ?>');
});

test('stderr: an nginx error line takes the wrapper\'s exact time instead of its zoneless one', () => {
  const f = only(docker(NGINX_ERROR + '\n', 'stderr', '2026-12-03T10:00:04.250731906Z'), { tz: 'Europe/Berlin' });
  assert.equal(f['event.dataset'], 'nginx.error');
  assert.equal(f.stream, 'stderr');
  assert.equal(f['source.ip'], '203.0.113.9');
  assert.equal(f['url.path'], '/.env');
  // read in --tz it would be 09:00:04Z; the wrapper says when it was written
  assert.equal(f['@timestamp'], '2026-12-03T10:00:04.250Z');
  assert.equal(f.tags, undefined, 'no timezone_assumed: the time is not guessed');
  const g = only(cri(NGINX_ERROR, 'stderr', 'F', '2026-12-03T11:00:04.25+01:00'), { tz: 'Europe/Berlin' });
  assert.equal(g['@timestamp'], '2026-12-03T10:00:04.250Z');
});

test('the format is chosen per line, not per stream: a JSON app line and a plain line on the same stream', () => {
  const { evs } = events([
    docker('{"level":"error","msg":"db down","time":"2026-12-03T10:00:01+01:00"}\n', 'stdout'),
    docker(ACCESS + '\n', 'stdout'),
    docker('level=info msg="listening" port=8080\n', 'stdout'),
    docker('Starting server...\n', 'stdout', '2026-12-03T10:00:09.5Z'),
    // HAProxy with `log stdout format raw`, fail2ban with `logtarget = STDOUT`
    docker('172.18.0.1:51234 [03/Dec/2026:10:00:00.123] http-in web/web1 0/0/1/2/3 200 615 - - ---- 1/1/0/0/0 0/0 "GET /admin HTTP/1.1"\n'),
    docker('2026-12-03 10:00:00,123 fail2ban.actions        [1]: NOTICE  [sshd] Ban 203.0.113.5\n'),
  ]);
  assert.deepEqual(evs.map((e) => e.f['event.dataset']), ['json', 'web.access', 'logfmt', 'container.log', 'haproxy.log', 'fail2ban.log']);
  assert.equal(evs[4].f['url.original'], '/admin');
  assert.equal(evs[5].f['event.action'], 'ban');
  assert.ok(evs.every((e) => e.status === 0));
  assert.equal(evs[0].f['@timestamp'], '2026-12-03T09:00:01.000Z', 'the JSON line\'s own exact time');
  assert.equal(evs[0].f['log.level'], 'error');
  // unrecognised output: a plain event, parsed, with the line as its message and the wrapper's time
  assert.equal(evs[3].f.message, 'Starting server...');
  assert.equal(evs[3].f['@timestamp'], '2026-12-03T10:00:09.500Z');
  assert.equal(evs[3].f.tags, undefined);
});

test('syslog-style output and sshd messages inside a container are read as in a syslog file', () => {
  const line = 'Dec  3 10:00:00 bastion sshd[41]: Failed password for root from 203.0.113.77 port 52144 ssh2';
  const f = only(cri(line, 'stderr'), { mtimeMs: Date.UTC(2026, 11, 4) });
  assert.equal(f['event.dataset'], 'system.auth');
  assert.equal(f['event.action'], 'ssh_login');
  assert.equal(f['event.outcome'], 'failure');
  assert.equal(f['source.ip'], '203.0.113.77');
  // the syslog header's time has no year and no zone: the wrapper's wins
  assert.equal(f['@timestamp'], '2026-12-03T10:00:02.537Z');
});

test('Docker pieces of a long line (no newline but the last) are joined and read as one line', () => {
  const long = `198.51.100.7 - - [03/Dec/2026:10:00:06 +0000] "GET /search?q=${'A'.repeat(20000)}%27%20UNION%20SELECT HTTP/1.1" 200 1024 "-" "sqlmap/1.7.2#stable"`;
  const pieces = [long.slice(0, 16384), long.slice(16384)];
  const { evs } = events([docker(pieces[0]), docker(pieces[1] + '\n'), docker(ACCESS + '\n')]);
  assert.equal(evs.length, 2);
  assert.equal(evs[0].f['event.dataset'], 'web.access');
  assert.equal(evs[0].f['user_agent.original'], 'sqlmap/1.7.2#stable');
  assert.ok((evs[0].f['url.original'] as string).endsWith('%27%20UNION%20SELECT'));
  assert.deepEqual(evs[0].at, { line: 1, offset: 0 }, 'the event is where its first piece is');
  assert.equal(evs[0].raw, long);
  assert.equal(evs[1].at.line, 3);
});

test('CRI partial lines (P ... F) are joined; the other stream between them closes the line as it stands', () => {
  const { evs } = events([
    cri('203.0.113.5 - - [03/Dec/2026:10:00:02 +0000] "GET /../', 'stdout', 'P'),
    cri('../etc/passwd HTTP/1.1" 400 157 ', 'stdout', 'P'),
    cri('"-" "curl/8.5.0"', 'stdout', 'F'),
    cri('first half of ', 'stdout', 'P'),
    cri(NGINX_ERROR, 'stderr', 'F'),
    cri('second half', 'stdout', 'F'),
  ]);
  assert.deepEqual(evs.map((e) => [e.at.line, e.f['event.dataset']]), [[1, 'web.access'], [4, 'container.log'], [5, 'nginx.error'], [6, 'container.log']]);
  assert.equal(evs[0].f['url.original'], '/../../etc/passwd');
  assert.equal(evs[1].f.message, 'first half of ');
  assert.equal(evs[3].f.message, 'second half');
});

test('held() keeps the resume point at the first piece until the line is whole; flush gives it at the end', () => {
  const p = container.create({ path: '-', tz: 'UTC', mtimeMs: 0 });
  assert.equal(p.parse(cri('part one ', 'stdout', 'P'), { line: 1, offset: 0 }), null);
  assert.equal(p.parse(cri('part two ', 'stdout', 'P'), { line: 2, offset: 70 }), null);
  assert.deepEqual(p.held?.(), { line: 1, offset: 0 });
  const done = p.parse(cri('end', 'stdout', 'F'), { line: 3, offset: 140 }) as ParsedEvent;
  assert.equal(done.fields.message, 'part one part two end');
  assert.deepEqual(done.span, { at: { line: 1, offset: 0 }, raw: 'part one part two end', lines: 3 });
  assert.equal(p.held?.(), undefined);

  assert.equal(p.parse(docker('cut off by the end of the file'), { line: 4, offset: 200 }), null);
  assert.deepEqual(p.held?.(), { line: 4, offset: 200 });
  const [last] = p.flush();
  assert.equal(last.fields.message, 'cut off by the end of the file');
  assert.deepEqual(last.span?.at, { line: 4, offset: 200 }, 'a flushed event says where it is');
  assert.equal(p.held?.(), undefined);
});

test('a joined line is cut at 1 MiB like any line, flagged truncated, and its remaining pieces stay in it', () => {
  const piece = 'x'.repeat(16 * 1024);
  const n = Math.ceil(MAX_LINE_BYTES / piece.length) + 3;
  const lines = [...Array.from({ length: n }, () => docker(piece)), docker('tail\n'), docker('next line\n')];
  const { evs } = events(lines);
  assert.equal(evs.length, 2);
  assert.equal((evs[0].f.message as string).length, MAX_LINE_BYTES);
  assert.deepEqual(evs[0].f.tags, ['truncated']);
  assert.equal(evs[1].f.message, 'next line');
  assert.equal(evs[1].at.line, n + 2);
});

test('the cut never splits a character', () => {
  const piece = 'é'.repeat(8 * 1024 + 1); // 16 KiB + 2 bytes
  // one byte first: the room left for the last piece is odd, in the middle of an é
  const lines = [docker('a'), ...Array.from({ length: 64 }, () => docker(piece)), docker('\n')];
  const msg = events(lines).evs[0].f.message as string;
  assert.ok(Buffer.byteLength(msg) <= MAX_LINE_BYTES);
  assert.ok(!msg.includes('\uFFFD'));
});

test('lines that are not container log lines are rejected with a reason', () => {
  const good = docker(ACCESS + '\n');
  const cases: [string, RegExp][] = [
    ['{"log":"GET / HTTP/1.1\\n","stream":"stdout","time":"2026-12-03T10:0', /^not a Docker json-file entry: not valid JSON$/],
    ['{"log":"x\\n","stream":"stdout","time":"2026-12-03T10:00:00Z","level":"info"}', /unexpected key "level"/],
    ['{"log":"x\\n","stream":"stdin","time":"2026-12-03T10:00:00Z"}', /"stream" is not stdout or stderr/],
    ['{"log":"x\\n","stream":"stdout","time":"03/Dec/2026"}', /"time" is not an RFC 3339 time/],
    ['{"log":7,"stream":"stdout","time":"2026-12-03T10:00:00Z"}', /no "log" text/],
    ['2026-12-03T10:00:00Z stdin F x', /^not a container log line/],
    ['2026-12-03 10:00:00 stdout F x', /^not a container log line/],
  ];
  for (const [line, why] of cases) {
    const { evs } = events([good, good, good, line], { format: 'container' });
    assert.equal(evs[3].status, 1, line);
    assert.match(evs[3].f['error.message'], why);
    assert.equal(evs[3].raw, line, 'a rejected line is kept as written');
  }
});

test('a rejected line closes an open long line first: it is stored where its pieces are, before the rejected one', () => {
  const { evs } = events([cri('piece one ', 'stdout', 'P'), cri('piece two', 'stdout', 'P'), 'garbage', cri('next')], { format: 'container' });
  assert.deepEqual(evs.map((e) => [e.at.line, e.status, e.raw]), [[1, 0, 'piece one piece two'], [3, 1, 'garbage'], [4, 0, 'next']]);
});

test('paths name the container and, under Kubernetes, its pod and namespace', () => {
  assert.deepEqual(pathFields(`/var/lib/docker/containers/${ID}/${ID}-json.log`), { 'container.id': ID });
  assert.deepEqual(pathFields(`evidence/${ID}-json.log.3`), { 'container.id': ID }, 'a rotated copy');
  assert.deepEqual(pathFields(`/var/log/containers/web-7d4b9c-x2x7q_shop_nginx-proxy-${ID}.log`), {
    'container.id': ID,
    'container.name': 'nginx-proxy',
    'orchestrator.type': 'kubernetes',
    'orchestrator.namespace': 'shop',
    'orchestrator.resource.type': 'pod',
    'orchestrator.resource.name': 'web-7d4b9c-x2x7q',
  });
  assert.deepEqual(pathFields('/var/log/pods/kube-system_coredns-5d78c9869d-4xq2b_6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b/coredns/2.log.20261203-101500.gz'), {
    'container.name': 'coredns',
    'orchestrator.type': 'kubernetes',
    'orchestrator.namespace': 'kube-system',
    'orchestrator.resource.type': 'pod',
    'orchestrator.resource.name': 'coredns-5d78c9869d-4xq2b',
    'orchestrator.resource.id': '6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b',
  });
  assert.deepEqual(pathFields('/var/log/nginx/access.log'), {});
  assert.deepEqual(pathFields(`/tmp/${ID.slice(1)}-json.log`), {}, 'not a full container id');

  const f = only(cri(ACCESS), { path: `/var/log/containers/web-1_shop_nginx-${ID}.log` });
  assert.equal(f['container.id'], ID);
  assert.equal(f['orchestrator.resource.name'], 'web-1');
  assert.equal(f['event.dataset'], 'web.access');
});

test('Docker attrs (--log-opt labels/env) are kept', () => {
  const f = only(docker(ACCESS + '\n', 'stdout', '2026-12-03T10:00:02Z', { tag: 'web', 'com.example.team': 'shop' }));
  assert.deepEqual(f['docker.attrs.com.example.team'], 'shop');
  assert.equal(f['event.dataset'], 'web.access');
});

test('detection: container logs win over json and access; other files are not container logs', () => {
  const best = (lines: string[]) => rankParsers(lines)[0].parser.name;
  assert.equal(best([docker(ACCESS + '\n'), docker(NGINX_ERROR + '\n', 'stderr')]), 'container');
  assert.equal(best([cri(ACCESS), cri(NGINX_ERROR, 'stderr')]), 'container');
  assert.equal(best([ACCESS]), 'access');
  // an application's JSON with the same keys and more is not Docker's
  assert.equal(best(['{"log":"x","stream":"stdout","time":"2026-12-03T10:00:00Z","level":"info"}']), 'json');
  assert.equal(best(['2026-12-03T10:00:00.123Z web01 sshd[1]: Accepted password for bob from 192.0.2.1 port 22 ssh2']), 'syslog');
});
