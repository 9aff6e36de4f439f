/**
 * Key mapping shared by the json and logfmt parsers: the usual key names of application logs (time, ip, user,
 * status, method, path, msg, level, ...) to ECS fields, ECS names whose store column exists kept as those fields
 * (with their column's type), and everything else kept under `<format>.<key>`.
 */
import { EventFlag, type Fields, type FieldValue } from '../model/event.js';
import { fieldDef } from '../model/fields.js';
import { parseClfTime, parseIsoTime } from './lib.js';
import type { ParserContext } from './types.js';
import { hostDomain, ipVersion, isHostName, setRequest, setUrl } from './web-common.js';

/** What one line maps to. */
export interface Mapped {
  fields: Fields;
  ts?: number;
  flags: number;
  /** event.dataset named by the line itself */
  dataset?: string;
  /** a top-level `host`, placed once every key is read (endLine): an HTTP line's Host, or the host that wrote it */
  host?: string;
  /**
   * The line is a Logstash event (a JSON document with Logstash's `@version`): its `host` is the host Logstash read
   * it on and its `path` the file, as Logstash's inputs write them without ECS compatibility.
   */
  logstash?: boolean;
}

type Role = (m: Mapped, v: FieldValue, ctx: ParserContext) => boolean;

const str = (v: FieldValue): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

function int(v: FieldValue, max: number): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

/**
 * ECS field sets: in ECS each is an object, never a value. Their objects (or dotted names) mark a JSON document as
 * ECS-shaped; `ecs` and `labels` are objects too.
 */
export const ECS_SETS = new Set([
  'agent', 'client', 'cloud', 'container', 'data_stream', 'destination', 'dns', 'email', 'error', 'event', 'faas',
  'file', 'group', 'host', 'http', 'log', 'network', 'observer', 'orchestrator', 'organization', 'package', 'process',
  'registry', 'related', 'rule', 'server', 'service', 'source', 'span', 'threat', 'tls', 'trace', 'transaction', 'url',
  'user', 'user_agent', 'vulnerability',
]);
const ECS_OBJECTS = new Set([...ECS_SETS, 'ecs', 'labels']);

/** Only set a target once: the first key of a line that maps to it wins; later ones stay extra fields. */
function put(m: Mapped, name: string, value: FieldValue | undefined): boolean {
  if (value === undefined || m.fields[name] !== undefined) return false;
  m.fields[name] = value;
  return true;
}

