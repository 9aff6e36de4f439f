import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, one } from './util.js';

test('sudo: golden file', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'sudo.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('sudo: command line with its target user, tty and directory', () => {
  const f = one('Mar 10 09:00:08 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh -c echo a ; echo b');
  assert.equal(f['event.action'], 'sudo_command');
  assert.equal(f['event.outcome'], 'success');
  assert.equal(f['user.name'], 'alice');
  assert.equal(f['user.target.name'], 'root');
  assert.equal(f['sudo.tty'], 'pts/0');
  assert.equal(f['sudo.pwd'], '/home/alice');
  assert.equal(f['sudo.command'], '/bin/sh -c echo a ; echo b', 'COMMAND is taken whole, " ; " included');
});

test('sudo: failures', () => {
  let f = one('Mar 10 09:00:04 web1 sudo:      bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['sudo.attempts']], ['sudo_auth_failure', 'failure', 3]);
  f = one('Mar 10 09:00:06 web1 sudo:  mallory : user NOT in sudoers ; TTY=pts/2 ; PWD=/tmp ; USER=root ; COMMAND=/bin/cat /etc/shadow');
  assert.deepEqual([f['event.action'], f['user.name'], f['sudo.command']], ['sudo_not_in_sudoers', 'mallory', '/bin/cat /etc/shadow']);
  f = one('Mar 10 09:00:07 web1 sudo:    carol : command not allowed ; TTY=pts/3 ; PWD=/home/carol ; USER=root ; COMMAND=/sbin/reboot');
  assert.deepEqual([f['event.action'], f['event.outcome'], f['sudo.error']], ['sudo_command', 'failure', 'command not allowed']);
});

test('sudo: ENV= and a missing TTY', () => {
  let f = one('Mar 10 09:00:02 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; ENV=A=b ; COMMAND=/usr/bin/env');
  assert.equal(f['sudo.env'], 'A=b');
  assert.equal(f['sudo.command'], '/usr/bin/env');
  f = one('Mar 10 09:00:03 web1 sudo:   deploy : PWD=/srv/app ; USER=www-data ; COMMAND=/usr/bin/systemctl restart app');
  assert.equal(f['sudo.tty'], undefined);
  assert.equal(f['user.target.name'], 'www-data');
});

test('sudo: other sudo messages stay plain auth events', () => {
  const f = one('Mar 10 09:00:13 web1 sudo: unable to resolve host web1: Name or service not known');
  assert.equal(f['event.action'], undefined);
  assert.equal(f['user.name'], undefined);
  assert.equal(f['event.dataset'], 'system.auth');
});
