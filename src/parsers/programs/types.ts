/** What a program's message parser receives, and helpers they share. */
import { isIP } from 'node:net';
import type { Fields, ParsedEvent } from '../../model/event.js';
import type { SyslogHeader } from '../syslog-header.js';
import { plainIp } from '../lib.js';
import type { Parser } from '../types.js';

/** What one sshd process (one connection) has shown so far. */
export interface SshPeer {
  /** the client, once a line named it */
  ip?: string;
  port?: number;
  /** a login succeeded on this connection */
  accepted?: boolean;
  /** MaxAuthTries ran out on this connection (logged once more by the disconnect that follows) */
  maxAuth?: boolean;
}

/** Memory of one stream that outlives a line: sshd connections seen so far (host|pid -> peer). */
export class StreamState {
  /** host -> pid -> peer: a central log holds many hosts, whose pids are unrelated */
  private readonly hosts = new Map<string | undefined, Map<number, SshPeer>>();
  private size = 0;

  /** Records that the connection (host, pid) was seen, from `ip` when given. */
  rememberPeer(host: string | undefined, pid: number | undefined, ip?: string, port?: number): SshPeer | undefined {
    if (pid === undefined) return undefined;
    let peers = this.hosts.get(host);
    if (!peers) this.hosts.set(host, (peers = new Map()));
    const known = peers.get(pid);
    if (known && (ip === undefined || known.ip === undefined || known.ip === ip)) {
      if (ip !== undefined) known.ip = ip;
      if (port !== undefined) known.port = port;
      return known;
    }
    // a bounded memory: pids recycle, and a long file must not grow this without end
    if (!known && ++this.size > 16384) {
      for (const m of this.hosts.values()) m.clear();
      this.size = 1;
    }
    const peer: SshPeer = { ip, port };
    peers.set(pid, peer);
    return peer;
  }

  peer(host: string | undefined, pid: number | undefined): SshPeer | undefined {
    return pid === undefined ? undefined : this.hosts.get(host)?.get(pid);
  }
}

/** The programs whose lines are one sshd connection each (host and pid): the peer memory above is theirs. */
export const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session', 'sshd-auth']);

/**
 * A line that names no client gets the one an earlier line of the same sshd process named, flagged as inferred: the
 * lines of one connection share its client.
 */
export function inheritPeer(f: Fields, peer: SshPeer | undefined): void {
  if (peer?.ip === undefined || f['source.ip'] !== undefined || f['source.domain'] !== undefined) return;
  f['source.ip'] = peer.ip;
  if (peer.port !== undefined) f['source.port'] = peer.port;
  f['ssh.source_inferred'] = true;
}

export interface MessageContext {
  header: SyslogHeader;
  state: StreamState;
  tz: string;
}

/**
 * A program's entry in the registry: the dataset its lines belong to, and the parser of its messages, which fills
 * event.action / outcome / category / type and fields of `ev` (and may change ev.dataset, ev.ts) or leaves a
 * message it does not know alone. `embeds`: log formats the program writes whole into its messages (see
 * embedded.ts), in the order they are tried; a message one of their parsers takes is its event, any other goes on
 * to `parse`.
 */
export interface ProgramParser {
  dataset: string;
  parse?(msg: string, ev: ParsedEvent, mc: MessageContext): void;
  embeds?: Parser[];
}

export type Outcome = 'success' | 'failure' | 'unknown';

export function act(f: Fields, action: string, outcome: Outcome, category: string[], type: string[]): void {
  f['event.action'] = action;
  f['event.outcome'] = outcome;
  f['event.category'] = category;
  f['event.type'] = type;
}

/** An address as logged: IPv4-mapped IPv6 unwrapped; undefined when not an IP. */
export function normIp(s: string): string | undefined {
  return isIP(s) === 0 ? undefined : plainIp(s);
}

/** source.ip when `host` is an IP, source.domain otherwise (a name, or fail2ban's "192.030.0.6" non-address). */
export function setSource(f: Fields, host: string | undefined, port?: string | number): string | undefined {
  if (host === undefined || host === '') return undefined;
  const ip = normIp(host);
  if (ip) f['source.ip'] = ip;
  else if (host !== 'UNKNOWN') f['source.domain'] = host;
  if (port !== undefined) {
    const n = typeof port === 'number' ? port : Number(port);
    if (Number.isInteger(n) && n >= 0 && n <= 65535) f['source.port'] = n;
  }
  return ip;
}

/** A port or id that must be a non-negative integer. */
export function int(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
