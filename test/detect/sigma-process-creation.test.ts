/**
 * SigmaHQ's Linux process_creation rules (written for Sysmon for Linux), copied unchanged into
 * fixtures/sigma/process_creation, run on auditd's execve events: each rule's example, worked out from its own
 * detection, is written as the records auditd logs for one program start (SYSCALL, EXECVE, CWD, PATH, PROCTITLE)
 * and must come back as a finding of that rule; a rule on a field auditd does not record is refused with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRules } from '../../src/detect/load.js';
import type { DetectionRule } from '../../src/detect/model.js';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { exampleOf, type Example } from '../helpers/sigma-example.js';
import { auditdLines } from '../helpers/linux-example.js';

const RULES = path.join(FIXTURES, 'sigma/process_creation/rules');

/** An executable as a system has it: a rule's bare name or one-level suffix (`/cat`, `crontab`) under /usr/bin. */
function executable(image: string | undefined): string {
  if (image === undefined) return '/usr/bin/sh';
  if (!image.startsWith('/')) return `/usr/bin/${image}`;
  return image.lastIndexOf('/') === 0 ? `/usr/bin${image}` : image;
}

/**
 * The argument vector of a command line: split at spaces, the program first (a rule's CommandLine rarely names
 * it), and an argument after a trailing space (a flag the rule writes as ' -i ' has something after it).
 */
function argv(exe: string, commandLine: string | undefined): string[] {
  const words = (commandLine ?? '').split(' ').filter((w) => w !== '');
  const program = exe.split('/').pop()!;
  if (words[0] !== program && words[0] !== exe) words.unshift(exe);
  if (commandLine?.endsWith(' ')) words.push('/tmp/x');
  return words;
}

/** The example as auditd's own fields: the program, its arguments, its working directory. */
function asAuditd(ex: Example): Example {
  const exe = executable(ex.fields.get('Image'));
  const fields = new Map<string, string>([['exe', exe]]);
  argv(exe, ex.fields.get('CommandLine')).forEach((a, i) => fields.set(`a${i}`, a));
  const cwd = ex.fields.get('CurrentDirectory');
  if (cwd !== undefined) fields.set('cwd', cwd);
  for (const name of ex.fields.keys()) assert.ok(['Image', 'CommandLine', 'CurrentDirectory'].includes(name), `no auditd field written for ${name}`);
  return { fields, keywords: ex.keywords, absent: new Set() };
}

test("SigmaHQ's Linux process_creation rules run on auditd's execve events: each fires on its own example", (t) => {
  const { rules, skipped } = loadRules([RULES]);
  const detections = rules.filter((r): r is DetectionRule => r.kind === 'detection');
  assert.equal(detections.length, fs.readdirSync(RULES).length);
  const lines: string[] = [];
  const serialOf = new Map<string, number>();
  const REFUSED = 'Atlassian Confluence CVE-2022-26134';
  detections.forEach((rule, i) => {
    if (rule.title === REFUSED) return;
    const ex = exampleOf(rule);
    assert.notEqual(typeof ex, 'string', `${rule.title}: ${String(ex)}`);
    const serial = 7001 + i;
    serialOf.set(rule.id, serial);
    lines.push(...auditdLines(asAuditd(ex as Example), { host: `pc${i}`, pid: 30000 + i, serial }));
  });
  assert.equal(skipped.length, 0);
  const file = path.join(tmpDir(), 'audit.log');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const res = run(['--db', path.join(tmpDir(), 'store.db'), 'hunt', file, '--no-builtin', '--rules', RULES, '--json', '--evidence', '5']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout);

  // the one rule on the parent process: refused, with the field named, never run as if the parent were absent
  const list = ndjsonLines(run(['rules', 'list', '--no-builtin', '--rules', RULES, '--json']).stdout);
  const refused = list.filter((r) => r.status === 'skipped');
  assert.deepEqual(refused.map((r) => r.title), [REFUSED]);
  assert.match(refused[0].reason, /field "ParentImage" has no mapping for logsource product: linux, category: process_creation/);

  const missing: string[] = [];
  for (const rule of detections) {
    if (rule.title === REFUSED) continue;
    const serial = `:${serialOf.get(rule.id)!})`;
    const hit = findings.some((f) => f.rule.id === rule.id && f.evidence.events.some((e: { event: { original: string } }) => e.event.original.includes(serial)));
    if (!hit) missing.push(rule.title);
  }
  t.diagnostic(`${detections.length - 1 - missing.length} of ${detections.length - 1} loaded process_creation rules fired on their example`);
  assert.deepEqual(missing, []);
  // and each fired on its own example only: no rule matched another's program start
  for (const f of findings) assert.equal(f.evidence.events.length, 1, `${f.rule.title}: ${f.evidence.events.length} events`);
});
