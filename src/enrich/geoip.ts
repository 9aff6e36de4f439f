/**
 * GeoIP and ASN lookups through the maxmind package's Reader, opened from a buffer: no file watcher, so the CLI
 * exits when it is done. Databases, in order of preference:
 *   country/city: --geoip-db (or the config's geoip-db), else GeoLite2-City.mmdb fetched by `loghound geoip update`,
 *                 else the bundled CC0 @ip-location-db/geo-whois-asn-country database (country only);
 *   ASN:          --asn-db (or asn-db), else GeoLite2-ASN.mmdb fetched by `geoip update`, else none.
 * Record shapes differ by vendor, so each database gets an adapter chosen from its metadata: MaxMind's nested
 * City/Country shape, MaxMind's ASN shape, and ip-location-db's flat shape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';
import { InputError, describeSystemError } from '../errors.js';
import { formatIPv4, formatIPv6, parseIp, scopeV4, scopeV6, type ParsedIp } from '../util/ip.js';

export interface GeoRecord {
  country_iso_code?: string;
  country_name?: string;
  city_name?: string;
  lat?: number;
  lon?: number;
  asn?: number;
  as_org?: string;
}

export interface GeoSettings {
  geoipDb?: string;
  asnDb?: string;
  /** where `geoip update` keeps GeoLite2 (default: $XDG_DATA_HOME/loghound/geoip) */
  dataDir?: string;
}

export interface GeoSource {
  path: string;
  role: 'geo' | 'asn';
  databaseType: string;
  buildEpoch: string;
  ipVersion: number;
  bundled: boolean;
}

/** The licence line shown with bundled-database output (README and --version say the same). */
export { BUNDLED_ATTRIBUTION } from './attribution.js';

export function geoipDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(base, 'loghound', 'geoip');
}

export function bundledGeoDb(): string {
  const pkg = createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json');
  return path.join(path.dirname(pkg), 'geo-whois-asn-country.mmdb');
}

/**
 * The editions `geoip update --edition` may have put in the data folder, most precise first: a City database
 * answers everything a Country one does, and GeoIP2 is the paid, more accurate build of GeoLite2.
 */
export const GEO_EDITIONS = ['GeoIP2-City', 'GeoLite2-City', 'GeoIP2-Country', 'GeoLite2-Country'];
export const ASN_EDITIONS = ['GeoIP2-ISP', 'GeoLite2-ASN'];

function firstPresent(dir: string, editions: string[]): string | undefined {
  return editions.map((e) => path.join(dir, `${e}.mmdb`)).find((f) => fs.existsSync(f));
}

/** The files that would be used, without opening them. */
export function resolveGeoFiles(s: GeoSettings): { geo: string; asn?: string; bundled: boolean } {
  const dir = s.dataDir ?? geoipDir();
  const geo = s.geoipDb ?? firstPresent(dir, GEO_EDITIONS);
  const asn = s.asnDb ?? firstPresent(dir, ASN_EDITIONS);
  return { geo: geo ?? bundledGeoDb(), asn, bundled: !geo };
}

/** Changes when a database file is swapped: the per-IP intel redoes its geo part then. */
export function geoIdentity(s: GeoSettings): string {
  const files = resolveGeoFiles(s);
  return [files.geo, files.asn]
    .map((f) => {
      if (!f) return '-';
      try {
        const st = fs.statSync(f);
        return `${f}:${st.size}:${Math.trunc(st.mtimeMs)}`;
      } catch {
        return `${f}:missing`;
      }
    })
    .join('|');
}

let displayNames: Intl.DisplayNames | undefined;
const nameCache = new Map<string, string | undefined>();

/** ISO 3166-1 alpha-2 -> English name, from the ICU data Node ships. */
export function countryName(code: string): string | undefined {
  if (nameCache.has(code)) return nameCache.get(code);
  let name: string | undefined;
  try {
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    name = displayNames.of(code.toUpperCase());
  } catch {
    name = undefined;
  }
  nameCache.set(code, name);
  return name;
}

