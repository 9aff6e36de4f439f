/**
 * SigmaHQ's Linux process_creation rules (written for Sysmon for Linux), copied unchanged into
 * fixtures/sigma/process_creation, run on auditd's execve events: each rule's example, worked out from its own
 * detection, is written as the records auditd logs for one program start (SYSCALL, EXECVE, CWD, PATH, PROCTITLE)
 * and must come back as a finding of that rule, and of no other; a rule on a field auditd does not record is refused
 * with a reason naming the field.
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

/** Sysmon for Linux fields an execve event does not carry: a rule on one is refused, never run as if absent. */
const UNRECORDED = new Set(['ParentImage', 'ParentCommandLine', 'ParentUser', 'ParentProcessGuid', 'ProcessGuid', 'OriginalFileName', 'Hashes', 'Product', 'Company', 'Description', 'IntegrityLevel', 'TerminalSessionId']);

/** Rule files refused at load for what they are, not for a field (by file name, as OVERLAPS): the reason. */
const INVALID = new Map<string, RegExp>([
  // contains_any is no Sigma modifier (the specification has contains with a list, which is already "any")
  ['attack_tool_installation', /^unknown modifier "contains_any"$/],
  ['commonly_abused_binary_renamed', /^unknown modifier "contains_any"$/],
  // this version nests selection_img inside itself: a field "selection_img" whose values are selections
  ['python_http_server_execution', /^values of "selection_img" must be scalars$/],
  // this version's condition has an unbalanced parenthesis
  ['susp_container_residence_discovery', /^condition: unexpected "\)" at column 44/],
  // this version's condition is indented less than the selections beside it
  ['system_network_discovery', /^YAML: All mapping items must start at the same column$/],
]);

/** A rule file's name without proc_creation_lnx_ and .yml (and a :line:col): how the lists here name rules. */
function shortName(file: string): string {
  return path.basename(file.replace(/:\d+:\d+$/, ''), '.yml').replace(/^proc_creation_lnx_/, '');
}

/** A string each `|re` value of these rules matches (sampling regular expressions is beyond the example helper). */
const REGEX_SAMPLES: Record<string, string> = {
  '(-s|--size[=\\s])\\s*0': '-s0 ', // truncate -s0 ~/.bash_history
  '\\s-O\\s': ' -O ', // wget -O /tmp/x
  '(.){200,}': `${'/srv/www/'.repeat(10)}* ${'/home/alice/'.repeat(10)}*`, // file */* lists every name
};

/**
 * Rules that rightly fire on other rules' examples (by file name, see shortName): the other
 * example is also what the rule looks for. Exact: a pair listed here that does not fire fails too.
 */
const OVERLAPS = new Map<string, string[]>([
  // auditctl -D deletes every rule: the disable-attempt rule looks for ' -D' too
  ['auditctl_disable_audit_subsystem', ['auditctl_clear_rules']],
  // the miner indicators' first item is --cpu-priority, the coin miner parameter rule's one value
  ['coinminer', ['crypto_mining']],
  // any curl start
  ['curl_usage', ['curl_wget_chat_webhook_exfil', 'curl_wget_docker_socket', 'curl_wget_upload_paste_sharing_site', 'susp_curl_fileupload', 'susp_curl_useragent']],
  // any find start
  ['file_and_directory_discovery', ['find_shell_execution']],
  // any rm start
  ['file_deletion', ['clear_logs', 'susp_history_delete']],
  // rm of a shell history file
  ['clear_cmd_history', ['susp_history_delete']],
  // its condition is the /cat selection alone: any cat start
  ['susp_history_recon', ['cat_sudoers', 'susp_dockerenv_recon', 'susp_sensitive_file_access']],
  // nc is in both lists of tools
  ['attack_tool_execution', ['susp_network_utilities_execution']],
  // lsmod is in both lists
  ['system_info_discovery', ['device_driver_discovery']],
  // touch -t sets a file's times
  ['change_file_time_attr', ['touch_susp']],
  // cat /etc/sudoers reads an account file
  ['local_account', ['cat_sudoers']],
  // any mkfifo start
  ['mkfifo_named_pipe_creation', ['mkfifo_named_pipe_creation_susp_location']],
  // any nohup start
  ['nohup', ['nohup_susp_execution']],
  // the SCX script runs under /usr/bin/sh, whose command line holds /bin/sh
  ['omigod_scx_runasprovider_executeshellcommand', ['omigod_scx_runasprovider_executescript']],
  // any service stopped by systemctl or service
  ['services_stop_and_disable', ['av_kaspersky_av_disabled', 'security_tools_disabling']],
]);

/**
 * Loaded rules whose example cannot be one auditd execve event (by file name): why. Such a rule must not fire at all.
 * None so far: every loaded rule's example is a program start auditd records.
 */
const EXCLUDED = new Map<string, string>([]);

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
  if (commandLine?.endsWith(' ')) words.push('x');
  return words;
}

/** Users of the examples, by the uid the ENRICHED format names (see linux-example.ts) */
const UIDS = new Map([['root', '0'], ['alice', '1000']]);

/**
 * The example as auditd's own fields: the program, its arguments, its working directory, its ids. A user name is
 * only in auditd's ENRICHED format (the raw one has the uid alone): `enriched` says the example needs it.
 */
