import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, SHARED } from '../helpers/cli.js';
import { checkGolden, flatten, readLines } from '../helpers/golden.js';
import { fail2ban } from '../../src/parsers/fail2ban.js';
import { chooseParser } from '../../src/parsers/dispatch.js';
import { parseLines } from '../../src/parsers/run.js';
import { EventFlag, Status, type ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'fail2ban');
const MTIME = Date.UTC(2024, 5, 1);

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.log'))) {
  test(`golden: fail2ban/${file}`, () => {
    // syslog.log holds fail2ban lines among sshd's in a syslog file: the syslog parser reads it and hands them on
    checkGolden(path.join(DIR, file), { expectParser: file === 'syslog.log' ? 'syslog' : 'fail2ban', tz: 'Europe/Berlin', mtimeMs: MTIME });
  });
}

/** One line through a fresh fail2ban parser: its event, or the rejection. */
function one(line: string, tz = 'UTC'): ParsedEvent | string {
  const res = fail2ban.create({ path: '-', tz, mtimeMs: MTIME }).parse(line, { line: 1, offset: 0 });
  assert.ok(res !== null && !Array.isArray(res));
  return res;
}

function ev(line: string, tz = 'UTC'): ParsedEvent {
  const res = one(line, tz);
  assert.ok(typeof res !== 'string', `rejected: ${res as string}`);
  return res;
}

test('a ban: time in --tz with its milliseconds, logger, pid, level, jail, address, ECS categorisation', () => {
  const e = ev('2024-01-15 10:23:45,123 fail2ban.actions        [1234]: NOTICE  [sshd] Ban 1.2.3.4', 'Europe/Berlin');
  assert.equal(e.ts, Date.UTC(2024, 0, 15, 9, 23, 45, 123));
  assert.equal(e.flags, EventFlag.TZ_ASSUMED);
  assert.equal(e.dataset, 'fail2ban.log');
  assert.deepEqual(e.fields, {
    'process.name': 'fail2ban-server',
    'process.pid': 1234,
    'log.logger': 'fail2ban.actions',
    'log.level': 'NOTICE',
    message: '[sshd] Ban 1.2.3.4',
    'event.kind': 'event',
    'event.category': ['intrusion_detection'],
    'event.type': ['denied'],
    'event.action': 'ban',
    'rule.name': 'sshd',
    'source.ip': '1.2.3.4',
  });
});

test('every jail action fail2ban logs, with its address and ECS type', () => {
  const cases: [string, string, string, string][] = [
    ['NOTICE  [sshd] Ban 192.0.2.1', 'ban', 'denied', '192.0.2.1'],
    ['NOTICE  [sshd] Restore Ban 192.0.2.2', 'restore_ban', 'denied', '192.0.2.2'],
    ['NOTICE  [sshd] Increase Ban 192.0.2.3 (2 # 1:00:00 -> 2024-01-15 11:23:45)', 'increase_ban', 'denied', '192.0.2.3'],
    ['NOTICE  [sshd] 192.0.2.4 already banned', 'already_banned', 'denied', '192.0.2.4'],
    ['NOTICE  [sshd] Unban 192.0.2.5', 'unban', 'allowed', '192.0.2.5'],
    ['INFO    [sshd] Found 192.0.2.6 - 2024-01-15 10:23:44', 'found', 'info', '192.0.2.6'],
    ['INFO    [sshd] Found 192.0.2.7', 'found', 'info', '192.0.2.7'],
    ['INFO    [sshd] Ignore 192.0.2.8 by ip', 'ignore', 'allowed', '192.0.2.8'],
    ['INFO    [sshd] Ignore 192.0.2.9, expired bantime', 'ignore', 'allowed', '192.0.2.9'],
    ['INFO    [sshd] Found 2001:db8::7 - 2024-01-15 10:23:44', 'found', 'info', '2001:db8::7'],
  ];
  for (const [body, action, type, ip] of cases) {
    const f = ev(`2024-01-15 10:23:45,123 fail2ban.actions        [1234]: ${body}`).fields;
    assert.equal(f['event.action'], action, body);
    assert.deepEqual(f['event.type'], [type], body);
    assert.deepEqual(f['event.category'], ['intrusion_detection'], body);
    assert.equal(f['source.ip'], ip, body);
    assert.equal(f['rule.name'], 'sshd', body);
  }
});