type Adapter = (rec: Record<string, any>, out: GeoRecord) => void;

function setCountry(out: GeoRecord, code: unknown, name?: unknown): void {
  if (typeof code !== 'string' || !code) return;
  out.country_iso_code = code;
  out.country_name = typeof name === 'string' && name ? name : countryName(code);
}

function setAsn(out: GeoRecord, rec: Record<string, any>): void {
  if (typeof rec.autonomous_system_number === 'number') out.asn = rec.autonomous_system_number;
  if (typeof rec.autonomous_system_organization === 'string') out.as_org = rec.autonomous_system_organization;
}

/** MaxMind GeoIP2 / GeoLite2 City and Country, DB-IP: {country: {iso_code, names}, city: {names}, location}. */
const nested: Adapter = (rec, out) => {
  const c = rec.country ?? rec.registered_country;
  if (c) setCountry(out, c.iso_code, c.names?.en);
  const city = rec.city?.names?.en;
  if (typeof city === 'string') out.city_name = city;
  const loc = rec.location;
  if (loc && typeof loc.latitude === 'number' && typeof loc.longitude === 'number') {
    out.lat = loc.latitude;
    out.lon = loc.longitude;
  }
};

/** MaxMind GeoLite2-ASN / GeoIP2-ISP. */
const asnShape: Adapter = (rec, out) => setAsn(out, rec);

/** ip-location-db: {country_code, city?, latitude?, longitude?} and its ASN files' MaxMind-style keys. */
const flat: Adapter = (rec, out) => {
  setCountry(out, rec.country_code);
  if (typeof rec.city === 'string' && rec.city) out.city_name = rec.city;
  const lat = typeof rec.latitude === 'string' ? Number(rec.latitude) : rec.latitude;
  const lon = typeof rec.longitude === 'string' ? Number(rec.longitude) : rec.longitude;
  if (typeof lat === 'number' && typeof lon === 'number' && !Number.isNaN(lat) && !Number.isNaN(lon)) {
    out.lat = lat;
    out.lon = lon;
  }
  setAsn(out, rec);
};

/**
 * What a database answers, from the type its metadata names (MaxMind and DB-IP name theirs; ip-location-db says
 * "country", "city" or "asn"); undefined when the name says nothing we know.
 */
function kindOf(databaseType: string): 'geo' | 'asn' | 'other' | undefined {
  if (/ASN|ISP/i.test(databaseType)) return 'asn';
  if (/City|Country|Enterprise/i.test(databaseType)) return 'geo';
  if (/Anonymous|Connection|Domain|Density/i.test(databaseType)) return 'other';
  return undefined;
}

function adapterFor(databaseType: string): Adapter {
  if (kindOf(databaseType) === 'asn') return asnShape;
  if (/^(GeoIP2|GeoLite2|GeoIP|DBIP)/i.test(databaseType)) return nested;
  return flat;
}

/** A real place is never within a micro-degree of 0,0 without being exactly there: such values are damage. */
function badCoordinate(v: number, max: number): boolean {
  return !Number.isFinite(v) || Math.abs(v) > max || (v !== 0 && Math.abs(v) < 1e-6);
}

class Db {
  private readonly reader: Reader<Response>;
  private readonly adapt: Adapter;
  readonly source: GeoSource;

