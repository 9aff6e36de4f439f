/**
 * OpenSSH sshd (and sshd-session / sshd-auth of OpenSSH 9.8+). Messages are dispatched on their first word, so a
 * line meets at most a couple of regexes. The user name is what the client typed and may contain anything,
 * " from 1.2.3.4 port 22" included: patterns take the user lazily and anchor the address at the end (or before the
 * ": " of the auth info), so injected text cannot move source.ip.
 *
 * Lines that carry no address (`Disconnecting: Too many authentication failures`, `kex_exchange_identification: ...`)
 * get the peer that the same sshd process (host and pid) logged earlier, flagged with ssh.source_inferred.
 */
import type { Fields, ParsedEvent } from '../../model/event.js';
import { pamFailureFields } from './pam.js';
import { act, inheritPeer, int, normIp, setSource, type MessageContext, type Outcome } from './types.js';

type Handler = (m: string, f: Fields, preauth: boolean) => Peer;
/** A recognised message that named the client's IP (true) or did not (false: the remembered one is used); undefined: not recognised. */
type Peer = boolean | undefined;

function login(f: Fields, outcome: Outcome, method: string, user: string, invalid: boolean): void {
  act(f, 'ssh_login', outcome, outcome === 'success' ? ['authentication', 'session'] : ['authentication'], outcome === 'success' ? ['start'] : ['info']);
  f['ssh.method'] = method;
  // Solaris and macOS write "<invalid username>" instead of the name
  if (user === '<invalid username>') invalid = true;
  else f['user.name'] = user;
  if (invalid) f['ssh.invalid_user'] = true;
}

const ACCEPTED = /^Accepted (\S+) for (.*?) from (\S+)(?: port (\d+))?(?: on \S+(?: port \d+)?)?(?: ssh\d*)?(?:: (.*))?$/s;
const FAILED = /^Failed (\S+) for (invalid user |illegal user )?(.*?) from (\S+)(?: port (\d+))?(?: on \S+(?: port \d+)?)?(?: ssh\d*)?(?:: .*)?$/s;
const POSTPONED = /^Postponed (\S+) for ((?:invalid|illegal) user )?(.*?) from (\S+)(?: port (\d+))?(?: ssh\d*)?$/s;
const INVALID = /^(?:[Ii]nvalid|[Ii]llegal) user (.*?) from (\S+)(?: port (\d+))?\s*$/s;
const INPUT_USERAUTH = /^input_userauth_request: (?:invalid|illegal) user (.*)$/s;
const CONN_CLOSED = /^Connection (closed|reset) by (?:(invalid |illegal |authenticating )?user (.*?) )?(\S+)(?: port (\d+))?$/s;
const CONN_FROM = /^Connection from (\S+) port (\d+)(?: on (\S+) port (\d+))?/;
const DISCONNECTED = /^Disconnected from (?:(invalid |illegal |authenticating )?user (.*?) )?(\S+)(?: port (\d+))?$/s;
const DISCONNECTING = /^Disconnecting (?:(invalid |illegal |authenticating )?user (.*?) )?(\S+) port (\d+): (.*)$/s;
const TOO_MANY = /^Disconnecting: Too many authentication failures(?: for ((?:invalid|illegal) user )?(.+))?$/s;
const RECEIVED_DISCONNECT = /^Received disconnect from (\S+)(?: port (\d+))?:\s*(\d+):\s*(.*)$/s;
const MAX_AUTH = /^maximum authentication attempts exceeded for ((?:invalid|illegal) user )?(.*?) from (\S+)(?: port (\d+))?(?: ssh\d*)?$/s;
const NO_IDENT = /^Did not receive identification string from (\S+)(?: port (\d+))?$/;
const BAD_PROTOCOL = /^Bad protocol version identification (.*) from (\S+)(?: port (\d+))?$/s;
const BANNER = /^banner exchange: Connection from (\S+) port (\d+): (.*)$/s;
const DISPATCH_FATAL = /^ssh_dispatch_run_fatal: Connection from (?:(invalid |illegal |authenticating )?user (.*?) )?(\S+) port (\d+): (.*)$/s;
const UNABLE_WITH = /^Unable to negotiate with (\S+) port (\d+): (.*)$/s;
const ROOT_REFUSED = /^ROOT LOGIN REFUSED.* FROM (\S+)(?: port (\d+))?$/s;
const NOT_ALLOWED_FROM = /^User (.+?) from (\S+) not allowed because (.+)$/s;
const NOT_ALLOWED = /^User (.+?) not allowed because (.+)$/s;
const REFUSED_CONNECT = /^refused connect from \S+ \((\S+)\)$/;
const PAM_FAILURE = /^[Aa]uthentication (?:failure|error|failed) for (.*) from (\S+?)(?: via (\S+))?\s*$/s;
const PAM_UNKNOWN = /^User not known to the underlying authentication module for (?:(?:illegal|invalid) user )?(.*) from (\S+?)\s*$/s;
const PAM_MORE = /^PAM (\d+) more authentication failures?;(.*)$/s;
const REVERSE = /^reverse mapping checking getaddrinfo for (\S+) \[(\S+)\] failed/;
const ADDRESS_MAPS = /^Address (\S+) maps to (\S+?),/;
const TIMEOUT = /^Timeout before authentication for (?:connection from (\S+) to \S+?,.*|(\S+)(?: port (\d+))?)$/s;
const SSH_LTYPE = /^SSH: Server;Ltype: \w+;Remote: (\S+)-(\d+);/;
const JOURNAL_KERNEL = /^kernel:\s*\[\s*\d+(?:\.\d+)?\]:?\s*/;

