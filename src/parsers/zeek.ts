/**
 * Zeek (formerly Bro) logs: conn.log, http.log, dns.log, ssl.log, ssh.log, notice.log, weird.log and the rest, in
 * either of Zeek's writers' shapes.
 *
 * The ASCII writer's TSV starts with a preamble (`#separator \x09`, `#set_separator`, `#empty_field`,
 * `#unset_field`, `#path`, `#open`, `#fields`, `#types`) that names the log and its columns, and ends with
 * `#close`. As VPC flow logs' header, the preamble is not a record: it joins the span of the record after it.
 * A `#close` is held the same way: when another preamble follows (logs concatenated) it joins that record's span,
 * and at the end of the stream it becomes an event of its own saying when the log was closed. Values are typed by
 * `#types`: the unset and empty markers, \xNN escapes and set/vector elements are undone.
 *
 * The JSON writer's lines are objects keyed by the same names (`id.orig_h`); their log is named by a `_path` key,
 * the file's name (conn.log, http.2024-03-02-10-00-00.log.gz) or the fields present.
 *
 * Every record gets the connection's ECS fields (source/destination, transport, uid as zeek.session_id); the logs
 * ECS describes (conn, http, dns, ssl, ssh, notice, weird) get theirs, and every other field stays under
 * zeek.<path> by its own name, so nothing is lost.
 */
import { EventFlag, type Fields, type FieldValue, type ParsedEvent, type LineRef } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import type { Parser, ParserContext } from './types.js';
import { isIpAddress, parseIsoTime } from './lib.js';
import { WEB_FIELDS, httpOutcome, setUrl } from './web-common.js';
import { nonEmpty as str, objectStart, readObject } from './json.js';
import { wallToUtc } from '../util/time.js';

const MODULE = 'zeek';
const DIRECTIVES = new Set(['separator', 'set_separator', 'empty_field', 'unset_field', 'path', 'open', 'fields', 'types', 'close']);

/** The logs of a stock Zeek: a file name naming one of them names the log. */
const LOG_NAMES = new Set([
  'conn', 'dns', 'http', 'ssl', 'ssh', 'files', 'x509', 'notice', 'weird', 'smtp', 'ftp', 'dhcp', 'dpd', 'analyzer',
  'kerberos', 'ntlm', 'rdp', 'sip', 'snmp', 'smb_files', 'smb_mapping', 'dce_rpc', 'tunnel', 'software',
  'known_hosts', 'known_services', 'known_certs', 'pe', 'ocsp', 'mysql', 'radius', 'socks', 'irc', 'modbus', 'dnp3',
  'ntp', 'syslog', 'intel', 'signatures', 'traceroute', 'websocket', 'quic', 'ldap', 'ldap_search', 'notice_alarm',
  'reporter', 'stats', 'capture_loss', 'packet_filter', 'loaded_scripts', 'weird_stats', 'conn_long', 'netcontrol',
]);

/** How a TSV log writes its values and which columns it has. */
interface Layout {
  sep: string;
  setSep: string;
  empty: string;
  unset: string;
  path?: string;
  names: string[];
  /** `#types`, one per name; absent in logs written without them */
  types?: string[];
}

function freshLayout(): Layout {
  return { sep: '\t', setSep: ',', empty: '(empty)', unset: '-', names: [] };
}

const ESCAPE = /(?:\\x[0-9a-fA-F]{2})+/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Undoes Zeek's \xNN escapes (the separator, non-printable and non-ASCII bytes). A run that is not UTF-8 (binary
 * payload in a URI) stays escaped: replacing its bytes with U+FFFD would lose what was sent.
 */
export function unescapeZeek(s: string): string {
  if (s.indexOf('\\x') < 0) return s;
  return s.replace(ESCAPE, (run) => {
    const bytes = new Uint8Array(run.length / 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 4 + 2, i * 4 + 4), 16);
    try {
      return utf8.decode(bytes);
    } catch {
      return run;
    }
  });
}

