/**
 * The feed catalogue: the built-in public IP feeds, the feeds of the config file and those added with
 * `loghound feeds add`, merged into one list of effective feeds. Also how weights become a severity.
 *
 * Why each built-in feed is on or off by default is part of its entry: licence or terms first, then the risk of
 * false positives, then overlap with other feeds (an address listed twice for the same reason must not look twice
 * as bad).
 */
import { CONFIG_LEVELS, FEED_NAME, type ConfigLevel, type FeedConfig } from '../config.js';
import { UsageError } from '../errors.js';

/** The Sigma levels findings use. */
export const SEVERITIES = CONFIG_LEVELS;
export type Severity = ConfigLevel;

export type FeedOrigin = 'builtin' | 'config' | 'added';

export interface FeedDef {
  name: string;
  /** human title, for `feeds list` */
  title: string;
  /** who publishes it: ECS threat.indicator.provider */
  provider: string;
  url?: string;
  /** absolute path of a local list */
  file?: string;
  /** ip | cidr | csv:COLUMN | jsonl:FIELD | auto */
  format: string;
  /** what a listed address is: Malicious Host, Botnet C2, Tor Exit, Hijacked Netblock, Scanner... */
  context: string;
  /** 0-100: how much a listing says on its own */
  weight: number;
  /** seconds: older data than this is stale */
  interval: number;
  /** seconds: never download more often than this (Spamhaus asks for at most once an hour) */
  minInterval?: number;
  /** 1-based column holding how many lists carry the address (IPsum) */
  countColumn?: number;
  /** entries with a smaller count are left out */
  minCount?: number;
  defaultEnabled: boolean;
  licence: string;
  /** why it is on or off by default */
  note?: string;
  origin: FeedOrigin;
}

export interface EffectiveFeed extends FeedDef {
  enabled: boolean;
}

const HOUR = 3600;
const DAY = 86400;

