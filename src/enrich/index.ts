/**
 * Enrichment: threat feeds and GeoIP/ASN, per distinct IP address. The API hunt, search and the detection engine
 * use; nothing here prints, and nothing but updateFeeds / updateGeoLite touches the network.
 *
 * Settings come from the config file and flags:
 *   const cfg = loadConfig();
 *   const settings = intelSettings(cfg, { geoipDb: flags.geoipDb, asnDb: flags.asnDb });
 *
 * During hunt, after ingest and before the rules run:
 *   const r = refreshIntel(db, settings);       // fills ip_intel for new addresses; redoes threat/geo when
 *                                               // the feeds or the databases changed. One transaction.
 *   const stale = staleFeeds(db, settings);     // enabled feeds never downloaded or older than their interval:
 *                                               // one line in hunt's summary ("run loghound feeds update")
 *
 * In SQL (rules, search): join ip_intel on the address text the events hold:
 *   SELECT ... FROM events e JOIN ip_intel i ON i.ip = e.source_ip WHERE i.feed_count > 0
 *   ip_intel columns: ip, scope (NULL = public; else private, loopback, link-local, documentation, ...),
 *   country_iso_code, country_name, city_name, lat, lon, asn, as_org, feed_count, feeds (comma-separated names),
 *   threat_context, threat_severity (informational..critical), threat_score (0-100), threat (JSON: Threat).
 *   Index: ip_intel_listed (feed_count > 0) makes "every listed address" cheap; listedIntel(db) returns them.
 *
 * For output (events, findings):
 *   const intel = intelFor(db, [srcIp, dstIp]);                  // Map ip -> Intel
 *   enrichDoc(doc, intel);                                        // source.geo/as, destination.geo/as, threat
 *   geoEcs(intel.get(ip))                                         // {geo, as} to put under source / destination
 *   threatEcs([{ intel: intel.get(ip), field: 'source.ip' }])     // the ECS threat object with enrichments
 *   threatSummary(threat)                                         // {context, ip, feeds, feed_count, severity, score}
 */
import type { Config } from '../config.js';
import type { IntelSettings } from './intel.js';

export { enrichFindings } from './findings.js';
export { refreshIntel, intelFor, listedIntel, type Intel, type IntelSettings, type RefreshSummary } from './intel.js';
export { enrichDoc, geoEcs, threatEcs, threatEnrichments, threatSummary, type GeoEcs, type ThreatEcs, type ThreatEnrichment, type ThreatSummary } from './ecs.js';
export { feedStatus, staleFeeds, updateFeeds, type FeedStatus, type FeedUpdateResult } from './feeds.js';
export { GeoLookup, BUNDLED_ATTRIBUTION, geoipDir, type GeoRecord, type GeoSettings } from './geoip.js';
export { type Threat, type FeedHit } from './matcher.js';
export { SEVERITIES, type Severity } from './catalogue.js';

/** Config file values and flags -> the settings every function above takes. Flags win. */
export function intelSettings(config: Config, flags: { geoipDb?: string; asnDb?: string; noGeo?: boolean } = {}): IntelSettings {
  return {
    feeds: config.values.feeds,
    configFile: config.file,
    geoipDb: flags.geoipDb ?? config.values['geoip-db'],
    asnDb: flags.asnDb ?? config.values['asn-db'],
    noGeo: flags.noGeo,
  };
}
