/** hunt over logs that arrive through syslog: the same rules fire as for the native files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { readLines } from '../helpers/golden.js';
import { SyslogReader } from '../../src/parsers/syslog-header.js';

type Finding = Record<string, any>;

function hunt(dir: string, name: string, files: string[]): Finding[] {
  const res = run(['--db', path.join(dir, `${name}.db`), 'hunt', '--tz', 'UTC', '--json', ...files]);
  assert.equal(res.code, 0, res.stderr);
  return ndjsonLines(res.stdout);
}

/** A finding as both stores should have it; the syslog copy may add the host (audisp-syslog lines have no node=). */
function key(f: Finding): string {
  const group = structuredClone(f.group ?? {});
  delete group.host;
  return JSON.stringify([f.rule.title, f['@timestamp'], f.count, group]);
}

test('forwarded nginx/apache lines and audit records in a syslog file give the findings of the native files', () => {
  const dir = tmpDir();
  const lines = readLines(path.join(FIXTURES, 'syslog', 'embedded.log'));
  // the native files: the messages of the web servers' and the audit lines, as the servers and auditd write them
  const reader = new SyslogReader({ path: '-', tz: 'UTC', mtimeMs: Date.now() });
  const web: string[] = [];
  const audit: string[] = [];
  for (const line of lines) {
    const h = reader.read(line);
    assert.ok(typeof h !== 'string');
    if (/ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:/.test(h.msg)) web.push(h.msg);
    if (h.msg.includes(' msg=audit(')) audit.push(h.msg);
  }
  assert.equal(web.length, 5);
  assert.equal(audit.length, 15);
  fs.writeFileSync(path.join(dir, 'access.log'), web.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'audit.log'), audit.join('\n') + '\n');
  const native = hunt(dir, 'native', [path.join(dir, 'access.log'), path.join(dir, 'audit.log')]);
  const forwarded = hunt(dir, 'syslog', [path.join(FIXTURES, 'syslog', 'embedded.log')]);

  assert.deepEqual(forwarded.map(key).sort(), native.map(key).sort());
  const titles = forwarded.map((f) => f.rule.title);
  for (const title of [
    'Path traversal or local file inclusion attempt',
    'Attack tool or scanner user agent',
    'Program executed from /tmp, /var/tmp or /dev/shm',
    'Account database modified (/etc/passwd, /etc/shadow, /etc/group, /etc/gshadow)',
  ]) {
    assert.ok(titles.includes(title), `${title} fires through syslog`);
  }
  // passwd run by uid 1001 on its own entry is filtered out: only possible when its SYSCALL and PATH records are
  // one event, as in the native file
  const identity = forwarded.filter((f) => f.rule.title.startsWith('Account database modified'));
  assert.equal(identity.length, 1);
  assert.equal(identity[0].group.host.name, 'db01', 'the host from the syslog header');
  const traversal = forwarded.find((f) => f.rule.title.startsWith('Path traversal') && f.group.source.ip === '203.0.113.5');
  assert.match(traversal?.evidence.events[0].event.original, /^Nov 14 03:12:02 web01 nginx: /, 'evidence is the syslog line');
});

