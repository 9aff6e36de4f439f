import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, one } from './util.js';

test('accounts: golden file', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'accounts.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('accounts: user and group lifecycle', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['useradd[1]: new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0', 'user_created',
      { 'user.target.name': 'bob', 'user.target.id': '1001', 'group.id': '1001', 'useradd.shell': '/bin/bash' }],
    ['useradd[1]: new group: name=bob, GID=1001', 'group_created', { 'group.name': 'bob', 'group.id': '1001' }],
    ["usermod[1]: add 'bob' to group 'sudo'", 'user_added_to_group', { 'user.target.name': 'bob', 'group.name': 'sudo' }],
    ["usermod[1]: add 'bob' to shadow group 'sudo'", 'user_added_to_group', { 'user.target.name': 'bob', 'group.name': 'sudo' }],
    ["usermod[1]: change user 'bob' shell from '/bin/bash' to '/bin/sh'", 'user_modified', { 'user.target.name': 'bob', 'usermod.changed': 'shell' }],
    ["usermod[1]: lock user 'bob' password", 'user_modified', { 'user.target.name': 'bob' }],
    ['groupadd[1]: group added to /etc/group: name=x, GID=1002', 'group_created', { 'group.name': 'x', 'group.id': '1002' }],
    ['groupadd[1]: new group: name=x, GID=1002', 'group_created', { 'group.name': 'x', 'group.id': '1002' }],
    ["passwd[1]: password for 'bob' changed by 'root'", 'password_changed', { 'user.name': 'root', 'user.target.name': 'bob' }],
    ["userdel[1]: delete user 'bob'", 'user_deleted', { 'user.target.name': 'bob' }],
    ["userdel[1]: removed group 'bob' owned by 'bob'", 'group_deleted', { 'group.name': 'bob' }],
    ["groupdel[1]: group 'x' removed", 'group_deleted', { 'group.name': 'x' }],
    ['chage[1]: changed password expiry for bob', 'user_modified', { 'user.target.name': 'bob' }],
  ];
  for (const [msg, action, fields] of cases) {
    const f = one(`Mar 10 12:00:01 web1 ${msg}`);
    assert.equal(f['event.action'], action, msg);
    assert.equal(f['event.dataset'], 'system.auth', msg);
    for (const [k, v] of Object.entries(fields)) assert.equal(f[k], v, `${msg}: ${k}`);
  }
});
