/**
 * Feed management: the effective catalogue of a store, updating (download, parse, replace, rebuild), status and
 * staleness, and adding, removing, enabling and disabling feeds. Only updateFeeds touches the network.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FeedConfig } from '../config.js';
import { InputError, UsageError, describeSystemError } from '../errors.js';
import type { DB } from '../store/db.js';
import { BUILTIN_FEEDS, FEED_NAME, SEVERITY_WEIGHT, mergeFeeds, type AddedFeed, type EffectiveFeed, type Severity } from './catalogue.js';
import { download, FetchError } from './fetch.js';
import { parseFeed, type ParsedFeed } from './feedparse.js';
import {
  deleteFeed,
  ensureFeedState,
  feedState,
  feedStates,
  rebuildSegments,
  recordCheck,
  replaceEntries,
  saveAddedFeed,
  segmentsDirty,
  setEnabled,
  storedSpec,
  type RebuildStats,
} from './feedstore.js';

/** What the config file says about feeds. */
export interface FeedSettings {
  feeds?: Record<string, FeedConfig>;
  configFile?: string;
}

/** `db` undefined: no store yet, so only the catalogue and the config file count. */
export function effectiveFeeds(db: DB | undefined, settings: FeedSettings = {}): EffectiveFeed[] {
  const rows = (db ? feedStates(db) : []).map((r) => ({ name: r.name, def: r.def ? (JSON.parse(r.def) as AddedFeed) : null, enabled: r.enabled }));
  return mergeFeeds(rows, settings.feeds, settings.configFile);
}

function findFeed(feeds: EffectiveFeed[], name: string): EffectiveFeed {
  const f = feeds.find((x) => x.name === name);
  if (!f) throw new UsageError(`no feed named "${name}"`, `known feeds: ${feeds.map((x) => x.name).join(', ')}`);
  return f;
}

/** Rebuilds the segments when an update or a removal left them out of date. */
export function ensureSegments(db: DB): RebuildStats | undefined {
  return segmentsDirty(db) ? rebuildSegments(db) : undefined;
}

export interface UpdateOptions extends FeedSettings {
  /** feeds to update (enabled or not); default: every enabled feed */
  names?: string[];
  now?: () => number;
  timeoutMs?: number;
  maxBytes?: number;
  retryDelayMs?: number;
  userAgent?: string;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
}

export interface FeedUpdateResult {
  name: string;
  status: 'updated' | 'not-modified' | 'skipped' | 'failed';
  message: string;
  entries?: number;
  seconds: number;
}

export const FEED_DEFAULTS = { timeoutMs: 60_000, maxBytes: 64 * 1024 * 1024, retryDelayMs: 2_000 };

type Body = { status: 'not-modified'; etag: string | null; lastModified: string | null } | { status: 'ok'; text: string; etag: string | null; lastModified: string | null };

function readFileFeed(file: string, prevTag: string | null, maxBytes: number): Body {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw new FetchError(`cannot read ${file}: ${describeSystemError(err)}`, false);
  }
  const tag = `file:${st.size}:${Math.trunc(st.mtimeMs)}`;
  if (prevTag === tag) return { status: 'not-modified', etag: tag, lastModified: null };
  if (st.size > maxBytes) throw new FetchError(`${file} is larger than the cap`, false);
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch {
      throw new FetchError(`${file}: damaged or oversized gzip`, false);
    }
  }
  return { status: 'ok', text: buf.toString('utf8'), etag: tag, lastModified: null };
}

function ago(ms: number): string {
  const m = Math.round(ms / 60000);
  return m < 1 ? 'less than a minute ago' : m === 1 ? '1 minute ago' : `${m} minutes ago`;
}

function summary(p: ParsedFeed): string {
  const n = p.v4.length / 3 + p.v6.length;
  const parts = [`${n} ranges`];
  if (p.belowMin) parts.push(`${p.belowMin} below the minimum list count`);
  if (p.special) parts.push(`${p.special} special-purpose dropped`);
  if (p.broad) parts.push(`${p.broad} too broad dropped`);
  if (p.bad) parts.push(`${p.bad} unreadable lines`);
  return parts.join(', ');
}

/**
 * What a feed's stored entries depend on besides the body: where it comes from and how it is read. Entries parsed
 * under other settings (a new format, min-count or count column in the config file) are out of date even when the
 * body has not changed, so the next update must not ask "changed since?" and keep them on a 304.
 */
export function parseSpec(f: Pick<EffectiveFeed, 'url' | 'file' | 'format' | 'countColumn' | 'minCount'>): string {
  return JSON.stringify([f.url ?? null, f.file ?? null, f.format, f.countColumn ?? null, f.minCount ?? null]);
}

/** The data was parsed under other settings than the feed's current ones (unknown for data stored before). */
function specChanged(db: DB, id: number, feed: EffectiveFeed): boolean {
  const prev = storedSpec(db, id);
  return prev !== undefined && prev !== parseSpec(feed);
}