  /**
   * `buf`: the file's bytes when the caller holds them already (geoip update checks a download before writing it).
   * `anyKind`: accept a database of either kind (geoip update checks every edition it downloads).
   */
  constructor(file: string, role: 'geo' | 'asn', bundled: boolean, buf?: Buffer, anyKind = false) {
    if (!buf) {
      try {
        buf = fs.readFileSync(file);
      } catch (err) {
        throw new InputError(`cannot read the ${role === 'asn' ? 'ASN' : 'GeoIP'} database ${file}: ${describeSystemError(err)}`);
      }
    }
    if (buf[0] === 0x1f && buf[1] === 0x8b) throw new InputError(`${file} is gzip-compressed`, 'unpack it first (an .mmdb file is read as is)');
    try {
      this.reader = new Reader<Response>(buf);
    } catch (err) {
      throw new InputError(`${file} is not a readable MaxMind database (.mmdb): ${(err as Error).message}`, 'download it again, or point --geoip-db / --asn-db at another file');
    }
    const md = this.reader.metadata;
    const kind = kindOf(md.databaseType);
    // The wrong file in a slot answers nothing, or worse: a City database given as the ASN one overwrites the
    // country the GeoIP database found. Refuse it, saying where it belongs.
    if (!anyKind && kind && kind !== role) {
      const want = role === 'asn' ? 'an ASN' : 'a City or Country';
      const hint =
        kind === 'asn' ? 'give it as --asn-db (asn-db in the config file)' : kind === 'geo' ? 'give it as --geoip-db (geoip-db in the config file)' : '--geoip-db takes a City or Country database, --asn-db an ASN one';
      throw new InputError(`${file} is a ${md.databaseType} database, not ${want} database`, hint);
    }
    this.adapt = adapterFor(md.databaseType);
    this.source = { path: file, role, databaseType: md.databaseType, buildEpoch: md.buildEpoch.toISOString(), ipVersion: md.ipVersion, bundled };
  }

  fill(p: ParsedIp, out: GeoRecord): void {
    // An IPv6 lookup in an IPv4-only database returns another address's data instead of nothing.
    if (p.v === 6 && this.source.ipVersion === 4) return;
    const text = p.v === 4 ? formatIPv4(p.n) : formatIPv6(p.b);
    let rec: Response | null;
    try {
      rec = this.reader.get(text);
    } catch (err) {
      throw new InputError(`the database ${this.source.path} is damaged: looking up ${text} failed (${(err as Error).message})`, 'download it again');
    }
    if (!rec || typeof rec !== 'object') return;
    this.adapt(rec as Record<string, any>, out);
    if (out.lat !== undefined && (badCoordinate(out.lat, 90) || badCoordinate(out.lon!, 180))) {
      throw new InputError(`the database ${this.source.path} is damaged: ${text} has an impossible location (${out.lat}, ${out.lon})`, 'download it again');
    }
  }
}

/**
 * Addresses across the IPv4 and IPv6 space, with some that MaxMind's test databases hold. Which of them a database
 * knows does not matter: each lookup must work and give a possible location.
 */
const PROBES = ['1.1.1.1', '2.125.160.216', '8.8.8.8', '12.81.92.1', '81.2.69.142', '89.160.20.112', '175.16.199.14', '216.160.83.56', '223.255.255.1', '2001:218::1', '2a02:cf40::1', '2c0f:ff40::1'];

/**
 * The checks every lookup makes (the lookup works, the location is possible), over PROBES: `geoip update` runs
 * them on a download before it replaces a working database, so damage is found there and not by the next hunt.
 * Throws the InputError a lookup would, naming `label`.
 */
export function checkDatabase(buf: Buffer, label: string): void {
  const db = new Db(label, 'geo', false, buf, true);
  for (const ip of PROBES) db.fill(parseIp(ip)!, {});
}

export class GeoLookup {
  private constructor(private readonly dbs: Db[]) {}

  static open(s: GeoSettings = {}): GeoLookup {
    const files = resolveGeoFiles(s);
    const dbs = [new Db(files.geo, 'geo', files.bundled)];
    if (files.asn) dbs.push(new Db(files.asn, 'asn', false));
    return new GeoLookup(dbs);
  }

  get sources(): GeoSource[] {
    return this.dbs.map((d) => d.source);
  }

  /** null for special-purpose addresses and when no database knows the address. */
  lookupParsed(p: ParsedIp): GeoRecord | null {
    if (p.v === 4 ? scopeV4(p.n) : scopeV6(p.b)) return null;
    const out: GeoRecord = {};
    for (const d of this.dbs) d.fill(p, out);
    return Object.keys(out).length ? out : null;
  }

  lookup(ip: string): GeoRecord | null {
    const p = parseIp(ip);
    return p ? this.lookupParsed(p) : null;
  }
}
