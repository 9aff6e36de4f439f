/**
 * SQL functions that compiled queries call, registered on each connection that runs them (and documented for
 * `loghound sql`). IPs are stored as text as the log wrote them, so string order is not address order: the
 * functions compare fixed-width keys instead. All are deterministic and pure.
 */
import type { DB } from '../store/db.js';
import { ipKey, parseCidr, type IpRange } from './ip.js';

/** Logs repeat a few addresses millions of times: remembering their keys saves most of the parsing. */
const keyCache = new Map<string, string | null>();
const cidrCache = new Map<string, IpRange | null>();
const CACHE_MAX = 65_536;

function cachedKey(text: string): string | null {
  let k = keyCache.get(text);
  if (k === undefined) {
    k = ipKey(text) ?? null;
    if (keyCache.size >= CACHE_MAX) keyCache.clear();
    keyCache.set(text, k);
  }
  return k;
}

function cachedCidr(text: string): IpRange {
  let r = cidrCache.get(text);
  if (r === undefined) {
    r = parseCidr(text) ?? null;
    if (cidrCache.size >= CACHE_MAX) cidrCache.clear();
    cidrCache.set(text, r);
  }
  if (r === null) throw new TypeError(`ip_in_cidr: "${text}" is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32`);
  return r;
}

function boundKey(text: unknown, fn: string): string {
  const k = typeof text === 'string' ? cachedKey(text) : null;
  if (k === null) throw new TypeError(`${fn}: ${JSON.stringify(text)} is not an IP address`);
  return k;
}

/** 1 when `ip` lies in `cidr`; 0 when it does not or is not an address; NULL for NULL. */
export function ipInCidr(ip: unknown, cidr: unknown): number | null {
  if (ip === null || ip === undefined) return null;
  if (typeof cidr !== 'string') throw new TypeError('ip_in_cidr: the CIDR must be text');
  const r = cachedCidr(cidr);
  const k = typeof ip === 'string' ? cachedKey(ip) : null;
  return k !== null && k >= r.lo && k <= r.hi ? 1 : 0;
}

/** 1 when lo <= ip <= hi as addresses (both bounds inclusive). */
export function ipInRange(ip: unknown, lo: unknown, hi: unknown): number | null {
  if (ip === null || ip === undefined) return null;
  const l = boundKey(lo, 'ip_in_range');
  const h = boundKey(hi, 'ip_in_range');
  const k = typeof ip === 'string' ? cachedKey(ip) : null;
  return k !== null && k >= l && k <= h ? 1 : 0;
}

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A number from a JSON number or numeric text (logfmt and JSON logs often quote numbers); NULL otherwise. */
export function asNumber(v: unknown): number | bigint | null {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return null;
}

export function registerQueryFunctions(db: DB): void {
  db.function('ip_in_cidr', { deterministic: true }, ipInCidr);
  db.function('ip_in_range', { deterministic: true }, ipInRange);
  db.function('lh_number', { deterministic: true }, asNumber);
}
