/**
 * SigmaHQ's Linux file_event rules (written for Sysmon for Linux's FileCreate), copied unchanged into
 * fixtures/sigma/file_event, run on auditd's file syscalls: each rule's example, worked out from its own detection,
 * is written as the records auditd logs for one file created or overwritten (SYSCALL, CWD, PATH items, PROCTITLE)
 * and must come back as a finding of that rule; a rule on a field auditd does not record is refused with a reason.
 * Writes that create and overwrite nothing (an append, a read, a rename into place) are no file_event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRules } from '../../src/detect/load.js';
import type { DetectionRule } from '../../src/detect/model.js';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { exampleOf, type Example } from '../helpers/sigma-example.js';
import { auditdFileLines, type FileWrite } from '../helpers/linux-example.js';

const RULES = path.join(FIXTURES, 'sigma/file_event/rules');

/** `|re` values sampled by hand: a last path component of 40 characters or more */
const REGEX_SAMPLES = { '[^/]{40,}$': '/tmp/.cache-0123456789abcdef0123456789abcdef0123' };

/** Rules refused, with the field named: Command and FileMode are no FileCreate fields, and auditd records neither */
const REFUSED = new Map([['Linux New SUID/SGID File Creation', /field "Command" has no mapping for logsource product: linux, category: file_event/]]);

/**
 * Examples auditd cannot log as a file creation, by rule title, with the reason; each checked below to stay true.
 * None today: every example's target is a path a program can create.
 */
const EXCLUDED = new Map<string, { why: string; holds: (ex: Example) => boolean }>();

/**
 * Rules that rightly fire on another rule's example too, as their conditions say: a redis-server writing
 * authorized_keys is an authorized_keys change by a program that is not sshd.
 */
const ALSO = new Map([['SSH Authorized Keys Modification', ['Redis Server Process Writing To SSH Authorized Keys File']]]);

/** An executable as a system has it: a rule's bare name or one-level suffix (`/wget`) under /usr/bin. */
function executable(image: string | undefined): string {
  if (image === undefined) return '/usr/bin/bash'; // a shell's `>`
  if (!image.startsWith('/')) return `/usr/bin/${image}`;
  return image.lastIndexOf('/') === 0 ? `/usr/bin${image}` : image;
}

/**
 * The file a rule's TargetFilename calls for: a folder (a value ending in a slash) gets a file in it; a value that
 * is no absolute path (a name's end, `bash`, `{echo`) is a file name in the working directory, written relative as
 * the program passed it.
 */
function target(name: string | undefined): string {
  const p = name ?? '/tmp/x';
  if (p.endsWith('/')) return `${p}x`;
  return p.startsWith('/') ? p : `x${p}`;
}

/** The ways the examples are written, in turn: created by open, by creat, or an existing file overwritten. */
const WRITES: FileWrite[] = ['create', 'creat', 'truncate'];

test("SigmaHQ's Linux file_event rules run on auditd's file creations: each fires on its own example", (t) => {
  const { rules, skipped } = loadRules([RULES]);
  assert.equal(skipped.length, 0);
  const detections = rules.filter((r): r is DetectionRule => r.kind === 'detection');
  assert.equal(detections.length, fs.readdirSync(RULES).length);
  const lines: string[] = [];
  const serialOf = new Map<string, number>();
  const titleOfSerial = new Map<number, string>();
  detections.forEach((rule, i) => {
    if (REFUSED.has(rule.title)) return;
    const ex = exampleOf(rule, REGEX_SAMPLES);
    assert.notEqual(typeof ex, 'string', `${rule.title}: ${String(ex)}`);
    const example = ex as Example;
    for (const name of example.fields.keys()) assert.ok(['TargetFilename', 'Image'].includes(name), `${rule.title}: no auditd field written for ${name}`);
    assert.equal(example.keywords.length, 0, `${rule.title}: keywords`);
    const excluded = EXCLUDED.get(rule.title);
    if (excluded) {
      assert.ok(excluded.holds(example), `${rule.title} is excluded (${excluded.why}), but its example is no longer so`);
      return;
    }
    const serial = 9001 + i;
    serialOf.set(rule.id, serial);
    titleOfSerial.set(serial, rule.title);
    const file = { path: target(example.fields.get('TargetFilename')), exe: executable(example.fields.get('Image')) };
    lines.push(...auditdFileLines(file, { host: `fe${i}`, pid: 40000 + i, serial }, WRITES[i % WRITES.length]));
  });
  // writes that neither create nor overwrite a file, on paths the rules watch: no rule may fire on them
  const quiet: [string, FileWrite][] = [['/etc/cron.d/backup', 'append'], ['/etc/sudoers.d/90-admin', 'read'], ['/etc/cron.d/ebpfbackdoor', 'rename']];
  quiet.forEach(([p, how], i) => lines.push(...auditdFileLines({ path: p, exe: '/usr/bin/bash' }, { host: 'quiet', pid: 50000 + i, serial: 9901 + i }, how)));

  const file = path.join(tmpDir(), 'audit.log');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const db = path.join(tmpDir(), 'store.db');
  const res = run(['--db', db, 'hunt', file, '--no-builtin', '--rules', RULES, '--json', '--evidence', '5']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout);
  // the quiet writes are stored, as file changes and a read, not lost on the way
  const stored = ndjsonLines(run(['--db', db, 'sql', "SELECT event_category AS c, event_type AS t FROM events WHERE host_name = 'quiet' ORDER BY id", '--json']).stdout);
  assert.deepEqual(stored.map((r) => `${r.c}/${r.t}`), ['file/change', 'file/access', 'file/change']);

  const list = ndjsonLines(run(['rules', 'list', '--no-builtin', '--rules', RULES, '--json']).stdout);
  const refused = list.filter((r) => r.status === 'skipped');
  assert.deepEqual(refused.map((r) => r.title).sort(), [...REFUSED.keys()].sort());
  for (const r of refused) assert.match(r.reason, REFUSED.get(r.title)!);

  /** the examples a rule's findings hold, by the title of the rule each was written for */
  const firedOn = (id: string) =>
    findings
      .filter((f) => f.rule.id === id)
      .flatMap((f) => f.evidence.events.map((e: { event: { original: string } }) => Number(/:(\d+)\)/.exec(e.event.original)![1])))
      .map((serial: number) => titleOfSerial.get(serial) ?? `quiet write ${serial}`)
      .sort();
  const wrong: string[] = [];
  for (const rule of detections) {
    if (REFUSED.has(rule.title) || EXCLUDED.has(rule.title)) continue;
    const expected = [rule.title, ...(ALSO.get(rule.title) ?? [])].sort();
    const got = firedOn(rule.id);
    if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`${rule.title}: fired on ${JSON.stringify(got)}`);
  }
  const loaded = detections.length - REFUSED.size - EXCLUDED.size;
  t.diagnostic(`${loaded - wrong.length} of ${loaded} loaded file_event rules fired on their example (and only there)`);
  assert.deepEqual(wrong, []);
});
