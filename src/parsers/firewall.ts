/**
 * Netfilter LOG lines, as UFW and iptables write them through the kernel log: with a syslog prefix
 * (`... kernel: [UFW BLOCK] IN=...`), a dmesg prefix (`[12345.678901] [UFW BLOCK] IN=...`, `dmesg -T`'s
 * `[Tue Nov 14 03:12:01 2023] ...`) or none. The syslog parser hands kernel messages to firewallMessage too, so a
 * ufw.log gives the same events whichever of the two reads it.
 */
import { isIP } from 'node:net';
import { EventFlag, type Fields, type ParsedEvent } from '../model/event.js';
import { MONTHS, wallToUtc } from '../util/time.js';
import { SyslogReader } from './syslog-header.js';
import type { Parser } from './types.js';

const NOT_FIREWALL = 'not a netfilter (UFW / iptables) log line: no IN= ... SRC= ... DST=';
const DMESG_MONOTONIC = /^\[\s*\d+\.\d+\]\s*/;
const DMESG_T = /^\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})\]\s*/;
const TCP_FLAGS = new Set(['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'CWR', 'ECE']);
const IP_FLAGS = new Set(['DF', 'MF', 'CE']);

/** Where `IN=` opens the key=value part (at the start or after a blank), or -1. */
function inStart(msg: string): number {
  let i = msg.indexOf('IN=');
  while (i > 0 && msg.charCodeAt(i - 1) !== 32) i = msg.indexOf('IN=', i + 1);
  return i;
}

/** Cheap test for detect: the shape of a netfilter LOG line. */
export function looksLikeFirewall(msg: string): boolean {
  return inStart(msg) >= 0 && msg.includes(' SRC=') && msg.includes(' DST=');
}

function verdict(prefix: string): 'block' | 'allow' | 'audit' | undefined {
  const p = prefix.toUpperCase();
  if (p.includes('BLOCK') || p.includes('DROP') || p.includes('REJECT') || p.includes('DENY')) return 'block';
  if (p.includes('ALLOW') || p.includes('ACCEPT') || p.includes('PERMIT')) return 'allow';
  if (p.includes('AUDIT') || p.includes('LOG')) return 'audit';
  return undefined;
}

/** "00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:08:00" (destination, source, ethertype) -> ECS MACs */
function macs(v: string, f: Fields): void {
  if (v.length !== 41) return;
  const ecs = (s: string) => s.toUpperCase().replace(/:/g, '-');
  f['destination.mac'] = ecs(v.slice(0, 17));
  f['source.mac'] = ecs(v.slice(18, 35));
}

/** IPv6 as the kernel writes it (every group in full) in the compressed form other logs use, so addresses compare equal. */
function canonical(ip: string): string {
  if (ip.indexOf(':') < 0) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/** Fills a netfilter LOG message into out; false (and out untouched) when msg is not one. */
export function firewallMessage(msg: string, out: Fields): boolean {
  const start = inStart(msg);
  if (start < 0) return false;
  const f: Fields = {};
  let prefix = msg.slice(0, start);
  const stamp = DMESG_MONOTONIC.exec(prefix);
  if (stamp) prefix = prefix.slice(stamp[0].length);
  prefix = prefix.trim();
  let src: string | undefined;
  let dst: string | undefined;
  let tcpFlags: string[] | undefined;
  let ipFlags: string[] | undefined;
  let i = start;
  while (i < msg.length) {
    let sp = msg.indexOf(' ', i);
    if (sp < 0) sp = msg.length;
    if (sp === i) {
      i++;
      continue;
    }
    // ICMP errors quote the offending packet in brackets: its SRC/DST are not this packet's
    if (msg.charCodeAt(i) === 91 /* [ */) break;
    const eq = msg.indexOf('=', i);
    if (eq < 0 || eq > sp) {
      const word = msg.slice(i, sp);
      if (TCP_FLAGS.has(word)) (tcpFlags ??= []).push(word);
      else if (IP_FLAGS.has(word)) (ipFlags ??= []).push(word);
    } else {
      const v = msg.slice(eq + 1, sp);
      switch (msg.slice(i, eq)) {
        case 'IN':
          if (v) f['observer.ingress.interface.name'] = v;
          break;
        case 'OUT':
          if (v) f['observer.egress.interface.name'] = v;
          break;
        case 'MAC':
          macs(v, f);
          break;
        case 'SRC':
          if (src === undefined && isIP(v)) src = canonical(v);
          break;
        case 'DST':
          if (dst === undefined && isIP(v)) dst = canonical(v);
          break;
        case 'LEN':
          if (f['firewall.length'] === undefined) f['firewall.length'] = num(v);
          break;
        case 'TTL':
        case 'HOPLIMIT':
          f['firewall.ttl'] = num(v);
          break;
        case 'PROTO': {
          const p = v.toLowerCase();
          f['network.transport'] = p === 'icmpv6' ? 'ipv6-icmp' : p;
          break;
        }
        case 'SPT':
          f['source.port'] = num(v);
          break;
        case 'DPT':
          f['destination.port'] = num(v);
          break;
        case 'TYPE':
          f['firewall.icmp.type'] = num(v);
          break;
        case 'CODE':
          f['firewall.icmp.code'] = num(v);
          break;
      }
    }
    i = sp + 1;
  }
  if (src === undefined || dst === undefined) return false;
  Object.assign(out, f);
  out['source.ip'] = src;
  out['destination.ip'] = dst;
  if (tcpFlags) out['firewall.tcp_flags'] = tcpFlags;
  if (ipFlags) out['firewall.ip_flags'] = ipFlags;
  if (prefix) out['firewall.prefix'] = prefix;
  const action = verdict(prefix);
  out['event.category'] = ['network'];
  if (action === undefined) {
    out['event.type'] = ['connection'];
    out['event.outcome'] = 'unknown';
    return true;
  }
  out['firewall.action'] = action;
  out['event.action'] = `firewall_${action}`;
  if (action === 'block') {
    out['event.type'] = ['connection', 'denied'];
    out['event.outcome'] = 'failure';
  } else if (action === 'allow') {
    out['event.type'] = ['connection', 'allowed'];
    out['event.outcome'] = 'success';
  } else {
    out['event.type'] = ['connection', 'info'];
    out['event.outcome'] = 'unknown';
  }
  return true;
}

function num(v: string): number | undefined {
  const n = Number(v);
  return v !== '' && Number.isInteger(n) ? n : undefined;
}

export const firewall: Parser = {
  name: 'firewall',
  description: 'UFW and iptables (netfilter LOG) kernel lines, with a syslog or dmesg prefix or none',
  datasets: ['firewall'],
  standalone: true,
  detect(sample) {
    let n = 0;
    for (const line of sample) if (looksLikeFirewall(line)) n++;
    return sample.length ? n / sample.length : 0;
  },
  create(ctx) {
    const reader = new SyslogReader(ctx);
    return {
      parse(line) {
        if (!looksLikeFirewall(line)) return NOT_FIREWALL;
        const fields: Fields = {};
        const ev: ParsedEvent = { dataset: 'firewall', fields };
        let msg = line;
        const h = reader.read(line);
        if (typeof h !== 'string' && h.program !== undefined) {
          ev.ts = h.ts;
          ev.flags = h.flags;
          if (h.host !== undefined) fields['host.name'] = h.host;
          fields['process.name'] = h.program;
          if (h.pid !== undefined) fields['process.pid'] = h.pid;
          msg = h.msg;
        } else {
          const t = DMESG_T.exec(line);
          if (t) {
            ev.ts = wallToUtc(ctx.tz, +t[6], MONTHS[t[1].toLowerCase()], +t[2], +t[3], +t[4], +t[5]);
            ev.flags = EventFlag.TZ_ASSUMED;
            msg = line.slice(t[0].length);
          }
        }
        fields.message = msg;
        return firewallMessage(msg, fields) ? ev : NOT_FIREWALL;
      },
      flush: () => [],
    };
  },
  fields: [
    { name: 'firewall.action', type: 'keyword', desc: 'block, allow or audit, from the log prefix', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.prefix', type: 'keyword', desc: 'the log prefix as written: [UFW BLOCK], IPTABLES-DROP:, ...', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.length', type: 'long', desc: 'IP packet length (LEN=)', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.ttl', type: 'long', desc: 'TTL= (IPv4) or HOPLIMIT= (IPv6)', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.tcp_flags', type: 'keyword[]', desc: 'TCP flags of the packet: SYN, ACK, FIN, RST, PSH, URG, CWR, ECE', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.ip_flags', type: 'keyword[]', desc: 'IP flags: DF, MF, CE', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.icmp.type', type: 'long', desc: 'ICMP type', filledBy: 'firewall, syslog (kernel)' },
    { name: 'firewall.icmp.code', type: 'long', desc: 'ICMP code', filledBy: 'firewall, syslog (kernel)' },
    { name: 'observer.ingress.interface.name', type: 'keyword', desc: 'interface the packet came in on (IN=)', filledBy: 'firewall, syslog (kernel)' },
    { name: 'observer.egress.interface.name', type: 'keyword', desc: 'interface the packet goes out on (OUT=)', filledBy: 'firewall, syslog (kernel)' },
    { name: 'source.mac', type: 'keyword', desc: 'source MAC address (from MAC=)', filledBy: 'firewall, syslog (kernel)' },
    { name: 'destination.mac', type: 'keyword', desc: 'destination MAC address (from MAC=)', filledBy: 'firewall, syslog (kernel)' },
  ],
};
