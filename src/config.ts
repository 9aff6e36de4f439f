/**
 * The config file: defaults for flags, the GeoIP databases and the threat feeds, so a cron job or an analyst's
 * shell does not repeat them. loghound.config.json, .yaml or .yml, looked up in the current folder, then in
 * $XDG_CONFIG_HOME/loghound/ (~/.config/loghound/); the first folder that has one wins, nothing is merged.
 * Keys are named like the flags. Paths in the file are relative to the file's folder; `~/` is the home folder.
 * Both syntaxes go through the YAML parser (JSON is YAML), so every error carries file:line:col.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import { UsageError, describeSystemError } from './errors.js';

// Loaded only when a config file exists: most runs have none, and the YAML parser is a sizeable share of start-up.
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export const CONFIG_NAMES = ['loghound.config.json', 'loghound.config.yaml', 'loghound.config.yml'] as const;

export const CONFIG_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type ConfigLevel = (typeof CONFIG_LEVELS)[number];

/** A feed entry: a new feed (url or file required) or an override of a built-in one (any subset). */
export interface FeedConfig {
  enabled?: boolean;
  url?: string;
  /** absolute after loading */
  file?: string;
  format?: string;
  context?: string;
  weight?: number;
  severity?: ConfigLevel;
  /** seconds; written as 30m, 6h, 1d, 2w or a number of seconds */
  interval?: number;
  /** the whitespace- or comma-separated column (1-based) holding how many lists carry the address */
  'count-column'?: number;
  /** entries whose count is below this are left out */
  'min-count'?: number;
  provider?: string;
}

export interface ConfigValues {
  db?: string;
  tz?: string;
  rules?: string[];
  'geoip-db'?: string;
  'asn-db'?: string;
  'fail-on'?: ConfigLevel;
  'min-level'?: ConfigLevel;
  feeds?: Record<string, FeedConfig>;
}

export interface Config {
  /** the file read; undefined when there is none */
  file?: string;
  values: ConfigValues;
  get<K extends keyof ConfigValues>(key: K): ConfigValues[K];
}

export interface LoadOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** an explicit file (a --config flag): it must exist */
  file?: string;
}

function configHome(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'loghound');
  return path.join(env.HOME || os.homedir(), '.config', 'loghound');
}

/** The folders searched, in order. */
export function configDirs(opts: LoadOptions = {}): string[] {
  return [path.resolve(opts.cwd ?? process.cwd()), configHome(opts.env ?? process.env)];
}

export function findConfig(opts: LoadOptions = {}): string | undefined {
  for (const dir of configDirs(opts)) {
    const found = CONFIG_NAMES.map((n) => path.join(dir, n)).filter((f) => fs.existsSync(f));
    if (found.length > 1) {
      throw new UsageError(`two config files in ${dir}: ${found.map((f) => path.basename(f)).join(' and ')}`, 'keep one of them');
    }
    if (found.length === 1) return found[0];
  }
  return undefined;
}