function asAuditd(ex: Example): { example: Example; enriched: boolean } {
  const exe = executable(ex.fields.get('Image'));
  const fields = new Map<string, string>([['exe', exe]]);
  argv(exe, ex.fields.get('CommandLine')).forEach((a, i) => fields.set(`a${i}`, a));
  const auditd: Record<string, string> = { CurrentDirectory: 'cwd', LogonId: 'auid', ProcessId: 'pid', ParentProcessId: 'ppid' };
  for (const [name, value] of ex.fields) {
    if (name === 'Image' || name === 'CommandLine') continue;
    if (name === 'User') {
      const uid = UIDS.get(value);
      assert.ok(uid !== undefined, `no uid for the user ${value}`);
      for (const k of ['uid', 'euid', 'suid', 'fsuid']) fields.set(k, uid);
    } else {
      assert.ok(auditd[name] !== undefined, `no auditd field written for ${name}`);
      fields.set(auditd[name], value);
    }
  }
  return { example: { fields, keywords: ex.keywords, absent: new Set() }, enriched: ex.fields.has('User') };
}

test("SigmaHQ's Linux process_creation rules run on auditd's execve events: each fires on its own example, and only there", (t) => {
  const { rules, skipped } = loadRules([RULES]);
  // refused at load: only what INVALID names, each for its reason
  assert.deepEqual(skipped.map((s) => shortName(s.file)).sort(), [...INVALID.keys()].sort());
  for (const s of skipped) assert.match(s.reason, INVALID.get(shortName(s.file))!, s.file);
  const detections = rules.filter((r): r is DetectionRule => r.kind === 'detection');
  assert.equal(detections.length + skipped.length, fs.readdirSync(RULES).length);

  // refused at compile: each for a field auditd cannot know, named in the reason
  const list = ndjsonLines(run(['rules', 'list', '--no-builtin', '--rules', RULES, '--json']).stdout);
  const refused = new Set<string>();
  const byField = new Map<string, number>();
  const badReasons: string[] = [];
  for (const r of list.filter((r) => r.status === 'skipped')) {
    refused.add(r.id);
    if (INVALID.has(shortName(r.file))) continue;
    const field = /^field "(\w+)" has no mapping for logsource product: linux, category: process_creation /.exec(r.reason)?.[1];
    if (field === undefined || !UNRECORDED.has(field)) badReasons.push(`${r.title}: ${r.reason}`);
    else byField.set(field, (byField.get(field) ?? 0) + 1);
  }
  assert.deepEqual(badReasons, []);

  const lines: string[] = [];
  const serialOf = new Map<number, string>();
  const noExample: string[] = [];
  const loaded = detections.filter((r) => !refused.has(r.id));
  loaded.forEach((rule, i) => {
    if (EXCLUDED.has(shortName(rule.where.file))) return;
    const ex = exampleOf(rule, REGEX_SAMPLES);
    if (typeof ex === 'string') return noExample.push(`${rule.title}: ${ex}`);
    const serial = 7001 + i;
    serialOf.set(serial, rule.id);
    const { example, enriched } = asAuditd(ex);
    lines.push(...auditdLines(example, { host: `pc${i}`, pid: 30000 + i, serial }, enriched));
  });
  assert.deepEqual(noExample, []);
  for (const name of EXCLUDED.keys()) assert.ok(loaded.some((r) => shortName(r.where.file) === name), `excluded rule ${name} is not a loaded rule`);
  const file = path.join(tmpDir(), 'audit.log');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const res = run(['--db', path.join(tmpDir(), 'store.db'), 'hunt', file, '--no-builtin', '--rules', RULES, '--json', '--evidence', '5']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout);

  // which examples each rule fired on
  const firedOn = new Map<string, Set<string>>();
  for (const f of findings) {
    for (const e of f.evidence.events as { event: { original: string } }[]) {
      const serial = Number(/:(\d+)\)/.exec(e.event.original)![1]);
      const set = firedOn.get(f.rule.id) ?? new Set<string>();
      set.add(serialOf.get(serial)!);
      firedOn.set(f.rule.id, set);
    }
  }
  const short = (id: string) => shortName(detections.find((r) => r.id === id)!.where.file);
  const missing = loaded.filter((r) => !EXCLUDED.has(shortName(r.where.file)) && !firedOn.get(r.id)?.has(r.id)).map((r) => r.title);
  const elsewhere = [...firedOn].flatMap(([id, on]) => [...on].filter((o) => o !== id).map((o) => `${short(id)} fired on the example of ${short(o)}`)).sort();
  const overlaps = [...OVERLAPS].flatMap(([rule, on]) => on.map((o) => `${rule} fired on the example of ${o}`)).sort();
  const fields = [...byField].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${n}`).join(', ');
  t.diagnostic(`${detections.length + skipped.length} rule files: ${refused.size} refused (${fields}${skipped.length ? `, ${skipped.length} invalid` : ''}), ${loaded.length} loaded, ${EXCLUDED.size} excluded, ${loaded.length - EXCLUDED.size - missing.length} fired on their example`);
  assert.deepEqual(missing, []);
  assert.deepEqual(elsewhere, overlaps);
  for (const id of firedOn.keys()) assert.ok(!EXCLUDED.has(short(id)), `excluded rule ${short(id)} fired`);
});
