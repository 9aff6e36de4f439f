import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, flatEvents, one } from './util.js';

test('pam: golden file', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'pam.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('pam: authentication failure with rhost and user, whatever the program', () => {
  const f = one('Mar 10 11:00:01 web1 sshd[5001]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root');
  assert.deepEqual(
    [f['event.action'], f['event.outcome'], f['source.ip'], f['user.name'], f['pam.module'], f['pam.service'], f['pam.type'], f['event.dataset']],
    ['pam_auth_failure', 'failure', '1.2.3.4', 'root', 'pam_unix', 'sshd', 'auth', 'system.auth'],
  );
  const g = one('Mar 10 11:00:06 web1 vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=erin rhost=ftp.example.net');
  assert.equal(g['source.domain'], 'ftp.example.net');
  assert.equal(g['user.name'], 'erin', 'without user=, the remote user names the account');
  assert.equal(g['event.dataset'], 'system.auth', 'a PAM message is auth whatever the program');
});

test('pam: an injected rhost= in ruser or user cannot move source.ip', () => {
  let f = one('Jul 19 18:11:50 srv2 daemon: pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=xxx ruser=test rhost=192.0.2.151 rhost=192.0.2.1');
  assert.equal(f['source.ip'], '192.0.2.1');
  assert.equal(f['user.name'], 'test rhost=192.0.2.151');
  f = one('Jul 19 18:11:52 srv2 daemon: pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=xxx ruser= rhost=192.0.2.2 user=test rhost=192.0.2.152');
  assert.equal(f['source.ip'], '192.0.2.2');
  assert.equal(f['user.name'], 'test rhost=192.0.2.152');
});

test('pam: sessions name the session user, and the actor in pam.by', () => {
  let f = one('Mar 10 09:00:10 web1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)');
  assert.deepEqual([f['event.action'], f['user.name'], f['user.id'], f['pam.by']], ['session_opened', 'root', '0', 'alice']);
  f = one('Mar 10 09:00:10 web1 CRON[1]: pam_unix(cron:session): session opened for user root by (uid=0)');
  assert.deepEqual([f['event.action'], f['user.name'], f['pam.by']], ['session_opened', 'root', undefined]);
  f = one('Mar 10 09:00:11 web1 sudo: pam_unix(sudo:session): session closed for user root');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['user.name']], ['session_closed', 'success', 'root']);
});

test('pam: password changes and the module in the tag (old Linux-PAM)', () => {
  let f = one('Mar 10 11:00:04 web1 passwd[5004]: pam_unix(passwd:chauthtok): password changed for bob');
  assert.deepEqual([f['event.action'], f['user.target.name']], ['password_changed', 'bob']);
  f = one('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ');
  assert.deepEqual([f['process.name'], f['pam.module'], f['event.action'], f['source.ip']], ['sshd', 'pam_unix', 'pam_auth_failure', '218.188.2.4']);
  f = one('Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown');
  assert.deepEqual([f['event.action'], f['event.outcome']], [undefined, 'failure']);
});

test('pam: a libpam call is not a module', () => {
  const f = one('Mar 10 10:00:11 web1 su[4005]: pam_authenticate: Authentication failure');
  assert.equal(f['pam.module'], undefined);
  assert.equal(f['event.dataset'], 'system.auth');
});

test('pam: pam_tally, pam_tally2 and pam_faillock lockouts are failures of the named account', () => {
  let f = one('Mar 10 11:00:20 web1 sshd[5020]: pam_tally2(sshd:auth): user admin (0) tally 4, deny 3');
  assert.deepEqual(
    [f['event.action'], f['event.outcome'], f['event.category'], f['user.name'], f['user.id'], f['pam.module']],
    ['pam_account_locked', 'failure', ['authentication'], 'admin', '0', 'pam_tally2'],
  );
  f = one('Mar 10 11:00:21 web1 sshd[5021]: pam_tally(sshd:auth): user bob (1001) tally 2, deny 3');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['user.name']], [undefined, undefined, 'bob'], 'debug count below deny: not refused');
  f = one('Mar 10 11:00:22 web1 sshd[5022]: pam_tally2(sshd:auth): user bob (1001) tally 9, deny 0');
  assert.equal(f['event.action'], undefined, 'deny=0 never locks');
  f = one('Mar 10 11:00:23 web1 sshd[5023]: pam_tally2(sshd:auth): user bob (1001) has time limit [57s left] since last failure.');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['user.name'], f['user.id']], ['pam_account_locked', 'failure', 'bob', '1001']);
  f = one('Mar 10 11:00:24 web1 login[5024]: pam_faillock(login:auth): Consecutive login failures for user mjones account temporarily locked');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['user.name']], ['pam_account_locked', 'failure', 'mjones']);
  f = one('Mar 10 11:00:25 web1 sshd[5025]: pam_tally2(sshd:auth): user x (0) tally 1, deny 3 (0) tally 4, deny 3');
  assert.equal(f['user.name'], 'x (0) tally 1, deny 3', 'the numbers are read at the end');
});

test('pam: an unknown user is a failed step with the user when named, and no action', () => {
  let f = one('Mar 10 11:00:26 web1 sshd[5026]: pam_tally(sshd:auth): pam_get_uid; no such user');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['event.category'], f['user.name']], [undefined, 'failure', ['authentication'], undefined]);
  f = one('Mar 10 11:00:27 web1 sshd[5027]: pam_tally2(sshd:auth): pam_get_uid; no such user oracle');
  assert.equal(f['user.name'], 'oracle');
  f = one('Mar 10 11:00:28 web1 sshd[5028]: pam_unix(sshd:auth): check pass; user unknown');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['event.category']], [undefined, 'failure', ['authentication']]);
});

test('pam: an authentication step of an sshd process without rhost gets the client an earlier line of that process named', () => {
  const evs = flatEvents([
    'Jun  4 22:07:13 farnsworth sshd[9917]: Invalid user student from 198.51.100.49 port 63467',
    'Jun  4 22:07:14 farnsworth sshd[9917]: pam_tally(sshd:auth): pam_get_uid; no such user',
    'Jun  4 22:07:14 farnsworth sshd[9917]: pam_unix(sshd:auth): check pass; user unknown',
    'Jun  4 22:07:14 farnsworth sshd[9917]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.com',
    'Jun  4 22:07:15 farnsworth login[9917]: pam_unix(login:auth): check pass; user unknown',
    'Jun  4 22:07:15 otherhost sshd[9917]: pam_unix(sshd:auth): check pass; user unknown',
    'Jun  4 22:07:16 farnsworth sshd[9917]: pam_unix(sshd:session): session opened for user student(uid=1005) by (uid=0)',
  ]);
  for (const k of [1, 2]) {
    assert.deepEqual([evs[k].f['source.ip'], evs[k].f['source.port'], evs[k].f['ssh.source_inferred']], ['198.51.100.49', 63467, true], `line ${k + 1}`);
  }
  assert.deepEqual([evs[3].f['source.domain'], evs[3].f['source.ip'], evs[3].f['ssh.source_inferred']], ['host.example.com', undefined, undefined], 'its own rhost wins');
  assert.equal(evs[4].f['source.ip'], undefined, 'login is not sshd');
  assert.equal(evs[5].f['source.ip'], undefined, 'another host');
  assert.equal(evs[6].f['source.ip'], undefined, 'sessions are left as they were: only authentication steps inherit');
});
