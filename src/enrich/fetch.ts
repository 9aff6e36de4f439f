/**
 * Downloads for feeds and GeoLite2: Node's fetch with a conditional GET, a timeout over the whole exchange, a size
 * cap enforced while the body streams in, gzip (Content-Encoding is undone by fetch; a gzip file served as is is
 * recognised by its magic bytes), and one retry after a pause for failures that may pass (network errors,
 * timeouts, 5xx, 429). Nothing here parses: callers get bytes.
 */
import zlib from 'node:zlib';

function fmtBytes(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

export class FetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  /** pause before the one retry */
  retryDelayMs: number;
  userAgent: string;
  etag?: string | null;
  lastModified?: string | null;
  headers?: Record<string, string>;
  method?: 'GET' | 'HEAD';
}

export type FetchResult =
  | { status: 'not-modified'; etag: string | null; lastModified: string | null }
  | { status: 'ok'; body: Buffer; etag: string | null; lastModified: string | null; contentType: string | null };

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return `no complete answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (offline?)';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connecting timed out';
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return 'the gzip body is damaged';
    default:
      if (code && /CERT|SSL|TLS/.test(code)) return `TLS problem (${code})`;
      return e?.cause?.message ?? e?.message ?? String(err);
  }
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new FetchError(`the download is larger than the ${fmtBytes(maxBytes)} cap`, false);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

function gunzipCapped(buf: Buffer, maxBytes: number): Buffer {
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FetchError(`the download unpacks to more than the ${fmtBytes(maxBytes)} cap`, false);
    }
    throw new FetchError('the gzip body is damaged', false);
  }
}

async function attempt(url: string, opts: FetchOptions): Promise<FetchResult> {
  const headers: Record<string, string> = { 'user-agent': opts.userAgent, ...opts.headers };
  if (opts.etag) headers['if-none-match'] = opts.etag;
  if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: 'follow', method: opts.method ?? 'GET' });
  } catch (err) {
    // A redirect loop answers the same way the second time: asking again only doubles the load on the server.
    if (/redirect count exceeded/i.test((err as { cause?: Error }).cause?.message ?? '')) {
      throw new FetchError('too many redirects (a redirect loop?)', false);
    }
    throw new FetchError(describe(err, opts.timeoutMs), true);
  }
  if (url.startsWith('https:') && res.url.startsWith('http:')) {
    await res.body?.cancel().catch(() => undefined);
    throw new FetchError(`redirected to plain http (${res.url}); refusing`, false);
  }
  const etag = res.headers.get('etag');
  const lastModified = res.headers.get('last-modified');
  if (res.status === 304) {
    await res.body?.cancel().catch(() => undefined);
    return { status: 'not-modified', etag, lastModified };
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new FetchError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, res.status >= 500 || res.status === 429, res.status);
  }
  const declared = Number(res.headers.get('content-length'));
  if (declared > opts.maxBytes && !res.headers.get('content-encoding')) {
    await res.body?.cancel().catch(() => undefined);
    throw new FetchError(`the download is larger than the ${fmtBytes(opts.maxBytes)} cap (${fmtBytes(declared)})`, false);
  }
  let body: Buffer;
  try {
    body = res.body ? await readCapped(res.body, opts.maxBytes) : Buffer.alloc(0);
  } catch (err) {
    if (err instanceof FetchError) throw err;
    throw new FetchError(describe(err, opts.timeoutMs), true);
  }
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzipCapped(body, opts.maxBytes);
  return { status: 'ok', body, etag, lastModified, contentType: res.headers.get('content-type') };
}

export async function download(url: string, opts: FetchOptions): Promise<FetchResult> {
  try {
    return await attempt(url, opts);
  } catch (err) {
    if (!(err instanceof FetchError) || !err.retryable) throw err;
    await new Promise((r) => setTimeout(r, opts.retryDelayMs));
    return attempt(url, opts);
  }
}