/**
 * A preamble line applied to the layout: its directive's name, or undefined when the line is no Zeek directive
 * (the layout is then unchanged).
 */
function applyDirective(line: string, layout: Layout): string | undefined {
  if (line.startsWith('#separator ')) {
    const sep = unescapeZeek(line.slice(11).trim());
    if (sep.length !== 1) return undefined;
    layout.sep = sep;
    return 'separator';
  }
  let cut = line.indexOf(layout.sep);
  if (cut < 0) cut = line.length;
  const name = line.slice(1, cut);
  if (!DIRECTIVES.has(name)) return undefined;
  const rest = cut < line.length ? line.slice(cut + 1) : '';
  switch (name) {
    case 'set_separator':
      layout.setSep = unescapeZeek(rest);
      break;
    case 'empty_field':
      layout.empty = rest;
      break;
    case 'unset_field':
      layout.unset = rest;
      break;
    case 'path':
      layout.path = rest;
      break;
    case 'fields':
      layout.names = rest.split(layout.sep);
      layout.types = undefined;
      break;
    case 'types':
      layout.types = rest.split(layout.sep);
      break;
  }
  return name;
}

/** The layout a stream's head declares (ingest resuming in the middle of a file), or undefined. */
function headLayout(head: string | undefined): Layout | undefined {
  if (!head?.startsWith('#')) return undefined;
  const layout = freshLayout();
  for (const line of head.split('\n')) {
    if (!line.startsWith('#') || applyDirective(line.replace(/\r$/, ''), layout) === undefined) break;
  }
  return layout.names.length ? layout : undefined;
}

type Rec = Map<string, FieldValue>;

function scalar(s: string, type: string | undefined): FieldValue {
  switch (type) {
    case 'time':
    case 'interval':
    case 'double':
    case 'count':
    case 'int':
    case 'port': {
      const n = Number(s);
      return s !== '' && Number.isFinite(n) ? n : s;
    }
    case 'bool':
      return s === 'T' ? true : s === 'F' ? false : s;
    default:
      return s;
  }
}

const CONTAINER = /^(?:set|vector|table)\[(.*)\]$/;

/** One TSV value: undefined when unset, [] for an empty set, elements split for sets and vectors. */
function tsvValue(raw: string, type: string | undefined, layout: Layout): FieldValue | undefined {
  if (raw === layout.unset) return undefined;
  const container = type !== undefined && type.endsWith(']') ? CONTAINER.exec(type) : null;
  if (container) {
    if (raw === layout.empty) return [];
    return raw.split(layout.setSep).map((e) => (e === layout.unset ? null : scalar(unescapeZeek(e), container[1])));
  }
  if (raw === layout.empty) return '';
  return scalar(unescapeZeek(raw), type);
}

function tsvRecord(line: string, layout: Layout): Rec | string {
  if (layout.names.length === 0) return 'a Zeek TSV line without the #fields line that names its columns';
  const values = line.split(layout.sep);
  if (values.length !== layout.names.length) {
    const sep = layout.sep === '\t' ? 'tab' : `"${layout.sep}"`;
    return `not a Zeek ${layout.path ?? 'log'} record (expected ${layout.names.length} ${sep}-separated fields, found ${values.length})`;
  }
  const rec: Rec = new Map();
  for (let i = 0; i < values.length; i++) {
    const name = layout.names[i];
    const v = tsvValue(values[i], layout.types?.[i] ?? NAME_TYPES.get(name), layout);
    if (v !== undefined) rec.set(name, v);
  }
  const ts = rec.get('ts');
  if (ts !== undefined && typeof ts !== 'number') return `not a Zeek record (ts "${ts}" is not epoch seconds)`;
  return rec;
}

/** Types of the columns every log has, for logs written without #types. */
const NAME_TYPES = new Map([['ts', 'time'], ['id.orig_p', 'port'], ['id.resp_p', 'port']]);