test('a host fail2ban logs by name (usedns) is source.address, not source.ip', () => {
  const f = ev('2024-01-15 10:26:10,000 fail2ban.filter         [1234]: INFO    [sshd] Found scanner.example.com - 2024-01-15 10:26:10').fields;
  assert.equal(f['source.address'], 'scanner.example.com');
  assert.equal(f['source.ip'], undefined);
});

test('fail2ban 0.8 lines: no pid, the logger padded before the colon, bans at WARNING', () => {
  const f = ev('2006-02-13 15:52:30,388 fail2ban.actions: WARNING [ssh] Ban 1.2.3.4').fields;
  assert.equal(f['process.pid'], undefined);
  assert.equal(f['log.logger'], 'fail2ban.actions');
  assert.equal(f['log.level'], 'WARNING');
  assert.equal(f['event.action'], 'ban');
  assert.equal(ev('2006-02-13 15:52:30,388 fail2ban.jail   : INFO   Jail \'ssh\' started').fields.message, "Jail 'ssh' started");
});

test('lines without a jail action keep their message: the server starting, jail lines, errors', () => {
  const start = ev('2024-01-15 10:20:00,000 fail2ban.server         [1234]: INFO    Starting Fail2ban v1.0.2').fields;
  assert.equal(start.message, 'Starting Fail2ban v1.0.2');
  assert.deepEqual(start['event.type'], ['info']);
  assert.equal(start['event.category'], undefined);
  assert.equal(start['event.action'], undefined);
  const jail = ev("2024-01-15 10:20:00,260 fail2ban.filter         [1234]: INFO    [sshd] Added logfile: '/var/log/auth.log' (pos = 0, hash = )").fields;
  assert.equal(jail['rule.name'], 'sshd');
  assert.deepEqual(jail['event.type'], ['info']);
  assert.equal(jail['event.action'], undefined);
  assert.equal(jail['source.ip'], undefined);
  const err = ev('2024-01-15 11:30:00,000 fail2ban.utils          [1234]: ERROR   7f3c2a1b9e40 -- returned 1').fields;
  assert.deepEqual(err['event.type'], ['error']);
  assert.equal(err['log.level'], 'ERROR');
});

test('lines that are not fail2ban\'s are rejected', () => {
  for (const line of [
    '2024-01-15 10:23:45,123 root: INFO something else',
    '2024-13-15 10:23:45,123 fail2ban.actions        [1234]: NOTICE  [sshd] Ban 1.2.3.4',
    '2024/01/15 10:23:45 [error] 1#0: *1 nginx says',
    'Jan 15 10:23:45 web01 sshd[4100]: Accepted password for root from 203.0.113.5 port 41000 ssh2',
    'Jan 15 10:23:45 web01 fail2ban-server[1234]: Server ready',
  ]) {
    assert.equal(typeof one(line), 'string', line);
  }
});

test('a fail2ban line behind a syslog prefix, in a fail2ban file: the header gives time, host and program', () => {
  const e = ev('Mar 05 08:41:28 test.org fail2ban-server[11524]: fail2ban.actions        [11524]: NOTICE  [postfix-auth] Ban 192.0.2.2');
  assert.equal(e.ts, Date.UTC(2024, 2, 5, 8, 41, 28));
  assert.equal(e.fields['host.name'], 'test.org');
  assert.equal(e.fields['process.name'], 'fail2ban-server');
  assert.equal(e.fields['process.pid'], 11524);
  assert.equal(e.fields['log.logger'], 'fail2ban.actions');
  assert.equal(e.fields['event.action'], 'ban');
});