export const BUILTIN_FEEDS: readonly FeedDef[] = [
  {
    name: 'blocklist-de',
    title: 'blocklist.de all',
    provider: 'blocklist.de',
    url: 'https://lists.blocklist.de/lists/all.txt',
    format: 'ip',
    context: 'Malicious Host',
    weight: 60,
    interval: DAY,
    defaultEnabled: true,
    licence: 'free to use; no formal licence published',
    note: 'addresses reported by fail2ban users for attacks (ssh, mail, web) in the last 48 hours: fresh and specific',
    origin: 'builtin',
  },
  {
    name: 'et-compromised',
    title: 'Emerging Threats compromised IPs',
    provider: 'Proofpoint Emerging Threats',
    url: 'https://rules.emergingthreats.net/blockrules/compromised-ips.txt',
    format: 'ip',
    context: 'Compromised Host',
    weight: 60,
    interval: DAY,
    defaultEnabled: true,
    licence: 'published free with ET Open; no separate licence for the list',
    note: 'hosts seen compromised and attacking; small and curated',
    origin: 'builtin',
  },
  {
    name: 'firehol-level1',
    title: 'FireHOL level1',
    provider: 'FireHOL',
    url: 'https://iplists.firehol.org/files/firehol_level1.netset',
    format: 'cidr',
    context: 'Malicious Host',
    weight: 70,
    interval: DAY,
    defaultEnabled: false,
    licence: "an aggregate: each source's terms apply (DShield, abuse.ch CC0, Spamhaus DROP terms, Team Cymru bogons)",
    note: 'off by default: it repeats Spamhaus DROP and Feodo (enabled on their own, so matches would count twice) and its bogons are stripped; what is left is DShield top attackers',
    origin: 'builtin',
  },
  {
    name: 'spamhaus-drop',
    title: 'Spamhaus DROP (IPv4)',
    provider: 'Spamhaus',
    url: 'https://www.spamhaus.org/drop/drop_v4.json',
    format: 'jsonl:cidr',
    context: 'Hijacked Netblock',
    weight: 80,
    interval: DAY,
    minInterval: HOUR,
    defaultEnabled: true,
    licence: "Spamhaus DROP terms: free to use with credit to Spamhaus; at most one download an hour",
    note: 'netblocks controlled by criminals or hijacked: no legitimate traffic comes from them',
    origin: 'builtin',
  },
  {
    name: 'spamhaus-drop-v6',
    title: 'Spamhaus DROP (IPv6)',
    provider: 'Spamhaus',
    url: 'https://www.spamhaus.org/drop/drop_v6.json',
    format: 'jsonl:cidr',
    context: 'Hijacked Netblock',
    weight: 80,
    interval: DAY,
    minInterval: HOUR,
    defaultEnabled: true,
    licence: "Spamhaus DROP terms: free to use with credit to Spamhaus; at most one download an hour",
    note: 'the IPv6 half of DROP',
    origin: 'builtin',
  },
  {
    name: 'feodo',
    title: 'abuse.ch Feodo Tracker',
    provider: 'abuse.ch',
    url: 'https://feodotracker.abuse.ch/downloads/ipblocklist.txt',
    format: 'ip',
    context: 'Botnet C2',
    weight: 90,
    interval: DAY,
    defaultEnabled: true,
    licence: 'CC0-1.0',
    note: 'botnet command-and-control servers: contact with one means a compromised host',
    origin: 'builtin',
  },
  {
    name: 'tor-exit',
    title: 'Tor exit nodes',
    provider: 'The Tor Project',
    url: 'https://check.torproject.org/torbulkexitlist',
    format: 'ip',
    context: 'Tor Exit',
    weight: 10,
    interval: DAY,
    defaultEnabled: true,
    licence: 'public data published by the Tor Project',
    note: 'context, not an accusation: a Tor exit is anonymous, not malicious, hence the low weight',
    origin: 'builtin',
  },
  {
    name: 'ipsum',
    title: 'IPsum (on 3 or more lists)',
    provider: 'IPsum (stamparm)',
    url: 'https://raw.githubusercontent.com/stamparm/ipsum/master/ipsum.txt',
    format: 'ip',
    countColumn: 2,
    minCount: 3,
    context: 'Malicious Host',
    weight: 50,
    interval: DAY,
    defaultEnabled: true,
    licence: 'Unlicense (public domain)',
    note: "only addresses on 3 or more lists, as its author advises; each further list adds 10 to the weight (up to 85); the top includes Shodan and Censys scanners",
    origin: 'builtin',
  },
  {
    name: 'cins-army',
    title: 'CINS Army',
    provider: 'CINS (Sentinel IPS)',
    url: 'http://cinsscore.com/list/ci-badguys.txt',
    format: 'ip',
    context: 'Scanner',
    weight: 50,
    interval: DAY,
    defaultEnabled: false,
    licence: 'free to use; no formal licence published',
    note: 'off by default: served only over plain http, so nothing vouches for what arrives',
    origin: 'builtin',
  },
  {
    name: 'greensnow',
    title: 'GreenSnow',
    provider: 'GreenSnow',
    url: 'http://blocklist.greensnow.co/greensnow.txt',
    format: 'ip',
    context: 'Scanner',
    weight: 50,
    interval: DAY,
    defaultEnabled: false,
    licence: 'free to use; no formal licence published',
    note: 'off by default: served only over plain http',
    origin: 'builtin',
  },
  {
    name: 'binary-defense',
    title: 'Binary Defense banlist',
    provider: 'Binary Defense',
    url: 'https://www.binarydefense.com/banlist.txt',
    format: 'ip',
    context: 'Malicious Host',
    weight: 60,
    interval: DAY,
    defaultEnabled: false,
    licence: 'no use in paid products and no resale',
    note: 'off by default because of its terms: enable it only where they allow',
    origin: 'builtin',
  },
];

/** --severity for a custom feed, as a weight. */
export const SEVERITY_WEIGHT: Record<Severity, number> = { informational: 10, low: 30, medium: 50, high: 75, critical: 90 };

export function severityForScore(score: number): Severity {
  if (score >= 90) return 'critical';
  if (score >= 70) return 'high';
  if (score >= 40) return 'medium';
  if (score >= 20) return 'low';
  return 'informational';
}

/**
 * The weight of one listing: the feed's weight, raised by 10 for each list beyond the minimum for feeds that
 * count lists (IPsum), capped at 85 so list counting alone never reaches critical.
 */
export function listingWeight(feed: Pick<FeedDef, 'weight' | 'countColumn' | 'minCount'>, count: number): number {
  if (!feed.countColumn || count <= 0) return feed.weight;
  const extra = (count - (feed.minCount ?? 1)) * 10;
  return Math.max(feed.weight, Math.min(85, feed.weight + extra));
}