function isZeekObject(doc: Record<string, unknown>): boolean {
  if (!Object.hasOwn(doc, 'ts')) return false;
  for (const k in doc) if (k === 'id.orig_h' || k === '_path' || k === 'fuid' || k.startsWith('certificate.')) return true;
  return false;
}

/** A cheap look at a JSON line: does it carry the keys only Zeek's records have? */
function looksZeekJson(line: string): boolean {
  if (objectStart(line) < 0 || !line.includes('"ts":')) return false;
  return line.includes('"id.orig_h":') || line.includes('"_path":') || line.includes('"fuid":') || line.includes('"certificate.');
}

function jsonRecord(line: string): { rec: Rec; path?: string } | string {
  const doc = readObject(line);
  if (typeof doc === 'string') return doc;
  if (!isZeekObject(doc)) return 'a JSON object without the keys of a Zeek record (ts and id.orig_h, _path, fuid or certificate.*)';
  const rec: Rec = new Map(Object.entries(doc));
  const path = rec.get('_path');
  rec.delete('_path');
  return { rec, path: typeof path === 'string' ? path : undefined };
}

/** A log named by its file: conn.log, conn.2024-03-02-10-00-00.log.gz, http.10:00:00-11:00:00.log.gz. */
function pathOfFile(file: string): string | undefined {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const name = base.split('.', 1)[0];
  return LOG_NAMES.has(name) ? name : undefined;
}

/** The log a record without a #path or _path comes from, by the fields only that log has. */
function pathOfFields(rec: Rec): string {
  const has = (k: string) => rec.has(k);
  if (has('conn_state') || has('orig_ip_bytes')) return 'conn';
  if (has('query') || has('qtype_name') || has('rcode_name')) return 'dns';
  if (has('method') || has('status_code') || has('uri')) return 'http';
  if (has('auth_success') || has('auth_attempts')) return 'ssh';
  if (has('cipher') || has('server_name') || has('established')) return 'ssl';
  if (has('note')) return 'notice';
  if (has('name') && (has('addl') || has('notice') || has('peer'))) return 'weird';
  if (has('mailfrom') || has('rcptto')) return 'smtp';
  if (has('fuid') && (has('mime_type') || has('seen_bytes') || has('total_bytes'))) return 'files';
  for (const k of rec.keys()) if (k.startsWith('certificate.')) return 'x509';
  return 'unknown';
}

// ---- ECS mapping ------------------------------------------------------------------------------------------------

/** Moves a log's own fields from the record to ECS; may return the first fields of zeek.<path>. */
type Mapper = (rec: Rec, f: Fields) => Record<string, FieldValue> | void;

function take(rec: Rec, name: string): FieldValue | undefined {
  const v = rec.get(name);
  if (v !== undefined) rec.delete(name);
  return v;
}

const numOf = (v: FieldValue | undefined) => (typeof v === 'number' ? v : undefined);
const boolOf = (v: FieldValue | undefined) => (typeof v === 'boolean' ? v : undefined);

/** Zeek's connection states (conn.log's conn_state), as its documentation explains them, with the ECS types. */
const CONN_STATES: Record<string, { message: string; types: string[]; outcome: string }> = {
  S0: { message: 'Connection attempt seen, no reply', types: ['start'], outcome: 'failure' },
  S1: { message: 'Connection established, not terminated', types: ['start'], outcome: 'success' },
  SF: { message: 'Normal establishment and termination', types: ['start', 'end'], outcome: 'success' },
  REJ: { message: 'Connection attempt rejected', types: ['start', 'denied'], outcome: 'failure' },
  S2: { message: 'Connection established and close attempt by originator seen (but no reply from responder)', types: ['start'], outcome: 'success' },
  S3: { message: 'Connection established and close attempt by responder seen (but no reply from originator)', types: ['start'], outcome: 'success' },
  RSTO: { message: 'Connection established, originator aborted (sent a RST)', types: ['start', 'end'], outcome: 'success' },
  RSTR: { message: 'Connection established, responder aborted (sent a RST)', types: ['start', 'end'], outcome: 'success' },
  RSTOS0: { message: 'Originator sent a SYN followed by a RST, no SYN-ACK from the responder seen', types: ['start'], outcome: 'failure' },
  RSTRH: { message: 'Responder sent a SYN-ACK followed by a RST, no SYN from the originator seen', types: ['info'], outcome: 'unknown' },
  SH: { message: 'Originator sent a SYN followed by a FIN, no SYN-ACK from the responder seen (half open)', types: ['start'], outcome: 'failure' },
  SHR: { message: 'Responder sent a SYN-ACK followed by a FIN, no SYN from the originator seen', types: ['info'], outcome: 'unknown' },
  OTH: { message: 'No SYN seen, just midstream traffic', types: ['info'], outcome: 'unknown' },
};

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

