/**
 * Every public SigmaHQ Linux rule that loghound loads fires on an example worked out from its own detection,
 * written as the lines Linux really logs (audit.log records, syslog lines) and hunted through the real CLI. A field
 * mapping, parser or modifier that silently matches nothing fails here, rule by rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRules } from '../../src/detect/load.js';
import type { DetectionRule } from '../../src/detect/model.js';
import { SHARED, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { exampleOf, type Example } from '../helpers/sigma-example.js';
import { auditdLines, syslogLine, type Identity } from '../helpers/linux-example.js';

const SIGMA = path.join(SHARED, 'sigma');

/** Samples for the rules' regular expressions, keyed by the pattern. */
const REGEX_SAMPLES: Record<string, string> = {
  '(^|\\/)\\.[^.\\/]': '/root/.hidden',
};

/** Rules that cannot have an example, with the reason. Checked to stay true: an excluded rule that fires fails. */
const EXCLUDED: Record<string, string> = {};

/** The program that logs a service's messages (the syslog tag). */
const PROGRAM: Record<string, string> = {
  '': 'snoopy', // keyword rules over every syslog message: shell commands, as snoopy logs them
  syslog: 'systemd',
  sshd: 'sshd',
  sudo: 'sudo',
  cron: 'CRON',
  clamav: 'clamd',
  guacamole: 'guacd',
  vsftpd: 'vsftpd',
  auth: 'login',
};

/**
 * Lines as the program really writes them, where the keywords alone would not make a real message: the words a
 * rule looks for that a real line holds outside the message (the program's name), or a message of its own format.
 */
const REAL: Record<string, { program: string; message: string }> = {
  // PwnKit: pkexec's own warning; "pkexec" is the syslog tag
  '0506a799-698b-43b4-85a1-ac4c84c720e9': {
    program: 'pkexec',
    message: 'alice: The value for environment variable XAUTHORITY contains suspicious content [USER=root] [TTY=/dev/pts/0] [CWD=/home/alice] [COMMAND=GCONV_PATH=./pwnkit.so:. PATH=GCONV_PATH=. SHELL=/lol/i/do/not/exist CHARSET=PWNKIT]',
  },
  // Nimbuspwn: networkd-dispatcher's error for a crafted interface name
  '7ba05b43-adad-4c02-b5e9-c8c35cdf9fa8': {
    program: 'networkd-dispatcher',
    message: 'ERROR:Error handling notification for interface ../../../../tmp/nimbuspwn',
  },
  // BIND's named: the message starts with the words the rule writes after a space
  'c8e35e96-19ce-4f16-aeb6-fd5588dc5365': { program: 'named', message: 'dropping source port zero packet from 203.0.113.9#0' },
  // crontab -e: the crontab program logs the replaced table
  'af202fd3-7bff-4212-a25a-fb34606cfcbe': { program: 'crontab', message: '(root) REPLACE (root)' },
};

interface Case {
  rule: DetectionRule;
  example: Example;
  /** the text the finding's evidence must hold: the example's lines */
  original: string;
}

function identity(i: number): Identity {
  return { host: `lnx${String(i).padStart(3, '0')}`, pid: 20000 + i * 10, serial: 1000 + i };
}

/** sudo's line for an example of its key=value fields (USER is the target user, COMMAND the command). */
function sudoMessage(ex: Example): string {
  const f = ex.fields;
  const tty = f.get('TTY') ?? 'pts/0';
  const pwd = f.get('PWD') ?? '/home/alice';
  return `alice : TTY=${tty} ; PWD=${pwd} ; USER=${f.get('USER') ?? 'root'} ; COMMAND=${f.get('COMMAND') ?? '/usr/bin/id'}`;
}

function syslogOf(rule: DetectionRule, ex: Example, id: Identity): string {
  const real = REAL[rule.id];
  if (real) return syslogLine(id, real.program, real.message);
  const service = rule.logsource.service ?? '';
  const program = PROGRAM[service];
  assert.ok(program, `no program for the service ${service} (${rule.title})`);
  if (service === 'sudo') return syslogLine(id, program, sudoMessage(ex));
  assert.equal(ex.fields.size, 0, `${rule.title}: a field rule of ${service} needs the program's own message`);
  return syslogLine(id, program, ex.keywords.join(' '));
}

test('every SigmaHQ Linux rule fires on an example of its own detection, written as real audit.log and syslog lines', (t) => {
  if (!fs.existsSync(SIGMA)) return t.skip(`${SIGMA} is absent`);
  const rules = loadRules([SIGMA]).rules.filter((r): r is DetectionRule => r.kind === 'detection' && r.logsource.product === 'linux');
  assert.ok(rules.length >= 80, `${rules.length} Linux rules`);

  const auditd: Case[] = [];
  const enriched: Case[] = [];
  const syslog: Case[] = [];
  const noExample: string[] = [];
  rules.forEach((rule, i) => {
    const example = exampleOf(rule, REGEX_SAMPLES);
    if (typeof example === 'string') {
      noExample.push(`${rule.title}: ${example}`);
      return;
    }
    const id = identity(i);
    if (rule.logsource.service === 'auditd') {
      auditd.push({ rule, example, original: auditdLines(example, id).join('\n') });
      enriched.push({ rule, example, original: auditdLines(example, id, true).join('\n') });
    }
    else syslog.push({ rule, example, original: syslogOf(rule, example, id) });
  });
  assert.deepEqual(noExample, [], 'every rule has an example (add a regex sample or an exclusion)');

  const dir = tmpDir();
  const failures: string[] = [];
  const fired: Record<string, number> = {};
  // audit.log in the raw format and in auditd 3's default ENRICHED one (names after a 0x1d byte)
  for (const [name, cases] of [['audit.log', auditd], ['enriched-audit.log', enriched], ['syslog', syslog]] as const) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, cases.map((c) => `${c.original}\n`).join(''));
    const res = run(['--db', path.join(dir, `${name}.db`), 'hunt', file, '--no-builtin', '--rules', SIGMA, '--json', '--evidence', '5']);
    assert.equal(res.code, 0, res.stderr);
    const findings = ndjsonLines(res.stdout);
    for (const c of cases) {
      const evidence = findings.filter((f) => f.rule.id === c.rule.id).flatMap((f) => f.evidence.events.map((e: { event: { original: string } }) => e.event.original));
      const ok = evidence.includes(c.original);
      const group = name === 'enriched-audit.log' ? 'auditd (enriched)' : (c.rule.logsource.service ?? '(none)');
      if (ok) fired[group] = (fired[group] ?? 0) + 1;
      const excluded = Object.hasOwn(EXCLUDED, c.rule.id);
      if (ok && excluded) failures.push(`excluded but fires: ${c.rule.title} (${c.rule.id})`);
      if (!ok && !excluded) failures.push(`did not fire (${name}): ${c.rule.title} (${c.rule.id}) on\n${c.original}`);
    }
  }
  const total: Record<string, number> = {};
  for (const r of rules) total[r.logsource.service ?? '(none)'] = (total[r.logsource.service ?? '(none)'] ?? 0) + 1;
  total['auditd (enriched)'] = total.auditd;
  t.diagnostic(`fired: ${Object.entries(total).map(([g, n]) => `${g} ${fired[g] ?? 0}/${n}`).join(', ')}; excluded: ${Object.keys(EXCLUDED).length}`);
  for (const id of Object.keys(EXCLUDED)) assert.ok(rules.some((r) => r.id === id), `the excluded rule ${id} is not a loaded Linux rule`);
  assert.deepEqual(failures, []);
});
