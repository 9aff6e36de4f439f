/**
 * journalctl -o export: entries framed at the byte level (binary values hold newlines and any byte), each handed on
 * as the JSON object journalctl -o json prints for it, so both forms give the same events; damage and a cut last
 * entry never cost the entries around them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { JournalExportFramer, isJournalExport } from '../../src/ingest/journal-export.js';
import { EventFlag } from '../../src/model/event.js';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { readLines } from '../helpers/golden.js';
import { exportEntry, exportOf } from '../helpers/journal-export.js';
import { query } from '../helpers/store.js';

type Unit = { text: string; line: number; off: number; flags: number; damage?: string };

function frame(bytes: Buffer, opts: { chunk?: number; start?: number; lines?: number; max?: number } = {}) {
  const units: Unit[] = [];
  const damage: string[] = [];
  const f = new JournalExportFramer(
    opts.start ?? 0,
    opts.lines ?? 0,
    (text, line, off, flags, why) => units.push({ text, line, off, flags, ...(why ? { damage: why } : {}) }),
    (d) => damage.push(d),
    opts.max,
  );
  const size = opts.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += size) f.push(bytes.subarray(i, i + size));
  const pending = f.pending;
  const resume = { off: f.pendingStart, lines: f.lineNo };
  f.end();
  return { units, damage, pending, resume };
}

const base = (n: number, rest: Record<string, unknown>) => ({
  __CURSOR: `s=5f0c;i=${n};b=9a1e;m=${n};t=6603;x=${n}`,
  __REALTIME_TIMESTAMP: String(1794626400000000 + n * 1_000_000),
  __MONOTONIC_TIMESTAMP: String(86400000000 + n),
  _BOOT_ID: '9a1e0c3b6d2f4e8a7b5c1d0e2f3a4b5c',
  _HOSTNAME: 'bastion',
  ...rest,
});

/** As journalctl -o json prints them: a value with a newline is a string, one that is not UTF-8 its bytes. */
const ENTRIES = [
  base(1, { _TRANSPORT: 'stdout', SYSLOG_IDENTIFIER: 'backup', _PID: '901', PRIORITY: '3', MESSAGE: 'tar: /srv/data: Cannot stat\nbackup failed' }),
  base(2, { _TRANSPORT: 'syslog', SYSLOG_IDENTIFIER: 'sshd', _PID: '4101', PRIORITY: '6', SYSLOG_FACILITY: '4', _SELINUX_CONTEXT: 'unconfined\n', _SYSTEMD_UNIT: 'ssh.service', MESSAGE: 'Failed password for root from 203.0.113.77 port 50122 ssh2' }),
  base(3, { _TRANSPORT: 'syslog', SYSLOG_IDENTIFIER: 'sshd', _PID: '4102', PRIORITY: '6', SYSLOG_FACILITY: '4', _SELINUX_CONTEXT: 'unconfined\n', _SYSTEMD_UNIT: 'ssh.service', MESSAGE: 'Accepted publickey for alice from 198.51.100.4 port 40022 ssh2: ED25519 SHA256:abc' }),
  base(4, { _TRANSPORT: 'journal', SYSLOG_IDENTIFIER: 'app', PRIORITY: '4', TAG: ['a', 'b'], MESSAGE: [0x62, 0x61, 0x64, 0xff, 0x20, 0x75, 0x73, 0x65, 0x72] }),
];
const JSON_LINES = ENTRIES.map((e) => JSON.stringify(e));
const EXPORT = exportOf(JSON_LINES);

test('the export starts with __CURSOR= and holds binary values (the test input is what journalctl writes)', () => {
  assert.ok(isJournalExport(EXPORT));
  assert.ok(!isJournalExport(Buffer.from(JSON_LINES[0])));
  const text = EXPORT.toString('latin1');
  assert.ok(text.includes('MESSAGE\n'), 'the multi-line MESSAGE is a binary field');
  assert.ok(text.includes('_SELINUX_CONTEXT\n\x0b\x00\x00\x00\x00\x00\x00\x00unconfined\n\n'), 'so is _SELINUX_CONTEXT');
  assert.ok(text.includes('MESSAGE=Failed password for root'), 'a one-line value is text');
});

test('each entry is handed on as its -o json object, numbered, at its byte offset, in any chunking', () => {
  const starts = [0];
  for (const l of JSON_LINES.slice(0, -1)) starts.push(starts.at(-1)! + exportEntry(JSON.parse(l)).length);
  for (const chunk of [EXPORT.length, 1, 3, 8, 9, 100]) {
    const { units, damage, pending } = frame(EXPORT, { chunk });
    assert.deepEqual(damage, []);
    assert.equal(pending, false);
    assert.deepEqual(units.map((u) => JSON.parse(u.text)), ENTRIES, `chunks of ${chunk}`);
    assert.deepEqual(units.map((u) => [u.line, u.off, u.flags]), starts.map((off, i) => [i + 1, off, 0]));
  }
});