const conn: Mapper = (rec, f) => {
  const service = str(take(rec, 'service'));
  if (service) f['network.protocol'] = service.toLowerCase();
  // duration also stays under zeek.conn in Zeek's seconds (Sigma's rules compare those)
  const duration = numOf(rec.get('duration'));
  if (duration !== undefined) f['event.duration'] = Math.round(duration * 1e9);
  // bytes on the wire, as VPC flow logs and Filebeat count them (they go with the packet counts); the payload
  // bytes (orig_bytes, resp_bytes) stay under zeek.conn, and stand in when the IP counts are unset
  const srcBytes = numOf(take(rec, 'orig_ip_bytes')) ?? numOf(rec.get('orig_bytes'));
  const dstBytes = numOf(take(rec, 'resp_ip_bytes')) ?? numOf(rec.get('resp_bytes'));
  const srcPkts = numOf(take(rec, 'orig_pkts'));
  const dstPkts = numOf(take(rec, 'resp_pkts'));
  f['source.bytes'] = srcBytes;
  f['destination.bytes'] = dstBytes;
  f['network.bytes'] = sum(srcBytes, dstBytes);
  f['source.packets'] = srcPkts;
  f['destination.packets'] = dstPkts;
  f['network.packets'] = sum(srcPkts, dstPkts);
  const state = str(rec.get('conn_state'));
  const known = state !== undefined && Object.hasOwn(CONN_STATES, state) ? CONN_STATES[state] : undefined;
  f['event.type'] = ['connection', ...(known?.types ?? ['info'])];
  f['event.outcome'] = known?.outcome ?? 'unknown';
  const lo = boolOf(rec.get('local_orig'));
  const lr = boolOf(rec.get('local_resp'));
  // Zeek leaves both unset when Site::local_nets is empty: no direction can be told then
  if (lo !== undefined && lr !== undefined) f['network.direction'] = lo ? (lr ? 'internal' : 'outbound') : lr ? 'inbound' : 'external';
  const z: Record<string, FieldValue> = {};
  if (state !== undefined) {
    rec.delete('conn_state');
    z.state = state;
    if (known) z.state_message = known.message;
  }
  return z;
};

const http: Mapper = (rec, f) => {
  f['event.category'] = ['network', 'web'];
  f['event.type'] = ['connection', 'protocol'];
  f['network.protocol'] = 'http';
  f['http.request.method'] = str(take(rec, 'method'));
  const uri = str(take(rec, 'uri'));
  if (uri) setUrl(f, uri);
  // the Host header, which an absolute (proxy) request target's host does not override
  const host = str(take(rec, 'host'));
  if (host) f['url.domain'] = host;
  f['http.request.referrer'] = str(take(rec, 'referrer'));
  f['user_agent.original'] = str(take(rec, 'user_agent'));
  const version = str(take(rec, 'version'));
  if (version) f['http.version'] = version;
  const status = numOf(take(rec, 'status_code'));
  f['http.response.status_code'] = status;
  f['event.outcome'] = httpOutcome(status);
  f['http.request.body.bytes'] = numOf(take(rec, 'request_body_len'));
  f['http.response.body.bytes'] = numOf(take(rec, 'response_body_len'));
  const user = str(take(rec, 'username'));
  if (user) {
    f['url.username'] = user;
    f['user.name'] = user;
  }
};

