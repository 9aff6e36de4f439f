/**
 * The shadow-utils account tools (useradd, userdel, usermod, groupadd, groupdel, passwd, chpasswd, chage, gpasswd).
 * They share message shapes (useradd -G and usermod -aG both log "add 'bob' to group 'sudo'"), so one parser
 * serves them all. Changes to /etc/gshadow are logged as well as to /etc/group; both lines get the action.
 */
import type { Fields, ParsedEvent } from '../../model/event.js';
import { act } from './types.js';

const REMOVED_GROUP = /^removed (?:shadow )?group '(.*)' owned by '(.*)'$/s;
const DELETE_FROM_GROUP = /^delete '(.*)' from (?:shadow )?group '(.*)'$/s;
const DELETE_USER = /^delete user '(.*)'$/s;
const ADD_TO_GROUP = /^add '(.*)' to (?:shadow )?group '(.*)'$/s;
const CHANGE_PASSWORD = /^change user '(.*)' password$/s;
const CHANGE_NAME = /^change user name '(.*)' to '(.*)'$/s;
const CHANGE_USER = /^change user '(.*?)' (\w+) from '.*' to '.*'$/s;
const LOCK = /^(?:lock|unlock) user '(.*)' password$/s;
const GROUP_ADDED = /^group added to (\S+): (.*)$/s;
const GROUP_REMOVED = /^group '(.*)' removed(?: from \S+)?$/s;
const PASSWORD_BY = /^password (?:for|of) '(.*)' changed(?: by '(.*)')?$/s;
const PASSWORD_FOR = /^password changed for '?([^']*)'?$/;
const EXPIRY = /^changed password expiry for (.+)$/s;
const GPASSWD = /^user (\S+) (added|removed) by (\S+) (?:to|from) group (\S+)$/;
const FAILED_ADDING = /^failed adding user '(.*)', data deleted$/s;

const iam = (kind: 'user' | 'group', change: 'creation' | 'deletion' | 'change') => [kind, change];

/** "name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0" */
function keyValues(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(', ')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

function group(f: Fields, name: string | undefined, gid: string | undefined): void {
  if (name !== undefined) f['group.name'] = name;
  if (gid !== undefined) f['group.id'] = gid;
}

export function accountsMessage(msg: string, ev: ParsedEvent): void {
  const f = ev.fields;
  const sp = msg.indexOf(' ');
  let m: RegExpExecArray | null = null;
  switch (sp < 0 ? msg : msg.slice(0, sp)) {
    case 'new':
      if (msg.startsWith('new user: ')) {
        const kv = keyValues(msg.slice(10));
        f['user.target.name'] = kv.get('name');
        f['user.target.id'] = kv.get('UID');
        group(f, undefined, kv.get('GID'));
        if (kv.has('home')) f['useradd.home'] = kv.get('home');
        if (kv.has('shell')) f['useradd.shell'] = kv.get('shell');
        if (kv.has('from')) f['useradd.from'] = kv.get('from');
        act(f, 'user_created', 'success', ['iam'], iam('user', 'creation'));
      } else if (msg.startsWith('new group: ')) {
        const kv = keyValues(msg.slice(11));
        group(f, kv.get('name'), kv.get('GID'));
        act(f, 'group_created', 'success', ['iam'], iam('group', 'creation'));
      }
      return;
    case 'group':
      if ((m = GROUP_ADDED.exec(msg))) {
        const kv = keyValues(m[2]);
        group(f, kv.get('name'), kv.get('GID'));
        act(f, 'group_created', 'success', ['iam'], iam('group', 'creation'));
      } else if ((m = GROUP_REMOVED.exec(msg))) {
        group(f, m[1], undefined);
        act(f, 'group_deleted', 'success', ['iam'], iam('group', 'deletion'));
      }
      return;
    case 'failed':
      if ((m = FAILED_ADDING.exec(msg))) {
        f['user.target.name'] = m[1];
        act(f, 'user_created', 'failure', ['iam'], iam('user', 'creation'));
      }
      return;
    case 'delete':
      if ((m = DELETE_USER.exec(msg))) {
        f['user.target.name'] = m[1];
        act(f, 'user_deleted', 'success', ['iam'], iam('user', 'deletion'));
      } else if ((m = DELETE_FROM_GROUP.exec(msg))) {
        f['user.target.name'] = m[1];
        group(f, m[2], undefined);
        act(f, 'user_modified', 'success', ['iam'], iam('group', 'change'));
      }
      return;
    case 'removed':
      if ((m = REMOVED_GROUP.exec(msg))) {
        group(f, m[1], undefined);
        f['user.target.name'] = m[2];
        act(f, 'group_deleted', 'success', ['iam'], iam('group', 'deletion'));
      }
      return;
    case 'add':
      if ((m = ADD_TO_GROUP.exec(msg))) {
        f['user.target.name'] = m[1];
        group(f, m[2], undefined);
        act(f, 'user_added_to_group', 'success', ['iam'], iam('group', 'change'));
      }
      return;
    case 'change':
      if ((m = CHANGE_PASSWORD.exec(msg))) {
        f['user.target.name'] = m[1];
        act(f, 'password_changed', 'success', ['iam'], iam('user', 'change'));
      } else if ((m = CHANGE_NAME.exec(msg))) {
        f['user.target.name'] = m[1];
        f['user.changes.name'] = m[2];
        act(f, 'user_modified', 'success', ['iam'], iam('user', 'change'));
      } else if ((m = CHANGE_USER.exec(msg))) {
        f['user.target.name'] = m[1];
        f['usermod.changed'] = m[2];
        act(f, 'user_modified', 'success', ['iam'], iam('user', 'change'));
      }
      return;
    case 'lock':
    case 'unlock':
      if ((m = LOCK.exec(msg))) {
        f['user.target.name'] = m[1];
        act(f, 'user_modified', 'success', ['iam'], iam('user', 'change'));
      }
      return;
    case 'password':
      if ((m = PASSWORD_BY.exec(msg))) {
        f['user.target.name'] = m[1];
        if (m[2] !== undefined) f['user.name'] = m[2];
        act(f, 'password_changed', 'success', ['iam'], iam('user', 'change'));
      } else if ((m = PASSWORD_FOR.exec(msg))) {
        f['user.target.name'] = m[1];
        act(f, 'password_changed', 'success', ['iam'], iam('user', 'change'));
      }
      return;
    case 'changed':
      if ((m = EXPIRY.exec(msg))) {
        f['user.target.name'] = m[1];
        act(f, 'user_modified', 'success', ['iam'], iam('user', 'change'));
      }
      return;
    case 'user':
      if ((m = GPASSWD.exec(msg))) {
        f['user.target.name'] = m[1];
        f['user.name'] = m[3];
        group(f, m[4], undefined);
        if (m[2] === 'added') act(f, 'user_added_to_group', 'success', ['iam'], iam('group', 'change'));
        else act(f, 'user_modified', 'success', ['iam'], iam('group', 'change'));
      }
      return;
  }
}
