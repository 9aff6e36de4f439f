/**
 * Writes the example of a Sigma webserver rule (sigma-example.ts) as a web server's own access-log line: an
 * nginx/Apache combined line, or an nginx JSON line (escape=json) when the example needs a field a combined line has
 * no place for (the Host header, the request's Content-Type). The Sigma field names are those of the webserver
 * taxonomy; what each becomes in the line is what a server would write for such a request, so the whole way a
 * public rule takes (the line parsed, the field mapped, the rule matched) is tested, not a shortcut into the store.
 */
import type { Example } from './sigma-example.js';

/** One HTTP exchange as an access log records it. */
export interface WebRequest {
  ip: string;
  user?: string;
  method: string;
  /** the request target as sent: origin-form path and query */
  target: string;
  version: string;
  status: string;
  bytes: string;
  referer?: string;
  agent?: string;
  /** the Host header: only a JSON line carries it */
  host?: string;
  /** the request's Content-Type (nginx's $content_type): only a JSON line carries it */
  contentType?: string;
}

/** Sigma fields an access line can carry, and the fields of the request they set. */
const SIMPLE: Record<string, keyof WebRequest> = {
  'c-ip': 'ip',
  'cs-method': 'method',
  'sc-status': 'status',
  'sc-bytes': 'bytes',
  'cs-user-agent': 'agent',
  'c-useragent': 'agent',
  'cs-referer': 'referer',
  'cs-username': 'user',
  'cs-host': 'host',
  'cs-content-type': 'contentType',
  'cs-version': 'version',
};
const URL_FIELDS = new Set(['cs-uri-stem', 'cs-uri-query', 'cs-uri']);
/** fields a request may lack, as the line writes them: `-` in a combined line */
const MAY_BE_ABSENT = new Set(['cs-referer', 'cs-user-agent', 'c-useragent', 'cs-username', 'cs-host']);

/** An ordinary browser's values for the parts the rule says nothing about. */
const DEFAULT_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const DEFAULT_REFERER = 'https://www.example.com/';

/** The request an example describes, sent from `ip`; why not when a field has no place in an access log. */
export function webRequest(ex: Example, ip: string): WebRequest | string {
  const req: WebRequest = { ip, method: 'GET', target: '', version: '1.1', status: '200', bytes: '512', referer: DEFAULT_REFERER, agent: DEFAULT_AGENT };
  for (const [field, value] of ex.fields) {
    if (URL_FIELDS.has(field)) continue;
    const key = SIMPLE[field];
    if (key === undefined) return `${field} has no place in an access log`;
    // sigma-example's word for "any value": the ordinary one, where there is one
    if (value === 'present' && req[key] !== undefined) continue;
    req[key] = key === 'version' ? value.replace(/^HTTP\//i, '') : value;
  }
  for (const field of ex.absent) {
    if (!MAY_BE_ABSENT.has(field)) return `${field} cannot be absent from an access line`;
    delete req[SIMPLE[field]];
  }
  req.target = target(ex);
  return req;
}

/**
 * The request target: the path (cs-uri-stem) and the query (cs-uri-query, cs-uri), then the keywords. A query value
 * that starts with `/` is a whole target (rules put paths there, since IIS's query field is what most other servers
 * log as the whole target), unless the path is given; one that starts with `?` follows the path as it is.
 */
function target(ex: Example): string {
  let stem = ex.fields.get('cs-uri-stem');
  if (stem !== undefined && !stem.startsWith('/')) stem = `/${stem}`;
  const query = ex.fields.get('cs-uri-query') ?? ex.fields.get('cs-uri');
  let t: string;
  if (query === undefined) t = stem ?? '/';
  else if (query.startsWith('/') && (stem === undefined || query.startsWith(stem))) t = query;
  else t = (stem ?? '/') + (query.startsWith('?') ? query : `?${query}`);
  for (const kw of ex.keywords) t = withKeyword(t, kw);
  return t;
}

/** A keyword in the target: a path of its own on a bare `/`, else a query parameter (`=x` given a name). */
function withKeyword(t: string, kw: string): string {
  if (t === '/' && !kw.startsWith('=')) return kw.startsWith('/') ? kw : `/${kw}`;
  const param = kw.startsWith('=') ? `q${kw}` : kw;
  return t + (t.includes('?') ? '&' : '?') + param;
}

/** Whether the request needs a JSON line: the combined format has no Host and no Content-Type. */
export function needsJson(req: WebRequest): boolean {
  return req.host !== undefined || req.contentType !== undefined;
}

/** `07/Mar/2026:10:00:01 +0000` for a time in ms */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** A quoted combined-log field as Apache writes it: `"` and `\` escaped, an absent value `-`. */
function quoted(v: string | undefined): string {
  return `"${v === undefined ? '-' : v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `IP - user [time] "METHOD TARGET HTTP/x" STATUS BYTES "REFERER" "UA"` */
export function combinedLine(req: WebRequest, ms: number): string {
  const request = quoted(`${req.method} ${req.target} HTTP/${req.version}`);
  return `${req.ip} - ${req.user ?? '-'} [${clfTime(ms)}] ${request} ${req.status} ${req.bytes} ${quoted(req.referer)} ${quoted(req.agent)}`;
}

/** nginx's usual JSON log_format (escape=json: an absent value is an empty string). */
export function jsonLine(req: WebRequest, ms: number): string {
  return JSON.stringify({
    time_local: clfTime(ms),
    remote_addr: req.ip,
    remote_user: req.user ?? '',
    ...(req.host === undefined ? {} : { host: req.host }),
    ...(req.contentType === undefined ? {} : { content_type: req.contentType }),
    request: `${req.method} ${req.target} HTTP/${req.version}`,
    status: req.status,
    body_bytes_sent: req.bytes,
    http_referer: req.referer ?? '',
    http_user_agent: req.agent ?? '',
  });
}