const closeOutcome = (preauth: boolean): Outcome => (preauth ? 'failure' : 'unknown');

const HANDLERS = new Map<string, Handler>([
  ['Accepted', (m, f) => {
    const r = ACCEPTED.exec(m);
    if (!r) return undefined;
    login(f, 'success', r[1], r[2], false);
    if (r[5]) f['ssh.signature'] = r[5];
    return setSource(f, r[3], r[4]) !== undefined;
  }],
  ['Failed', (m, f) => {
    const r = FAILED.exec(m);
    if (!r) return undefined;
    login(f, 'failure', r[1], r[3], r[2] !== undefined);
    return setSource(f, r[4], r[5]) !== undefined;
  }],
  ['Postponed', (m, f) => {
    const r = POSTPONED.exec(m);
    if (!r) return undefined;
    f['ssh.method'] = r[1];
    f['user.name'] = r[3];
    if (r[2]) f['ssh.invalid_user'] = true;
    return setSource(f, r[4], r[5]) !== undefined;
  }],
  ['Invalid', invalidUser],
  ['invalid', invalidUser],
  ['Illegal', invalidUser],
  ['illegal', invalidUser],
  ['input_userauth_request:', (m, f) => {
    // repeats the "Invalid user U from IP" line of the same connection: no action, or every try counts twice
    const r = INPUT_USERAUTH.exec(m);
    if (!r) return undefined;
    f['user.name'] = r[1];
    f['ssh.invalid_user'] = true;
    f['event.outcome'] = 'failure';
    f['event.category'] = ['authentication'];
    f['event.type'] = ['info'];
    return false;
  }],
  ['Connection', (m, f, preauth) => {
    let r = CONN_CLOSED.exec(m);
    if (r) {
      act(f, 'ssh_connection_closed', closeOutcome(preauth), ['network'], ['connection', 'end']);
      userOf(f, r[2], r[3]);
      if (r[1] === 'reset') f['ssh.reason'] = 'connection reset';
      if (r[4] === 'peer') return false;
      return setSource(f, r[4], r[5]) !== undefined;
    }
    r = CONN_FROM.exec(m);
    if (r) {
      f['event.category'] = ['network'];
      f['event.type'] = ['connection', 'start'];
      if (r[3] !== undefined) {
        const dst = normIp(r[3]);
        if (dst) f['destination.ip'] = dst;
        f['destination.port'] = int(r[4]);
      }
      return setSource(f, r[1], r[2]) !== undefined;
    }
    return undefined;
  }],
  ['Disconnected', (m, f, preauth) => {
    const r = DISCONNECTED.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_disconnect', closeOutcome(preauth), ['network'], ['connection', 'end']);
    userOf(f, r[1], r[2]);
    return setSource(f, r[3], r[4]) !== undefined;
  }],
  ['Disconnecting', (m, f, preauth) => {
    // OpenSSH >= 7: follows "maximum authentication attempts exceeded" (which carries the action) or names a reason
    const r = DISCONNECTING.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_disconnect', closeOutcome(preauth), ['network'], ['connection', 'end']);
    userOf(f, r[1], r[2]);
    f['ssh.reason'] = r[5];
    return setSource(f, r[3], r[4]) !== undefined;
  }],
  ['Disconnecting:', (m, f, preauth) => {
    const r = TOO_MANY.exec(m);
    if (r) {
      // OpenSSH < 6.8 logged only this line when MaxAuthTries ran out
      act(f, 'ssh_max_auth_exceeded', 'failure', ['authentication'], ['info']);
      f['ssh.reason'] = 'Too many authentication failures';
      userOf(f, r[1], r[2]);
    } else {
      act(f, 'ssh_disconnect', closeOutcome(preauth), ['network'], ['connection', 'end']);
      f['ssh.reason'] = m.slice(15);
    }
    return false;
  }],
  ['Received', (m, f, preauth) => {
    const r = RECEIVED_DISCONNECT.exec(m);
    if (!r) return undefined;
    const code = r[3];
    // 3: key exchange failed ("Auth fail" of JSch), 14: no more authentication methods
    const failed = preauth || code === '3' || code === '14';
    act(f, 'ssh_disconnect', failed ? 'failure' : 'unknown', ['network'], ['connection', 'end']);
    f['ssh.disconnect_code'] = Number(code);
    if (r[4]) f['ssh.reason'] = r[4];
    return setSource(f, r[1], r[2]) !== undefined;
  }],
  ['maximum', (m, f) => {
    const r = MAX_AUTH.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_max_auth_exceeded', 'failure', ['authentication'], ['info']);
    f['user.name'] = r[2];
    if (r[1]) f['ssh.invalid_user'] = true;
    return setSource(f, r[3], r[4]) !== undefined;
  }],
  ['Did', (m, f) => {
    const r = NO_IDENT.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_no_identification', 'failure', ['network'], ['connection']);
    return setSource(f, r[1], r[2]) !== undefined;
  }],
  ['Bad', (m, f) => {
    const r = BAD_PROTOCOL.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_no_identification', 'failure', ['network'], ['connection']);
    f['ssh.reason'] = 'bad protocol version identification';
    return setSource(f, r[2], r[3]) !== undefined;
  }],
  ['banner', (m, f) => {
    const r = BANNER.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_no_identification', 'failure', ['network'], ['connection']);
    f['ssh.reason'] = r[3];
    return setSource(f, r[1], r[2]) !== undefined;
  }],
  ['kex_exchange_identification:', (m, f) => {
    act(f, 'ssh_no_identification', 'failure', ['network'], ['connection']);
    f['ssh.reason'] = m.slice(29);
    return false;
  }],
  ['ssh_dispatch_run_fatal:', (m, f) => {
    const r = DISPATCH_FATAL.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_negotiation_failed', 'failure', ['network'], ['connection']);
    userOf(f, r[1], r[2]);
    f['ssh.reason'] = r[5];
    return setSource(f, r[3], r[4]) !== undefined;
  }],
  ['Unable', (m, f) => {
    const r = UNABLE_WITH.exec(m);
    if (r) {
      act(f, 'ssh_negotiation_failed', 'failure', ['network'], ['connection']);
      f['ssh.reason'] = r[3];
      return setSource(f, r[1], r[2]) !== undefined;
    }
    if (!m.startsWith('Unable to negotiate a ')) return undefined;
    act(f, 'ssh_negotiation_failed', 'failure', ['network'], ['connection']);
    f['ssh.reason'] = m.slice(10);
    return false;
  }],
  ['no', (m, f) => {
    // "no matching mac found: client ... server ..." (OpenSSH < 7.2)
    if (!m.startsWith('no matching ')) return undefined;
    act(f, 'ssh_negotiation_failed', 'failure', ['network'], ['connection']);
    f['ssh.reason'] = m;
    return false;
  }],
  ['ROOT', (m, f) => {
    const r = ROOT_REFUSED.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_root_login_refused', 'failure', ['authentication'], ['info']);
    f['user.name'] = 'root';
    return setSource(f, r[1], r[2]) !== undefined;
  }],
  ['User', (m, f) => {
    let r = NOT_ALLOWED_FROM.exec(m);
    if (r) {
      act(f, 'ssh_user_not_allowed', 'failure', ['authentication'], ['info']);
      f['user.name'] = r[1];
      f['ssh.reason'] = r[3];
      return setSource(f, r[2]) !== undefined;
    }
    r = NOT_ALLOWED.exec(m);
    if (r) {
      act(f, 'ssh_user_not_allowed', 'failure', ['authentication'], ['info']);
      f['user.name'] = r[1];
      f['ssh.reason'] = r[2];
      return false;
    }
    r = PAM_UNKNOWN.exec(m);
    if (r) return pamFailure(f, r[1], r[2], true);
    return undefined;
  }],
  ['refused', (m, f) => {
    // tcp_wrappers (libwrap) turned the client away before the SSH exchange
    const r = REFUSED_CONNECT.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_connection_closed', 'failure', ['network'], ['connection', 'end']);
    f['ssh.reason'] = 'refused by tcp_wrappers';
    return setSource(f, r[1]) !== undefined;
  }],
  ['Authentication', pamFailureLine],
  ['authentication', pamFailureLine],
  ['PAM', (m, f) => {
    // "PAM 2 more authentication failures; ...": a summary of failures already logged one by one, so no action
    const r = PAM_MORE.exec(m);
    if (!r) return undefined;
    pamFailureFields(r[2], f);
    f['pam.more_failures'] = Number(r[1]);
    f['event.outcome'] = 'failure';
    f['event.category'] = ['authentication'];
    f['event.type'] = ['info'];
    return f['source.ip'] !== undefined;
  }],
  ['reverse', (m, f) => {
    const r = REVERSE.exec(m);
    if (!r) return undefined;
    f['source.domain'] = r[1];
    const ip = normIp(r[2]);
    if (ip) f['source.ip'] = ip;
    return ip !== undefined;
  }],
  ['Address', (m, f) => {
    const r = ADDRESS_MAPS.exec(m);
    if (!r) return undefined;
    const ip = normIp(r[1]);
    if (ip) f['source.ip'] = ip;
    f['source.domain'] = r[2];
    return ip !== undefined;
  }],
  ['Timeout', (m, f) => {
    const r = TIMEOUT.exec(m);
    if (!r) return undefined;
    act(f, 'ssh_connection_closed', 'failure', ['network'], ['connection', 'end']);
    f['ssh.reason'] = 'timeout before authentication';
    return setSource(f, r[1] ?? r[2], r[3]) !== undefined;
  }],
  ['Read', readWriteReset],
  ['Write', readWriteReset],
  ['SSH:', (m, f) => {
    const r = SSH_LTYPE.exec(m);
    if (!r) return undefined;
    return setSource(f, r[1], r[2]) !== undefined;
  }],
]);

