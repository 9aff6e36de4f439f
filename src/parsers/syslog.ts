/**
 * Syslog files (/var/log/syslog, auth.log, secure, messages, journal exports): the header is read by
 * syslog-header.ts, then the message goes to its program's parser (programs/index.ts), looked up by name in a Map,
 * or, for a program that forwards another log format whole (web access lines, audit records), to that format's
 * parser (embedded.ts).
 *
 * Continuation lines (a blank or a tab first: macOS multi-line messages, indented journal output) become events of
 * their own that inherit time, host and program of the line they continue.
 */
import { EventFlag, type Fields, type LineRef, type ParsedEvent } from '../model/event.js';
import { FACILITIES, SEVERITIES, SyslogReader, type SyslogHeader } from './syslog-header.js';
import { EmbeddedFormats } from './embedded.js';
import { PROGRAMS } from './programs/index.js';
import { pamMessage } from './programs/pam.js';
import { StreamState, type MessageContext, type ProgramParser } from './programs/types.js';
import type { Parser, ParserContext, ParseResult } from './types.js';

const EMPTY = 'empty line';
const ORPHAN = 'indented line with no syslog line before it to continue';
const REPEATED = /^message repeated (\d+) times?: \[ ?(.*?)\]?$/s;
const LAST_REPEATED = /^(?:--- )?last message repeated (\d+) times?/;

const isBlank = (c: number) => c === 32 || c === 9;

/** What a continuation line inherits. */
interface Parent {
  ts: number | undefined;
  flags: number;
  dataset: string;
  host: string | undefined;
  program: string | undefined;
  pid: number | undefined;
}

export function headerFields(h: SyslogHeader, f: Fields): void {
  if (h.host !== undefined) f['host.name'] = h.host;
  if (h.program !== undefined) f['process.name'] = h.program;
  if (h.pid !== undefined) f['process.pid'] = h.pid;
  if (h.pri >= 0) {
    f['log.syslog.priority'] = h.pri;
    f['log.syslog.facility.code'] = h.pri >> 3;
    f['log.syslog.facility.name'] = FACILITIES[h.pri >> 3];
    f['log.syslog.severity.code'] = h.pri & 7;
    f['log.syslog.severity.name'] = SEVERITIES[h.pri & 7];
  }
  if (h.version !== undefined) f['log.syslog.version'] = h.version;
  if (h.procid !== undefined) f['log.syslog.procid'] = h.procid;
  if (h.msgid !== undefined) f['log.syslog.msgid'] = h.msgid;
  if (h.sd !== undefined) f['log.syslog.structured_data'] = h.sd;
  if (h.msg !== '') f.message = h.msg;
}

/** The program's parser fills the event; the dataset follows the program (and PAM messages are auth). */
function programFields(h: SyslogHeader, entry: ProgramParser | undefined, ev: ParsedEvent, mc: MessageContext): void {
  if (entry) ev.dataset = entry.dataset;
  let msg = h.msg;
  const end = msg.charCodeAt(msg.length - 1);
  if (end === 32 || end === 9 || end === 13) msg = msg.trimEnd();
  const c = msg.charCodeAt(0);
  if (c === 108 /* l */ || c === 109 /* m */ || c === 45 /* - */) {
    // rsyslog: "message repeated 3 times: [ Failed password ...]"; sysklogd: "last message repeated 3 times"
    const rep = REPEATED.exec(msg);
    if (rep) {
      ev.fields['syslog.repeated'] = Number(rep[1]);
      msg = rep[2];
    } else {
      const last = LAST_REPEATED.exec(msg);
      if (last) {
        ev.fields['syslog.repeated'] = Number(last[1]);
        return;
      }
    }
  }
  if (h.program === undefined) return;
  if (h.sub !== undefined && h.sub.startsWith('pam_')) {
    pamMessage(msg, ev, mc);
    return;
  }
  const pc = msg.charCodeAt(0);
  if ((pc === 112 /* p */ || pc === 40 /* ( */) && pamMessage(msg, ev, mc)) return;
  entry?.parse?.(msg, ev, mc);
}

/** What syslog messages become: the programs' datasets and those of the formats they carry. */
export const SYSLOG_DATASETS = ['system.syslog', 'system.auth', 'firewall', 'haproxy.log', 'web.access', 'nginx.error', 'apache.error', 'auditd.log', 'fail2ban.log'];

/**
 * Events from read headers, one instance per stream (it holds sshd's connections and the open embedded group);
 * the syslog and journald parsers share it, so a message gives the same event whichever export it came in.
 */
export class SyslogMessages {
  private readonly mc: MessageContext;
  private readonly embedded: EmbeddedFormats;
  /** the event of the last line given to event(), unless an embedded format took it */
  own: ParsedEvent | undefined;

  constructor(ctx: ParserContext) {
    this.mc = { header: undefined as unknown as SyslogHeader, state: new StreamState(), tz: ctx.tz };
    this.embedded = new EmbeddedFormats(ctx);
  }

