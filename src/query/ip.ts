/**
 * IP addresses as fixed-width keys: every address becomes 32 hex digits in the IPv6 space (IPv4 as ::ffff:a.b.c.d),
 * so a CIDR or a range is a [lo, hi] pair compared as strings, and any spelling of an IPv6 address (compressed,
 * expanded, upper case, with a zone) or an IPv4-mapped address compares equal to its plain form.
 */

const V4_MAPPED = '00000000000000000000ffff';

function v4Hex(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let hex = '';
  for (const p of parts) {
    // leading zeros are refused as net.isIP refuses them: 010 is octal to some tools and decimal to others
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    hex += n.toString(16).padStart(2, '0');
  }
  return hex;
}

function v6Hex(text: string): string | undefined {
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  let tail = '';
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > 0) {
    const v4 = v4Hex(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4;
    // the dotted quad stands for two groups; keep a placeholder group so the count below works out
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let hex = '';
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    hex += g.toLowerCase().padStart(4, '0');
  }
  return tail ? hex.slice(0, 24) + tail : hex;
}

/** 32 lower-case hex digits, or undefined when the text is not an IP address. */
export function ipKey(text: string): string | undefined {
  if (text.includes(':')) return v6Hex(text);
  const v4 = v4Hex(text);
  return v4 === undefined ? undefined : V4_MAPPED + v4;
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