/**
 * Several feeds: the highest weight plus 5 for each further feed, at most 100. Independent listings add
 * confidence, but two lists of scanners do not make a botnet controller.
 */
export function combinedScore(weights: number[]): number {
  if (!weights.length) return 0;
  return Math.min(100, Math.max(...weights) + 5 * (weights.length - 1));
}

/** ECS threat.indicator.confidence uses STIX 2.1's None / Low / Medium / High scale. */
export function confidenceFor(weight: number): 'None' | 'Low' | 'Medium' | 'High' {
  if (weight >= 70) return 'High';
  if (weight >= 40) return 'Medium';
  return weight > 0 ? 'Low' : 'None';
}

export { FEED_NAME };

/** A feed stored by `feeds add` (feed_state.def). */
export type AddedFeed = Pick<FeedDef, 'url' | 'file' | 'format' | 'context' | 'weight' | 'interval' | 'countColumn' | 'minCount'>;

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function fromConfig(name: string, c: FeedConfig, file: string | undefined, base: FeedDef | undefined): FeedDef {
  const weight = c.weight ?? (c.severity ? SEVERITY_WEIGHT[c.severity] : undefined);
  if (base) {
    return {
      ...base,
      url: c.url ?? (c.file ? undefined : base.url),
      file: c.file ?? (c.url ? undefined : base.file),
      format: c.format ?? base.format,
      context: c.context ?? base.context,
      weight: weight ?? base.weight,
      interval: c.interval ?? base.interval,
      countColumn: c['count-column'] ?? base.countColumn,
      minCount: c['min-count'] ?? base.minCount,
      provider: c.provider ?? base.provider,
      defaultEnabled: c.enabled ?? base.defaultEnabled,
    };
  }
  if (!c.url && !c.file) {
    throw new UsageError(
      `${file ?? 'config'}: feed "${name}" is not a built-in feed, so it needs a "url" or a "file"`,
      `built-in feeds: ${BUILTIN_FEEDS.map((f) => f.name).join(', ')}`,
    );
  }
  return {
    name,
    title: name,
    provider: c.provider ?? (c.url ? hostOf(c.url) : 'local file'),
    url: c.url,
    file: c.file,
    format: c.format ?? 'auto',
    context: c.context ?? 'Malicious Host',
    weight: weight ?? SEVERITY_WEIGHT.medium,
    interval: c.interval ?? DAY,
    countColumn: c['count-column'],
    minCount: c['min-count'],
    defaultEnabled: c.enabled ?? true,
    licence: 'set up in the config file',
    origin: 'config',
  };
}

function fromAdded(name: string, a: AddedFeed): FeedDef {
  return {
    name,
    title: name,
    provider: a.url ? hostOf(a.url) : 'local file',
    url: a.url,
    file: a.file,
    format: a.format,
    context: a.context,
    weight: a.weight,
    interval: a.interval,
    countColumn: a.countColumn,
    minCount: a.minCount,
    defaultEnabled: true,
    licence: 'added with "loghound feeds add"',
    origin: 'added',
  };
}

/**
 * Built-in, then added, then config feeds, by name; a config entry overrides the feed of the same name.
 * `enabled`: the explicit choice recorded by `feeds enable|disable` wins over the config file, which wins over the
 * catalogue's default.
 */
export function mergeFeeds(
  added: { name: string; def: AddedFeed | null; enabled: number | null }[],
  config: Record<string, FeedConfig> | undefined,
  configFile?: string,
): EffectiveFeed[] {
  const byName = new Map<string, FeedDef>();
  for (const f of BUILTIN_FEEDS) byName.set(f.name, f);
  for (const row of added) if (row.def && !byName.has(row.name)) byName.set(row.name, fromAdded(row.name, row.def));
  for (const [name, c] of Object.entries(config ?? {})) byName.set(name, fromConfig(name, c, configFile, byName.get(name)));
  const explicit = new Map(added.filter((r) => r.enabled !== null).map((r) => [r.name, r.enabled === 1]));
  return [...byName.values()].map((f) => ({ ...f, enabled: explicit.get(f.name) ?? f.defaultEnabled }));
}