const DNS_FLAGS = ['AA', 'TC', 'RD', 'RA'];

const dns: Mapper = (rec, f) => {
  f['event.type'] = ['connection', 'protocol'];
  f['network.protocol'] = 'dns';
  f['dns.question.name'] = str(take(rec, 'query'));
  f['dns.question.type'] = str(take(rec, 'qtype_name'));
  f['dns.question.class'] = str(take(rec, 'qclass_name'));
  f['dns.response_code'] = str(take(rec, 'rcode_name'));
  const id = numOf(take(rec, 'trans_id'));
  if (id !== undefined) f['dns.id'] = String(id);
  // the flags also stay under zeek.dns one by one, as Sigma's rules name them
  const flags = DNS_FLAGS.filter((k) => rec.get(k) === true);
  if (flags.length) f['dns.header_flags'] = flags;
  // answers and TTLs stay under zeek.dns as Zeek wrote them (Sigma's rules match `answers`); ECS gets them paired
  const answers = rec.get('answers');
  const ttls = rec.get('TTLs');
  if (Array.isArray(answers) && answers.length) {
    f['dns.answers'] = answers.map((a, i): FieldValue => {
      const ttl = Array.isArray(ttls) ? ttls[i] : undefined;
      return typeof ttl === 'number' ? { data: a, ttl: Math.round(ttl) } : { data: a };
    });
    const ips = answers.filter((a): a is string => typeof a === 'string' && isIpAddress(a));
    if (ips.length) f['dns.resolved_ip'] = ips;
  }
  f['dns.type'] = f['dns.response_code'] !== undefined || f['dns.answers'] !== undefined ? 'answer' : 'query';
};

const TLS_VERSION = /^(SSL|TLS|DTLS)v(\d)(\d?)$/;

const ssl: Mapper = (rec, f) => {
  f['event.type'] = ['connection', 'protocol'];
  f['network.protocol'] = 'tls';
  const version = str(rec.get('version'));
  const v = version ? TLS_VERSION.exec(version) : null;
  if (v) {
    // Zeek's TLSv12 is ECS's 1.2; SSLv3 is 3.0. Zeek's spelling stays under zeek.ssl.version
    f['tls.version'] = `${v[2]}.${v[3] || '0'}`;
    f['tls.version_protocol'] = v[1].toLowerCase();
  }
  f['tls.cipher'] = str(take(rec, 'cipher'));
  f['tls.curve'] = str(take(rec, 'curve'));
  f['tls.client.server_name'] = str(take(rec, 'server_name'));
  f['tls.established'] = boolOf(take(rec, 'established'));
  f['tls.resumed'] = boolOf(take(rec, 'resumed'));
  f['tls.next_protocol'] = str(take(rec, 'next_protocol'));
  f['tls.server.subject'] = str(take(rec, 'subject'));
  f['tls.server.issuer'] = str(take(rec, 'issuer'));
  f['tls.client.subject'] = str(take(rec, 'client_subject'));
  f['tls.client.issuer'] = str(take(rec, 'client_issuer'));
  f['tls.client.ja3'] = str(take(rec, 'ja3'));
  f['tls.server.ja3s'] = str(take(rec, 'ja3s'));
};

const ssh: Mapper = (rec, f) => {
  f['event.type'] = ['connection', 'protocol'];
  f['network.protocol'] = 'ssh';
  // auth_success and auth_attempts stay under zeek.ssh as Zeek names them; the outcome says it in ECS terms
  const ok = boolOf(rec.get('auth_success'));
  f['event.outcome'] = ok === undefined ? 'unknown' : ok ? 'success' : 'failure';
};