function invalidUser(m: string, f: Fields): Peer {
  const r = INVALID.exec(m);
  if (!r) return undefined;
  act(f, 'ssh_invalid_user', 'failure', ['authentication'], ['info']);
  f['user.name'] = r[1];
  f['ssh.invalid_user'] = true;
  return setSource(f, r[2], r[3]) !== undefined;
}

/** `qualifier`: what came before "user" ("invalid ", "illegal ", "authenticating ") or before the name ("invalid user "). */
function userOf(f: Fields, qualifier: string | undefined, user: string | undefined): void {
  if (user === undefined) return;
  f['user.name'] = user;
  // OpenSSH before 3.9 wrote "illegal user" where later versions write "invalid user": the same verdict
  if (qualifier !== undefined && qualifier !== 'authenticating ') f['ssh.invalid_user'] = true;
}

function pamFailure(f: Fields, user: string, host: string, invalid: boolean): Peer {
  // sshd reporting PAM's verdict ("error: PAM: Authentication failure for U from H")
  act(f, 'pam_auth_failure', 'failure', ['authentication'], ['info']);
  f['user.name'] = user;
  if (invalid) f['ssh.invalid_user'] = true;
  return setSource(f, host) !== undefined;
}

function pamFailureLine(m: string, f: Fields): Peer {
  const r = PAM_FAILURE.exec(m);
  return r ? pamFailure(f, r[1], r[2], false) : undefined;
}