test('a journalctl -o json export gives the SSH brute force findings of the same messages in auth.log', () => {
  const dir = tmpDir();
  const journal = path.join(FIXTURES, 'journald', 'export.log');
  // auth.log as rsyslog writes it from the same entries (exact RFC 3339 times, the bytes of binary messages as they are)
  const auth = readLines(journal).map((l) => {
    const e = JSON.parse(l);
    const stamp = new Date(Math.floor(Number(e.__REALTIME_TIMESTAMP) / 1000)).toISOString();
    const pid = e._PID ?? e.SYSLOG_PID;
    const head = Buffer.from(`${stamp} ${e._HOSTNAME} ${e.SYSLOG_IDENTIFIER ?? e._COMM}${pid ? `[${pid}]` : ''}: `);
    const msg = Array.isArray(e.MESSAGE) ? Buffer.from(e.MESSAGE) : Buffer.from(String(e.MESSAGE).trimStart());
    return Buffer.concat([head, msg, Buffer.from('\n')]);
  });
  fs.writeFileSync(path.join(dir, 'auth.log'), Buffer.concat(auth));
  const fromAuth = hunt(dir, 'auth', [path.join(dir, 'auth.log')]);
  const fromJournal = hunt(dir, 'journal', [journal]);

  assert.deepEqual(fromJournal.map(key).sort(), fromAuth.map(key).sort());
  const brute = fromJournal.find((f) => f.rule.title === 'SSH brute force from one address');
  assert.ok(brute, 'the brute force is found in the journal export');
  assert.equal(brute.group.source.ip, '203.0.113.77');
  assert.equal(brute.count, 6);
  assert.ok(fromJournal.some((f) => f.rule.title === 'SSH brute force followed by a successful login'));
  assert.match(brute.evidence.events[0].event.original, /^\{"__CURSOR"/, 'evidence is the journal entry');
});

/** `Sat Nov 14 04:00:09 2026`, as Apache's error_log writes a time (UTC here). */
function apacheTime(ms: number): string {
  const [wd, day, mon, year, time] = new Date(ms).toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day} ${time} ${year}`;
}

/** A store with a feed that lists `ips`, so the threat-intel rule reports every event that names one. */
function storeWithFeed(dir: string, name: string, ips: string[]): string {
  const db = path.join(dir, `${name}.db`);
  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, ips.join('\n') + '\n');
  const add = run(['--db', db, 'feeds', 'add', 'case-iocs', list]);
  assert.equal(add.code, 0, add.stderr);
  return db;
}

test('nginx and Apache error lines carried in syslog give the findings of the same lines in their own error logs', () => {
  const dir = tmpDir();
  // the lines that have a native form (Apache's level-less ErrorLogFormat has none in error_log)
  const lines = readLines(path.join(FIXTURES, 'syslog', 'embedded-errors.log')).filter((l) => !/\]: \[client /.test(l));
  const reader = new SyslogReader({ path: '-', tz: 'UTC', mtimeMs: Date.UTC(2026, 10, 15) });
  const nginx: string[] = [];
  const apache: string[] = [];
  for (const line of lines) {
    const h = reader.read(line);
    assert.ok(typeof h !== 'string');
    const stamp = new Date(h.ts!).toISOString();
    if (h.program === 'nginx' && /^(\d{4}\/|\[error\])/.test(h.msg)) {
      // error.log writes the date nginx left out of its syslog message
      nginx.push(h.msg.startsWith('[') ? `${stamp.slice(0, 10).replaceAll('-', '/')} ${stamp.slice(11, 19)} ${h.msg}` : h.msg);
    } else if (h.program !== 'nginx' && h.msg.startsWith('[')) {
      apache.push(`[${apacheTime(h.ts!)}] ${h.msg}`);
    }
  }
  assert.equal(nginx.length, 6);
  assert.equal(apache.length, 6);
  fs.writeFileSync(path.join(dir, 'nginx-error.log'), nginx.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'apache-error.log'), apache.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'syslog'), lines.filter((l) => / (nginx|httpd|apache2)(\[\d+\])?: [[\d]/.test(l)).join('\n') + '\n');

  // public addresses: a feed never matches documentation and other reserved ranges
  const listed = ['192.0.43.10', '5.7.9.2', '192.3.9.178', '204.232.202.107', '6.6.6.6'];
  const huntIn = (name: string, files: string[]) => {
    const res = run(['--db', storeWithFeed(dir, name, listed), 'hunt', '--tz', 'UTC', '--json', ...files]);
    assert.equal(res.code, 0, res.stderr);
    return ndjsonLines(res.stdout);
  };
  const native = huntIn('native', [path.join(dir, 'nginx-error.log'), path.join(dir, 'apache-error.log')]);
  const forwarded = huntIn('syslog', [path.join(dir, 'syslog')]);

  assert.deepEqual(forwarded.map(key).sort(), native.map(key).sort());
  const listedHits = forwarded.filter((f) => f.rule.title.startsWith('Traffic with an address listed'));
  // nginx (dated and dateless), Apache 2.4 and 2.2-style lines
  assert.deepEqual(listedHits.map((f) => f.group.threat.indicator.ip).sort(), ['192.0.43.10', '192.3.9.178', '204.232.202.107', '5.7.9.2']);
  // 6.6.6.6 is only ever a client forged into a message: never an event's address
  assert.equal(listedHits.find((f) => f.group.threat.indicator.ip === '192.0.43.10')?.count, 2);
});

test('kernel audit records in a journal export (_TRANSPORT=audit) give the findings of the same records in audit.log', () => {
  const dir = tmpDir();
  const journal = path.join(FIXTURES, 'journald', 'audit.log');
  // audit.log as auditd writes the same records: type name, msg=audit(time:serial), the fields
  const audit = readLines(journal)
    .map((l) => JSON.parse(l))
    .filter((e) => e._TRANSPORT === 'audit')
    .map((e) => {
      const ms = Math.floor(Number(e._SOURCE_REALTIME_TIMESTAMP) / 1000);
      const sp = e.MESSAGE.indexOf(' ');
      return `type=${e.MESSAGE.slice(0, sp)} msg=audit(${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}:${e._AUDIT_ID}): ${e.MESSAGE.slice(sp + 1)}`;
    });
  assert.equal(audit.length, 16);
  fs.writeFileSync(path.join(dir, 'audit.log'), audit.join('\n') + '\n');
  const native = hunt(dir, 'native', [path.join(dir, 'audit.log')]);
  const fromJournal = hunt(dir, 'journal', [journal]);

  assert.deepEqual(fromJournal.map(key).sort(), native.map(key).sort());
  const titles = fromJournal.map((f) => f.rule.title);
  assert.ok(titles.includes('Program executed from /tmp, /var/tmp or /dev/shm'));
  // one finding for chpasswd: passwd run by uid 1001 on its own entry is filtered out, which needs its SYSCALL and
  // PATH entries to be one event
  assert.equal(titles.filter((t) => t.startsWith('Account database modified')).length, 1);
  const exec = fromJournal.find((f) => f.rule.title.startsWith('Program executed from /tmp'));
  assert.match(exec?.evidence.events[0].event.original, /^\{"__CURSOR"/, 'evidence is the journal entries');
});

test('journalctl -o json-pretty gives the findings of the same entries in -o json', () => {
  const dir = tmpDir();
  const compact = [
    ...readLines(path.join(FIXTURES, 'journald', 'export.log')),
    ...readLines(path.join(FIXTURES, 'journald', 'audit.log')).slice(6, 11),
  ];
  fs.writeFileSync(path.join(dir, 'journal.json'), compact.join('\n') + '\n');
  const fromJson = hunt(dir, 'json', [path.join(dir, 'journal.json')]);
  const fromPretty = hunt(dir, 'pretty', [path.join(FIXTURES, 'journald', 'pretty.log')]);
  assert.deepEqual(fromPretty.map(key).sort(), fromJson.map(key).sort());
  assert.ok(fromPretty.some((f) => f.rule.title === 'SSH brute force from one address'));
  assert.ok(fromPretty.some((f) => f.rule.title.startsWith('Account database modified')), 'the audit entries grouped');
  const brute = fromPretty.find((f) => f.rule.title === 'SSH brute force from one address');
  assert.match(brute?.evidence.events[0].event.original, /^\{\n\t"__CURSOR" : /, 'evidence is the pretty entry');
});