const EARLIEST = Date.UTC(1971, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/** Epoch seconds, milliseconds, microseconds or nanoseconds (told apart by size), ISO-8601, or CLF. */
function readTime(v: FieldValue, ctx: ParserContext, m: Mapped): number | undefined {
  let t = NaN;
  let zoneless = false;
  if (typeof v === 'number' || (typeof v === 'string' && /^\d{9,19}(?:\.\d+)?$/.test(v))) {
    const n = Number(v);
    t = n < 1e11 ? n * 1000 : n < 1e14 ? n : n < 1e17 ? n / 1000 : n / 1e6;
    t = Math.floor(t);
  } else if (typeof v === 'string') {
    const zone = { zoneless: false };
    t = parseIsoTime(v, ctx.tz, zone);
    zoneless = zone.zoneless;
    if (Number.isNaN(t)) {
      t = parseClfTime(v);
      zoneless = false;
    }
  }
  if (!(t >= EARLIEST && t < LATEST)) return undefined;
  if (zoneless) m.flags |= EventFlag.TZ_ASSUMED;
  return t;
}

function address(side: 'source' | 'destination'): Role {
  return (m, v) => {
    if (typeof v !== 'string' || m.fields[`${side}.ip`] !== undefined || m.fields[`${side}.address`] !== undefined) return false;
    if (ipVersion(v) !== 0) return put(m, `${side}.ip`, v);
    // host:port (Go's RemoteAddr), [v6]:port
    const c = v.lastIndexOf(':');
    if (c > 0 && /^\d{1,5}$/.test(v.slice(c + 1))) {
      const host = v.charCodeAt(0) === 91 && v.charCodeAt(c - 1) === 93 ? v.slice(1, c - 1) : v.slice(0, c);
      if (ipVersion(host) !== 0) {
        m.fields[`${side}.ip`] = host;
        put(m, `${side}.port`, Number(v.slice(c + 1)));
        return true;
      }
    }
    if (!isHostName(v)) return false;
    m.fields[`${side}.address`] = v;
    m.fields[`${side}.domain`] = v;
    return true;
  };
}

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * The host that wrote the line: a name to host.name, an address to host.ip, as Logstash's inputs with ECS
 * compatibility write the `host` they used to (pipe, exec, file: [host][name]; syslog, udp: [host][ip]).
 */
function host(m: Mapped, v: FieldValue): boolean {
  return typeof v === 'string' && v !== '' && put(m, ipVersion(v) !== 0 ? 'host.ip' : 'host.name', v);
}

const time: Role = (m, v, ctx) => {
  if (m.ts !== undefined) return false;
  const t = readTime(v, ctx, m);
  if (t === undefined) return false;
  m.ts = t;
  return true;
};
const text = (name: string): Role => (m, v) => typeof v === 'string' && put(m, name, v);
const number = (name: string, max: number): Role => (m, v) => put(m, name, int(v, max));

const ROLES = new Map<string, Role>();
function role(keys: string[], r: Role): void {
  for (const k of keys) ROLES.set(k, r);
}
// t: log15 and Grafana; time_local and time_iso8601: nginx variables, as JSON log formats name them
// startutc: Traefik; start_time: Envoy
role(['time', 'timestamp', 'ts', 't', '@timestamp', 'date', 'datetime', 'time_local', 'time_iso8601', 'startutc', 'start_time'], time);
// clientaddr and clienthost: Traefik; downstream_remote_address: Envoy
role(['ip', 'client_ip', 'clientip', 'remote_addr', 'remoteaddr', 'remote_ip', 'src_ip', 'srcip', 'source_ip', 'src', 'fwd', 'clientaddr', 'clienthost', 'downstream_remote_address'], address('source'));
role(['dst_ip', 'dstip', 'dest_ip', 'destination_ip', 'dst'], address('destination'));
role(['src_port', 'srcport', 'sport', 'source_port', 'client_port', 'remote_port'], number('source.port', 65535));
role(['dst_port', 'dstport', 'dport', 'dest_port', 'destination_port'], number('destination.port', 65535));
// "-" is how web servers write an absent value (nginx's escape=json an empty string): taken, as nothing
const user: Role = (m, v) => {
  const s = str(v);
  return s === '-' || (s !== undefined && s !== '' && put(m, 'user.name', s));
};
role(['user', 'username', 'user_name', 'remote_user', 'clientusername'], user);
const status: Role = (m, v) => {
  const n = int(v, 999);
  return n !== undefined && n >= 100 && put(m, 'http.response.status_code', n);
};
// downstreamstatus: Traefik (what the client got); response_code: Envoy
role(['status', 'status_code', 'statuscode', 'http_status', 'downstreamstatus', 'response_code'], status);
const method: Role = (m, v) => typeof v === 'string' && /^[A-Za-z]{1,20}$/.test(v) && put(m, 'http.request.method', v);
role(['method', 'http_method', 'request_method', 'verb', 'requestmethod'], method);
const url: Role = (m, v) => {
  if (typeof v !== 'string' || v === '' || m.fields['url.original'] !== undefined) return false;
  setUrl(m.fields, v);
  return true;
};
role(['path', 'url', 'uri', 'request_uri', 'requestpath'], url);
// nginx JSON formats log "$request", the whole request line
ROLES.set('request', (m, v, ctx) => {
  if (typeof v !== 'string' || m.fields['url.original'] !== undefined) return false;
  if (!/^[A-Z_-]+ \S/.test(v)) return url(m, v, ctx);
  if (m.fields['http.request.method'] !== undefined) return false;
  setRequest(m.fields, v, 0, v.length);
  return true;
});
// docker's json-file driver keeps the line's newline in "log"
role(['message', 'msg', 'log'], (m, v) => typeof v === 'string' && put(m, 'message', v.endsWith('\n') ? v.slice(0, v.endsWith('\r\n') ? -2 : -1) : v));
role(['level', 'lvl', 'severity', 'loglevel', 'log_level'], (m, v) =>
  put(m, 'log.level', typeof v === 'number' ? (PINO_LEVELS[v] ?? String(v)) : typeof v === 'string' ? v : undefined),
);
/** A logged request header: `-` or empty is a header the request did not send, taken as read. */
const header = (name: string): Role => (m, v) => {
  const s = firstString(v);
  return s === '-' || s === '' || (s !== undefined && put(m, name, s));
};
const agent = header('user_agent.original');
const referrer = header('http.request.referrer');
const contentType = header('http.request.mime_type');
// request_user-agent and request_referer: Traefik's logged headers; agent: Logstash's combined-log pattern before
// ECS, and nginx JSON formats (ECS's `agent` is the shipper, an object: a log line's string agent is the client's)
role(['user_agent', 'useragent', 'http_user_agent', 'request_user-agent', 'agent'], agent);
role(['referer', 'referrer', 'http_referer', 'http_referrer', 'request_referer'], referrer);
// nginx's $content_type (or $http_content_type), Traefik's logged request header
role(['content_type', 'http_content_type', 'request_content-type'], contentType);
const bytes = number('http.response.body.bytes', Number.MAX_SAFE_INTEGER);
role(['bytes', 'body_bytes_sent', 'bytes_sent', 'downstreamcontentsize'], bytes);
/** `HTTP/1.1` as nginx's $server_protocol, Traefik, Envoy and Caddy write it. */
const version: Role = (m, v) => {
  const h = typeof v === 'string' ? /^HTTP\/(\d+(?:\.\d+)?)$/i.exec(v) : null;
  return h !== null && put(m, 'http.version', h[1]);
};
role(['server_protocol', 'protocol', 'requestprotocol', 'proto', 'http_version'], version);
role(['hostname'], text('host.name'));
role(['pid'], number('process.pid', Number.MAX_SAFE_INTEGER));
// which host a `host` names is known only at the end of the line (endLine)
const hostKey: Role = (m, v) => {
  if (typeof v !== 'string' || v === '' || m.host !== undefined) return false;
  m.host = v;
  return true;
};
ROLES.set('host', hostKey);

/** A Logstash event's own keys (Mapped.logstash); `path` is a file, not a URL: no role takes it. */
const LOGSTASH_ROLES = new Map<string, Role>([
  ['host', host],
  ['path', () => false],
]);

/**
 * ECS objects that shapes from before ECS write as one string (Logstash's `host`, a logger's `user` or `service`):
 * in an ECS-shaped line the string goes to the object's main field. Kept as it is, it would stand where the
 * object's fields go: no document holds both {"host": "web1"} and host.ip, and Elasticsearch refuses the string
 * against an ECS mapping ("object mapping for [host] tried to parse field [host] as object, but found a concrete
 * value"). A `source` string (Filebeat 6's file path) has no field to go to, nor has `log` (docker's line: the
 * document has its message), nor `event`: they are kept under the prefix.
 */
const LEGACY_ROLES = new Map<string, Role>([
  ['host', host],
  ['user', user],
  ['url', url],
  ['agent', agent],
  ['process', text('process.name')],
  ['service', text('service.name')],
]);

/**
 * Names flattened from nested objects (lower-cased) that web servers and HTTP middleware use for the request:
 * Caddy's access log (request.*, headers as lists) and pino-http / bunyan serializers (req.*, res.*).
 */
const NESTED_ROLES = new Map<string, Role>([
  ['request.remote_ip', address('source')],
  ['request.remote_port', number('source.port', 65535)],
  // the client behind Caddy's trusted proxies: the real one, so it replaces remote_ip
  ['request.client_ip', (m, v) => {
    if (typeof v !== 'string' || ipVersion(v) === 0) return false;
    m.fields['source.ip'] = v;
    return true;
  }],
  ['request.method', method],
  // the Host header: a line with a request is HTTP, so endLine makes it url.domain
  ['request.host', hostKey],
  ['request.uri', url],
  ['request.proto', version],
  ['request.headers.user-agent', agent],
  ['request.headers.referer', referrer],
  ['request.headers.content-type', contentType],
  ['req.remoteaddress', address('source')],
  ['req.remoteport', number('source.port', 65535)],
  ['req.method', method],
  ['req.url', url],
  ['req.headers.user-agent', agent],
  ['req.headers.referer', referrer],
  ['req.headers.content-type', contentType],
  ['res.statuscode', status],
]);

/** A key that names the response size only on a line that is an HTTP exchange (Caddy's), taken then. */
const EXCHANGE_SIZE = 'size';

/** A value coerced to the type of its store column; undefined when it cannot be. */
function coerce(type: string, v: FieldValue): FieldValue | undefined {
  switch (type) {
    case 'keyword':
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    case 'text':
      return typeof v === 'string' ? v : undefined;
    case 'long':
      return int(v, Number.MAX_SAFE_INTEGER);
    case 'ip':
      return typeof v === 'string' && ipVersion(v) !== 0 ? v : undefined;
    case 'keyword[]':
      if (typeof v === 'string') return [v];
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
      return undefined;
    default:
      return undefined;
  }
}

/** Field names that ingest and output set themselves: a line's own values for them are kept under the prefix. */
const RESERVED = /^(?:@timestamp|event\.original|event\.dataset|log\.file\.|log\.offset$|tags$|loghound(?:\.|$))/;

/** `__proto__` as a path segment would reach Object.prototype when the name is turned into a nested document. */
function safeName(name: string): string {
  if (name === '') return '_';
  return name.includes('__proto__') ? name.replace(/__proto__/g, '_proto_') : name;
}

/**
 * How a key is read: `usual` for the top-level keys of a line that is not ECS-shaped (the usual-name table applies,
 * the rest goes under the prefix), `nested` for names flattened from its nested objects (no usual names), `ecs` for
 * every name of an ECS-shaped line (names are kept as they are).
 */
export type KeyMode = 'usual' | 'nested' | 'ecs';

/** Maps one key (a top-level key, or a dotted name flattened from a nested object) and its value. */
export function mapKey(m: Mapped, key: string, value: FieldValue, prefix: string, ctx: ParserContext, mode: KeyMode): void {
  if (mode !== 'ecs') {
    const k = key.toLowerCase();
    const r = mode === 'nested' ? NESTED_ROLES.get(k) : ((m.logstash && LOGSTASH_ROLES.get(k)) || ROLES.get(k));
    if (r && r(m, value, ctx)) return;
  } else if (key === '@timestamp' && time(m, value, ctx)) {
    return;
  } else if (ECS_OBJECTS.has(key) && !isPlainObject(value)) {
    const r = LEGACY_ROLES.get(key);
    if (!r || !r(m, value, ctx)) keep(m, `${prefix}.${key}`, value);
    return;
  }
  if (key === 'event.dataset' && typeof value === 'string' && /^[\w.-]{1,100}$/.test(value) && m.dataset === undefined) {
    m.dataset = value;
    return;
  }
  if (!RESERVED.test(key)) {
    const def = fieldDef(key);
    if (def?.column) {
      const v = coerce(def.type, value);
      if (v !== undefined && m.fields[key] === undefined) {
        m.fields[key] = v;
        return;
      }
    } else if (mode === 'ecs') {
      keep(m, safeName(key), value);
      return;
    }
  }
  keep(m, `${prefix}.${safeName(key)}`, value);
}

/** A value no ECS field takes. A name the line gives twice ({"a":{"b":1},"a.b":2}) keeps both values, in order. */
function keep(m: Mapped, name: string, value: FieldValue): void {
  const old = m.fields[name];
  m.fields[name] = old === undefined ? value : ([] as FieldValue[]).concat(old, value);
}

function isPlainObject(v: FieldValue): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What the line is, once every key is read. Its `host` is the request's Host on an HTTP line (a status or a
 * method: nginx's $host, Heroku's router): its domain is url.domain, as in the nginx error log and Zeek's http.log,
 * where rules on the Host (Sigma's cs-host) look for it; the header as written is kept under the prefix too when
 * it holds more (a port) or url.domain is taken (an absolute request target's). On any other line it is the host
 * that wrote it.
 */
export function endLine(m: Mapped, prefix: string): void {
  const f = m.fields;
  if (m.host !== undefined) {
    const http = f['http.response.status_code'] !== undefined || f['http.request.method'] !== undefined;
    if (http) {
      const domain = hostDomain(m.host);
      if (!put(m, 'url.domain', domain || undefined) || domain !== m.host) keep(m, `${prefix}.host`, m.host);
    } else if (!host(m, m.host)) {
      keep(m, `${prefix}.host`, m.host);
    }
  }
  webEvent(m, prefix);
}

/**
 * event.category / type / outcome for lines that carry an HTTP request, unless the line named its own. A line with a
 * status and a method or URL is an access-log entry (nginx / Caddy / Traefik / Envoy JSON formats, a router's
 * logfmt): it gets the access parser's dataset, so the web rules read it as they read combined logs. `prefix` is
 * where mapKey kept the keys no ECS field took.
 */
function webEvent(m: Mapped, prefix: string): void {
  const f = m.fields;
  const status = f['http.response.status_code'];
  if (f['event.category'] !== undefined || (status === undefined && f['http.request.method'] === undefined)) return;
  f['event.category'] = ['web'];
  f['event.type'] = ['access'];
  if (typeof status === 'number' && f['event.outcome'] === undefined) f['event.outcome'] = status >= 400 ? 'failure' : 'success';
  if (status === undefined || (f['http.request.method'] === undefined && f['url.original'] === undefined) || m.dataset !== undefined) return;
  m.dataset = 'web.access';
  const size = `${prefix}.${EXCHANGE_SIZE}`;
  const n = f[size] === undefined ? undefined : int(f[size], Number.MAX_SAFE_INTEGER);
  if (n !== undefined && put(m, 'http.response.body.bytes', n)) delete f[size];
}

function firstString(v: FieldValue): string | undefined {
  if (typeof v === 'string') return v;
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}