test('a cut last entry is pending at its start, handed on unparsed; resuming there reads it whole', () => {
  const cutAt = EXPORT.length - 20;
  const lastStart = EXPORT.length - exportEntry(ENTRIES[3]).length;
  const { units, pending, resume } = frame(EXPORT.subarray(0, cutAt), { chunk: 7 });
  assert.equal(pending, true);
  assert.deepEqual(resume, { off: lastStart, lines: 3 });
  assert.equal(units.length, 4);
  assert.match(units[3].damage ?? '', new RegExp(`cut short at byte ${cutAt} by the end of the input`));
  const rest = frame(EXPORT.subarray(lastStart), { start: lastStart, lines: 3 });
  assert.deepEqual(rest.units.map((u) => [u.line, u.off, JSON.parse(u.text)]), [[4, lastStart, ENTRIES[3]]]);
  // inside a binary length, and inside a binary value
  const inLength = EXPORT.indexOf('MESSAGE\n') + 10;
  assert.match(frame(EXPORT.subarray(0, inLength)).units[0].damage ?? '', /in the length of binary field MESSAGE/);
  assert.match(frame(EXPORT.subarray(0, inLength + 10)).units[0].damage ?? '', /binary field MESSAGE announces 41 bytes, 4 are there/);
});

test('garbage: a bad field name, an absurd length, a binary value without its newline; the next entry is read', () => {
  const good = exportEntry(ENTRIES[1]);
  const len = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('__CURSOR=x\nBAD NAME=1\nMESSAGE=y\n\n'), /damaged at byte 14: field name BAD\.\.\. goes on with byte 32/],
    [Buffer.concat([Buffer.from('__CURSOR=x\nMESSAGE\n'), len(1n << 62n), Buffer.from('junk\n\n')]), /damaged at byte 19: binary field MESSAGE announces 4611686018427387904 bytes/],
    [Buffer.concat([Buffer.from('__CURSOR=x\nMESSAGE\n'), len(2n), Buffer.from('abc\n\n')]), /damaged at byte 29: the 2-byte binary value of MESSAGE is not followed by a newline/],
    [Buffer.from('__CURSOR=x\n\x00\x01\x02\n\n'), /damaged at byte 11: byte 0 cannot start a field name/],
  ];
  for (const [bad, why] of cases) {
    for (const chunk of [1, 1000]) {
      const { units, damage } = frame(Buffer.concat([bad, good]), { chunk });
      assert.equal(units.length, 2);
      assert.match(units[0].damage ?? '', why);
      assert.match(units[0].damage ?? '', /from byte 0 .*1 field before it kept/);
      assert.deepEqual(JSON.parse(units[0].text), { __CURSOR: 'x' }, 'what was read before the damage');
      assert.deepEqual(damage, [units[0].damage]);
      assert.deepEqual([units[1].line, units[1].off, JSON.parse(units[1].text)], [2, bad.length, ENTRIES[1]]);
    }
  }
});

test('a value past the cap on an entry is null (as journalctl writes an oversized value) and the entry flagged', () => {
  const big = exportEntry({ __CURSOR: 'c', MESSAGE: 'x'.repeat(300), AFTER: 'y' });
  const { units } = frame(big, { max: 100, chunk: 16 });
  assert.deepEqual(JSON.parse(units[0].text), { __CURSOR: 'c', MESSAGE: null, AFTER: 'y' });
  assert.equal(units[0].flags, EventFlag.TRUNCATED);
});

// --- end to end

type Row = Record<string, unknown>;
const COLUMNS = 'line, ts, dataset, status, source_ip, user_name, event_action, message, raw';

function ingestRows(dir: string, name: string, file: string): Row[] {
  const db = path.join(dir, `${name}.db`);
  const res = run(['--db', db, 'ingest', '--tz', 'UTC', file]);
  assert.equal(res.code, 0, res.stderr);
  return query(db, `SELECT ${COLUMNS} FROM events ORDER BY id`);
}

