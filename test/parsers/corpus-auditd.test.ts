/**
 * Conformance against real audit logs kept by other projects, read in place from ../shared/corpus (skipped with a
 * message when it is absent):
 * - Elastic filebeat's auditd test logs (2019): every line is taken by the auditd parser, every line is in exactly
 *   one event, and where an `-expected.json` exists its key fields agree with ours.
 * - fail2ban's selinux-ssh filter test log (GPL-2.0, not copied): its audit lines parse, with the host and time
 *   fail2ban expects.
 *
 * Mapping from filebeat's 2019 documents (one per line) to our events (one per group of records sharing a serial):
 * - the expected document of a line is compared with our event whose span holds that line;
 * - @timestamp is equal; event.action is equal for a one-record event, and for a group the expected action is one
 *   of the group's record types (lowercased);
 * - event.outcome: filebeat copies res= as written ("1", "success", "failed"); ours is success/failure from it.
 *   Filebeat leaves it out for SYSCALL records (it ignores success=); we do not, so only expected outcomes are checked;
 * - user.id, user.audit.id, user.name, process.pid, process.ppid, process.name, process.executable, process.args and
 *   source.ip are equal for a one-record event; in a group the expected ids are among the group's auditd values.
 * - Not compared: filebeat's user.effective.*, user.saved.*, user.filesystem.* and user.terminal (we keep those ids
 *   under auditd only, except user.effective.id), message (filebeat puts the first msg= pair there), and
 *   destination.address for IPsec records (we map dst= to destination.ip).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED } from '../helpers/cli.js';
import { flatten, readLines } from '../helpers/golden.js';
import { parseLines } from '../../src/parsers/run.js';
import { Status } from '../../src/model/event.js';
import { wallToUtc } from '../../src/util/time.js';

const BEATS = path.join(SHARED, 'corpus/beats/auditd/log');
const SELINUX = path.join(SHARED, 'corpus/fail2ban-test-logs/selinux-ssh');
const STAMP = /audit\((\d+)\.(\d{3}):(\d+)\)/;
const OUTCOME: Record<string, string> = { '1': 'success', success: 'success', yes: 'success', '0': 'failure', failed: 'failure', no: 'failure' };

type Doc = Record<string, any>;

const beatsFiles = fs.existsSync(BEATS) ? fs.readdirSync(BEATS).filter((f) => f.endsWith('.log')).sort() : [];

test('filebeat auditd corpus is present', { skip: beatsFiles.length ? false : `${BEATS} is absent: corpus conformance not run` }, () => {
  assert.ok(beatsFiles.includes('audit-rhel7.log'));
});

for (const file of beatsFiles) {
  test(`corpus: beats auditd/${file}: every line parsed by auditd, in exactly one event, consistent with its records`, () => {
    const lines = readLines(path.join(BEATS, file));
    const { parser, events } = parseLines(lines);
    assert.equal(parser.name, 'auditd', 'detected as auditd');
    let next = 1;
    for (const ev of events) {
      assert.equal(ev.status, Status.PARSED, `line ${ev.at.line} parsed: ${(ev.doc as Doc).error?.message ?? ''}`);
      assert.equal(ev.at.line, next, 'events cover the file in order, without gaps or overlaps');
      const raw = ev.raw.split('\n');
      assert.deepEqual(raw, lines.slice(next - 1, next - 1 + raw.length));
      next += raw.length;
      const doc = ev.doc as Doc;
      assert.equal(doc.auditd.record_count, raw.length);
      const types = raw.map((l) => /type=(\S+)/.exec(l)![1]);
      assert.deepEqual(raw.length === 1 ? [doc.auditd.type] : doc.auditd.type, types);
      const stamps = new Set(raw.map((l) => STAMP.exec(l)?.slice(1).join(':')));
      assert.equal(stamps.size, 1, 'one serial per event');
      const [stamp] = stamps;
      if (stamp) {
        const [sec, ms] = stamp.split(':');
        assert.equal(doc['@timestamp'], new Date(Number(sec) * 1000 + Number(ms)).toISOString());
      }
    }
    assert.equal(next - 1, lines.length, 'sum of span lines = line count');
  });
}

for (const file of beatsFiles.filter((f) => fs.existsSync(path.join(BEATS, `${f}-expected.json`)))) {
  test(`corpus: beats auditd/${file}: key fields agree with filebeat's expected documents`, () => {
    const lines = readLines(path.join(BEATS, file));
    const expected = JSON.parse(fs.readFileSync(path.join(BEATS, `${file}-expected.json`), 'utf8')) as Doc[];
    const { events } = parseLines(lines, { format: 'auditd' });
    // byte offset of each line -> the event whose span holds it
    const byOffset = new Map<number, Doc>();
    let offset = 0;
    let li = 0;
    for (const ev of events) {
      const n = ev.raw.split('\n').length;
      for (let k = 0; k < n; k++, li++) {
        byOffset.set(offset, flatten(ev.doc as Doc));
        offset += Buffer.byteLength(lines[li]) + 1;
      }
    }
    assert.equal(expected.length, lines.length);
    for (const exp of expected) {
      const got = byOffset.get(exp['log.offset']);
      assert.ok(got, `an event holds the line at offset ${exp['log.offset']}`);
      const where = `line at offset ${exp['log.offset']} (${exp['event.action']})`;
      const single = got['auditd.record_count'] === 1;
      assert.equal(got['@timestamp'], exp['@timestamp'], `${where}: @timestamp`);
      if (single) assert.equal(got['event.action'], exp['event.action'], `${where}: event.action`);
      else assert.ok((got['auditd.type'] as string[]).map((t) => t.toLowerCase()).includes(exp['event.action']), `${where}: record type in the group`);
      if (exp['event.outcome'] !== undefined) assert.equal(got['event.outcome'], OUTCOME[exp['event.outcome']], `${where}: event.outcome`);
      const ids: [string, string][] = [
        ['user.id', 'auditd.uid'],
        ['user.audit.id', 'auditd.auid'],
      ];
      for (const [field, raw] of ids) {
        if (exp[field] === undefined) continue;
        if (single) assert.equal(got[field], exp[field], `${where}: ${field}`);
        else assert.ok([got[raw]].flat().includes(exp[field]), `${where}: ${field} among the group's ${raw}`);
      }
      for (const field of ['user.name', 'process.pid', 'process.ppid', 'process.name', 'process.executable', 'process.args', 'source.ip']) {
        if (exp[field] !== undefined) assert.deepEqual(got[field], exp[field], `${where}: ${field}`);
      }
    }
  });
}

test(
  'corpus: fail2ban selinux-ssh: every audit line parses, with the host and (for matching lines) the time fail2ban expects',
  { skip: fs.existsSync(SELINUX) ? false : `${SELINUX} is absent: not run` },
  () => {
    const all = readLines(SELINUX);
    const lines: string[] = [];
    const labels: (Doc | undefined)[] = [];
    let label: Doc | undefined;
    for (const l of all) {
      if (l.startsWith('# failJSON:')) label = JSON.parse(l.slice('# failJSON:'.length));
      else if (l.trim() !== '' && !l.startsWith('#')) {
        lines.push(l);
        labels.push(label);
        label = undefined;
      }
    }
    const { parser, events } = parseLines(lines);
    assert.equal(parser.name, 'auditd');
    assert.equal(events.length, lines.length, 'each of these records has its own serial');
    events.forEach((ev, i) => {
      assert.equal(ev.status, Status.PARSED, lines[i]);
      const doc = ev.doc as Doc;
      const want = labels[i];
      if (!want) return;
      if (want.host) assert.equal(doc.source?.ip, want.host, `line ${i + 1}: source.ip`);
      if (want.match) {
        // fail2ban's test times are wall-clock times in Europe/Berlin
        const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(want.time)!;
        const utc = wallToUtc('Europe/Berlin', +m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], 0);
        assert.equal(Date.parse(doc['@timestamp']), utc, `line ${i + 1}: time`);
        assert.equal(doc.event.outcome, 'failure', `line ${i + 1}: a failure fail2ban counts`);
      }
    });
  },
);
