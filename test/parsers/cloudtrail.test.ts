/**
 * CloudTrail: golden files in every shape AWS and its tools write, the same events from each shape, the real ingest
 * of a gzip file and of a one-line file larger than the default line cap, and broken input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES, run, tmpDir } from '../helpers/cli.js';
import { query } from '../helpers/store.js';
import { cloudtrail } from '../../src/parsers/cloudtrail.js';
import { parseLines } from '../../src/parsers/run.js';
import { Status, type ParsedEvent } from '../../src/model/event.js';
import type { ParseResult } from '../../src/parsers/types.js';
import { ingest } from '../../src/ingest/ingest.js';
import { openDb } from '../../src/store/db.js';

const DIR = path.join(FIXTURES, 'cloudtrail');
const ctx = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2024, 0, 1) };
type Doc = Record<string, any>;

for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log')).sort()) {
  test(`golden: cloudtrail/${f}`, () => {
    checkGolden(path.join(DIR, f), { expectParser: 'cloudtrail' });
  });
}

const docsOf = (f: string) => parseLines(readLines(path.join(DIR, f))).events.map((e) => e.doc as Doc);

test('one-line Records, pretty-printed and NDJSON give the same events; event.original is the record, compact', () => {
  const one = docsOf('records-oneline.log');
  assert.equal(one.length, 9);
  assert.deepEqual(docsOf('records-pretty.log'), one);
  assert.deepEqual(docsOf('records-ndjson.log'), one);
  for (const d of one) assert.deepEqual(JSON.parse(d.event.original), d.aws.cloudtrail);
});

test('the fields: outcome, user, source, categorisation, and the whole record under aws.cloudtrail', () => {
  const [login, failed, root, stop, del, ingress, key, assume, denied] = docsOf('records-oneline.log');
  assert.deepEqual([login.event.action, login.event.outcome, login.event.category, login.user.name], ['ConsoleLogin', 'success', ['authentication'], 'dev-alice']);
  assert.equal(login.aws.cloudtrail.additionalEventData.MFAUsed, 'No');
  assert.equal(login['@timestamp'], '2024-03-02T09:41:07.000Z');
  assert.deepEqual([failed.event.outcome, failed.source.ip, failed.user.name], ['failure', '198.51.100.77', 'dev-alice']);
  assert.equal(root.user.name, 'root');
  assert.equal(root.user.id, '210987654321');
  assert.deepEqual([stop.event.action, stop.event.provider, stop.event.category, stop.user.name], ['StopLogging', 'cloudtrail.amazonaws.com', ['api', 'configuration'], 'mallory']);
  assert.deepEqual([stop.cloud.region, stop.cloud.account.id], ['eu-west-1', '210987654321']);
  assert.deepEqual(del.event.type, ['deletion']);
  assert.equal(ingress.aws.cloudtrail.requestParameters.ipPermissions.items[0].ipRanges.items[0].cidrIp, '0.0.0.0/0');
  assert.deepEqual(ingress.event.category, ['api', 'network', 'configuration']);
  assert.deepEqual([key.event.category, key.event.type, key.user.target.name], [['api', 'iam'], ['creation', 'user'], 'svc-backup']);
  assert.equal(assume.source.ip, undefined);
  assert.deepEqual([assume.source.address, assume.source.domain], ['ec2.amazonaws.com', 'ec2.amazonaws.com']);
  assert.equal(assume.user, undefined, 'an AWS service is not a user');
  assert.deepEqual(assume.event.category, ['authentication']);
  assert.deepEqual([denied.event.outcome, denied.event.type, denied.aws.cloudtrail.errorCode], ['failure', ['access', 'user', 'denied'], 'AccessDenied']);
  assert.equal(denied.error, undefined, 'errorCode and errorMessage stay inside aws.cloudtrail');
});

test('aws cloudtrail lookup-events output: the records inside CloudTrailEvent strings', () => {
  const [failed, stop] = docsOf('lookup-events.log');
  assert.deepEqual([failed.event.action, failed.event.outcome], ['ConsoleLogin', 'failure']);
  assert.equal(stop.event.action, 'StopLogging');
  assert.deepEqual(stop.aws.cloudtrail, docsOf('records-oneline.log')[3].aws.cloudtrail);
});

function feed(lines: string[]) {
  const p = cloudtrail.create(ctx);
  const out: { res: ParseResult; held: number | undefined }[] = [];
  lines.forEach((line, i) => {
    const res = p.parse(line, { line: i + 1, offset: 0 });
    out.push({ res, held: p.held!()?.line });
  });
  return { out, flushed: p.flush(), held: p.held!() };
}

test('a pretty-printed document is held from its first line until it closes; its events span all its lines', () => {
  const lines = readLines(path.join(DIR, 'records-pretty.log'));
  const { out, flushed } = feed(lines);
  out.slice(0, -1).forEach((o, i) => {
    assert.equal(o.res, null, `line ${i + 1} absorbed`);
    assert.equal(o.held, 1, `held() after line ${i + 1}`);
  });
  const last = out[out.length - 1];
  assert.equal(last.held, undefined);
  const events = last.res as ParsedEvent[];
  assert.equal(events.length, 9);
  for (const ev of events) assert.deepEqual([ev.span?.at.line, ev.span?.lines], [1, lines.length]);
  assert.deepEqual(flushed, []);
});

test('broken input: rejection reasons for single lines, visible error events for broken documents, no throws', () => {
  const p = cloudtrail.create(ctx);
  const at = { line: 1, offset: 0 };
  const one = fs.readFileSync(path.join(DIR, 'records-oneline.log'), 'utf8').trim();
  assert.equal(p.parse(one.slice(0, 5000), at), 'invalid or truncated JSON');
  assert.equal(p.parse('Mar  2 10:00:00 host sshd[1]: hello', at), 'not a JSON document');
  assert.match(p.parse('{"level":"info","msg":"not cloudtrail"}', at) as string, /not a CloudTrail record/);
  assert.match(p.parse('{"eventName":5,"eventSource":"iam.amazonaws.com"}', at) as string, /not a CloudTrail record/);
  assert.equal(p.parse('{"Records":[]}', at), 'a CloudTrail document without records');

  // unexpected types inside a record: taken, with what can be read
  const odd = p.parse('{"eventName":"X","eventSource":"y.amazonaws.com","eventTime":12,"userIdentity":"z","sourceIPAddress":7,"responseElements":[]}', at) as ParsedEvent;
  assert.equal(odd.ts, undefined);
  assert.equal(odd.fields['event.action'], 'X');
  assert.equal(odd.fields['user.name'], undefined);
  assert.equal(odd.fields['source.ip'], undefined);

  // elements of a Records array that are not records stay visible, stored as unparsed with the reason
  const mixed = p.parse('{"Records":[1,null,{"eventName":"GetCallerIdentity","eventSource":"sts.amazonaws.com"}]}', at) as ParsedEvent[];
  assert.deepEqual(mixed.map((e) => (e.unparsed ? 'unparsed' : e.fields['event.action'])), ['unparsed', 'unparsed', 'GetCallerIdentity']);
  assert.deepEqual(mixed.map((e) => e.span?.raw), ['1', 'null', '{"eventName":"GetCallerIdentity","eventSource":"sts.amazonaws.com"}']);

  // a pretty-printed document cut short by the end of the input
  const pretty = readLines(path.join(DIR, 'records-pretty.log'));
  const cut = feed(pretty.slice(0, 40));
  assert.equal(cut.held, undefined);
  assert.equal(cut.flushed.length, 1);
  assert.equal(cut.flushed[0].unparsed, 'truncated JSON document (the input ended inside it)');
  assert.deepEqual([cut.flushed[0].span?.at.line, cut.flushed[0].span?.lines], [1, 40]);

  // ... or by another document starting at the left margin
  const two = feed([...pretty.slice(0, 40), ...pretty]);
  const broken = two.out[40].res as ParsedEvent;
  assert.equal(broken.unparsed, 'truncated JSON document');
  assert.equal(broken.span?.lines, 40);
  assert.equal(two.out[40].held, 41);
  assert.equal((two.out[two.out.length - 1].res as ParsedEvent[]).length, 9);
});

test('random mutations of records never throw', () => {
  const lines = readLines(path.join(DIR, 'records-ndjson.log'));
  let seed = 11;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const chars = '{}[]",:\\ 0aZ\u0000é';
  const p = cloudtrail.create(ctx);
  for (let i = 0; i < 2000; i++) {
    const base = lines[rand(lines.length)];
    const at = rand(base.length);
    const line = rand(3) === 0 ? base.slice(0, at) : base.slice(0, at) + chars[rand(chars.length)] + base.slice(at + rand(4));
    p.parse(line, { line: i + 1, offset: 0 });
  }
  p.flush();
});

test('detection: CloudTrail in any shape, not other JSON; a stream that starts with a Records document is split', () => {
  assert.equal(cloudtrail.detect(readLines(path.join(DIR, 'records-pretty.log')).slice(0, 200)), 1);
  assert.equal(cloudtrail.detect(readLines(path.join(DIR, 'records-ndjson.log'))), 1);
  assert.equal(cloudtrail.detect(['{"time":"2024-01-01T00:00:00Z","level":"info","msg":"x"}', '{"a":1}']), 0);
  assert.equal(cloudtrail.detect(['{', '  "level": "info",', '  "msg": "x"', '}']), 0);
  assert.equal(cloudtrail.splitsRecords!('{"Records":[{"eventVersion":"1.09"'), true);
  assert.equal(cloudtrail.splitsRecords!(' \n{\n    "Records": ['), true);
  assert.equal(cloudtrail.splitsRecords!('{"eventVersion":"1.09"}'), false);
});

test('ingest: a .json.gz as delivered to S3 (one line, no newline at the end)', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const res = run(['--db', db, 'ingest', path.join(DIR, 'records-oneline.json.gz')]);
  assert.equal(res.code, 0, res.stderr);
  const rows = query<{ line: number; status: number; dataset: string; event_action: string; event_outcome: string; raw: string }>(
    db,
    'SELECT line, status, dataset, event_action, event_outcome, raw FROM events ORDER BY id',
  );
  const want = docsOf('records-oneline.log');
  assert.deepEqual(
    rows.map((r) => [r.line, r.status, r.dataset, r.event_action, r.event_outcome, r.raw]),
    want.map((d) => [1, Status.PARSED, 'aws.cloudtrail', d.event.action, d.event.outcome, d.event.original]),
  );
});

test('ingest: a one-line Records file larger than the default 1 MiB line cap is read whole', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const record = JSON.parse(readLines(path.join(DIR, 'records-ndjson.log'))[3]);
  const records = Array.from({ length: 3000 }, (_, i) => ({ ...record, eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
  const body = JSON.stringify({ Records: records });
  assert.ok(body.length > 2 * 1024 * 1024);
  const file = path.join(dir, 'big.json.gz');
  fs.writeFileSync(file, zlib.gzipSync(body));
  const res = run(['--db', db, 'ingest', file]);
  assert.equal(res.code, 0, res.stderr);
  const [row] = query<{ n: number; parsed: number; ids: number }>(
    db,
    "SELECT count(*) AS n, sum(status = 0) AS parsed, count(DISTINCT json_extract(extra, '$.\"event.id\"')) AS ids FROM events",
  );
  assert.deepEqual(row, { n: 3000, parsed: 3000, ids: 3000 });
});

/** Each stored row of a file: where it says it is, and what it holds. */
function storedRows(db: string) {
  return query<{ line: number; offset: number; status: number; flags: number; raw: string; msg: string | null }>(
    db,
    "SELECT line, offset, status, flags, raw, json_extract(extra, '$.\"error.message\"') AS msg FROM events ORDER BY id",
  );
}