function readWriteReset(m: string, f: Fields, preauth: boolean): Peer {
  if (!m.endsWith('Connection reset by peer')) return undefined;
  act(f, 'ssh_connection_closed', closeOutcome(preauth), ['network'], ['connection', 'end']);
  f['ssh.reason'] = 'connection reset';
  return false;
}

export function sshdMessage(msg: string, ev: ParsedEvent, mc: MessageContext): void {
  let m = msg;
  // Solaris "[ID 800047 auth.info] " and journal "kernel:[  970.69]: " noise before the text
  if (m.charCodeAt(0) === 91 && m.startsWith('[ID ')) {
    const e = m.indexOf('] ');
    if (e > 0) m = m.slice(e + 2);
  }
  if (m.charCodeAt(0) === 107 && m.startsWith('kernel:')) m = m.replace(JOURNAL_KERNEL, '');
  m = m.trimEnd();
  let preauth = false;
  if (m.endsWith(' [preauth]')) {
    preauth = true;
    m = m.slice(0, -10).trimEnd();
  }
  if (m.startsWith('error: ') || m.startsWith('fatal: ')) m = m.slice(7);
  if (m.startsWith('PAM: ')) m = m.slice(5);
  const sp = m.indexOf(' ');
  const handler = HANDLERS.get(sp < 0 ? m : m.slice(0, sp));
  if (!handler) return;
  const f = ev.fields;
  const found = handler(m, f, preauth);
  if (found === undefined) return;
  const { host, pid } = mc.header;
  const before = mc.state.peer(host, pid);
  let peer = before;
  if (found) {
    peer = mc.state.rememberPeer(host, pid, f['source.ip'] as string, f['source.port'] as number | undefined);
  } else {
    peer = before ?? mc.state.rememberPeer(host, pid);
    inheritPeer(f, before);
  }
  const action = f['event.action'];
  if (action === 'ssh_login' && f['event.outcome'] === 'success') {
    if (peer) peer.accepted = true;
  } else if (action === 'ssh_max_auth_exceeded') {
    // OpenSSH 6.8 to 7.5 log "maximum authentication attempts exceeded" and then "Disconnecting: Too many
    // authentication failures": the second line is the disconnect, not a second exceeded limit
    if (before?.maxAuth) act(f, 'ssh_disconnect', 'failure', ['network'], ['connection', 'end']);
    else if (peer) peer.maxAuth = true;
  } else if ((action === 'ssh_connection_closed' || action === 'ssh_disconnect') && f['event.outcome'] === 'unknown' && before && !before.accepted) {
    // the connection was seen before and no login succeeded on it: it ends failed, [preauth] or not
    f['event.outcome'] = 'failure';
  }
  if (preauth) f['ssh.preauth'] = true;
}