function makeConfig(file: string | undefined, values: ConfigValues): Config {
  return { file, values, get: (key) => values[key] };
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const file = opts.file ? path.resolve(opts.cwd ?? process.cwd(), opts.file) : findConfig(opts);
  if (!file) return makeConfig(undefined, {});
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the config file ${file}: ${describeSystemError(err)}`);
  }
  return makeConfig(file, parseConfig(text, file, opts.env ?? process.env));
}

/** The command line wins; the config file fills what it left out. */
export function flagOrConfig<K extends keyof ConfigValues>(config: Config, key: K, flag: ConfigValues[K] | undefined): ConfigValues[K] | undefined {
  return flag !== undefined ? flag : config.get(key);
}

const TOP_KEYS = ['db', 'tz', 'rules', 'geoip-db', 'asn-db', 'fail-on', 'min-level', 'feeds'] as const;
const FEED_KEYS = ['enabled', 'url', 'file', 'format', 'context', 'weight', 'severity', 'interval', 'count-column', 'min-count', 'provider'] as const;
export const FEED_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const FORMAT_SYNTAX = /^(ip|cidr|auto|csv:[^\s]+|jsonl:[^\s]+)$/;

/** 30m, 6h, 1d, 2w or plain seconds -> seconds; NaN when it is none of those. */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : NaN;
  if (typeof v !== 'string') return NaN;
  const m = /^(\d+)\s*([smhdw]?)$/.exec(v.trim());
  if (!m) return NaN;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  const n = Number(m[1]) * mult;
  return n > 0 ? n : NaN;
}

class Checker {
  private readonly lc: LineCounter;
  constructor(
    readonly file: string,
    private readonly doc: Document,
    lc: LineCounter,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.lc = lc;
  }

  /** file:line:col of the value at keyPath, or of its key when `atKey` (an unknown key has no useful value). */
  where(keyPath: (string | number)[], atKey = false): string {
    let node = this.doc.getIn(keyPath, true) as { range?: readonly number[] | null } | undefined;
    if (atKey && keyPath.length) {
      const parent = this.doc.getIn(keyPath.slice(0, -1), true);
      const { isMap, isScalar } = yaml();
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === keyPath[keyPath.length - 1]) : undefined;
      if (pair && isScalar(pair.key)) node = pair.key;
    }
    if (!node?.range) return this.file;
    const { line, col } = this.lc.linePos(node.range[0]);
    return `${this.file}:${line}:${col}`;
  }

  fail(keyPath: (string | number)[], message: string, atKey = false): never {
    throw new UsageError(`${this.where(keyPath, atKey)}: ${message}`, 'see "Config file" in the README');
  }

  str(keyPath: (string | number)[], v: unknown): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(keyPath, `"${keyPath.join('.')}" must be a non-empty string`);
    return v;
  }

  filePath(keyPath: (string | number)[], v: unknown): string {
    let p = this.str(keyPath, v);
    if (p === '~' || p.startsWith('~/')) p = path.join(this.env.HOME || os.homedir(), p.slice(1));
    return path.resolve(path.dirname(this.file), p);
  }

  level(keyPath: (string | number)[], v: unknown): ConfigLevel {
    if (typeof v !== 'string' || !(CONFIG_LEVELS as readonly string[]).includes(v)) {
      this.fail(keyPath, `"${keyPath.join('.')}" must be one of ${CONFIG_LEVELS.join(', ')}`);
    }
    return v as ConfigLevel;
  }

  int(keyPath: (string | number)[], v: unknown, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(keyPath, `"${keyPath.join('.')}" must be a whole number from ${min} to ${max}`);
    }
    return v;
  }

  keys(keyPath: (string | number)[], obj: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.fail([...keyPath, k], `unknown key "${k}"; known keys: ${allowed.join(', ')}`, true);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigValues {
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const { line, col } = lc.linePos(e.pos[0]);
    throw new UsageError(`${file}:${line}:${col}: ${e.message.split('\n')[0]}`, 'the config file is JSON or YAML');
  }
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return {};
  const ck: Checker = new Checker(file, doc, lc, env);
  if (!isObject(root)) ck.fail([], 'the config file must hold an object (key: value pairs)');
  ck.keys([], root, TOP_KEYS);
  const out: ConfigValues = {};
  if (root.db !== undefined) out.db = ck.filePath(['db'], root.db);
  if (root.tz !== undefined) out.tz = ck.str(['tz'], root.tz);
  if (root['geoip-db'] !== undefined) out['geoip-db'] = ck.filePath(['geoip-db'], root['geoip-db']);
  if (root['asn-db'] !== undefined) out['asn-db'] = ck.filePath(['asn-db'], root['asn-db']);
  if (root['fail-on'] !== undefined) out['fail-on'] = ck.level(['fail-on'], root['fail-on']);
  if (root['min-level'] !== undefined) out['min-level'] = ck.level(['min-level'], root['min-level']);
  if (root.rules !== undefined) {
    const list = Array.isArray(root.rules) ? root.rules : [root.rules];
    out.rules = list.map((r, i) => ck.filePath(Array.isArray(root.rules) ? ['rules', i] : ['rules'], r));
  }
  if (root.feeds !== undefined) {
    if (!isObject(root.feeds)) ck.fail(['feeds'], '"feeds" must map feed names to settings');
    out.feeds = {};
    for (const [name, raw] of Object.entries(root.feeds)) {
      const at = ['feeds', name];
      if (!FEED_NAME.test(name)) ck.fail(at, `feed name "${name}" must be lower case letters, digits, ".", "_" or "-"`);
      if (typeof raw === 'boolean') {
        out.feeds[name] = { enabled: raw };
        continue;
      }
      if (!isObject(raw)) ck.fail(at, `feed "${name}" must be true, false or a map of settings`);
      ck.keys(at, raw, FEED_KEYS);
      out.feeds[name] = feedEntry(ck, at, raw);
    }
  }
  return out;
}

function feedEntry(ck: Checker, at: string[], raw: Record<string, unknown>): FeedConfig {
  const f: FeedConfig = {};
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') ck.fail([...at, 'enabled'], '"enabled" must be true or false');
    f.enabled = raw.enabled;
  }
  if (raw.url !== undefined && raw.file !== undefined) ck.fail(at, 'a feed has a url or a file, not both');
  if (raw.url !== undefined) {
    const u = ck.str([...at, 'url'], raw.url);
    if (!/^https?:\/\/[^\s/]+/i.test(u)) ck.fail([...at, 'url'], '"url" must start with https:// (or http:// for a feed served only over http)');
    f.url = u;
  }
  if (raw.file !== undefined) f.file = ck.filePath([...at, 'file'], raw.file);
  if (raw.format !== undefined) {
    const fmt = ck.str([...at, 'format'], raw.format);
    if (!FORMAT_SYNTAX.test(fmt)) ck.fail([...at, 'format'], '"format" must be ip, cidr, csv:COLUMN, jsonl:FIELD or auto');
    f.format = fmt;
  }
  if (raw.context !== undefined) f.context = ck.str([...at, 'context'], raw.context);
  if (raw.provider !== undefined) f.provider = ck.str([...at, 'provider'], raw.provider);
  if (raw.weight !== undefined && raw.severity !== undefined) ck.fail(at, 'give a feed a weight or a severity, not both');
  if (raw.weight !== undefined) f.weight = ck.int([...at, 'weight'], raw.weight, 0, 100);
  if (raw.severity !== undefined) f.severity = ck.level([...at, 'severity'], raw.severity);
  if (raw.interval !== undefined) {
    const s = parseDuration(raw.interval);
    if (Number.isNaN(s)) ck.fail([...at, 'interval'], '"interval" must be a duration such as 30m, 6h, 1d or 2w');
    f.interval = s;
  }
  if (raw['count-column'] !== undefined) f['count-column'] = ck.int([...at, 'count-column'], raw['count-column'], 1, 100);
  if (raw['min-count'] !== undefined) f['min-count'] = ck.int([...at, 'min-count'], raw['min-count'], 1, 1000);
  return f;
}
