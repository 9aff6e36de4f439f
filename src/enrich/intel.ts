/**
 * Per-IP intel: one ip_intel row for every distinct source.ip / destination.ip of the store, holding its scope
 * (private, loopback...), GeoIP country/city/location, ASN, and what the threat feeds say. Enrichment is per
 * address, not per event: millions of events from a few thousand addresses cost a few thousand lookups.
 *
 * refreshIntel is incremental: it reads only events above the watermark kept in meta (intel.watermark), and
 * redoes the threat part of every row when the feeds changed (a new segment build, a feed enabled or disabled, a
 * weight changed in the config), and the geo part when a different database file is in use.
 */
import crypto from 'node:crypto';
import { eventBounds, storeVersion, type DB } from '../store/db.js';
import { COUNTS_VERSION, countedValues } from '../store/counts.js';
import { formatIp, parseIp, scopeV4, scopeV6, type IpScope, type ParsedIp } from '../util/ip.js';
import { ensureSegments, effectiveFeeds, type FeedSettings } from './feeds.js';
import { getMeta, setMeta } from './feedstore.js';
import { GeoLookup, geoIdentity, type GeoRecord, type GeoSettings } from './geoip.js';
import { FeedMatcher, threatFrom, type Threat } from './matcher.js';
import type { EffectiveFeed } from './catalogue.js';
import type { IntelRow } from './intelrows.js';

export { intelFor, listedIntel, type Intel } from './intelrows.js';

export interface IntelSettings extends FeedSettings, GeoSettings {
  /** no GeoIP/ASN lookups at all */
  noGeo?: boolean;
  now?: () => number;
}

export interface RefreshSummary {
  /** addresses seen for the first time */
  new_ips: number;
  /** rows whose threat part changed after a feed change */
  threat_changed: number;
  /** rows whose geo part changed after a database change */
  geo_changed: number;
  /** addresses on at least one enabled feed, over the whole store */
  listed: number;
  /** the GeoIP/ASN databases used, when any was opened */
  geo_sources: string[];
  seconds: number;
}

type GeoCols = Pick<IntelRow, 'country_iso_code' | 'country_name' | 'city_name' | 'lat' | 'lon' | 'asn' | 'as_org'>;
type ThreatCols = Pick<IntelRow, 'feed_count' | 'feeds' | 'threat_context' | 'threat_severity' | 'threat_score' | 'threat'>;

const NO_GEO: GeoCols = { country_iso_code: null, country_name: null, city_name: null, lat: null, lon: null, asn: null, as_org: null };
const NO_THREAT: ThreatCols = { feed_count: 0, feeds: null, threat_context: null, threat_severity: null, threat_score: null, threat: null };

function geoCols(g: GeoRecord | null): GeoCols {
  if (!g) return NO_GEO;
  return {
    country_iso_code: g.country_iso_code ?? null,
    country_name: g.country_name ?? null,
    city_name: g.city_name ?? null,
    lat: g.lat ?? null,
    lon: g.lon ?? null,
    asn: g.asn ?? null,
    as_org: g.as_org ?? null,
  };
}

function threatCols(t: Threat | null): ThreatCols {
  if (!t) return NO_THREAT;
  return {
    feed_count: t.feed_count,
    feeds: t.feeds.join(','),
    threat_context: t.context,
    threat_severity: t.severity,
    threat_score: t.score,
    threat: JSON.stringify(t),
  };
}

/** Changes whenever what a match would say changes: new segments, or different enabled feeds or weights. */
export function threatKey(db: DB, feeds: EffectiveFeed[]): string {
  const enabled = feeds
    .filter((f) => f.enabled)
    .map((f) => [f.name, f.provider, f.context, f.weight, f.countColumn ?? 0, f.minCount ?? 0].join('\u0001'))
    .sort()
    .join('\u0002');
  const h = crypto.createHash('sha256').update(enabled).digest('hex').slice(0, 16);
  return `${getMeta(db, 'feeds.version') ?? 0}:${h}`;
}

const INSERT = `INSERT INTO ip_intel (ip, scope, country_iso_code, country_name, city_name, lat, lon, asn, as_org,
  feed_count, feeds, threat_context, threat_severity, threat_score, threat, updated_at) VALUES (${Array(16).fill('?').join(', ')})`;

// Two plain DISTINCT scans over the new events' rowid range: much cheaper in SQLite than a UNION with an
// anti-join, which sorts every row through temporary b-trees. When the range holds every event (a first run), the
// addresses are those the store counts instead: at 2M events 0.04 s, against 0.7 s for the two scans (the
// destinations have no index, so theirs read every row).
const DISTINCT = (col: 'source_ip' | 'destination_ip') => `SELECT DISTINCT ${col} FROM events WHERE id > ? AND id <= ? AND ${col} IS NOT NULL`;