const notice: Mapper = (rec, f) => {
  f['event.kind'] = 'alert';
  f['event.type'] = ['info'];
  f['rule.name'] = str(take(rec, 'note'));
  f['message'] = str(take(rec, 'msg'));
  // a notice without a connection names its hosts in src, dst and p (kept under zeek.notice as well)
  f['source.ip'] ??= str(rec.get('src'));
  f['destination.ip'] ??= str(rec.get('dst'));
  f['destination.port'] ??= numOf(rec.get('p'));
};

const weird: Mapper = (rec, f) => {
  f['event.type'] = ['info'];
  const name = str(take(rec, 'name'));
  const addl = str(rec.get('addl'));
  f['rule.name'] = name;
  if (name) f['message'] = addl ? `${name}: ${addl}` : name;
};

const MAPPERS: Record<string, Mapper> = { conn, http, dns, ssl, ssh, notice, weird };

/**
 * The fields no ECS field took, nested by the dots in their names (id.vlan, certificate.subject). Names come from the
 * log: own properties only, so `__proto__` or `constructor` is a field like any other.
 */
function nest(rec: Rec, into: Record<string, FieldValue>): Record<string, FieldValue> {
  for (const [name, value] of rec) {
    const parts = name.split('.');
    let at = into;
    let i = 0;
    for (; i < parts.length - 1; i++) {
      const next = Object.hasOwn(at, parts[i]) ? at[parts[i]] : undefined;
      if (next === undefined) {
        const child = {};
        setOwn(at, parts[i], child);
        at = child;
      } else if (typeof next === 'object' && next !== null && !Array.isArray(next)) at = next;
      else break;
    }
    // a name that is both a value and a prefix of another keeps its rest whole
    setOwn(at, parts.slice(i).join('.'), value);
  }
  return into;
}

function setOwn(o: Record<string, FieldValue>, key: string, value: FieldValue): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function toEvent(path: string, rec: Rec, ctx: ParserContext): ParsedEvent | string {
  const f: Fields = {};
  const ts = take(rec, 'ts');
  let ms: number | undefined;
  if (typeof ts === 'number') ms = Math.floor(ts * 1000);
  else if (typeof ts === 'string') {
    ms = parseIsoTime(ts, ctx.tz);
    if (Number.isNaN(ms)) return `not a Zeek record (ts "${ts}" is no time)`;
  }
  f['event.module'] = MODULE;
  f['event.kind'] = 'event';
  f['event.category'] = ['network'];
  f['zeek.session_id'] = str(take(rec, 'uid'));
  // records about a connection (its uid) are connection events; x509 certificates and the like are information
  f['event.type'] = f['zeek.session_id'] ? ['connection'] : ['info'];
  f['source.ip'] = str(take(rec, 'id.orig_h'));
  f['destination.ip'] = str(take(rec, 'id.resp_h'));
  const proto = str(take(rec, 'proto'));
  if (proto) f['network.transport'] = proto.toLowerCase();
  if (proto === 'icmp') {
    // ICMP has no ports: Zeek writes the message type and code in their place
    const type = take(rec, 'id.orig_p');
    const code = take(rec, 'id.resp_p');
    if (type !== undefined) rec.set('icmp_type', type);
    if (code !== undefined) rec.set('icmp_code', code);
  } else {
    f['source.port'] = numOf(take(rec, 'id.orig_p'));
    f['destination.port'] = numOf(take(rec, 'id.resp_p'));
  }
  f['network.community_id'] = str(take(rec, 'community_id'));
  const own = Object.hasOwn(MAPPERS, path) ? MAPPERS[path](rec, f) : undefined;
  const rest = nest(rec, own || {});
  if (Object.keys(rest).length) f[`zeek.${path}`] = rest;
  return { ts: ms, dataset: `zeek.${path}`, fields: f };
}

