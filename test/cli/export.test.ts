import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ENTRY, FIXTURES, run, start, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { makeFifo, readFifo } from '../helpers/fifo.js';
import { buildLargeStore, buildStore, loadStory, matchGolden } from './investigate-store.js';

let dir: string;
let store: string;
const exp = (...args: string[]) => run(['--db', store, 'export', '--events', ...args]);

before(() => {
  dir = tmpDir();
  store = path.join(dir, 'story.db');
  buildStore(store, loadStory());
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('NDJSON, CSV and the bulk body match their golden files', () => {
  for (const [name, args] of [
    ['export-story.ndjson', []],
    ['export-story.csv', ['--format', 'csv']],
    ['export-auth.bulk.ndjson', ['--format', 'ecs-bulk', '--query', 'event.dataset:system.auth', '--index', 'case-42']],
  ] as [string, string[]][]) {
    const r = exp(...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    matchGolden(name, r.stdout);
  }
});

test('ecs-bulk: create actions with ids that are unique and survive a rebuilt store', () => {
  const lines = ndjsonLines(exp('--format', 'ecs-bulk').stdout);
  assert.equal(lines.length, 42);
  const actions = lines.filter((_, i) => i % 2 === 0);
  const docs = lines.filter((_, i) => i % 2 === 1);
  assert.ok(actions.every((a) => Object.keys(a).join() === 'create' && a.create._index === 'loghound-events'));
  assert.ok(docs.every((d) => typeof d['@timestamp'] === 'string'));
  const ids = actions.map((a) => a.create._id as string);
  assert.equal(new Set(ids).size, ids.length);
  // the same files ingested in another order: other event ids, the same bulk ids
  const other = path.join(dir, 'rebuilt.db');
  buildStore(other, [...loadStory()].sort((x, y) => (x.path < y.path ? 1 : x.path > y.path ? -1 : 0)));
  const again = ndjsonLines(run(['--db', other, 'export', '--events', '--format', 'ecs-bulk']).stdout);
  const byOriginal = (ls: Record<string, any>[]) =>
    new Map(ls.filter((_, i) => i % 2 === 1).map((d, i) => [d.event.original, ls[2 * i].create._id]));
  const a = byOriginal(lines);
  const b = byOriginal(again);
  assert.notDeepEqual(docs.map((d) => d.loghound.event_id), ndjsonLines(run(['--db', other, 'export', '--events']).stdout).map((d) => d.loghound.event_id));
  for (const [raw, id] of a) assert.equal(b.get(raw), id, raw);
});

/** The names Elasticsearch refuses in a document: an empty or blank name part anywhere, a metadata name on top. */
function esRefusedNames(doc: unknown, top = true, at = ''): string[] {
  if (Array.isArray(doc)) return doc.flatMap((v) => esRefusedNames(v, false, at));
  if (doc === null || typeof doc !== 'object') return [];
  return Object.entries(doc).flatMap(([k, v]) => [
    ...(k.split('.').some((part) => part.trim() === '') || (top && ['_id', '_index', '_source', '_routing', '_version'].includes(k)) ? [at + k] : []),
    ...esRefusedNames(v, false, `${at}${k}.`),
  ]);
}

test('ecs-bulk: names from logs that Elasticsearch refuses are renamed, keeping their values; NDJSON keeps them', () => {
  const own = path.join(dir, 'names.db');
  // an ECS-shaped JSON line keeps its own names at the top; a JSON log's keys go under json.*
  buildStore(own, [
    {
      ts: '2026-11-14T03:00:00Z',
      dataset: 'json',
      path: '/var/log/app.json',
      raw: '{"@timestamp":"2026-11-14T03:00:00Z","source":{"ip":"203.0.113.7"},"_id":"6553f1","_index":"app","a.":"trail",".b":"lead"}',
      fields: { 'source.ip': '203.0.113.7', _id: '6553f1', _index: 'app', 'a.': 'trail', '.b': 'lead' },
    },
    {
      ts: '2026-11-14T03:00:01Z',
      dataset: 'json',
      path: '/var/log/app.json',
      raw: '{"time":"2026-11-14T03:00:01Z","":"empty","_":"underscore","c..d":"double"," ":"blank"}',
      fields: { 'json._': 'underscore', 'json.': 'empty', 'json.c..d': 'double', 'json. ': 'blank' },
    },
  ]);
  const bulk = ndjsonLines(run(['--db', own, 'export', '--events', '--format', 'ecs-bulk']).stdout);
  const docs = bulk.filter((_, i) => i % 2 === 1);
  assert.equal(docs.length, 2);
  for (const d of docs) assert.deepEqual(esRefusedNames(d), [], JSON.stringify(d));
  assert.deepEqual(docs[0].loghound.renamed, { _id: '6553f1', _index: 'app' });
  assert.deepEqual(docs[0].a, { _: 'trail' });
  assert.deepEqual(docs[0]._, { b: 'lead' });
  assert.equal(docs[0].source.ip, '203.0.113.7');
  // "_" is the log's own key, so the empty name that would also become "_" takes the next free name
  assert.deepEqual(docs[1].json, { _: 'underscore', __: 'empty', c: { _: { d: 'double' } }, ___: 'blank' });
  // NDJSON is the event JSON of every --json, with the log's names as they are
  const ndjson = ndjsonLines(run(['--db', own, 'export', '--events']).stdout);
  assert.equal(ndjson[0]._id, '6553f1');
  assert.deepEqual(ndjson[0].a, { '': 'trail' });
});

test('a log key that is a value and a parent: search --json, export and ecs-bulk keep both values; search finds each', () => {
  const own = path.join(dir, 'parent.db');
  const log = path.join(dir, 'parent.log');
  fs.writeFileSync(log, 'ts=2026-11-14T03:00:00Z msg=first a=2 a.b=1\nts=2026-11-14T03:00:01Z msg=second a.b=3 a=4\n');
  assert.equal(run(['--db', own, 'ingest', log]).code, 0);
  const found = ndjsonLines(run(['--db', own, 'search', '--json', '*']).stdout);
  assert.deepEqual(found.map((d) => d.logfmt), [{ a: '2', 'a.b': '1' }, { 'a.b': '3', a: '4' }]);
  assert.deepEqual(ndjsonLines(run(['--db', own, 'export', '--events']).stdout), found);
  // Elasticsearch would expand "a.b" into the object a, which already holds a value: the bulk key has no dots
  const bulk = ndjsonLines(run(['--db', own, 'export', '--events', '--format', 'ecs-bulk']).stdout).filter((_, i) => i % 2 === 1);
  assert.deepEqual(bulk.map((d) => d.logfmt), [{ a: '2', a_b: '1' }, { a_b: '3', a: '4' }]);
  for (const [query, message] of [['logfmt.a.b:3', 'second'], ['logfmt.a:2', 'first']]) {
    assert.deepEqual(ndjsonLines(run(['--db', own, 'search', '--json', query]).stdout).map((d) => d.message), [message], query);
  }
});

test('--out writes a private file through a temp name, and the same bytes as stdout', () => {
  const file = path.join(dir, 'out.ndjson');
  fs.writeFileSync(file, 'old contents\n');
  const r = exp('--out', file, '--since', '2026-11-14T03:03', '--until', '2026-11-14T03:04');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /exported 3 events to/);
  assert.equal(fs.readFileSync(file, 'utf8'), exp('--since', '2026-11-14T03:03', '--until', '2026-11-14T03:04').stdout);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  const missing = exp('--out', path.join(dir, 'no/such/dir/x.ndjson'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot write/);
});

test('--query on a name Object.prototype has exports nothing instead of failing', () => {
  for (const q of ['toString:1', 'constructor:*', '__proto__:1']) {
    const r = exp('--query', q);
    assert.equal(r.code, 0, `${q}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
});

test('--out to a FIFO streams into it and leaves it a FIFO; a symlink is written through, not replaced', async () => {
  const fifo = makeFifo('events.fifo');
  const r = await readFifo(fifo, () => start(['--db', store, 'export', '--events', '--out', fifo]));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.text, exp().stdout);
  assert.ok(fs.lstatSync(fifo).isFIFO(), 'the FIFO is still there');
  assert.deepEqual(fs.readdirSync(path.dirname(fifo)), ['events.fifo'], 'no temp file');

  const target = path.join(dir, 'target.ndjson');
  const link = path.join(dir, 'link.ndjson');
  fs.writeFileSync(target, 'old\n');
  fs.symlinkSync(target, link);
  assert.equal(exp('--out', link).code, 0);
  assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.equal(fs.readFileSync(target, 'utf8'), exp().stdout);
});

test('--out /dev/stdout into a pipe closed early (| head) is a normal end: exit 0, no error', () => {
  // output larger than a pipe holds, so the writer meets the closed pipe
  const demo = path.join(dir, 'demo.db');
  assert.equal(run(['--db', demo, 'hunt', path.join(FIXTURES, 'demo')]).code, 0);
  for (const args of [['export', '--events'], ['export', '--findings'], ['report']]) {
    const cmd = `"${process.execPath}" "${ENTRY}" --db "${demo}" ${args.join(' ')} --out /dev/stdout | head -c 100 >/dev/null; echo "$\{PIPESTATUS[0]}"`;
    const res = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(res.stdout.trim(), '0', `${args.join(' ')}: ${res.stderr}`);
    assert.doesNotMatch(res.stderr, /error|EPIPE/, args.join(' '));
  }
});

test('--out never names the store: export and report refuse it (a typo would replace the evidence), under any name', () => {
  const own = path.join(dir, 'guarded.db');
  buildStore(own, loadStory());
  const before = fs.readFileSync(own);
  const link = path.join(dir, 'guarded-link.db');
  fs.symlinkSync(own, link);
  const hard = path.join(dir, 'guarded-hard.db');
  fs.linkSync(own, hard);
  const relative = path.relative(process.cwd(), own);
  for (const target of [own, link, hard, relative]) {
    for (const args of [['export', '--events'], ['export', '--findings', '--format', 'csv'], ['report']]) {
      const r = run(['--db', own, ...args, '--out', target]);
      assert.equal(r.code, 2, `${args.join(' ')} --out ${target}: ${r.stderr}`);
      assert.match(r.stderr, /^error: --out .* is the store/, `${args.join(' ')} --out ${target}`);
      assert.equal(r.stdout, '');
    }
  }
  assert.ok(fs.readFileSync(own).equals(before), 'the store is byte for byte as it was');
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(run(['--db', own, 'sql', 'SELECT count(*) AS n FROM events', '--json']).stdout, '{"n":21}\n');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');
});

test('bad flags are usage errors', () => {
  assert.match(run(['--db', store, 'export']).stderr, /--events/);
  for (const args of [['--format', 'xml'], ['--index', 'x'], ['--format', 'ecs-bulk', '--index', 'Bad Name'], ['--query', 'a:']]) {
    const r = exp(...args);
    assert.equal(r.code, 2, args.join(' '));
  }
});

/** Peak resident memory of a running child, from /proc (Linux); the last sample before exit is the peak. */
function watchPeak(pid: number): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // the child has exited
    }
  };
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

test('a million-event export streams with flat memory', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const big = path.join(dir, 'big.db');
  const N = 1_000_000;
  buildLargeStore(big, N);
  const out = path.join(dir, 'big.bulk.ndjson');
  const child = start(['--db', big, 'export', '--events', '--format', 'ecs-bulk', '--out', out]);
  const watch = watchPeak(child.pid!);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const peak = watch.stop();
  assert.equal(code, 0, stderr);
  assert.ok(peak > 0, 'no memory sample was taken');
  // the store is ~300 MB and the export ~600 MB: a run that held either would be far past this
  assert.ok(peak < 300 * 1024 * 1024, `peak RSS ${(peak / 1048576).toFixed(0)} MB`);
  let lines = 0;
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(out)
      .on('data', (chunk: Buffer | string) => {
        for (const b of chunk as Buffer) if (b === 10) lines++;
      })
      .on('end', resolve)
      .on('error', reject);
  });
  assert.equal(lines, 2 * N);
});
