/**
 * Linux-PAM module messages, whatever program logs them: `pam_unix(sshd:auth): ...`, `pam_unix(auth): ...`,
 * `pam_unix: ...`, the old `(pam_unix) ...`, and the oldest form where the module rides in the tag
 * (`sshd(pam_unix)[19939]: authentication failure; ...`).
 */
import type { Fields, ParsedEvent } from '../../model/event.js';
import { SSHD_PROGRAMS, act, inheritPeer, setSource, type MessageContext } from './types.js';

const HEAD = /^\(?(pam_[\w-]+)(?:\(([^):]*)(?::([^)]*))?\))?\)?:? ?/;
const SESSION_OPENED = /^session opened for user (.+?)(?:\(uid=(\d+)\))? by (.*?)(?:\(uid=\d+\))?$/s;
const SESSION_CLOSED = /^session closed for user (.+?)(?:\(uid=\d+\))?$/s;
const PASSWORD_CHANGED = /^password changed for (.+)$/s;
const NOT_MET = /^requirement ".*" not met by user "(.*)"$/s;
/** pam_tally and pam_tally2; the numbers anchor at the end, so the name may hold anything */
const TALLY = /^user (.+) \((\d+)\) tally (\d+), deny (\d+)$/s;
const TALLY_WAIT = /^user (.+) \((\d+)\) has time limit \[\d+s left\] since last failure\.$/s;
const NO_SUCH_USER = /^pam_get_uid; no such user(?: (.+))?$/s;
const FAILLOCK_LOCKED = /^Consecutive login failures for user (.+) account temporarily locked$/s;
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
  // an authentication step of an sshd connection that names no rhost (check pass, tally, lockout) is its client's
  const { program, host, pid } = mc.header;
  const steps = f['event.category'] as string[] | undefined;
  if (program !== undefined && SSHD_PROGRAMS.has(program) && steps?.includes('authentication')) inheritPeer(f, mc.state.peer(host, pid));
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
    failedStep(f);
    return;
  }
  if (lockoutText(text, f)) return;
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
    failedStep(f);
  }
}

/** A failed step of an authentication whose attempt other lines report: failure, but no action to count twice. */
function failedStep(f: Fields): void {
  f['event.outcome'] = 'failure';
  f['event.category'] = ['authentication'];
  f['event.type'] = ['info'];
}

/** pam_tally, pam_tally2 and pam_faillock: failed logins counted per account, and the lockout they lead to. */
function lockoutText(text: string, f: Fields): boolean {
  let m = TALLY.exec(text);
  if (m) {
    f['user.name'] = m[1];
    f['user.id'] = m[2];
    // logged (at notice level) when the count has passed deny and the login is refused; with the debug option, on
    // every attempt, the count rising towards deny
    if (Number(m[4]) > 0 && Number(m[3]) > Number(m[4])) act(f, 'pam_account_locked', 'failure', ['authentication'], ['info']);
    else {
      f['event.category'] = ['authentication'];
      f['event.type'] = ['info'];
    }
    return true;
  }
  m = TALLY_WAIT.exec(text) ?? FAILLOCK_LOCKED.exec(text);
  if (m) {
    f['user.name'] = m[1];
    if (m[2] !== undefined) f['user.id'] = m[2];
    act(f, 'pam_account_locked', 'failure', ['authentication'], ['info']);
    return true;
  }
  m = NO_SUCH_USER.exec(text);
  if (m) {
    // the account does not exist (named with pam_tally's audit option); pam_unix reports the attempt
    if (m[1] !== undefined) f['user.name'] = m[1];
    failedStep(f);
    return true;
  }
  return false;
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