test('an export ingests to the events of the same entries in -o json; gzip too; event.original is the JSON', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'journal.json'), JSON_LINES.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'journal.export'), EXPORT);
  fs.writeFileSync(path.join(dir, 'journal.export.gz'), zlib.gzipSync(EXPORT));
  const fromJson = ingestRows(dir, 'json', path.join(dir, 'journal.json'));
  const fromExport = ingestRows(dir, 'export', path.join(dir, 'journal.export'));
  const fromGzip = ingestRows(dir, 'gzip', path.join(dir, 'journal.export.gz'));
  assert.equal(fromJson.length, 4);
  assert.deepEqual(fromExport, fromJson);
  assert.deepEqual(fromGzip, fromJson);
  const [multi, failed, accepted, binary] = fromExport;
  assert.equal(multi.message, 'tar: /srv/data: Cannot stat\nbackup failed');
  assert.deepEqual([failed.event_action, failed.source_ip, failed.user_name, failed.ts], ['ssh_login', '203.0.113.77', 'root', 1794626402000]);
  assert.deepEqual([accepted.event_action, accepted.source_ip, accepted.user_name], ['ssh_login', '198.51.100.4', 'alice']);
  assert.equal(binary.message, 'bad\uFFFD user');
  assert.deepEqual(fromExport.map((r) => r.status), [0, 0, 0, 0]);
  assert.deepEqual(fromExport.map((r) => r.line), [1, 2, 3, 4], 'log.file.line is the entry number');
});

test('a hunt over a brute-force export finds what the -o json export gives', () => {
  const dir = tmpDir();
  const jsonFile = path.join(FIXTURES, 'journald', 'export.log');
  const exportFile = path.join(dir, 'journal.export');
  fs.writeFileSync(exportFile, exportOf(readLines(jsonFile)));
  const hunt = (name: string, file: string) => {
    const res = run(['--db', path.join(dir, `${name}.db`), 'hunt', '--tz', 'UTC', '--json', file]);
    assert.equal(res.code, 0, res.stderr);
    return ndjsonLines(res.stdout).map((f) => JSON.stringify([f.rule.title, f['@timestamp'], f.count, f.group]));
  };
  const fromJson = hunt('json', jsonFile);
  assert.ok(fromJson.some((f) => /brute/i.test(f)), 'the fixture holds a brute force');
  assert.deepEqual(hunt('export', exportFile).sort(), fromJson.sort());
});

test('resume: appended entries are stored once; a cut last entry is stored unparsed, then replaced whole', () => {
  const dir = tmpDir();
  const db = path.join(dir, 'j.db');
  const file = path.join(dir, 'journal.export');
  const ingest = () => {
    const res = run(['--db', db, 'ingest', '--tz', 'UTC', file]);
    assert.equal(res.code, 0, res.stderr);
  };
  const parts = ENTRIES.map(exportEntry);
  fs.writeFileSync(file, Buffer.concat(parts.slice(0, 2)));
  ingest();
  // the third entry arrives in two writes: the first ends inside its binary _SELINUX_CONTEXT
  const cut = parts[2].indexOf('unconfined');
  fs.appendFileSync(file, parts[2].subarray(0, cut));
  ingest();
  let rows = query<Row>(db, 'SELECT line, status, raw FROM events ORDER BY line');
  assert.deepEqual(rows.map((r) => [r.line, r.status]), [[1, 0], [2, 0], [3, 1]]);
  const cutRow = query<Row>(db, `SELECT extra FROM events WHERE line = 3`)[0];
  assert.match(String(cutRow.extra), /cut short at byte \d+ by the end of the input/);
  fs.appendFileSync(file, Buffer.concat([parts[2].subarray(cut), parts[3]]));
  ingest();
  ingest();
  rows = query<Row>(db, 'SELECT line, status, raw FROM events ORDER BY line');
  assert.deepEqual(rows.map((r) => [r.line, r.status]), [[1, 0], [2, 0], [3, 0], [4, 0]]);
  assert.deepEqual(rows.map((r) => JSON.parse(String(r.raw))), ENTRIES);
});

test('damage inside an export is stored unparsed with its offset, warned about; the entries after it are read', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'journal.export');
  const first = exportEntry(ENTRIES[0]);
  fs.writeFileSync(file, Buffer.concat([first, Buffer.from('__CURSOR=z\nMESSAGE\n\xff\xff\xff\xff\xff\xff\xff\xff\n\n', 'latin1'), exportEntry(ENTRIES[1])]));
  const db = path.join(dir, 'd.db');
  const res = run(['--db', db, 'ingest', '--tz', 'UTC', file]);
  assert.equal(res.code, 2, 'damage makes the exit code 2');
  assert.match(res.stderr, new RegExp(`journal export entry from byte ${first.length} is damaged at byte ${first.length + 19}`));
  const rows = query<Row>(db, 'SELECT line, status, event_action FROM events ORDER BY line');
  assert.deepEqual(rows.map((r) => [r.line, r.status, r.event_action]), [[1, 0, null], [2, 1, null], [3, 0, 'ssh_login']]);
});

test('a binary file that is not an export is still refused', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'wtmp');
  fs.writeFileSync(file, Buffer.from('\x07\x00\x00\x00__CURSOR=x\n', 'latin1'));
  const res = run(['--db', path.join(dir, 'b.db'), 'ingest', file]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /wtmp: skipped: binary file/);
});
