/**
 * The pack on real logs from public projects (../shared/corpus: filebeat's test logs, loghub's samples), read in
 * place. What it finds is printed for a human to judge; the assertions are what any analyst sees at a glance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { ruleId } from './pack.js';

const CORPUS = path.join(SHARED, 'corpus');

interface Finding {
  rule: { id: string; title: string; level: string };
  group: Record<string, any>;
  count: number;
}

function hunt(t: { diagnostic(msg: string): void }, rel: string): Finding[] {
  const db = path.join(tmpDir('loghound-corpus-'), 'store.db');
  // syslog lines carry no year and no zone: read them as UTC so windows do not depend on the machine
  const res = run(['--db', db, 'hunt', path.join(CORPUS, rel), '--tz', 'UTC', '--json', '--evidence', '0']);
  assert.equal(res.code, 0, res.stderr);
  const findings = ndjsonLines(res.stdout) as Finding[];
  t.diagnostic(`${rel}: ${findings.length} findings`);
  for (const f of findings) if (f.rule.level !== 'informational') t.diagnostic(`  ${f.rule.level.padEnd(8)} ${f.rule.title} ${JSON.stringify(f.group)} x${f.count}`);
  return findings;
}

const ips = (findings: Finding[], stem: string) =>
  findings
    .filter((f) => f.rule.id === ruleId(stem))
    .map((f) => f.group.source.ip as string)
    .sort();

/** The PAM burst groups by rhost as logged: an address, or a host name. */
const rhosts = (findings: Finding[]) =>
  findings
    .filter((f) => f.rule.id === ruleId('auth/pam_auth_failure_burst'))
    .map((f) => f.group.rhost as string)
    .sort();

const skip = fs.existsSync(CORPUS) ? false : `${CORPUS} is absent (the shared corpus is not shipped with the project)`;

test('secure-rhel7.log: the three brute-forcing addresses, and no success after them', { skip }, (t) => {
  const f = hunt(t, 'beats/system/auth/secure-rhel7.log');
  assert.deepEqual(ips(f, 'auth/ssh_bruteforce'), ['116.31.116.27', '202.109.143.106', '223.99.60.46']);
  assert.deepEqual(ips(f, 'auth/ssh_bruteforce_success'), [], 'the accepted logins come from other addresses');
  assert.deepEqual(rhosts(f), [], 'modern sshd pam lines are not counted twice');
});

test('OpenSSH_2k.log: the heavy brute forcers and the user enumerators', { skip }, (t) => {
  const f = hunt(t, 'loghub/OpenSSH/OpenSSH_2k.log');
  const bf = ips(f, 'auth/ssh_bruteforce');
  for (const ip of ['183.62.140.253', '187.141.143.180', '103.99.0.122', '112.95.230.3', '5.188.10.180']) assert.ok(bf.includes(ip), `brute force from ${ip}`);
  const enumerators = ips(f, 'auth/ssh_user_enumeration');
  for (const ip of ['103.99.0.122', '187.141.143.180']) assert.ok(enumerators.includes(ip), `enumeration from ${ip}`);
  assert.deepEqual(ips(f, 'auth/ssh_bruteforce_success'), [], 'the one accepted login is not from an attacker');
});

test('Linux_2k.log: old sshd(pam_unix) brute force is seen through PAM, from addresses and host names', { skip }, (t) => {
  const f = hunt(t, 'loghub/Linux/Linux_2k.log');
  const pam = rhosts(f);
  for (const ip of ['150.183.249.110', '207.243.167.114', '60.30.224.116']) assert.ok(pam.includes(ip), `PAM failures from ${ip}`);
  // sshd resolved these clients (UseDNS), so rhost= is a name: 23 and 13 failures within minutes
  for (const name of ['n219076184117.netvigator.com', 'h64-187-1-131.gtconnect.net']) assert.ok(pam.includes(name), `PAM failures from ${name}`);
  assert.equal(f.filter((x) => ['high', 'critical'].includes(x.rule.level)).length, 0);
});

test('auth-ubuntu1204.log: a quiet admin box: root shells through sudo and a refused sudo, no attack', { skip }, (t) => {
  const f = hunt(t, 'beats/system/auth/auth-ubuntu1204.log');
  assert.ok(f.some((x) => x.rule.id === ruleId('auth/sudo_shell') && x.group.user?.name === 'vagrant'), 'sudo bash -l');
  assert.ok(f.some((x) => x.rule.id === ruleId('auth/sudo_not_in_sudoers') && x.group.user?.name === 'tsg'));
  assert.equal(f.filter((x) => ['high', 'critical'].includes(x.rule.level)).length, 0);
});

test('audit-rhel7.log: audit rules changed by a logged-in user', { skip }, (t) => {
  const f = hunt(t, 'beats/auditd/log/audit-rhel7.log');
  assert.ok(f.some((x) => x.rule.id === ruleId('auditd/audit_config_change') && x.group.auditd?.auid === '1000'));
  assert.equal(f.filter((x) => x.rule.level === 'critical').length, 0);
});