test('through syslog and the journal: every shape fail2ban is carried in becomes a fail2ban.log event', () => {
  const { events } = parseLines([
    'Jan 16 17:11:25 testorg fail2ban.actions[6605]: NOTICE [postfix-auth] Ban 192.0.2.1',
    'Mar 05 08:41:28 test.org fail2ban-server[11524]: fail2ban.actions        [11524]: NOTICE  [postfix-auth] Unban 192.0.2.2',
    'Mar 05 08:41:29 test.org fail2ban[15699]: [postfix-sasl] Ban 192.0.2.3',
    'Mar 05 08:41:30 test.org fail2ban-server[11524]: Server ready',
    'Mar 05 08:41:31 test.org sshd[1]: Accepted password for root from 192.0.2.3 port 41000 ssh2',
  ], { format: 'syslog', tz: 'UTC', mtimeMs: MTIME });
  const flat = events.map((x) => flatten(x.doc));
  assert.deepEqual(flat.map((f) => [f['event.dataset'], f['event.action'], f['source.ip'], f['rule.name']]), [
    ['fail2ban.log', 'ban', '192.0.2.1', 'postfix-auth'],
    ['fail2ban.log', 'unban', '192.0.2.2', 'postfix-auth'],
    ['fail2ban.log', 'ban', '192.0.2.3', 'postfix-sasl'],
    ['system.syslog', undefined, undefined, undefined],
    ['system.auth', 'ssh_login', '192.0.2.3', undefined],
  ]);
  // the header's time and host; the process as syslog recorded it
  assert.equal(flat[0]['@timestamp'], '2024-01-16T17:11:25.000Z');
  assert.equal(flat[0]['host.name'], 'testorg');
  assert.equal(flat[0]['process.name'], 'fail2ban.actions');
  assert.equal(flat[0]['process.pid'], 6605);
  assert.equal(flat[1]['log.logger'], 'fail2ban.actions');
  assert.equal(flat[2]['process.name'], 'fail2ban');
});

test('detection: fail2ban.log is fail2ban; fail2ban lines behind syslog prefixes stay with syslog', () => {
  const native = readLines(path.join(DIR, 'fail2ban.log'));
  assert.equal(chooseParser(native).name, 'fail2ban');
  assert.equal(fail2ban.detect(native), 1);
  const carried = [
    'Jan 16 17:11:25 testorg fail2ban.actions[6605]: NOTICE [postfix-auth] Ban 192.0.2.1',
    'Jan 16 17:11:26 testorg fail2ban.actions[6605]: NOTICE [postfix-auth] Ban 192.0.2.2',
  ];
  assert.equal(chooseParser(carried).name, 'syslog');
  assert.equal(fail2ban.detect(carried), 0.5);
});

const CORPUS = path.join(SHARED, 'corpus');
const skip = fs.existsSync(CORPUS) ? false : `${CORPUS} is absent: corpus conformance skipped`;

/**
 * fail2ban's own test file for its recidive jail (GPL, read in place): native lines of 0.8 and 0.9+ mixed with
 * syslog and journal ones. Every log line is a fail2ban.log event, and every line labelled "match" is a ban of the
 * labelled host at the labelled time (wall clock in Europe/Zurich, fail2ban's test zone, around its reference time
 * 2005-08-14). "match": false marks lines the recidive filter skips (unbans, the recidive jail's own bans).
 */
test('corpus: fail2ban recidive, every line a fail2ban event and every labelled ban the labelled host', { skip }, () => {
  const lines = readLines(path.join(CORPUS, 'fail2ban-test-logs/recidive'));
  const { parser, events } = parseLines(lines, { tz: 'Europe/Zurich', mtimeMs: Date.UTC(2005, 7, 14, 10) });
  assert.equal(parser.name, 'fail2ban');
  const byLine = new Map(events.map((e) => [e.at.line, e]));
  let labelled = 0;
  lines.forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const e = byLine.get(i + 1);
    assert.equal(e?.status, Status.PARSED, line);
    assert.equal(e.doc.event && (e.doc.event as { dataset: string }).dataset, 'fail2ban.log', line);
    const m = /^# failJSON: (.*)$/.exec(lines[i - 1] ?? '');
    const label = m ? (JSON.parse(m[1]) as { match: boolean; host?: string; time?: string }) : undefined;
    if (!label?.match) return;
    const f = flatten(e.doc);
    assert.equal(f['event.action'], 'ban', line);
    assert.equal(f['source.ip'], label.host, line);
    if (label.time) {
      // sv-SE writes the wall clock as YYYY-MM-DD HH:MM:SS
      const wall = new Date(String(f['@timestamp'])).toLocaleString('sv-SE', { timeZone: 'Europe/Zurich' }).replace(' ', 'T');
      assert.equal(wall, label.time, `${line}: time`);
    }
    labelled++;
  });
  assert.equal(labelled, 7);
});
