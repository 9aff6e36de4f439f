/**
 * Linux-PAM module messages, whatever program logs them: `pam_unix(sshd:auth): ...`, `pam_unix(auth): ...`,
 * `pam_unix: ...`, the old `(pam_unix) ...`, and the oldest form where the module rides in the tag
 * (`sshd(pam_unix)[19939]: authentication failure; ...`).
 */
import type { Fields, ParsedEvent } from '../../model/event.js';
import { act, setSource, type MessageContext } from './types.js';

const HEAD = /^\(?(pam_[\w-]+)(?:\(([^):]*)(?::([^)]*))?\))?\)?:? ?/;
const SESSION_OPENED = /^session opened for user (.+?)(?:\(uid=(\d+)\))? by (.*?)(?:\(uid=\d+\))?$/s;
const SESSION_CLOSED = /^session closed for user (.+?)(?:\(uid=\d+\))?$/s;
const PASSWORD_CHANGED = /^password changed for (.+)$/s;
const NOT_MET = /^requirement ".*" not met by user "(.*)"$/s;
/** libpam calls, not modules: "pam_authenticate: Authentication failure" is the program's own report */
const API = new Set(['pam_authenticate', 'pam_acct_mgmt', 'pam_setcred', 'pam_open_session', 'pam_close_session', 'pam_chauthtok', 'pam_start', 'pam_end']);

/** True when `msg` is a PAM module message; then the event is filled and belongs to system.auth. */
export function pamMessage(msg: string, ev: ParsedEvent, mc: MessageContext): boolean {
  const f = ev.fields;
  let text: string;
  const sub = mc.header.sub;
  if (sub !== undefined && sub.startsWith('pam_')) {
    f['pam.module'] = sub;
    text = msg;
  } else {
    const m = HEAD.exec(msg);
    if (!m || API.has(m[1])) return false;
    f['pam.module'] = m[1];
    if (m[3] !== undefined) {
      f['pam.service'] = m[2];
      f['pam.type'] = m[3];
    } else if (m[2]) {
      // "pam_unix(auth):" names the type only
      f['pam.type'] = m[2];
    }
    text = msg.slice(m[0].length);
  }
  ev.dataset = 'system.auth';
  pamText(text, f);
  return true;
}

function pamText(text: string, f: Fields): void {
  if (text.startsWith('authentication failure')) {
    const semi = text.indexOf(';');
    if (semi >= 0) pamFailureFields(text.slice(semi + 1), f);
    act(f, 'pam_auth_failure', 'failure', ['authentication'], ['info']);
    return;
  }
  if (text.startsWith('session ')) {
    let m = SESSION_OPENED.exec(text);
    if (m) {
      f['user.name'] = m[1];
      if (m[2] !== undefined) f['user.id'] = m[2];
      if (m[3]) f['pam.by'] = m[3];
      act(f, 'session_opened', 'success', ['session'], ['start']);
      return;
    }
    m = SESSION_CLOSED.exec(text);
    if (m) {
      f['user.name'] = m[1];
      act(f, 'session_closed', 'success', ['session'], ['end']);
    }
    return;
  }
  if (text.startsWith('check pass; user unknown')) {
    f['event.outcome'] = 'failure';
    f['event.category'] = ['authentication'];
    f['event.type'] = ['info'];
    return;
  }
  let m = PASSWORD_CHANGED.exec(text);
  if (m) {
    f['user.target.name'] = m[1];
    act(f, 'password_changed', 'success', ['iam'], ['user', 'change']);
    return;
  }
  m = NOT_MET.exec(text);
  if (m) {
    // pam_succeed_if refused the account (e.g. a system uid over ssh): a failed authentication step
    f['user.name'] = m[1];
    f['event.outcome'] = 'failure';
    f['event.category'] = ['authentication'];
    f['event.type'] = ['info'];
  }
}

/**
 * The key=value tail of a PAM failure: `logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root`.
 * user= comes last and may hold anything (it is what the client typed), so the split is made at the first
 * " user=" after rhost=, and rhost is the last one before it: an injected "rhost=" in ruser or user cannot move it.
 */
export function pamFailureFields(kv: string, f: Fields): void {
  const r0 = kv.indexOf('rhost=');
  const u = kv.indexOf(' user=', r0 < 0 ? 0 : r0);
  const head = u < 0 ? kv : kv.slice(0, u);
  const user = u < 0 ? '' : kv.slice(u + 6).trim();
  const r = head.lastIndexOf('rhost=');
  let rhost = '';
  let ruserEnd = head.length;
  if (r >= 0) {
    rhost = head.slice(r + 6).trim();
    ruserEnd = r;
  }
  const ru = head.indexOf('ruser=');
  const ruser = ru >= 0 && ru < ruserEnd ? head.slice(ru + 6, ruserEnd).trim() : '';
  const t = head.indexOf('tty=');
  if (t >= 0) {
    const sp = head.indexOf(' ', t);
    const tty = head.slice(t + 4, sp < 0 ? head.length : sp);
    if (tty) f['pam.tty'] = tty;
  }
  if (rhost) setSource(f, rhost);
  if (ruser) f['pam.ruser'] = ruser;
  // the account being authenticated; some services (vsftpd) only name it as the remote user
  if (user) f['user.name'] = user;
  else if (ruser) f['user.name'] = ruser;
}