test('ingest: one-line and pretty-printed documents are split record by record into the same events as before', () => {
  for (const f of ['records-oneline.log', 'records-pretty.log']) {
    const db = path.join(tmpDir(), 'store.db');
    const file = path.join(DIR, f);
    const res = run(['--db', db, 'ingest', file]);
    assert.equal(res.code, 0, res.stderr);
    const rows = storedRows(db);
    assert.deepEqual(rows.map((r) => [r.status, r.raw]), docsOf(f).map((d) => [Status.PARSED, d.event.original]), f);
    // each record's line and offset are where the record itself starts in the file
    const bytes = fs.readFileSync(file);
    for (const r of rows) {
      assert.equal(bytes[r.offset], 0x7b, `${f}: a record starts at byte ${r.offset}`);
      assert.equal(bytes.subarray(0, r.offset).toString().split('\n').length, r.line, `${f}: line of byte ${r.offset}`);
    }
    if (f === 'records-oneline.log') assert.ok(rows.every((r) => r.line === 1));
    else assert.deepEqual(rows.map((r) => r.line).slice(0, 3), [3, 39, 71]);
  }
});

test('ingest: a document cut short keeps every record before the damage, and names the file, byte and line (exit 2)', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const whole = fs.readFileSync(path.join(DIR, 'records-oneline.log'), 'utf8').trim();
  const records = docsOf('records-oneline.log').map((d) => d.event.original as string);
  const cutAt = whole.indexOf(records[6]) + 100;
  const file = path.join(dir, 'cut.json');
  fs.writeFileSync(file, whole.slice(0, cutAt));
  const res = run(['--db', db, 'ingest', file]);
  assert.equal(res.code, 2, res.stderr);
  assert.ok(res.stderr.includes(`${file}: CloudTrail document from line 1 (byte 0) is cut short at byte ${cutAt} (line 1), the input ends inside it: 6 complete records stored`), res.stderr);
  const rows = storedRows(db);
  assert.deepEqual(rows.slice(0, 6).map((r) => [r.status, r.raw]), records.slice(0, 6).map((r) => [Status.PARSED, r]));
  assert.deepEqual(rows.slice(6).map((r) => [r.status, r.raw, r.msg]), [[Status.UNPARSED, records[6].slice(0, 100), 'invalid or truncated JSON']]);
});

