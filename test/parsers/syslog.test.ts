import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { syslog } from '../../src/parsers/syslog.js';
import { Dispatcher, rankParsers } from '../../src/parsers/dispatch.js';
import { EventFlag, type ParsedEvent } from '../../src/model/event.js';
import { MTIME_2024, SYSLOG_FIXTURES, flatEvents, one } from './programs/util.js';

const fixture = (name: string) => path.join(SYSLOG_FIXTURES, name);
const at = { line: 1, offset: 0 };

/** Parses lines with one syslog LineParser (one stream) and returns the raw results. */
function stream(lines: string[], tz = 'UTC', mtimeMs = MTIME_2024) {
  const p = syslog.create({ path: 'test.log', tz, mtimeMs });
  return lines.map((l) => p.parse(l, at));
}

function ev(r: unknown): ParsedEvent {
  assert.ok(r && typeof r === 'object' && !Array.isArray(r), `expected an event, got ${JSON.stringify(r)}`);
  return r as ParsedEvent;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('syslog golden: RFC 3164 variants', () => {
  checkGolden(fixture('rfc3164.log'), { tz: 'UTC', mtimeMs: Date.UTC(2023, 10, 15), expectParser: 'syslog' });
});

test('syslog golden: RFC 5424', () => {
  checkGolden(fixture('rfc5424.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('syslog golden: RFC 3339 stamps (rsyslog, journalctl -o short-iso), with and without a zone', () => {
  checkGolden(fixture('rfc3339.log'), { tz: 'Europe/Berlin', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('syslog golden: filebeat samples (macOS multi-line, SUSE, auth, zone-less stamps)', () => {
  checkGolden(fixture('beats-darwin-syslog-sample.log'), { tz: 'UTC', mtimeMs: Date.UTC(2016, 11, 31), expectParser: 'syslog' });
  checkGolden(fixture('beats-suse-syslog.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
  checkGolden(fixture('beats-auth-test.log'), { tz: 'UTC', mtimeMs: Date.UTC(2019, 2, 1), expectParser: 'syslog' });
  checkGolden(fixture('beats-auth-timestamp.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('syslog: a mixed /var/log/syslog parses every line with the right program parser', () => {
  const { events } = checkGolden(fixture('mixed-syslog.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
  const got = flatEvents(readLines(fixture('mixed-syslog.log'))).map((e) => [e.f['event.dataset'], e.f['event.action'] ?? null]);
  assert.equal(events.filter((e) => e.status !== 0).length, 0, 'no line falls back to raw');
  assert.deepEqual(got, [
    ['system.syslog', null],
    ['system.auth', 'ssh_login'],
    ['system.auth', 'sudo_command'],
    ['system.syslog', 'cron_command'],
    ['firewall', 'firewall_block'],
    ['haproxy.log', null],
    ['system.syslog', null],
    ['system.auth', 'logind_session_new'],
    ['haproxy.log', null],
    ['system.auth', 'user_created'],
    ['system.auth', 'ssh_connection_closed'],
    ['system.auth', null],
  ]);
});

test('syslog: pkexec logs to authpriv, so its lines are auth lines (the service: auth rules read them)', () => {
  const line = 'Mar 10 13:24:00 web1 pkexec[7020]: alice: The value for environment variable XAUTHORITY contains suspicious content [USER=root] [TTY=/dev/pts/0] [CWD=/home/alice] [COMMAND=GCONV_PATH=./pwnkit.so:. PATH=GCONV_PATH=.]';
  const [e] = flatEvents([line]);
  assert.deepEqual([e.f['event.dataset'], e.f['process.name']], ['system.auth', 'pkexec']);
});

test('year: a December line in a file last written in January is from the previous year', () => {
  const [r] = stream(['Dec 31 23:59:58 h app: x'], 'UTC', Date.UTC(2025, 0, 2, 8));
  assert.equal(iso(ev(r).ts), '2024-12-31T23:59:58.000Z');
  assert.ok((ev(r).flags ?? 0) & EventFlag.YEAR_INFERRED);
  assert.ok((ev(r).flags ?? 0) & EventFlag.TZ_ASSUMED);
});

test('year: a file spanning New Year gets both years right', () => {
  const lines = ['Dec 30 22:00:00 h app: a', 'Dec 31 23:59:59 h app: b', 'Jan  1 00:00:00 h app: c', 'Jan  2 07:30:00 h app: d'];
  const got = stream(lines, 'UTC', Date.UTC(2025, 0, 2, 7, 31)).map((r) => iso(ev(r).ts));
  assert.deepEqual(got, ['2024-12-30T22:00:00.000Z', '2024-12-31T23:59:59.000Z', '2025-01-01T00:00:00.000Z', '2025-01-02T07:30:00.000Z']);
});

test('year: a line a few hours "in the future" of the mtime (zones, clock skew) keeps the current year', () => {
  const [r] = stream(['Jan  2 20:00:00 h app: x'], 'UTC', Date.UTC(2025, 0, 2, 8));
  assert.equal(iso(ev(r).ts), '2025-01-02T20:00:00.000Z');
});

test('year: Feb 29 goes to the latest leap year', () => {
  const [r] = stream(['Feb 29 12:00:00 h app: x'], 'UTC', Date.UTC(2025, 5, 1));
  assert.equal(iso(ev(r).ts), '2024-02-29T12:00:00.000Z');
});

test('zone: RFC 3164 stamps are read in --tz', () => {
  const line = 'Nov 14 03:12:01 h app: x';
  assert.equal(iso(ev(stream([line], 'UTC', Date.UTC(2024, 11, 1))[0]).ts), '2024-11-14T03:12:01.000Z');
  assert.equal(iso(ev(stream([line], 'America/New_York', Date.UTC(2024, 11, 1))[0]).ts), '2024-11-14T08:12:01.000Z');
  assert.equal(iso(ev(stream([line], 'Asia/Kolkata', Date.UTC(2024, 11, 1))[0]).ts), '2024-11-13T21:42:01.000Z');
});

test('zone: a stamp with its own offset ignores --tz and is not flagged', () => {
  const [r] = stream(['2018-08-14T14:30:02.203151+02:00 h app: x'], 'America/New_York');
  assert.equal(iso(ev(r).ts), '2018-08-14T12:30:02.203Z');
  assert.equal((ev(r).flags ?? 0) & (EventFlag.TZ_ASSUMED | EventFlag.YEAR_INFERRED), 0);
  const [z] = stream(['2019-06-14T10:40:20.912134 localhost sudo: x'], 'America/New_York');
  assert.equal(iso(ev(z).ts), '2019-06-14T14:40:20.912Z');
  assert.ok((ev(z).flags ?? 0) & EventFlag.TZ_ASSUMED);
});

test('zone: around the DST changes of America/New_York (2024-03-10 and 2024-11-03)', () => {
  const ref = Date.UTC(2024, 11, 31);
  const at = (line: string) => iso(ev(stream([line], 'America/New_York', ref)[0]).ts);
  assert.equal(at('Mar 10 01:59:59 h app: x'), '2024-03-10T06:59:59.000Z', 'last second of EST');
  assert.equal(at('Mar 10 03:00:00 h app: x'), '2024-03-10T07:00:00.000Z', 'first second of EDT');
  assert.equal(at('Nov  3 00:59:59 h app: x'), '2024-11-03T04:59:59.000Z', 'EDT');
  assert.equal(at('Nov  3 02:00:00 h app: x'), '2024-11-03T07:00:00.000Z', 'EST');
  assert.equal(at('Nov  3 01:30:00 h app: x'), '2024-11-03T05:30:00.000Z', 'the repeated hour: the earlier instant');
  // consecutive lines inside one minute share the cached conversion; the next minute must not reuse it
  const got = stream(['Mar 10 01:59:30 h app: a', 'Mar 10 01:59:59 h app: b', 'Mar 10 03:00:00 h app: c'], 'America/New_York', ref);
  assert.deepEqual(got.map((r) => iso(ev(r).ts)), ['2024-03-10T06:59:30.000Z', '2024-03-10T06:59:59.000Z', '2024-03-10T07:00:00.000Z']);
});

test('zone: DST edge cases follow the documented wallToUtc rule', () => {
  const ref = Date.UTC(2024, 11, 31);
  assert.equal(iso(ev(stream(['Oct 27 02:30:00 h app: x'], 'Europe/Berlin', ref)[0]).ts), '2024-10-27T00:30:00.000Z', 'repeated hour: earlier instant');
  assert.equal(iso(ev(stream(['Mar 10 02:30:00 h app: x'], 'America/New_York', ref)[0]).ts), '2024-03-10T07:30:00.000Z', 'gap: shifted forward');
});

test('zone: the repeated autumn hour is told apart by line order within a stream (Dispatcher)', () => {
  const lines = ['Oct 27 02:50:00 h app: a', 'Oct 27 02:59:59 h app: b', 'Oct 27 02:00:01 h app: c', 'Oct 27 02:30:00 h app: d', 'Oct 27 02:29:40 h app: e', 'Oct 27 03:10:00 h app: f'];
  const run = (tz: string) => {
    const got: string[] = [];
    const d = new Dispatcher(syslog, { path: 'test.log', tz, mtimeMs: Date.UTC(2024, 11, 31) }, (e) => got.push(iso(e.ts)!));
    lines.forEach((l, i) => d.push(l, { line: i + 1, offset: 0 }));
    d.end();
    return got;
  };
  // 02:00:01 after 02:59:59 is the second pass (CET); a line 20 s out of order inside it stays there
  assert.deepEqual(run('Europe/Berlin'), [
    '2024-10-27T00:50:00.000Z',
    '2024-10-27T00:59:59.000Z',
    '2024-10-27T01:00:01.000Z',
    '2024-10-27T01:30:00.000Z',
    '2024-10-27T01:29:40.000Z',
    '2024-10-27T02:10:00.000Z',
  ]);
  // where nothing repeats, a step back is only a step back
  assert.equal(run('UTC')[2], '2024-10-27T02:00:01.000Z');
  assert.equal(run('Asia/Tokyo')[2], '2024-10-26T17:00:01.000Z');
});

test('zone: a stream resumed from where its zoneless times reached stays in the second pass (Dispatcher)', () => {
  const secondPass = Date.UTC(2024, 9, 27, 1, 10); // 02:10 CET, after 02:59 CEST
  const run = (tz: string, from: number | null, lines: string[]) => {
    const got: string[] = [];
    const d = new Dispatcher(syslog, { path: 'test.log', tz, mtimeMs: Date.UTC(2024, 11, 31) }, (e) => got.push(iso(e.ts)!), from);
    lines.forEach((l, i) => d.push(l, { line: i + 1, offset: 0 }));
    d.end();
    return { got, reached: d.zonelessReached() };
  };
  const later = ['Oct 27 02:20:00 h app: a', 'Oct 27 02:30:00 h app: b'];
  assert.deepEqual(run('Europe/Berlin', secondPass, later), { got: ['2024-10-27T01:20:00.000Z', '2024-10-27T01:30:00.000Z'], reached: Date.UTC(2024, 9, 27, 1, 30) });
  assert.deepEqual(run('Europe/Berlin', null, later).got, ['2024-10-27T00:20:00.000Z', '2024-10-27T00:30:00.000Z'], 'no past: the first pass');
  // a run in a zone without a fold, or without zoneless lines, leaves the stream's state as it found it
  assert.equal(run('UTC', secondPass, later).reached, secondPass);
  assert.equal(run('Europe/Berlin', secondPass, ['2024-10-27T02:40:00+01:00 h app: c']).reached, secondPass);
  assert.equal(run('Europe/Berlin', null, []).reached, null);
});

test('detect: syslog lines score 1, time-less "host prog[pid]:" lines only 0.5', () => {
  assert.equal(syslog.detect(['Nov 14 03:12:01 h sshd[1]: x', '2018-08-14T14:30:02+02:00 h sshd[1]: y']), 1);
  assert.equal(syslog.detect(['srv sshd[13709]: Failed password for root from 192.0.2.1 port 1 ssh2']), 0.5);
  assert.equal(syslog.detect(['srv sshd: no pid, no time', 'key=value other=thing', '{"json": true}']), 0);
  assert.equal(syslog.detect(['2024-03-10T10:00:00Z INFO worker: started']), 0, 'an application log with a level word is not syslog');
});

test('detect: continuation lines count as part of the syslog stream', () => {
  const lines = readLines(fixture('beats-darwin-syslog-sample.log'));
  // 21 lines: 18 continuations, 2 full lines, and "--- last message repeated 1 time ---" (no host, no tag: half)
  assert.equal(syslog.detect(lines), 20.5 / 21);
});

test('detect: a pure haproxy file goes to haproxy, a pure ufw.log to syslog (registry order breaks the tie)', () => {
  const haproxyLines = ['Mar 10 16:00:01 lb1 haproxy[901]: 198.51.100.80:41000 [10/Mar/2024:16:00:01.120] www~ app/app1 0/0/1/35/36 200 5120 - - ---- 12/12/3/1/0 0/0 "GET / HTTP/1.1"'];
  const ranked = rankParsers(haproxyLines);
  assert.equal(ranked[0].parser.name, 'haproxy');
  assert.equal(ranked.find((c) => c.parser.name === 'syslog')?.score, ranked[0].score);
  const ufw = readLines(path.join(SYSLOG_FIXTURES, '..', 'firewall', 'ufw.log'));
  assert.equal(rankParsers(ufw)[0].parser.name, 'syslog');
});

test('continuation lines inherit time, host and program of the line they continue', () => {
  const rs = stream(['Dec 13 11:35:28 mac Agent[21412]: first line', '\t\tsecond line', '   third line', 'Dec 13 11:35:29 mac other[1]: next']);
  const second = ev(rs[1]);
  assert.equal(second.ts, ev(rs[0]).ts);
  assert.equal(second.fields['host.name'], 'mac');
  assert.equal(second.fields['process.name'], 'Agent');
  assert.equal(second.fields['process.pid'], 21412);
  assert.equal(second.fields.message, '\t\tsecond line');
  assert.ok((second.flags ?? 0) & EventFlag.TS_INFERRED);
  assert.equal(ev(rs[2]).fields.message, '   third line');
  assert.equal(ev(rs[3]).fields['process.name'], 'other');
});

test('time-less journal lines keep no time (ingest infers one) but are parsed', () => {
  const f = one('srv sshd[13709]: error: PAM: Authentication failure for myhlj1374 from 192.030.0.6');
  assert.equal(f['@timestamp'], undefined);
  assert.equal(f['host.name'], 'srv');
  assert.equal(f['event.action'], 'pam_auth_failure');
  assert.equal(f['source.domain'], '192.030.0.6', 'not a valid IP (leading zero): kept as a name');
});

test('garbage and truncated lines are rejected with a reason, never thrown', () => {
  const bad = [
    '',
    '   ',
    '\tindented with nothing before it',
    'Nov 14 03:12:01',
    'Nov 14 03:12',
    'Nov 14',
    'Xyz 14 03:12:01 h app: x',
    'Nov 32 03:12:01 h app: x',
    'Nov 14 25:12:01 h app: x',
    '2018-13-14T14:30:02Z h app: x',
    '2018-08-14T14:30:02+2 h app: x',
    '<999>Nov 14 03:12:01 h app: x',
    '<34>1 2003-10-11T22:14:15.003Z host',
    '<34>1 2003-10-11T22:14:15.003Z host app - - [unterminated sd="x',
    'just some words',
    '{"a":1}',
    '\u0000\u0001\u0002',
  ];
  for (const line of bad) {
    const r = stream([line])[0];
    assert.equal(typeof r, 'string', `${JSON.stringify(line)} -> ${JSON.stringify(r)}`);
  }
});

test('random mutations of real lines never throw and always yield an event or a reason', () => {
  const seeds = [...readLines(fixture('sshd.log')), ...readLines(fixture('rfc5424.log')), ...readLines(fixture('rfc3164.log'))];
  const p = syslog.create({ path: 'fuzz', tz: 'Europe/Berlin', mtimeMs: MTIME_2024 });
  let x = 12345;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  for (let i = 0; i < 20000; i++) {
    const s = seeds[rnd(seeds.length)];
    let m: string;
    switch (rnd(4)) {
      case 0:
        m = s.slice(0, rnd(s.length + 1));
        break;
      case 1: {
        const k = rnd(s.length + 1);
        m = s.slice(0, k) + String.fromCharCode(rnd(0x3000)) + s.slice(k + 1);
        break;
      }
      case 2:
        m = s.slice(rnd(s.length + 1));
        break;
      default:
        m = Array.from({ length: rnd(80) }, () => String.fromCharCode(32 + rnd(95))).join('');
    }
    const r = p.parse(m, at);
    assert.ok(typeof r === 'string' || (r !== null && typeof r === 'object'), JSON.stringify(m));
  }
});
