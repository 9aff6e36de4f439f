/**
 * Reading what refreshIntel (intel.ts) wrote to ip_intel. Apart from it so that the commands that only print events
 * and findings (search, timeline, export) do not load the feed, GeoIP and download code at start.
 */
import type { DB } from '../store/db.js';
import type { IpIntel } from '../store/report-data.js';
import type { IpScope } from '../util/ip.js';
import type { Threat } from './matcher.js';

export interface Intel {
  /** the address exactly as the events hold it */
  ip: string;
  /** set for addresses that are not public unicast (nothing else is looked up for them) */
  scope?: IpScope | 'invalid';
  geo?: { country_iso_code?: string; country_name?: string; city_name?: string; location?: { lat: number; lon: number } };
  as?: { number?: number; organization?: { name: string } };
  threat?: Threat;
}

export interface IntelRow extends IpIntel {
  ip: string;
  lat: number | null;
  lon: number | null;
  threat: string | null;
  updated_at: number;
}

function rowToIntel(r: IntelRow): Intel {
  const intel: Intel = { ip: r.ip };
  if (r.scope) {
    intel.scope = r.scope as IpScope | 'invalid';
    return intel;
  }
  if (r.country_iso_code || r.city_name || r.lat !== null) {
    intel.geo = {};
    if (r.country_iso_code) intel.geo.country_iso_code = r.country_iso_code;
    if (r.country_name) intel.geo.country_name = r.country_name;
    if (r.city_name) intel.geo.city_name = r.city_name;
    if (r.lat !== null && r.lon !== null) intel.geo.location = { lat: r.lat, lon: r.lon };
  }
  if (r.asn !== null || r.as_org) {
    intel.as = {};
    if (r.asn !== null) intel.as.number = r.asn;
    if (r.as_org) intel.as.organization = { name: r.as_org };
  }
  if (r.threat) intel.threat = JSON.parse(r.threat) as Threat;
  return intel;
}

/** What is known about these addresses (as the events hold them); addresses not refreshed yet are absent. */
export function intelFor(db: DB, ips: Iterable<string>): Map<string, Intel> {
  const get = db.prepare<[string], IntelRow>('SELECT * FROM ip_intel WHERE ip = ?');
  const out = new Map<string, Intel>();
  for (const ip of ips) {
    if (out.has(ip)) continue;
    const r = get.get(ip);
    if (r) out.set(ip, rowToIntel(r));
  }
  return out;
}

/** Every listed address, heaviest first: the threat-intel rule's input. */
export function listedIntel(db: DB): Intel[] {
  return (db.prepare('SELECT * FROM ip_intel WHERE feed_count > 0 ORDER BY threat_score DESC, ip').all() as IntelRow[]).map(rowToIntel);
}
