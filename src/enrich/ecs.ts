/**
 * Intel -> ECS: `source.geo.*` / `source.as.*` (and destination.*), and `threat.*` with one
 * `threat.enrichments` entry per feed listing the address. loghound adds a compact summary next to ECS's own
 * threat fields (threat.context, threat.feeds, threat.feed_count, threat.severity, threat.score) so a finding
 * or a search hit says in one place why the address matters.
 */
import { confidenceFor } from './catalogue.js';
import type { Intel } from './intel.js';
import type { Threat } from './matcher.js';

export type Doc = Record<string, unknown>;

export interface GeoEcs {
  geo?: { country_iso_code?: string; country_name?: string; city_name?: string; location?: { lat: number; lon: number } };
  as?: { number?: number; organization?: { name: string } };
}

export interface ThreatEnrichment {
  indicator: { ip: string; type: 'ipv4-addr' | 'ipv6-addr'; provider: string; confidence: string; description: string };
  matched: { atomic: string; field: string; type: 'indicator_match_rule' };
  feed: { name: string };
}

/** The compact "why this address matters", for findings, search results and tables. */
export interface ThreatSummary {
  context: string;
  ip: string;
  feeds: string[];
  feed_count: number;
  severity: Threat['severity'];
  score: number;
}

export interface ThreatEcs extends ThreatSummary {
  indicator: { ip: string; type: 'ipv4-addr' | 'ipv6-addr'; confidence: string; provider: string; description: string };
  feed: { name: string };
  enrichments: ThreatEnrichment[];
}

/** What goes under source.* or destination.* for this address; undefined when nothing is known. */
export function geoEcs(intel: Intel | undefined): GeoEcs | undefined {
  if (!intel || (!intel.geo && !intel.as)) return undefined;
  const out: GeoEcs = {};
  if (intel.geo) out.geo = intel.geo;
  if (intel.as) out.as = intel.as;
  return out;
}

export function threatSummary(t: Threat): ThreatSummary {
  return { context: t.context, ip: t.ip, feeds: t.feeds, feed_count: t.feed_count, severity: t.severity, score: t.score };
}

/** One enrichment per feed; `field` is the event field that held the address (source.ip, destination.ip). */
export function threatEnrichments(t: Threat, field: string, atomic = t.ip): ThreatEnrichment[] {
  return t.matches.map((m) => ({
    indicator: { ip: t.ip, type: t.type, provider: m.provider, confidence: confidenceFor(m.weight), description: m.context },
    matched: { atomic, field, type: 'indicator_match_rule' },
    feed: { name: m.feed },
  }));
}

/**
 * The ECS `threat` object for the listed addresses of one event or finding, e.g.
 * `[{intel: src, field: 'source.ip'}, {intel: dst, field: 'destination.ip'}]`. The summary and
 * threat.indicator describe the heaviest listing; threat.enrichments hold every feed of every address.
 * undefined when none is listed.
 */
export function threatEcs(listed: { intel: Intel | undefined; field: string }[]): ThreatEcs | undefined {
  const hits = listed.filter((l): l is { intel: Intel & { threat: Threat }; field: string } => Boolean(l.intel?.threat));
  if (!hits.length) return undefined;
  hits.sort((a, b) => b.intel.threat.score - a.intel.threat.score);
  const top = hits[0].intel.threat;
  return {
    ...threatSummary(top),
    indicator: { ip: top.ip, type: top.type, confidence: top.confidence, provider: top.matches[0].provider, description: top.context },
    feed: { name: top.matches[0].feed },
    enrichments: hits.flatMap((h) => threatEnrichments(h.intel.threat, h.field, h.intel.ip)),
  };
}

function child(doc: Doc, key: string): Doc | undefined {
  const v = doc[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Doc) : undefined;
}

/**
 * Adds what the intel map knows about the document's source.ip and destination.ip, in place: geo and as under
 * source / destination, and `threat`. The document is an ECS-nested event (output/ecs.ts eventToEcs).
 */
export function enrichDoc(doc: Doc, intel: Map<string, Intel>): Doc {
  const listed: { intel: Intel | undefined; field: string }[] = [];
  for (const side of ['source', 'destination'] as const) {
    const node = child(doc, side);
    const ip = node?.ip;
    if (!node || typeof ip !== 'string') continue;
    const info = intel.get(ip);
    const g = geoEcs(info);
    if (g?.geo) node.geo = { ...(child(node, 'geo') ?? {}), ...g.geo };
    if (g?.as) node.as = { ...(child(node, 'as') ?? {}), ...g.as };
    listed.push({ intel: info, field: `${side}.ip` });
  }
  const threat = threatEcs(listed);
  if (threat) doc.threat = threat;
  return doc;
}