async function updateOne(db: DB, feed: EffectiveFeed, opts: UpdateOptions, now: number): Promise<FeedUpdateResult> {
  const t0 = performance.now();
  const state = ensureFeedState(db, feed.name);
  const done = (status: FeedUpdateResult['status'], message: string, entries?: number): FeedUpdateResult => ({
    name: feed.name,
    status,
    message,
    entries,
    seconds: (performance.now() - t0) / 1000,
  });
  if (feed.minInterval && state.checked_at && now - state.checked_at < feed.minInterval * 1000) {
    return done('skipped', `checked ${ago(now - state.checked_at)}; ${feed.provider} asks for at most one download every ${feed.minInterval / 3600} h`);
  }
  const hasData = state.entries > 0;
  const spec = parseSpec(feed);
  // Conditional only when there is data to keep, parsed as the feed now says: a 304 must never leave a feed empty
  // or keep entries read with an old format or min-count.
  const conditional = hasData && !specChanged(db, state.id, feed);
  const maxBytes = opts.maxBytes ?? FEED_DEFAULTS.maxBytes;
  let body: Body;
  try {
    if (feed.file) {
      body = readFileFeed(feed.file, conditional ? state.etag : null, maxBytes);
    } else {
      const etag = conditional ? state.etag : null;
      const lastModified = conditional ? state.last_modified : null;
      const r = await download(feed.url!, {
        timeoutMs: opts.timeoutMs ?? FEED_DEFAULTS.timeoutMs,
        maxBytes,
        retryDelayMs: opts.retryDelayMs ?? FEED_DEFAULTS.retryDelayMs,
        userAgent: opts.userAgent ?? 'loghound',
        etag,
        lastModified,
      });
      // "not modified" answers a question this request did not ask: recorded as ok, it would leave the feed empty
      // (or its data parsed under old settings) and call it up to date
      if (r.status === 'not-modified' && !etag && !lastModified) {
        throw new FetchError('the server answered 304 Not Modified to a request without If-None-Match or If-Modified-Since, and sent no list', false);
      }
      body = r.status === 'ok' ? { status: 'ok', text: r.body.toString('utf8'), etag: r.etag, lastModified: r.lastModified } : r;
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const message = `feed "${feed.name}": ${why}; ${hasData ? 'the previous data is kept' : 'it has no data yet'}`;
    recordCheck(db, state.id, { status: 'failed', message, now });
    return done('failed', message);
  }
  if (body.status === 'not-modified') {
    recordCheck(db, state.id, { status: 'ok', message: 'not modified', etag: body.etag, lastModified: body.lastModified, now, spec });
    return done('not-modified', 'not modified', state.entries);
  }
  let parsed: ParsedFeed;
  try {
    parsed = parseFeed(body.text, feed);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const message = hasData ? err.message : err.message.replace('the previous data is kept', 'it has no data yet');
    recordCheck(db, state.id, { status: 'failed', message, now });
    return done('failed', message);
  }
  if (parsed.special || parsed.clipped) {
    opts.onWarning?.(
      `feed "${feed.name}": ${parsed.special + parsed.clipped} entries cover private, loopback, link-local or reserved addresses ` +
        `(e.g. ${parsed.specialSamples.join(', ')}); ${parsed.special} dropped, ${parsed.clipped} trimmed: such addresses are never matched`,
    );
  }
  if (parsed.broad) {
    opts.onWarning?.(
      `feed "${feed.name}": ${parsed.broad} entries cover more than a /8 of IPv4 or a /16 of IPv6 (e.g. ${parsed.broadSamples.join(', ')}); ` +
        'dropped: no list of attackers means that many addresses, and matching them would list nearly every address',
    );
  }
  const message = summary(parsed);
  replaceEntries(db, state.id, parsed, { status: 'ok', message, etag: body.etag, lastModified: body.lastModified, now, spec });
  return done('updated', message, parsed.v4.length / 3 + parsed.v6.length);
}

/** Updates feeds one after the other (politeness over speed), then rebuilds the segments once. */
export async function updateFeeds(db: DB, opts: UpdateOptions = {}): Promise<{ results: FeedUpdateResult[]; rebuild?: RebuildStats }> {
  const feeds = effectiveFeeds(db, opts);
  const chosen = opts.names?.length ? opts.names.map((n) => findFeed(feeds, n)) : feeds.filter((f) => f.enabled);
  const clock = opts.now ?? Date.now;
  const results: FeedUpdateResult[] = [];
  for (const feed of chosen) {
    opts.onProgress?.(`feed "${feed.name}": ${feed.file ?? feed.url}`);
    const r = await updateOne(db, feed, opts, clock());
    if (r.status === 'failed') opts.onWarning?.(r.message);
    results.push(r);
  }
  return { results, rebuild: ensureSegments(db) };
}

export type FeedHealth = 'ok' | 'stale' | 'never' | 'failed' | 'disabled';

export interface FeedStatus
  extends Pick<EffectiveFeed, 'name' | 'title' | 'origin' | 'url' | 'file' | 'format' | 'context' | 'weight' | 'interval' | 'licence' | 'note'> {
  enabled: boolean;
  entries: number;
  dropped: number;
  updated_at: number | null;
  checked_at: number | null;
  /** ms since the data was last confirmed current (a 200 or a 304) */
  age_ms: number | null;
  stale: boolean;
  health: FeedHealth;
  message: string | null;
}

export function feedStatus(db: DB | undefined, settings: FeedSettings = {}, now = Date.now()): FeedStatus[] {
  const states = new Map((db ? feedStates(db) : []).map((r) => [r.name, r]));
  return effectiveFeeds(db, settings).map((f) => {
    const s = states.get(f.name);
    const ok = s?.ok_at ?? null;
    const age = ok === null ? null : now - ok;
    const stale = f.enabled && (age === null || age > f.interval * 1000 || (s !== undefined && s.entries > 0 && specChanged(db!, s.id, f)));
    let health: FeedHealth;
    if (!f.enabled) health = 'disabled';
    else if (!s?.entries) health = s?.status === 'failed' ? 'failed' : 'never';
    else if (s.status === 'failed') health = 'failed';
    else health = stale ? 'stale' : 'ok';
    return {
      name: f.name,
      title: f.title,
      origin: f.origin,
      enabled: f.enabled,
      url: f.url,
      file: f.file,
      format: f.format,
      context: f.context,
      weight: f.weight,
      interval: f.interval,
      licence: f.licence,
      note: f.note,
      entries: s?.entries ?? 0,
      dropped: s?.dropped ?? 0,
      updated_at: s?.updated_at ?? null,
      checked_at: s?.checked_at ?? null,
      age_ms: age,
      stale,
      health,
      message: s?.message ?? null,
    };
  });
}

/** Enabled feeds whose data is older than their interval or that were never downloaded: for hunt's summary. */
export function staleFeeds(db: DB, settings: FeedSettings = {}, now = Date.now()): FeedStatus[] {
  return feedStatus(db, settings, now).filter((s) => s.enabled && s.stale);
}

export interface AddOptions {
  format?: string;
  context?: string;
  weight?: number;
  severity?: Severity;
  /** seconds */
  interval?: number;
}

/** A URL (https:// assumed when no scheme is given) or an existing file. */
export function resolveSource(source: string, cwd = process.cwd()): { url?: string; file?: string } {
  if (/^https?:\/\//i.test(source)) {
    try {
      return { url: new URL(source).toString() };
    } catch {
      throw new UsageError(`"${source}" is not a valid URL`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new UsageError(`unsupported URL scheme in "${source}"`, 'feeds are fetched over https (or http when the URL says so) or read from a file');
  const file = path.resolve(cwd, source);
  if (fs.existsSync(file)) return { file };
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\//i.test(source)) return { url: new URL(`https://${source}`).toString() };
  throw new UsageError(`no such file: ${file}`, 'give a URL (https://...) or an existing file');
}

export function addFeed(db: DB, name: string, source: string, opts: AddOptions, settings: FeedSettings = {}): EffectiveFeed {
  if (!FEED_NAME.test(name)) throw new UsageError(`feed name "${name}" must be lower case letters, digits, ".", "_" or "-"`);
  if (BUILTIN_FEEDS.some((f) => f.name === name)) throw new UsageError(`"${name}" is a built-in feed`, 'pick another name, or override it in the config file');
  if (settings.feeds?.[name]) throw new UsageError(`"${name}" is defined in the config file ${settings.configFile ?? ''}`.trim(), 'pick another name');
  if (opts.weight !== undefined && opts.severity !== undefined) throw new UsageError('give --weight or --severity, not both');
  if (opts.weight !== undefined && (!Number.isInteger(opts.weight) || opts.weight < 0 || opts.weight > 100)) {
    throw new UsageError('--weight must be a whole number from 0 to 100');
  }
  const def: AddedFeed = {
    ...resolveSource(source),
    format: opts.format ?? 'auto',
    context: opts.context ?? 'Malicious Host',
    weight: opts.weight ?? SEVERITY_WEIGHT[opts.severity ?? 'medium'],
    interval: opts.interval ?? 86400,
  };
  const existing = feedState(db, name);
  if (existing?.def && existing.entries > 0) {
    // Replacing a definition: the old entries belong to the old source.
    deleteFeed(db, name);
    rebuildSegments(db);
  }
  saveAddedFeed(db, name, def);
  return findFeed(effectiveFeeds(db, settings), name);
}

export function removeFeed(db: DB, name: string, settings: FeedSettings = {}): void {
  const f = findFeed(effectiveFeeds(db, settings), name);
  if (f.origin === 'builtin') throw new UsageError(`"${name}" is a built-in feed and cannot be removed`, `use "loghound feeds disable ${name}"`);
  if (f.origin === 'config') throw new UsageError(`"${name}" is defined in the config file ${settings.configFile ?? ''}`.trim(), 'remove it there');
  deleteFeed(db, name);
  rebuildSegments(db);
}

export function enableFeed(db: DB, name: string, enabled: boolean, settings: FeedSettings = {}): EffectiveFeed {
  findFeed(effectiveFeeds(db, settings), name);
  setEnabled(db, name, enabled);
  return findFeed(effectiveFeeds(db, settings), name);
}
