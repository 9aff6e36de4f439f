/**
 * IP addresses as numbers: IPv4 as an unsigned 32-bit integer, IPv6 as a 16-byte buffer (and as a bigint for range
 * arithmetic). Hand-written scanners: threat matching parses every distinct address of a store, so no regex and no
 * allocation for IPv4. Also the special-purpose ranges (IANA's registries, RFC 6890) that must never be matched
 * against threat feeds or looked up in GeoIP databases.
 */

export type IpRange = { v: 4; lo: number; hi: number } | { v: 6; lo: bigint; hi: bigint };
export type ParsedIp = { v: 4; n: number } | { v: 6; b: Buffer };

const MAX6 = (1n << 128n) - 1n;

/** Dotted quad (in s[from, to)) -> 0..2^32-1, or -1. Leading zeros are refused, as net.isIP does. */
export function parseIPv4(s: string, from = 0, to = s.length): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * IPv6 text -> 16 bytes, or null. Accepts `::` compression, an embedded dotted-quad tail and a zone (`%eth0`,
 * ignored). Does not unwrap IPv4-mapped addresses: parseIp does.
 */
export function parseIPv6(s: string): Buffer | null {
  let end = s.length;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (pct === end - 1) return null;
    end = pct;
  }
  if (end < 2) return null;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let v = 0;
    while (j < end && j - i < 5) {
      const d = hexVal(s.charCodeAt(j));
      if (d < 0) break;
      v = v * 16 + d;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      const v4 = parseIPv4(s, i, end);
      if (v4 < 0) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
      i = end;
      break;
    }
    if (j === i || j - i > 4) return null;
    groups.push(v);
    if (j === end) {
      i = j;
      break;
    }
    if (s.charCodeAt(j) !== 58) return null;
    j++;
    if (s.charCodeAt(j) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      j++;
    } else if (j === end) {
      return null;
    }
    i = j;
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return null;
  const out = Buffer.alloc(16);
  const tail = gap < 0 ? 0 : groups.length - gap;
  const head = groups.length - tail;
  for (let k = 0; k < head; k++) out.writeUInt16BE(groups[k], k * 2);
  for (let k = 0; k < tail; k++) out.writeUInt16BE(groups[head + k], 16 - (tail - k) * 2);
  return out;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), or -1. */
export function mappedIPv4(b: Uint8Array): number {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return -1;
  if (b[10] !== 0xff || b[11] !== 0xff) return -1;
  return ((b[12] << 24) >>> 0) + (b[13] << 16) + (b[14] << 8) + b[15];
}