const CLOSE_TIME = /^(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$/;

/** Preamble lines, and a #close, with no record after them: kept as one event saying what they were. */
function preambleEvent(lines: string[], at: LineRef, layout: Layout, ctx: ParserContext): ParsedEvent {
  const path = layout.path ?? 'unknown';
  const last = lines[lines.length - 1];
  const f: Fields = { 'event.module': MODULE, 'event.kind': 'event', 'event.category': ['network'], 'event.type': ['info'] };
  const span = { at, raw: lines.join('\n'), lines: lines.length };
  const close = last.startsWith(`#close${layout.sep}`) ? CLOSE_TIME.exec(last.slice(7)) : null;
  if (!close) {
    f.message = `Zeek ${path} log header with no records after it`;
    return { dataset: `zeek.${path}`, fields: f, span };
  }
  // #open and #close are the sensor's local time, without a zone
  const [, y, mo, d, h, mi, s] = close.map(Number);
  f.message = `Zeek ${path} log closed`;
  f['event.action'] = 'log_closed';
  return { ts: wallToUtc(ctx.tz, y, mo - 1, d, h, mi, s), dataset: `zeek.${path}`, fields: f, span, flags: EventFlag.TZ_ASSUMED };
}

export const zeek: Parser = {
  name: 'zeek',
  description: 'Zeek (Bro) logs: TSV with its #fields preamble, or JSON lines; conn, http, dns, ssl, ssh, notice, weird and any other log',
  datasets: ['zeek.conn', 'zeek.http', 'zeek.dns', 'zeek.ssl', 'zeek.ssh', 'zeek.notice', 'zeek.weird', 'zeek.<path>'],
  // a JSON record is Zeek's by its keys alone; a TSV line needs its preamble, which the parser then holds
  standalone: true,
  detect(sample) {
    let layout: Layout | undefined;
    let n = 0;
    for (const line of sample) {
      if (line.charCodeAt(0) === 35 /* # */) {
        const l = layout ?? freshLayout();
        if (applyDirective(line, l) !== undefined) {
          layout = l;
          n++;
        }
      } else if (line.charCodeAt(0) === 123 /* { */) {
        if (looksZeekJson(line)) n++;
      } else if (layout && layout.names.length > 1 && line.split(layout.sep).length === layout.names.length) n++;
    }
    return sample.length ? n / sample.length : 0;
  },
  create(ctx) {
    // resuming in the middle of a file: the columns its preamble declared still apply
    let layout = headLayout(ctx.head) ?? freshLayout();
    const filePath = pathOfFile(ctx.path);
    let held: { at: LineRef; lines: string[] } | undefined;
    return {
      parse(line, at) {
        if (line.charCodeAt(0) === 35 /* # */) {
          // #separator opens a preamble: a second one (logs concatenated) starts again from Zeek's defaults
          if (line.startsWith('#separator ')) layout = freshLayout();
          const name = applyDirective(line, layout);
          if (name === undefined) return 'a # line that is no Zeek log directive';
          if (held) held.lines.push(line);
          else held = { at, lines: [line] };
          return null;
        }
        let rec: Rec;
        let path: string;
        if (objectStart(line) >= 0) {
          const r = jsonRecord(line);
          if (typeof r === 'string') return r;
          rec = r.rec;
          path = r.path ?? filePath ?? pathOfFields(rec);
        } else {
          const r = tsvRecord(line, layout);
          if (typeof r === 'string') return r;
          rec = r;
          path = layout.path ?? filePath ?? pathOfFields(rec);
        }
        const ev = toEvent(path, rec, ctx);
        if (typeof ev === 'string') return ev;
        if (held) {
          ev.span = { at: held.at, raw: `${held.lines.join('\n')}\n${line}`, lines: held.lines.length + 1 };
          held = undefined;
        }
        return ev;
      },
      flush() {
        if (!held) return [];
        const h = held;
        held = undefined;
        return [preambleEvent(h.lines, h.at, layout, ctx)];
      },
      held: () => held?.at,
    };
  },
  fields: fieldDefs(),
};

function fieldDefs(): FieldDef[] {
  const by = 'zeek';
  const d = (name: string, type: FieldDef['type'], desc: string): FieldDef => ({ name, type, desc, filledBy: by });
  return [
    d('event.module', 'keyword', 'the module that read the event: zeek, suricata'),
    d('event.kind', 'keyword', 'ECS kind: event (a fail2ban line, a Zeek or Suricata record); alert (a Zeek notice, a Suricata alert); metric (Suricata stats); pipeline_error (auditd separators without a record)'),
    d('event.duration', 'long', 'duration in nanoseconds'),
    d('zeek.session_id', 'keyword', "Zeek's connection uid: the same in every log about one connection"),
    d('zeek.*', 'object', 'every field of a Zeek record that no ECS field took, under zeek.<log> by its own name (zeek.conn.history, zeek.dns.rejected, zeek.files.mime_type, ...); zeek.conn.state and state_message name the connection state'),
    d('network.protocol', 'keyword', 'application protocol (conn.log service; the log for dns, http, ssl, ssh)'),
    d('network.community_id', 'keyword', 'Community ID flow hash'),
    d('network.packets', 'long', 'packets in the flow'),
    d('network.direction', 'keyword', 'ingress / egress (VPC flow-direction; auditd: a connect egress, an accept ingress); inbound, outbound, internal, external (Zeek local_orig, local_resp)'),
    d('source.bytes', 'long', 'bytes sent by the originator (IP bytes)'),
    d('destination.bytes', 'long', 'bytes sent by the responder (IP bytes)'),
    d('source.packets', 'long', 'packets sent by the originator'),
    d('destination.packets', 'long', 'packets sent by the responder'),
    d('http.request.body.bytes', 'long', 'request body size in bytes'),
    d('url.username', 'keyword', 'user name of HTTP basic authentication'),
    { ...WEB_FIELDS.urlDomain, filledBy: by },
    d('dns.question.name', 'keyword', 'the name queried'),
    d('dns.question.type', 'keyword', 'query type: A, AAAA, TXT, ...'),
    d('dns.question.class', 'keyword', 'query class: C_INTERNET, ...'),
    d('dns.response_code', 'keyword', 'NOERROR, NXDOMAIN, ...'),
    d('dns.id', 'keyword', 'the DNS transaction id'),
    d('dns.type', 'keyword', 'query, or answer when the response was seen'),
    d('dns.header_flags', 'keyword[]', 'AA, TC, RD, RA when set'),
    d('dns.answers', 'object', 'the answers: data and ttl each'),
    d('dns.resolved_ip', 'ip', 'the addresses among the answers'),
    d('tls.version', 'keyword', 'protocol version, e.g. 1.2 (Apache ssl_request log, Zeek ssl.log, Suricata tls)'),
    d('tls.version_protocol', 'keyword', 'tls or ssl (Apache ssl_request log, Suricata tls); also dtls (Zeek ssl.log)'),
    d('tls.cipher', 'keyword', 'cipher suite (Apache ssl_request log, Zeek ssl.log)'),
    d('tls.curve', 'keyword', 'the elliptic curve chosen'),
    d('tls.client.server_name', 'keyword', 'the SNI the client sent'),
    d('tls.established', 'boolean', 'whether the handshake completed'),
    d('tls.resumed', 'boolean', 'whether the session was resumed'),
    d('tls.next_protocol', 'keyword', 'the ALPN protocol chosen'),
    d('tls.server.subject', 'keyword', "the server certificate's subject"),
    d('tls.server.issuer', 'keyword', "the server certificate's issuer"),
    d('tls.client.subject', 'keyword', "the client certificate's subject"),
    d('tls.client.issuer', 'keyword', "the client certificate's issuer"),
    d('tls.client.ja3', 'keyword', 'JA3 hash of the client hello'),
    d('tls.server.ja3s', 'keyword', 'JA3S hash of the server hello'),
    d('rule.name', 'keyword', 'what fired: the fail2ban jail that found, banned or unbanned the address (sshd, recidive, ...), the Zeek notice (note) or weird (name), the Suricata signature'),
  ];
}