  /** The events of a line with header h; `fields` holds the header's fields (headerFields) already. */
  event(h: SyslogHeader, fields: Fields, line: string, at: LineRef): ParseResult {
    const entry = h.program === undefined ? undefined : PROGRAMS.get(h.program);
    this.own = undefined;
    if (entry?.embeds) {
      const head = { ts: h.ts, flags: h.flags, fields };
      for (const format of entry.embeds) {
        const got = this.embedded.read(format, h.msg, line, at, head);
        if (got !== undefined) return got;
      }
    }
    const ev: ParsedEvent = { ts: h.ts, dataset: 'system.syslog', fields, flags: h.flags };
    this.mc.header = h;
    programFields(h, entry, ev, this.mc);
    this.own = ev;
    return this.after(ev);
  }

  /** The event of a line that no embedded format takes, after those of the group it closes. */
  after(ev: ParsedEvent): ParsedEvent | ParsedEvent[] {
    const closed = this.embedded.close();
    if (closed.length === 0) return ev;
    closed.push(ev);
    return closed;
  }

  flush(): ParsedEvent[] {
    return this.embedded.close();
  }

  held(): LineRef | undefined {
    return this.embedded.held();
  }
}

export const syslog: Parser = {
  name: 'syslog',
  description: 'syslog files: RFC 3164, RFC 3339-stamped (rsyslog, journalctl -o short-iso), RFC 5424; sshd, sudo, su, PAM, account tools, cron, logind, UFW/iptables and haproxy messages, web access lines, audit records and fail2ban messages sent through syslog',
  datasets: SYSLOG_DATASETS,
  standalone: true,
  detect(sample) {
    const reader = new SyslogReader({ path: '-', tz: 'UTC', mtimeMs: Date.now() });
    let score = 0;
    let after = false;
    for (const line of sample) {
      if (after && isBlank(line.charCodeAt(0))) {
        score++;
        continue;
      }
      const h = reader.read(line);
      after = typeof h !== 'string';
      if (after) score += (h as SyslogHeader).quality;
      else if (journalMarker(line)) score += 0.5;
    }
    return sample.length ? score / sample.length : 0;
  },
  create(ctx) {
    const reader = new SyslogReader(ctx);
    const messages = new SyslogMessages(ctx);
    let parent: Parent | undefined;
    return {
      parse(line, at) {
        if (isBlank(line.charCodeAt(0))) {
          if (line.trim() === '') return EMPTY;
          if (!parent) return ORPHAN;
          return messages.after(continuation(line, parent));
        }
        if (line === '') return EMPTY;
        const h = reader.read(line);
        if (typeof h === 'string') {
          parent = undefined;
          // journalctl's "-- Logs begin at ... --", "-- Reboot --": kept, they mark boots
          if (journalMarker(line)) return messages.after({ dataset: 'system.syslog', fields: { message: line } });
          return h;
        }
        const fields: Fields = {};
        headerFields(h, fields);
        const res = messages.event(h, fields, line, at);
        const own = messages.own;
        parent = { ts: own?.ts ?? h.ts, flags: own?.flags ?? h.flags, dataset: own?.dataset ?? 'system.syslog', host: h.host, program: h.program, pid: h.pid };
        return res;
      },
      flush: () => messages.flush(),
      held: () => messages.held(),
    };
  },
  fields: [
    { name: 'log.syslog.priority', type: 'long', desc: 'the <PRI> value', filledBy: 'syslog' },
    { name: 'log.syslog.facility.code', type: 'long', desc: 'facility from <PRI>', filledBy: 'syslog' },
    { name: 'log.syslog.facility.name', type: 'keyword', desc: 'facility name: kern, auth, authpriv, local0, ...', filledBy: 'syslog' },
    { name: 'log.syslog.severity.code', type: 'long', desc: 'severity from <PRI> (0 emergency .. 7 debug)', filledBy: 'syslog' },
    { name: 'log.syslog.severity.name', type: 'keyword', desc: 'severity name: emergency, alert, critical, error, warning, notice, informational, debug', filledBy: 'syslog' },
    { name: 'log.syslog.version', type: 'long', desc: 'RFC 5424 version', filledBy: 'syslog' },
    { name: 'log.syslog.procid', type: 'keyword', desc: 'RFC 5424 PROCID when it is not a pid', filledBy: 'syslog' },
    { name: 'log.syslog.msgid', type: 'keyword', desc: 'RFC 5424 MSGID', filledBy: 'syslog' },
    { name: 'log.syslog.structured_data', type: 'object', desc: 'RFC 5424 structured data: {SD-ID: {param: value}}', filledBy: 'syslog' },
    { name: 'syslog.repeated', type: 'long', desc: 'how many times the message was repeated ("message repeated N times")', filledBy: 'syslog' },
    { name: 'source.domain', type: 'keyword', desc: 'the client when logged as a name rather than an IP address', filledBy: 'sshd, pam' },
    { name: 'ssh.method', type: 'keyword', desc: 'authentication method: password, publickey, keyboard-interactive/pam, none, ...', filledBy: 'sshd' },
    { name: 'ssh.invalid_user', type: 'boolean', desc: 'true when sshd says the user does not exist', filledBy: 'sshd' },
    { name: 'ssh.signature', type: 'keyword', desc: 'key type and fingerprint of an accepted key', filledBy: 'sshd' },
    { name: 'ssh.reason', type: 'text', desc: 'why a connection ended or was refused', filledBy: 'sshd' },
    { name: 'ssh.disconnect_code', type: 'long', desc: 'SSH disconnect reason code (11 by application, 14 no more auth methods, ...)', filledBy: 'sshd' },
    { name: 'ssh.preauth', type: 'boolean', desc: 'true when the line ends in [preauth]: before authentication completed', filledBy: 'sshd' },
    { name: 'ssh.source_inferred', type: 'boolean', desc: 'true when source.ip comes from an earlier line of the same sshd process', filledBy: 'sshd' },
    { name: 'sudo.command', type: 'keyword', desc: 'the command run through sudo', filledBy: 'sudo' },
    { name: 'sudo.tty', type: 'keyword', desc: 'TTY=', filledBy: 'sudo' },
    { name: 'sudo.pwd', type: 'keyword', desc: 'PWD=', filledBy: 'sudo' },
    { name: 'sudo.env', type: 'keyword', desc: 'ENV=', filledBy: 'sudo' },
    { name: 'sudo.tsid', type: 'keyword', desc: 'TSID= (I/O log id)', filledBy: 'sudo' },
    { name: 'sudo.attempts', type: 'long', desc: 'incorrect password attempts', filledBy: 'sudo' },
    { name: 'sudo.error', type: 'keyword', desc: 'the reason sudo gave: user NOT in sudoers, command not allowed, ...', filledBy: 'sudo' },
    { name: 'su.tty', type: 'keyword', desc: 'terminal of an su session', filledBy: 'su' },
    { name: 'pam.module', type: 'keyword', desc: 'pam_unix, pam_sss, pam_succeed_if, ...', filledBy: 'pam' },
    { name: 'pam.service', type: 'keyword', desc: 'PAM service: sshd, sudo, su, cron, ...', filledBy: 'pam' },
    { name: 'pam.type', type: 'keyword', desc: 'PAM management group: auth, session, account, chauthtok', filledBy: 'pam' },
    { name: 'pam.by', type: 'keyword', desc: 'who opened a session (the login name after "by")', filledBy: 'pam' },
    { name: 'pam.ruser', type: 'keyword', desc: 'ruser= of a PAM failure', filledBy: 'pam' },
    { name: 'pam.tty', type: 'keyword', desc: 'tty= of a PAM failure', filledBy: 'pam' },
    { name: 'pam.more_failures', type: 'long', desc: '"PAM N more authentication failures": N', filledBy: 'sshd' },
    { name: 'user.id', type: 'keyword', desc: 'uid of the account a PAM line names (session, pam_tally lockout)', filledBy: 'pam' },
    { name: 'user.target.id', type: 'keyword', desc: 'UID of a created account', filledBy: 'useradd' },
    { name: 'user.changes.name', type: 'keyword', desc: 'new name of a renamed account', filledBy: 'usermod' },
    { name: 'usermod.changed', type: 'keyword', desc: 'which property usermod changed: shell, home, UID, ...', filledBy: 'usermod' },
    { name: 'useradd.home', type: 'keyword', desc: 'home directory of a created account', filledBy: 'useradd' },
    { name: 'useradd.shell', type: 'keyword', desc: 'shell of a created account', filledBy: 'useradd' },
    { name: 'useradd.from', type: 'keyword', desc: 'terminal useradd ran from', filledBy: 'useradd' },
    { name: 'group.name', type: 'keyword', desc: 'group created, deleted or joined; sudo GROUP=', filledBy: 'account tools, sudo' },
    { name: 'group.id', type: 'keyword', desc: 'GID', filledBy: 'account tools' },
    { name: 'process.command_line', type: 'keyword', desc: 'the command a cron job ran', filledBy: 'cron' },
    { name: 'logind.session_id', type: 'keyword', desc: 'systemd-logind session id', filledBy: 'systemd-logind' },
  ],
};

function journalMarker(line: string): boolean {
  return line.startsWith('-- ') && line.endsWith(' --');
}

function continuation(line: string, p: Parent): ParsedEvent {
  const fields: Fields = {};
  if (p.host !== undefined) fields['host.name'] = p.host;
  if (p.program !== undefined) fields['process.name'] = p.program;
  if (p.pid !== undefined) fields['process.pid'] = p.pid;
  fields.message = line;
  return { ts: p.ts, dataset: p.dataset, fields, flags: p.flags | EventFlag.TS_INFERRED };
}
