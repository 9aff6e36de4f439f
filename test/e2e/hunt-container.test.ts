/**
 * hunt over container runtime logs (Docker json-file, Kubernetes CRI): the lines inside give the findings the same
 * lines give in the servers' own files, the events name their container, and a long line cut into pieces by the
 * runtime is one event, also when its pieces arrive in two runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { readLines } from '../helpers/golden.js';

type Finding = Record<string, any>;

const ID = 'a3f5c8e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6';
const POD_UID = '6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const DOCKER = path.join(FIXTURES, 'container', 'docker-nginx.log');
const CRI = path.join(FIXTURES, 'container', 'cri-httpd.log');

/** The fixtures where the runtimes keep them, so the path names the container. */
function placed(dir: string): { docker: string; cri: string } {
  const docker = path.join(dir, 'var/lib/docker/containers', ID, `${ID}-json.log`);
  const cri = path.join(dir, 'var/log/pods', `shop_httpd-6b8f7d9c5-k2v4m_${POD_UID}`, 'httpd', '0.log');
  for (const [from, to] of [[DOCKER, docker], [CRI, cri]]) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
  return { docker, cri };
}

/** What the containers wrote, stream by stream, pieces joined: read here without loghound's parser. */
function written(): { stream: string; line: string }[] {
  const out: { stream: string; line: string }[] = [];
  let held = '';
  for (const l of readLines(DOCKER)) {
    const e = JSON.parse(l);
    held += e.log;
    if (held.endsWith('\n')) {
      out.push({ stream: e.stream, line: held.slice(0, -1) });
      held = '';
    }
  }
  for (const l of readLines(CRI)) {
    const [, stream, tag, text] = /^\S+ (stdout|stderr) ([PF]) (.*)$/.exec(l)!;
    held += text;
    if (tag === 'F') {
      out.push({ stream, line: held });
      held = '';
    }
  }
  return out;
}

function hunt(db: string, files: string[]): Finding[] {
  const res = run(['--db', db, 'hunt', '--tz', 'UTC', '--json', ...files]);
  assert.equal(res.code, 0, res.stderr);
  return ndjsonLines(res.stdout);
}

function key(f: Finding): string {
  return JSON.stringify([f.rule.title, f['@timestamp'], f.count, f.group ?? {}]);
}