test('ingest: a record over the 1 MiB cap is stored cut, tagged and unparsed; the records around it are not', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'store.db');
  const [a, b] = docsOf('records-oneline.log').map((d) => d.event.original as string);
  const big = a.replace('"eventVersion":"1.09"', `"eventVersion":"1.09","padding":"${'x'.repeat(2 * 1024 * 1024)}"`);
  const file = path.join(dir, 'big-record.json');
  fs.writeFileSync(file, `{"Records":[${a},${big},${b}]}`);
  const res = run(['--db', db, 'ingest', file]);
  assert.equal(res.code, 0, res.stderr);
  const rows = storedRows(db);
  assert.deepEqual(rows.map((r) => [r.status, r.flags & 2, r.raw.length]), [[Status.PARSED, 0, a.length], [Status.UNPARSED, 2, 1024 * 1024], [Status.PARSED, 0, b.length]]);
  assert.equal(rows[1].msg, 'invalid or truncated JSON');
});

test('ingest: stopped in the middle of a large document, a re-run stores the rest once', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'big.json');
  const record = JSON.parse(readLines(path.join(DIR, 'records-ndjson.log'))[3]);
  const N = 6000;
  const records = Array.from({ length: N }, (_, i) => ({ ...record, eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
  fs.writeFileSync(file, JSON.stringify({ Records: records }));
  const dbFile = path.join(dir, 'store.db');
  let chunks = 0;
  const db = openDb(dbFile);
  const first = await ingest(db, { inputs: [file], tz: 'UTC', batchRows: 500, interrupted: () => ++chunks > 2 });
  assert.equal(first.interrupted, true);
  assert.ok(first.events_stored > 0 && first.events_stored < N, `stored ${first.events_stored} before the stop`);
  const second = await ingest(db, { inputs: [file], tz: 'UTC' });
  db.close();
  assert.equal(second.sources[0].status, 'resumed');
  assert.ok(second.sources[0].from! > 0, 'read on from inside the document');
  assert.equal(second.failed, false, second.warnings.join('\n'));
  const [row] = query<{ n: number; parsed: number; ids: number }>(
    dbFile,
    "SELECT count(*) AS n, sum(status = 0) AS parsed, count(DISTINCT json_extract(extra, '$.\"event.id\"')) AS ids FROM events",
  );
  assert.deepEqual(row, { n: N, parsed: N, ids: N });
});
