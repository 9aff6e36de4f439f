/**
 * IP addresses as fixed-width keys: every address becomes 32 hex digits in the IPv6 space (IPv4 as ::ffff:a.b.c.d),
 * so a CIDR or a range is a [lo, hi] pair compared as strings, and any spelling of an IPv6 address (compressed,
 * expanded, upper case, with a zone) or an IPv4-mapped address compares equal to its plain form.
 */

import { parseIPv4, parseIPv6 } from '../util/ip.js';

const V4_MAPPED = '00000000000000000000ffff';

/** How logs write an IPv4 address: plain, or mapped into IPv6 (dual-stack sockets), in either case. */
export const V4_SPELLINGS = ['', '::ffff:', '::FFFF:'];

/** 32 lower-case hex digits, or undefined when the text is not an IP address. */
export function ipKey(text: string): string | undefined {
  if (text.includes(':')) return parseIPv6(text)?.toString('hex');
  const n = parseIPv4(text);
  return n < 0 ? undefined : V4_MAPPED + n.toString(16).padStart(8, '0');
}

export function isIpv4Key(key: string): boolean {
  return key.startsWith(V4_MAPPED);
}

export interface IpRange {
  lo: string;
  hi: string;
  /** the network as written was IPv4 */
  v4: boolean;
  /** prefix length in the family of the address as written */
  bits: number;
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128); undefined when malformed. */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const key = ipKey(addr);
  if (key === undefined) return undefined;
  const v4 = !addr.includes(':');
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return undefined;
    bits = Number(b);
  }
  const total = (v4 ? 96 : 0) + bits;
  const n = BigInt('0x' + key);
  const hostMask = (1n << BigInt(128 - total)) - 1n;
  const lo = n & ~hostMask;
  return { lo: hexOf(lo), hi: hexOf(lo | hostMask), v4, bits };
}

export function hexOf(n: bigint): string {
  return n.toString(16).padStart(32, '0');
}

/** The next or previous address (for exclusive range bounds); undefined past the ends of the family. */
export function stepKey(key: string, by: 1 | -1, v4: boolean): string | undefined {
  const n = BigInt('0x' + key) + BigInt(by);
  const min = v4 ? BigInt('0x' + V4_MAPPED + '00000000') : 0n;
  const max = v4 ? BigInt('0x' + V4_MAPPED + 'ffffffff') : (1n << 128n) - 1n;
  return n < min || n > max ? undefined : hexOf(n);
}

export function familyBounds(v4: boolean): { lo: string; hi: string } {
  return v4 ? { lo: V4_MAPPED + '00000000', hi: V4_MAPPED + 'ffffffff' } : { lo: hexOf(0n), hi: hexOf((1n << 128n) - 1n) };
}

/** Every way a log can write one 16-bit group: 1 to 4 hex digits (leading zeros), each letter in either case. */
function groupSpellings(group: number): string[] {
  const hex = group.toString(16);
  let cased = [''];
  for (const ch of hex) cased = cased.flatMap((s) => (ch >= 'a' ? [s + ch, s + ch.toUpperCase()] : [s + ch]));
  return cased.flatMap((s) => ['', '0', '00', '000'].slice(0, 5 - hex.length).map((zeros) => zeros + s));
}

/**
 * Text prefixes, each ending in ":", such that every spelling of an IPv6 address (what parseIPv6 reads: any case,
 * leading zeros, "::" over any run of zero groups, a dotted tail, a zone) starts with one of them. Groups are
 * spelt out from the left until the next group would take the list past `budget`; a "::" ends a prefix, as the
 * groups after it can sit anywhere. An index answers each prefix with one range scan, so an exact address stays
 * an index lookup in a column that holds addresses as the logs wrote them.
 */
export function spellingPrefixes(key: string, budget = 32): string[] {
  const groups = key.match(/.{4}/g)!.map((g) => parseInt(g, 16));
  const closed: string[] = [];
  let open = [''];
  // a dotted tail can stand for groups 6 and 7 only: the first six groups are always hex
  for (let i = 0; i < 6; i++) {
    const gap = groups[i] === 0 ? open.map((p) => (p === '' ? '::' : p + ':')) : [];
    const next = open.flatMap((p) => groupSpellings(groups[i]).map((g) => p + g + ':'));
    if (i > 0 && closed.length + gap.length + next.length > budget) break;
    closed.push(...gap);
    open = next;
  }
  return [...closed, ...open];
}