/** Addresses of events (from, to] that ip_intel does not hold yet. */
function newAddresses(db: DB, from: number, to: number): string[] {
  const [lo, hi] = eventBounds(db, 'id') as [number, number];
  const all = from < lo && to >= hi && storeVersion(db) >= COUNTS_VERSION;
  const seen = new Set<string>();
  for (const col of ['source_ip', 'destination_ip'] as const) {
    for (const ip of (all ? countedValues(db, col) : db.prepare(DISTINCT(col)).pluck().all(from, to)) as string[]) seen.add(ip);
  }
  const anyKnown = db.prepare('SELECT EXISTS (SELECT 1 FROM ip_intel) AS x').pluck().get() === 1;
  if (!anyKnown) return [...seen];
  const known = db.prepare<[string]>('SELECT 1 FROM ip_intel WHERE ip = ?').pluck();
  return [...seen].filter((ip) => known.get(ip) === undefined);
}

function scopeOf(p: ParsedIp | null): IpScope | 'invalid' | null {
  if (!p) return 'invalid';
  return p.v === 4 ? scopeV4(p.n) : scopeV6(p.b);
}

/**
 * Brings ip_intel up to date with the events and the feeds. Offline: it reads the store and the local databases
 * only. Runs in one transaction.
 */
export function refreshIntel(db: DB, settings: IntelSettings = {}): RefreshSummary {
  const t0 = performance.now();
  const now = (settings.now ?? Date.now)();
  ensureSegments(db);
  const feeds = effectiveFeeds(db, settings);
  const tKey = threatKey(db, feeds);
  const gKey = settings.noGeo ? 'none' : geoIdentity(settings);
  const redoThreat = getMeta(db, 'intel.threat_key') !== tKey;
  const redoGeo = getMeta(db, 'intel.geo_key') !== gKey;
  const watermark = Number(getMeta(db, 'intel.watermark') ?? 0);
  const maxId = (db.prepare('SELECT coalesce(max(id), 0) AS m FROM events').get() as { m: number }).m;

  let matcher: FeedMatcher | undefined;
  let geo: GeoLookup | null | undefined;
  const threatOf = (p: ParsedIp): Threat | null => {
    matcher ??= FeedMatcher.load(db, feeds);
    const hits = matcher.matchParsed(p);
    return hits ? threatFrom(formatIp(p), p.v, hits) : null;
  };
  const geoOf = (p: ParsedIp): GeoRecord | null => {
    if (geo === undefined) geo = settings.noGeo ? null : GeoLookup.open(settings);
    return geo ? geo.lookupParsed(p) : null;
  };

  const out: RefreshSummary = { new_ips: 0, threat_changed: 0, geo_changed: 0, listed: 0, geo_sources: [], seconds: 0 };
  db.transaction(() => {
    if (redoThreat || redoGeo) {
      const rows = db.prepare('SELECT * FROM ip_intel WHERE scope IS NULL').all() as IntelRow[];
      const updThreat = db.prepare(
        'UPDATE ip_intel SET feed_count = @feed_count, feeds = @feeds, threat_context = @threat_context, threat_severity = @threat_severity, threat_score = @threat_score, threat = @threat, updated_at = @updated_at WHERE ip = @ip',
      );
      const updGeo = db.prepare(
        'UPDATE ip_intel SET country_iso_code = @country_iso_code, country_name = @country_name, city_name = @city_name, lat = @lat, lon = @lon, asn = @asn, as_org = @as_org, updated_at = @updated_at WHERE ip = @ip',
      );
      for (const row of rows) {
        const p = parseIp(row.ip);
        if (!p) continue;
        if (redoThreat) {
          const t = threatCols(threatOf(p));
          if (t.threat !== row.threat) {
            updThreat.run({ ...t, ip: row.ip, updated_at: now });
            out.threat_changed++;
          }
        }
        if (redoGeo) {
          const g = geoCols(geoOf(p));
          if ((Object.keys(g) as (keyof GeoCols)[]).some((k) => g[k] !== row[k])) {
            updGeo.run({ ...g, ip: row.ip, updated_at: now });
            out.geo_changed++;
          }
        }
      }
    }
    if (maxId > watermark) {
      const ips = newAddresses(db, watermark, maxId).sort();
      const insert = db.prepare(INSERT);
      for (const ip of ips) {
        const p = parseIp(ip);
        const scope = scopeOf(p);
        const g = scope || !p ? NO_GEO : geoCols(geoOf(p));
        const t = scope || !p ? NO_THREAT : threatCols(threatOf(p));
        insert.run(
          ip, scope, g.country_iso_code, g.country_name, g.city_name, g.lat, g.lon, g.asn, g.as_org,
          t.feed_count, t.feeds, t.threat_context, t.threat_severity, t.threat_score, t.threat, now,
        );
      }
      out.new_ips = ips.length;
      setMeta(db, 'intel.watermark', maxId);
    }
    setMeta(db, 'intel.threat_key', tKey);
    setMeta(db, 'intel.geo_key', gKey);
  })();
  out.listed = (db.prepare('SELECT count(*) AS n FROM ip_intel WHERE feed_count > 0').get() as { n: number }).n;
  out.geo_sources = geo ? geo.sources.map((s) => `${s.path} (${s.databaseType}, ${s.buildEpoch.slice(0, 10)})`) : [];
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
