/**
 * `loghound geoip update`: GeoLite2 from MaxMind's download permalink with the account id and licence key as HTTP
 * Basic credentials. The permalink redirects to a storage host (fetch follows it). The tar.gz holds
 * `GeoLite2-City_YYYYMMDD/GeoLite2-City.mmdb`; the .mmdb is checked by opening it and looking addresses up as
 * hunt does, refused when it was built before the installed one, then written next to the target and renamed over
 * it, so a reader never sees half a file and a damaged download never replaces a working one. A HEAD request compares Last-Modified first, so an
 * unchanged edition is not downloaded again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Reader } from 'maxmind';
import { InputError, UsageError } from '../errors.js';
import { download, FetchError } from './fetch.js';
import { checkDatabase } from './geoip.js';
import { replaceFile } from '../util/files.js';

export const DEFAULT_EDITIONS = ['GeoLite2-City', 'GeoLite2-ASN'];
export const MAXMIND_BASE = 'https://download.maxmind.com';

/** Finds the first regular file whose name satisfies `want` in a tar archive (ustar, GNU long names, pax paths). */
export function tarEntry(tar: Buffer, want: (name: string) => boolean): { name: string; data: Buffer } | undefined {
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a: number, n: number) => header.subarray(a, a + n).toString('utf8').replace(/\0[\s\S]*$/, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = header.subarray(257, 262).toString() === 'ustar' ? str(345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0[\s\S]*$/, '');
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      longName = m ? m[1] : undefined;
      continue;
    }
    longName = undefined;
    if ((type === '0' || type === '\0' || type === '7') && want(name)) return { name, data: Buffer.from(data) };
  }
  return undefined;
}

export interface GeoUpdateOptions {
  editions?: string[];
  dir: string;
  accountId?: string;
  licenseKey?: string;
  baseUrl?: string;
  timeoutMs?: number;
  retryDelayMs?: number;
  maxBytes?: number;
  userAgent?: string;
  onProgress?: (message: string) => void;
}

export interface GeoUpdateResult {
  edition: string;
  status: 'updated' | 'unchanged';
  path: string;
  databaseType: string;
  buildEpoch: string;
}

interface EditionState {
  last_modified?: string | null;
}

function readState(file: string): EditionState {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as EditionState;
  } catch {
    return {};
  }
}

function failure(edition: string, err: unknown): InputError {
  if (err instanceof FetchError && err.status === 401) {
    return new InputError(`MaxMind refused the credentials for ${edition} (HTTP 401)`, 'check MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY');
  }
  if (err instanceof FetchError && err.status === 403) {
    return new InputError(`MaxMind refused ${edition} (HTTP 403)`, 'the account may not have accepted the GeoLite2 licence, or the edition name is wrong');
  }
  return new InputError(`downloading ${edition} failed: ${(err as Error).message}; the current file is kept`);
}

/**
 * The build date of the database in place, if one opens. A download built before it is refused: an edition only
 * moves forward, so an older build is a stale mirror or cache, and it would quietly undo an update.
 */
function installedBuild(target: string): Date | undefined {
  try {
    return new Reader(fs.readFileSync(target)).metadata.buildEpoch;
  } catch {
    return undefined;
  }
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export async function updateGeoLite(opts: GeoUpdateOptions): Promise<GeoUpdateResult[]> {
  if (!opts.accountId || !opts.licenseKey) {
    throw new UsageError('MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY must be set', 'a free GeoLite2 account gives both: https://www.maxmind.com/en/geolite2/signup');
  }
  const auth = `Basic ${Buffer.from(`${opts.accountId}:${opts.licenseKey}`).toString('base64')}`;
  // private, whatever the umask: a folder others can write lets them swap in a database of their own
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const results: GeoUpdateResult[] = [];
  for (const edition of opts.editions ?? DEFAULT_EDITIONS) {
    if (!/^[A-Za-z0-9-]+$/.test(edition)) throw new UsageError(`"${edition}" is not a MaxMind edition id`, 'e.g. GeoLite2-City, GeoLite2-Country, GeoLite2-ASN');
    const url = `${opts.baseUrl ?? MAXMIND_BASE}/geoip/databases/${edition}/download?suffix=tar.gz`;
    const target = path.join(opts.dir, `${edition}.mmdb`);
    const stateFile = path.join(opts.dir, `${edition}.json`);
    const state = readState(stateFile);
    const common = {
      timeoutMs: opts.timeoutMs ?? 300_000,
      retryDelayMs: opts.retryDelayMs ?? 2_000,
      maxBytes: opts.maxBytes ?? 512 * 1024 * 1024,
      userAgent: opts.userAgent ?? 'loghound',
      headers: { authorization: auth },
    };
    opts.onProgress?.(`${edition}: checking`);
    try {
      if (state.last_modified && fs.existsSync(target)) {
        const head = await download(url, { ...common, method: 'HEAD' });
        if (head.lastModified && head.lastModified === state.last_modified) {
          const md = new Reader(fs.readFileSync(target)).metadata;
          results.push({ edition, status: 'unchanged', path: target, databaseType: md.databaseType, buildEpoch: md.buildEpoch.toISOString() });
          continue;
        }
      }
      opts.onProgress?.(`${edition}: downloading`);
      const res = await download(url, common);
      if (res.status !== 'ok') throw new FetchError('unexpected "not modified"', false);
      // download() has already unpacked the gzip layer: what is left is the tar.
      const entry = tarEntry(res.body, (n) => n.endsWith('.mmdb'));
      if (!entry) throw new FetchError('the archive holds no .mmdb file', false);
      let md;
      try {
        md = new Reader(entry.data).metadata;
      } catch (err) {
        throw new FetchError(`the .mmdb in the archive does not open (${(err as Error).message})`, false);
      }
      try {
        checkDatabase(entry.data, `downloaded for ${edition}`);
      } catch (err) {
        throw new FetchError((err as Error).message, false);
      }
      const installed = installedBuild(target);
      if (installed && md.buildEpoch < installed) {
        throw new FetchError(`the download was built ${day(md.buildEpoch)}, before the installed ${day(installed)}`, false);
      }
      replaceFile(target, entry.data);
      replaceFile(stateFile, JSON.stringify({ last_modified: res.lastModified, build_epoch: md.buildEpoch.toISOString() }) + '\n');
      results.push({ edition, status: 'updated', path: target, databaseType: md.databaseType, buildEpoch: md.buildEpoch.toISOString() });
    } catch (err) {
      if (err instanceof UsageError || err instanceof InputError) throw err;
      throw failure(edition, err);
    }
  }
  return results;
}