test('attacks in Docker and CRI container logs give the findings of the same lines in the servers\' own logs', () => {
  const dir = tmpDir();
  const { docker, cri } = placed(dir);
  // the native files: access lines as access.log holds them, error lines as error.log does
  const lines = written();
  const native: Record<string, string[]> = { 'access.log': [], 'nginx-error.log': [], 'apache-error.log': [] };
  for (const { stream, line } of lines) {
    if (/^\S+ - \S+ \[\d\d\/[A-Z][a-z]{2}\//.test(line)) native['access.log'].push(line);
    else if (stream === 'stderr' && /^\d{4}\/\d\d\/\d\d /.test(line)) native['nginx-error.log'].push(line);
    else if (stream === 'stderr' && /^\[[A-Z][a-z]{2} /.test(line)) native['apache-error.log'].push(line);
  }
  assert.deepEqual(Object.values(native).map((l) => l.length), [10, 5, 4]);
  const files = Object.entries(native).map(([name, l]) => {
    fs.writeFileSync(path.join(dir, name), l.join('\n') + '\n');
    return path.join(dir, name);
  });
  const fromNative = hunt(path.join(dir, 'native.db'), files);
  const fromContainers = hunt(path.join(dir, 'containers.db'), [docker, cri]);

  assert.deepEqual(fromContainers.map(key).sort(), fromNative.map(key).sort());
  const fired = (title: string, ip: string) => fromContainers.some((f) => f.rule.title.startsWith(title) && f.group?.source?.ip === ip);
  assert.ok(fired('Path traversal', '203.0.113.5'), 'Docker: ../../etc/passwd');
  assert.ok(fired('Attack tool or scanner user agent', '203.0.113.5'), 'Docker: Nikto');
  assert.ok(fired('Request for a sensitive file', '203.0.113.9'), 'Docker: /.env');
  // Docker's JSON writes < as \u003c: the keyword rule reads the unwrapped line
  assert.ok(fired('Command injection', '198.51.100.7'), 'Docker: <?php in the User-Agent');
  // the injection and sqlmap's name are in the second of the line's two 16 KiB pieces
  assert.ok(fired('SQL injection', '198.51.100.7'), 'Docker: a line in two pieces');
  assert.ok(fired('Attack tool or scanner user agent', '198.51.100.7'), 'Docker: sqlmap in the second piece');
  assert.ok(fired('Path traversal', '203.0.113.66'), 'CRI: CVE-2021-41773');
  assert.ok(fired('Command injection', '203.0.113.66'), 'CRI: /bin/sh');
  assert.ok(fired('Log4Shell', '203.0.113.70'), 'CRI: ${jndi: in the second piece of a P+F line');
  const sqli = fromContainers.find((f) => f.rule.title.startsWith('SQL injection'));
  assert.equal(sqli?.evidence.events[0].log.file.line, 14, 'the evidence is where the line\'s first piece is');
  assert.match(sqli?.evidence.events[0].event.original, /^198\.51\.100\.7 - - .*sqlmap/, 'the evidence is the line, joined');
});

test('container events name their container, pod and stream; every line is parsed', () => {
  const dir = tmpDir();
  const { docker, cri } = placed(dir);
  const db = path.join(dir, 'x.db');
  const ing = run(['--db', db, 'ingest', '--tz', 'UTC', docker, cri]);
  assert.equal(ing.code, 0, ing.stderr);
  assert.match(ing.stdout, /stored 27 events: 27 parsed, 0 unparsed/);
  const sql = (q: string) => {
    const res = run(['--db', db, 'sql', '--json', q]);
    assert.equal(res.code, 0, res.stderr);
    return ndjsonLines(res.stdout);
  };
  const docs = sql(`select dataset, json_extract(extra, '$."container.id"') id, json_extract(extra, '$.stream') stream, count(*) n from events
    where source_id = (select id from sources where path like '%-json.log') group by 1, 2, 3 order by 1, 3`);
  assert.deepEqual(docs, [
    { dataset: 'container.log', id: ID, stream: 'stdout', n: 4 },
    { dataset: 'nginx.error', id: ID, stream: 'stderr', n: 5 },
    { dataset: 'web.access', id: ID, stream: 'stdout', n: 7 },
  ]);
  const search = run(['--db', db, 'search', '--json', 'orchestrator.resource.name:httpd-6b8f7d9c5-k2v4m and stream:stderr and event.dataset:apache.error']);
  assert.equal(search.code, 0, search.stderr);
  const errs = ndjsonLines(search.stdout);
  assert.equal(errs.length, 4);
  for (const e of errs) {
    assert.equal(e.orchestrator.namespace, 'shop');
    assert.equal(e.orchestrator.type, 'kubernetes');
    assert.equal(e.orchestrator.resource.id, POD_UID);
    assert.equal(e.container.name, 'httpd');
  }
});

test('a long line whose last piece arrives in a later run is stored once, whole', () => {
  const dir = tmpDir();
  const file = path.join(dir, `${ID}-json.log`);
  const lines = readLines(DOCKER);
  // line 14 is the first piece of the long request, line 15 its last
  fs.writeFileSync(file, lines.slice(0, 14).join('\n') + '\n');
  const db = path.join(dir, 'x.db');
  const first = run(['--db', db, 'ingest', '--tz', 'UTC', file]);
  assert.equal(first.code, 0, first.stderr);
  fs.appendFileSync(file, lines.slice(14).join('\n') + '\n');
  const second = run(['--db', db, 'ingest', '--tz', 'UTC', file]);
  assert.equal(second.code, 0, second.stderr);
  const res = run(['--db', db, 'sql', '--json', `select line, dataset, url_original like '%UNION%' joined from events where line >= 14 order by line`]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(ndjsonLines(res.stdout), [
    { line: 14, dataset: 'web.access', joined: 1 },
    { line: 16, dataset: 'web.access', joined: 0 },
    { line: 17, dataset: 'nginx.error', joined: 0 },
  ]);
});