/** Any address text -> number or bytes; IPv4-mapped IPv6 addresses come back as IPv4. */
export function parseIp(s: string): ParsedIp | null {
  const n = parseIPv4(s);
  if (n >= 0) return { v: 4, n };
  const b = parseIPv6(s);
  if (!b) return null;
  const m = mappedIPv4(b);
  return m >= 0 ? { v: 4, n: m } : { v: 6, b };
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups compressed, the first one on a tie. */
export function formatIPv6(b: Uint8Array): string {
  const m = mappedIPv4(b);
  if (m >= 0) return `::ffff:${formatIPv4(m)}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

export function formatIp(p: ParsedIp): string {
  return p.v === 4 ? formatIPv4(p.n) : formatIPv6(p.b);
}

export function ipv6ToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < 16; i += 4) x = (x << 32n) | BigInt(((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3]);
  return x;
}

export function bigIntToIpv6(x: bigint): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 12; i >= 0; i -= 4) {
    out.writeUInt32BE(Number(x & 0xffffffffn), i);
    x >>= 32n;
  }
  return out;
}

function prefixLen(s: string, max: number): number {
  if (s.length === 0 || s.length > 3) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= max ? n : -1;
}

/**
 * One feed entry: an address, a CIDR (host bits are cleared: feeds publish 1.2.3.4/24 meaning 1.2.3.0/24) or a
 * range `a-b`. IPv4-mapped IPv6 entries come back as IPv4. null when it is none of those.
 */
export function parseRange(text: string): IpRange | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const addr = s.slice(0, slash);
    const n = parseIPv4(addr);
    if (n >= 0) {
      const p = prefixLen(s.slice(slash + 1), 32);
      if (p < 0) return null;
      const size = 2 ** (32 - p);
      const lo = n - (n % size);
      return { v: 4, lo, hi: lo + size - 1 };
    }
    const b = parseIPv6(addr);
    if (!b) return null;
    const p = prefixLen(s.slice(slash + 1), 128);
    if (p < 0) return null;
    const hostBits = BigInt(128 - p);
    const mask = ((1n << hostBits) - 1n) & MAX6;
    const lo = ipv6ToBigInt(b) & ~mask & MAX6;
    return toV4IfMapped(lo, lo | mask);
  }
  const dash = s.indexOf('-');
  if (dash >= 0) {
    const a = parseIp(s.slice(0, dash).trim());
    const z = parseIp(s.slice(dash + 1).trim());
    if (!a || !z || a.v !== z.v) return null;
    if (a.v === 4 && z.v === 4) return a.n <= z.n ? { v: 4, lo: a.n, hi: z.n } : null;
    const lo = ipv6ToBigInt((a as { b: Buffer }).b);
    const hi = ipv6ToBigInt((z as { b: Buffer }).b);
    return lo <= hi ? { v: 6, lo, hi } : null;
  }
  const p = parseIp(s);
  if (!p) return null;
  if (p.v === 4) return { v: 4, lo: p.n, hi: p.n };
  const x = ipv6ToBigInt(p.b);
  return { v: 6, lo: x, hi: x };
}

const MAPPED_LO = 0xffff00000000n;
const MAPPED_HI = 0xffffffffffffn;

function toV4IfMapped(lo: bigint, hi: bigint): IpRange {
  if (lo >= MAPPED_LO && hi <= MAPPED_HI) return { v: 4, lo: Number(lo - MAPPED_LO), hi: Number(hi - MAPPED_LO) };
  return { v: 6, lo, hi };
}

export function formatRange(r: IpRange): string {
  if (r.v === 4) {
    const size = r.hi - r.lo + 1;
    const bits = Math.log2(size);
    if (Number.isInteger(bits) && r.lo % size === 0) return bits === 0 ? formatIPv4(r.lo) : `${formatIPv4(r.lo)}/${32 - bits}`;
    return `${formatIPv4(r.lo)}-${formatIPv4(r.hi)}`;
  }
  const size = r.hi - r.lo + 1n;
  if ((size & (size - 1n)) === 0n && r.lo % size === 0n) {
    const bits = size.toString(2).length - 1;
    return bits === 0 ? formatIPv6(bigIntToIpv6(r.lo)) : `${formatIPv6(bigIntToIpv6(r.lo))}/${128 - bits}`;
  }
  return `${formatIPv6(bigIntToIpv6(r.lo))}-${formatIPv6(bigIntToIpv6(r.hi))}`;
}

/** Why an address is not a public unicast address; what a threat match or a GeoIP lookup must skip. */
export type IpScope =
  | 'unspecified'
  | 'this-network'
  | 'private'
  | 'shared'
  | 'loopback'
  | 'link-local'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'broadcast'
  | 'unique-local'
  | 'site-local'
  | 'discard';

interface Special<P> {
  lo: P;
  hi: P;
  scope: IpScope;
}

function v4(cidr: string, scope: IpScope): Special<number> {
  const r = parseRange(cidr) as { lo: number; hi: number };
  return { lo: r.lo, hi: r.hi, scope };
}

function v6(cidr: string, scope: IpScope): Special<bigint> {
  const r = parseRange(cidr) as { lo: bigint; hi: bigint };
  return { lo: r.lo, hi: r.hi, scope };
}

/** IANA IPv4 Special-Purpose Address Registry (not globally reachable entries), sorted, no overlaps. */
export const SPECIAL_V4: readonly Special<number>[] = [
  v4('0.0.0.0/8', 'this-network'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

/**
 * IPv6: everything outside 2000::/3 (global unicast) is special; inside it the documentation and benchmarking
 * blocks. IPv4-mapped addresses are unwrapped before they get here. Sorted, no overlaps.
 */
export const SPECIAL_V6: readonly Special<bigint>[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::2-1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'),
  v6('2001:2::/48', 'benchmarking'),
  v6('2001:db8::/32', 'documentation'),
  v6('3fff::/20', 'documentation'),
  v6('4000::-fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'),
  v6('fc00::/7', 'unique-local'),
  v6('fe00::-fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('ff00::/8', 'multicast'),
];

export function scopeV4(n: number): IpScope | null {
  // 15 entries: a linear scan that stops early beats a binary search here.
  for (const r of SPECIAL_V4) {
    if (n < r.lo) return null;
    if (n <= r.hi) return n === 0xffffffff ? 'broadcast' : r.scope;
  }
  return null;
}

export function scopeV6(b: Uint8Array): IpScope | null {
  const top = b[0];
  // The common case, global unicast outside the documentation and benchmarking blocks, without a bigint.
  if (top >= 0x20 && top <= 0x3f && !(top === 0x20 && b[1] === 0x01 && b[2] <= 0x0d) && !(top === 0x3f && b[1] >= 0xf0)) {
    return null;
  }
  const x = ipv6ToBigInt(b);
  for (const r of SPECIAL_V6) {
    if (x < r.lo) return null;
    if (x <= r.hi) return r.scope;
  }
  return null;
}

/** null for a public address; the scope otherwise; 'invalid' when the text is not an address. */
export function ipScope(s: string): IpScope | 'invalid' | null {
  const p = parseIp(s);
  if (!p) return 'invalid';
  return p.v === 4 ? scopeV4(p.n) : scopeV6(p.b);
}

/**
 * The public parts of a range: the range minus every special-purpose block. Empty when it lies wholly inside
 * them (FireHOL level1 lists 10.0.0.0/8 and the other bogons: without this every LAN client would be "malicious").
 */
export function publicParts(r: IpRange): IpRange[] {
  if (r.v === 4) {
    const out: IpRange[] = [];
    let lo = r.lo;
    for (const s of SPECIAL_V4) {
      if (s.hi < lo) continue;
      if (s.lo > r.hi) break;
      if (s.lo > lo) out.push({ v: 4, lo, hi: s.lo - 1 });
      lo = s.hi + 1;
      if (lo > r.hi) return out;
    }
    out.push({ v: 4, lo, hi: r.hi });
    return out;
  }
  const out: IpRange[] = [];
  let lo = r.lo;
  for (const s of SPECIAL_V6) {
    if (s.hi < lo) continue;
    if (s.lo > r.hi) break;
    if (s.lo > lo) out.push({ v: 6, lo, hi: s.lo - 1n });
    lo = s.hi + 1n;
    if (lo > r.hi) return out;
  }
  out.push({ v: 6, lo, hi: r.hi });
  return out;
}
