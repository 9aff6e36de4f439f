/** The bundled incident (scripts/make-demo.mjs tells the story) hunted with the built-in pack. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { ruleId } from './pack.js';

const ATTACKER = { source: { ip: '175.16.199.14' } };
const SPRAYER = { source: { ip: '67.43.156.14' } };
const SCANNER = { source: { ip: '89.160.20.112' } };
const INTRUDER_AUDIT = { auditd: { auid: '1002' } };
const web01 = (user: Record<string, unknown>) => ({ host: { name: 'web01' }, user });

/** rule file (its first rule) -> the group the finding must carry */
const STORY: [string, Record<string, unknown>][] = [
  ['web/scanner_user_agent', ATTACKER],
  ['web/scanning_404', ATTACKER],
  ['web/admin_probe', ATTACKER],
  ['web/sql_injection', ATTACKER],
  ['web/xss', ATTACKER],
  ['web/path_traversal', ATTACKER],
  ['web/jndi_injection', ATTACKER],
  ['web/auth_failure_burst', ATTACKER],
  ['web/webshell', ATTACKER],
  ['web/large_response', ATTACKER],
  ['auth/ssh_bruteforce', ATTACKER],
  ['auth/ssh_bruteforce', SPRAYER],
  ['auth/ssh_user_enumeration', ATTACKER],
  ['auth/password_spraying', SPRAYER],
  ['auth/ssh_bruteforce_success', ATTACKER],
  ['auth/sudo_shell', web01({ name: 'deploy' })],
  ['auth/user_created', web01({ target: { name: 'sysupdate' } })],
  ['auth/uid0_account', web01({ target: { name: 'sysupdate' } })],
  ['auth/password_change_other_user', web01({ target: { name: 'sysupdate' } })],
  ['auth/privileged_group_add', web01({ target: { name: 'deploy' } })],
  ['firewall/port_scan', SCANNER],
  ['auditd/identity_file_write', INTRUDER_AUDIT],
  ['auditd/exec_from_tmp', INTRUDER_AUDIT],
  ['auditd/crontab_write', INTRUDER_AUDIT],
  ['auditd/sshd_config_write', INTRUDER_AUDIT],
  ['auditd/audit_config_change', INTRUDER_AUDIT],
];

/** the ordinary users, the crawler and the nightly backup job of the demo */
const BYSTANDERS = ['10.0.0.5', '10.0.0.23', '192.168.1.40', '81.2.69.142', '216.160.83.56', '2.125.160.216', '66.249.66.1'];

test('hunting the demo finds the story, and the bystanders stay quiet', () => {
  const db = path.join(tmpDir('loghound-demo-'), 'store.db');
  const demo = path.join(FIXTURES, 'demo');
  const first = run(['--db', db, 'hunt', demo, '--tz', 'UTC', '--json', '--fail-on', 'high']);
  assert.equal(first.code, 1, `--fail-on high exits 1 on new high findings\n${first.stderr}`);
  const findings = ndjsonLines(first.stdout);

  const missing = STORY.filter(([stem, group]) => !findings.some((f) => f.rule.id === ruleId(stem) && JSON.stringify(f.group) === JSON.stringify(group)));
  assert.deepEqual(missing.map(([stem, group]) => `${stem} ${JSON.stringify(group)}`), []);

  const chain = findings.find((f) => f.rule.id === ruleId('auth/ssh_bruteforce_success'))!;
  assert.equal(chain.rule.level, 'critical');
  assert.ok(chain.count > 5, 'the chain carries the failures and the success as evidence');

  const loudBystanders = findings.filter((f) => BYSTANDERS.includes(f.group?.source?.ip) && f.rule.level !== 'informational');
  assert.deepEqual(loudBystanders.map((f) => `${f.rule.title} ${f.group.source.ip}`), [], 'ordinary users and the crawler');
  const backupJob = findings.filter((f) => f.group?.user?.name === 'backup');
  assert.deepEqual(backupJob.map((f) => f.rule.title), [], 'the nightly cron sudo');

  const second = run(['--db', db, 'hunt', demo, '--tz', 'UTC', '--json', '--fail-on', 'high']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, '', 'a second hunt over the same logs prints nothing new');
  assert.match(second.stderr, / 0 new findings/);
});
