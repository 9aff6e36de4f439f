/**
 * Suricata's EVE JSON log (eve.json): one JSON record per line, each with a `timestamp`, an `event_type` and, for
 * network events, the flow's addresses; the record's details sit in the object named by its type (`alert`, `flow`,
 * `http`, `dns`, `tls`, `fileinfo`, `anomaly`, `stats`, ...). Mapped to ECS as Elastic's Suricata integration maps
 * it. Values taken into ECS fields leave the record; what is left (flow_id, event_type, and every key no ECS field
 * takes) stays under `suricata.eve` with Suricata's own names and nesting, so nothing is lost and Sigma rules can
 * address the record as written.
 */
import { EventFlag, type Fields, type FieldValue, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import type { Parser, ParserContext } from './types.js';
import { isObject, nonEmpty as str, objectOf as obj, readObject, type Obj } from './json.js';
import { isIpAddress, parseIsoTime } from './lib.js';
import { WEB_FIELDS, setUrl } from './web-common.js';
import { isoUtc } from '../util/time.js';

const DATASET = 'suricata.eve';

const count = (v: FieldValue): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const ip = (v: FieldValue): string | undefined => (typeof v === 'string' && isIpAddress(v) ? v : undefined);
const port = (v: FieldValue): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : undefined);
const bool = (v: FieldValue): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
/** Ids ECS types as keyword (rule.id, dns.id): written as text. */
const id = (v: FieldValue): string | undefined => (typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : undefined);

/** A time of the record (flow start, certificate validity) as ISO UTC; Suricata writes certificate times zoneless in UTC. */
function time(v: FieldValue): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = parseIsoTime(v, 'UTC');
  return Number.isNaN(t) ? undefined : isoUtc(t);
}

/**
 * o[k] read by `read`, removed from the record when it was read: a value of an unexpected type stays under
 * suricata.eve instead of being dropped.
 */
function take<T>(o: Obj | undefined, k: string, read: (v: FieldValue) => T | undefined): T | undefined {
  if (!o || !Object.hasOwn(o, k)) return undefined;
  const v = read(o[k]);
  if (v !== undefined) delete o[k];
  return v;
}

/** The reason a JSON object is not an EVE record, or undefined when it is one. */
function notEve(doc: Obj): string | undefined {
  const type = doc.event_type;
  if (typeof doc.timestamp !== 'string' || typeof type !== 'string' || type === '') {
    return 'not a Suricata EVE record (needs "timestamp" and "event_type" strings)';
  }
  const hasSrc = Object.hasOwn(doc, 'src_ip');
  const hasDst = Object.hasOwn(doc, 'dest_ip');
  if ((hasSrc && !ip(doc.src_ip)) || (hasDst && !ip(doc.dest_ip))) return 'not a Suricata EVE record (src_ip or dest_ip is not an IP address)';
  // Every EVE record carries the object its type names (stats, an anomaly of a packet too short for addresses);
  // a network event carries both addresses.
  if (!(hasSrc && hasDst) && !isObject(doc[type])) return `not a Suricata EVE record (no src_ip/dest_ip and no "${type}" object)`;
  return undefined;
}

/** Application-layer event types: ECS event.type protocol, network.protocol named after them. */
const PROTOCOL_TYPES = new Map([
  ['dns', 'dns'], ['tls', 'tls'], ['ssh', 'ssh'], ['smb', 'smb'], ['ftp', 'ftp'], ['ftp_data', 'ftp'], ['smtp', 'smtp'],
  ['snmp', 'snmp'], ['tftp', 'tftp'], ['krb5', 'krb5'], ['ike', 'ikev2'], ['ikev2', 'ikev2'], ['mqtt', 'mqtt'],
  ['rdp', 'rdp'], ['rfb', 'rfb'], ['dhcp', 'dhcp'], ['nfs', 'nfs'], ['sip', 'sip'], ['dcerpc', 'dcerpc'],
  ['dnp3', 'dnp3'], ['modbus', 'modbus'], ['quic', 'quic'], ['pgsql', 'pgsql'], ['ldap', 'ldap'],
]);
/** app_proto values that name no protocol (detection failed, or a development template). */
const NO_PROTOCOL = new Set(['failed', 'unknown', 'template', 'template-rust']);

function categorize(f: Fields, type: string, eve: Obj): void {
  f['event.kind'] = 'event';
  f['event.category'] = ['network'];
  switch (type) {
    case 'alert': {
      f['event.kind'] = 'alert';
      f['event.category'] = ['network', 'intrusion_detection'];
      // The alert says a signature matched, not whether the attack worked, so no success or failure; whether
      // Suricata let the packet through (IDS) or dropped it (IPS) is event.type.
      f['event.outcome'] = 'unknown';
      // alert.action stays in the record as written: rules read "blocked", which ECS words "denied"
      const action = obj(eve.alert)?.action;
      f['event.type'] = [action === 'allowed' ? 'allowed' : action === 'blocked' ? 'denied' : 'info'];
      return;
    }
    case 'http':
    case 'http2': {
      f['event.category'] = ['network', 'web'];
      f['event.type'] = ['access', 'protocol'];
      const status = f['http.response.status_code'];
      if (typeof status === 'number') f['event.outcome'] = status >= 400 ? 'failure' : 'success';
      return;
    }
    case 'flow':
    case 'netflow': {
      const state = obj(eve.flow)?.state;
      f['event.type'] = state === 'new' ? ['connection', 'start'] : state === 'closed' ? ['connection', 'end'] : ['connection'];
      return;
    }
    case 'stats':
      f['event.kind'] = 'metric';
      f['event.type'] = ['info'];
      return;
    case 'drop':
      f['event.type'] = ['denied'];
      return;
    case 'fileinfo':
      f['event.category'] = ['network', 'file'];
      f['event.type'] = ['info'];
      return;
    default:
      f['event.type'] = PROTOCOL_TYPES.has(type) ? ['protocol'] : ['info'];
  }
}

function mapCommon(f: Fields, eve: Obj, type: string): void {
  f['source.ip'] = take(eve, 'src_ip', ip);
  f['source.port'] = take(eve, 'src_port', port);
  f['destination.ip'] = take(eve, 'dest_ip', ip);
  f['destination.port'] = take(eve, 'dest_port', port);
  const proto = take(eve, 'proto', (v) => (typeof v === 'number' ? String(v) : str(v)));
  // a protocol without a name is written as its number ("047")
  if (proto !== undefined && /^\d+$/.test(proto)) f['network.iana_number'] = String(Number(proto));
  else if (proto !== undefined) f['network.transport'] = proto.toLowerCase();
  f['network.community_id'] = take(eve, 'community_id', str);
  f['observer.ingress.interface.name'] = take(eve, 'in_iface', str);
  // the sensor name (suricata.yaml sensor-name): the host that wrote the log
  f['host.name'] = take(eve, 'host', str);
  const byType = PROTOCOL_TYPES.get(type) ?? (type === 'http' || type === 'http2' ? 'http' : undefined);
  const app = take(eve, 'app_proto', (v) => {
    const p = str(v)?.toLowerCase();
    return p === undefined || NO_PROTOCOL.has(p) ? undefined : p;
  });
  f['network.protocol'] = byType ?? (app === 'http2' ? 'http' : app === 'ftp-data' ? 'ftp' : app);
}

function mapAlert(f: Fields, alert: Obj): void {
  f['rule.id'] = take(alert, 'signature_id', id);
  const name = take(alert, 'signature', str);
  f['rule.name'] = name;
  // the line fast.log would print: the signature is what an analyst reads first
  f.message = name;
  f['rule.category'] = take(alert, 'category', str);
  f['event.severity'] = take(alert, 'severity', count);
}

/** "HTTP/1.1" -> "1.1", "HTTP/2" -> "2" (ECS http.version). */
function httpVersion(v: FieldValue): string | undefined {
  return typeof v === 'string' && /^HTTP\/\d(?:\.\d)?$/i.test(v) ? v.slice(5) : undefined;
}

function mapHttp(f: Fields, http: Obj): void {
  const url = take(http, 'url', str);
  if (url !== undefined) setUrl(f, url);
  const host = take(http, 'hostname', str);
  if (host !== undefined) {
    f['url.domain'] ??= host;
    // a Host header that is an address names no domain (url.domain may hold one, ECS says)
    if (!isIpAddress(host)) f['destination.domain'] = host;
  }
  f['http.request.method'] = take(http, 'http_method', str);
  f['http.response.status_code'] = take(http, 'status', (v) => (typeof v === 'number' ? count(v) : typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : undefined));
  f['http.response.body.bytes'] = take(http, 'length', count);
  f['user_agent.original'] = take(http, 'http_user_agent', str);
  f['http.request.referrer'] = take(http, 'http_refer', str);
  f['http.response.mime_type'] = take(http, 'http_content_type', str);
  f['http.version'] = take(http, 'protocol', httpVersion);
}

interface Answer {
  name?: string;
  type?: string;
  ttl?: number;
  data?: string;
}

/** An answer record as ECS writes it (name, type, ttl, data), its other keys kept. */
function ecsAnswer(a: Obj): Obj {
  const { rrname, rrtype, ttl, rdata, ...rest } = a;
  const out: Obj = {};
  if (rrname !== undefined) out.name = rrname;
  if (rrtype !== undefined) out.type = rrtype;
  if (ttl !== undefined) out.ttl = ttl;
  if (rdata !== undefined) out.data = rdata;
  return { ...out, ...rest };
}

function resolved(answers: Answer[]): string[] {
  return answers.filter((a) => (a.type === 'A' || a.type === 'AAAA') && typeof a.data === 'string' && isIpAddress(a.data)).map((a) => a.data as string);
}

/**
 * DNS in its three EVE shapes: version 1 (one event per query and per answer record), version 2 (Suricata 5-7:
 * an answer event holds the question and every record in `answers`, or only `grouped` by type) and version 3
 * (Suricata 8: request/response with `queries` and `answers` lists). Alerts wrap the transaction as
 * {"query": [...]} or {"answer": {...}}.
 */
function mapDns(f: Fields, dnsObj: Obj): void {
  let dns = dnsObj;
  if (Array.isArray(dns.query) && isObject(dns.query[0])) dns = dns.query[0];
  else if (isObject(dns.answer)) dns = dns.answer;
  const raw = dns.type;
  const type = raw === 'query' || raw === 'request' ? 'query' : raw === 'answer' || raw === 'response' ? 'answer' : undefined;
  // version 3's request/response stay as written beside ECS's query/answer
  if (type === raw) delete dns.type;
  f['dns.type'] = type;
  f['dns.id'] = take(dns, 'id', id);
  f['dns.response_code'] = take(dns, 'rcode', str);
  const flags = (['aa', 'tc', 'rd', 'ra'] as const).filter((k) => take(dns, k, bool) === true).map((k) => k.toUpperCase());
  if (flags.length) f['dns.header_flags'] = flags;
  const version = dns.version;
  let answers: Answer[] | undefined;
  if (type === 'answer' && version === undefined) {
    // version 1: the event is one answer record
    const a: Answer = { name: take(dns, 'rrname', str), type: take(dns, 'rrtype', str), ttl: take(dns, 'ttl', count), data: take(dns, 'rdata', str) };
    const kept = Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Obj;
    if (Object.keys(kept).length) {
      answers = [kept as Answer];
      f['dns.answers'] = [kept];
    }
  } else {
    // the question: the event's own rrname (queries, version 2), else the first of version 3's queries, which
    // stay in the record whole
    const q = Array.isArray(dns.queries) && isObject(dns.queries[0]) ? dns.queries[0] : undefined;
    f['dns.question.name'] = take(dns, 'rrname', str) ?? (q && str(q.rrname));
    f['dns.question.type'] = take(dns, 'rrtype', str) ?? (q && str(q.rrtype));
    const list = take(dns, 'answers', (v) => (Array.isArray(v) && v.every(isObject) ? (v as Obj[]) : undefined));
    if (list) {
      const ecs = list.map(ecsAnswer);
      f['dns.answers'] = ecs;
      answers = ecs as Answer[];
    } else if (isObject(dns.grouped)) {
      // answers logged "grouped" only: the addresses by record type
      const g = dns.grouped;
      answers = (['A', 'AAAA'] as const).flatMap((t) => (Array.isArray(g[t]) ? g[t].map((d) => ({ type: t, data: str(d) })) : []));
    }
  }
  const ips = answers ? resolved(answers) : [];
  if (ips.length) f['dns.resolved_ip'] = ips;
}

/** "TLS 1.2", "TLSv1", "SSLv3" -> protocol and version as ECS writes them (tls, 1.2; tls, 1.0; ssl, 3.0). */
function mapTlsVersion(f: Fields, v: string): boolean {
  const m = /^(TLS|SSL)\s?v?(\d(?:\.\d)?)$/i.exec(v);
  if (!m) return false;
  f['tls.version_protocol'] = m[1].toLowerCase();
  f['tls.version'] = m[2].includes('.') ? m[2] : `${m[2]}.0`;
  return true;
}

function mapTls(f: Fields, tls: Obj): void {
  take(tls, 'version', (v) => (typeof v === 'string' && mapTlsVersion(f, v) ? true : undefined));
  const sni = take(tls, 'sni', str)?.replace(/\.$/, '');
  if (sni) {
    f['tls.client.server_name'] = sni;
    f['destination.domain'] ??= sni;
  }
  f['tls.server.subject'] = take(tls, 'subject', str);
  f['tls.server.issuer'] = take(tls, 'issuerdn', str);
  f['tls.server.not_before'] = take(tls, 'notbefore', time);
  f['tls.server.not_after'] = take(tls, 'notafter', time);
  f['tls.server.hash.sha1'] = take(tls, 'fingerprint', (v) => (typeof v === 'string' && /^[0-9a-f]{2}(?::[0-9a-f]{2}){19}$/i.test(v) ? v.replaceAll(':', '').toUpperCase() : undefined));
  f['tls.resumed'] = take(tls, 'session_resumed', bool);
  f['tls.client.ja3'] = take(obj(tls.ja3), 'hash', str);
  f['tls.server.ja3s'] = take(obj(tls.ja3s), 'hash', str);
}

function mapFlow(f: Fields, flow: Obj, netflow: boolean): void {
  const toServer = take(flow, netflow ? 'bytes' : 'bytes_toserver', count);
  const toClient = netflow ? undefined : take(flow, 'bytes_toclient', count);
  const pktsToServer = take(flow, netflow ? 'pkts' : 'pkts_toserver', count);
  const pktsToClient = netflow ? undefined : take(flow, 'pkts_toclient', count);
  f['source.bytes'] = toServer;
  f['destination.bytes'] = toClient;
  f['source.packets'] = pktsToServer;
  f['destination.packets'] = pktsToClient;
  if (toServer !== undefined || toClient !== undefined) f['network.bytes'] = (toServer ?? 0) + (toClient ?? 0);
  if (pktsToServer !== undefined || pktsToClient !== undefined) f['network.packets'] = (pktsToServer ?? 0) + (pktsToClient ?? 0);
  const start = take(flow, 'start', time);
  const end = take(flow, 'end', time);
  f['event.start'] = start;
  f['event.end'] = end;
  if (start && end && end >= start) f['event.duration'] = (Date.parse(end) - Date.parse(start)) * 1e6;
}

function mapFile(f: Fields, file: Obj): void {
  const name = take(file, 'filename', str);
  if (name !== undefined) {
    f['file.path'] = name;
    f['file.name'] = name.slice(name.lastIndexOf('/') + 1) || undefined;
  }
  f['file.size'] = take(file, 'size', count);
  for (const h of ['md5', 'sha1', 'sha256'] as const) f[`file.hash.${h}`] = take(file, h, str);
}

/** Empty objects left behind by taking their keys (an alert object whose every key went to rule.*) go too. */
function prune(o: Obj): void {
  for (const k in o) {
    const v = o[k];
    if (isObject(v)) {
      prune(v);
      if (Object.keys(v).length === 0) delete o[k];
    }
  }
}

function parseLine(line: string, ctx: ParserContext): ParsedEvent | string {
  const eve = readObject(line);
  if (typeof eve === 'string') return eve;
  const why = notEve(eve);
  if (why) return why;
  const f: Fields = {};
  let flags = 0;
  const zone = { zoneless: false };
  const ts = take(eve, 'timestamp', (v) => {
    const t = parseIsoTime(v as string, ctx.tz, zone);
    return Number.isNaN(t) ? undefined : t;
  });
  if (ts !== undefined && zone.zoneless) flags |= EventFlag.TZ_ASSUMED;
  const type = (eve.event_type as string).toLowerCase();
  f['event.module'] = 'suricata';
  mapCommon(f, eve, type);
  const alert = obj(eve.alert);
  if (alert) mapAlert(f, alert);
  const http = obj(eve.http);
  if (http) mapHttp(f, http);
  const dns = obj(eve.dns);
  if (dns) mapDns(f, dns);
  const tls = obj(eve.tls);
  if (tls) mapTls(f, tls);
  const flow = obj(eve.flow);
  if (flow) mapFlow(f, flow, false);
  else if (obj(eve.netflow)) mapFlow(f, eve.netflow as Obj, true);
  const file = obj(eve.fileinfo);
  if (file) mapFile(f, file);
  categorize(f, type, eve);
  prune(eve);
  f['suricata.eve'] = eve;
  return { ts, dataset: DATASET, fields: f, flags };
}

const EVENT_TYPE = /"event_type"\s*:\s*"([A-Za-z0-9_-]+)"/;
const TIMESTAMP = /"timestamp"\s*:\s*"/;
const SRC_IP = /"src_ip"\s*:\s*"/;
const DEST_IP = /"dest_ip"\s*:\s*"/;

/** Whether `"key":` occurs in the line (a key, not the same text as a value). */
function hasKey(line: string, key: string): boolean {
  const quoted = `"${key}"`;
  for (let i = line.indexOf(quoted); i >= 0; i = line.indexOf(quoted, i + 1)) {
    let j = i + quoted.length;
    while (line.charCodeAt(j) === 32) j++;
    if (line.charCodeAt(j) === 58 /* : */) return true;
  }
  return false;
}

/** notEve's test on the text: addresses, or the object the event type names (stats, an anomaly without addresses). */
function looksLikeEve(line: string): boolean {
  const type = EVENT_TYPE.exec(line);
  if (!type || !TIMESTAMP.test(line)) return false;
  return (SRC_IP.test(line) && DEST_IP.test(line)) || hasKey(line, type[1]);
}

export const suricata: Parser = {
  name: 'suricata',
  description: 'Suricata EVE JSON (eve.json): alerts, flows, http, dns, tls, fileinfo, anomaly, stats and the other event types',
  datasets: [DATASET],
  standalone: true,
  detect(sample) {
    let hits = 0;
    for (const line of sample) {
      if (looksLikeEve(line)) hits++;
    }
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    return { parse: (line) => parseLine(line, ctx), flush: () => [] };
  },
  fields: fieldDefs(),
};

function fieldDefs(): FieldDef[] {
  const by = 'suricata';
  const d = (name: string, type: FieldDef['type'], desc: string): FieldDef => ({ name, type, desc, filledBy: by });
  return [
    d('suricata.eve', 'object', 'what ECS fields do not take of an EVE record, with Suricata\'s names and nesting: flow_id, event_type, alert.gid/rev/metadata, flow.state/reason/alerted, dns.tx_id, tls.ja3.string, stats.*, ...'),
    d('suricata.eve.flow_id', 'long', 'Suricata\'s flow id: the events of one flow (its alerts, protocol records, flow record) share it'),
    d('suricata.eve.event_type', 'keyword', 'EVE event type: alert, flow, http, dns, tls, fileinfo, anomaly, stats, ...'),
    d('event.module', 'keyword', 'the module that read the event: suricata'),
    d('event.kind', 'keyword', 'ECS kind: alert (an IDS alert), event, metric (Suricata stats)'),
    d('event.severity', 'long', 'the alert\'s severity as Suricata gives it: 1 highest, 3 the default'),
    d('event.start', 'date', 'start of the flow (flow.start)'),
    d('event.end', 'date', 'end of the flow (flow.end)'),
    d('event.duration', 'long', 'flow duration in nanoseconds'),
    d('rule.id', 'keyword', 'signature id (alert.signature_id)'),
    d('rule.name', 'keyword', 'signature message (alert.signature)'),
    d('rule.category', 'keyword', 'signature classification (alert.category)'),
    d('network.protocol', 'keyword', 'application protocol: http, dns, tls, ssh, smb, ... (event type or app_proto)'),
    d('network.community_id', 'keyword', 'Community ID flow hash'),
    d('network.iana_number', 'keyword', 'IANA protocol number of a protocol Suricata has no name for'),
    d('network.packets', 'long', 'packets in the flow, both directions'),
    d('source.bytes', 'long', 'bytes from the client (flow.bytes_toserver)'),
    d('source.packets', 'long', 'packets from the client (flow.pkts_toserver)'),
    d('destination.bytes', 'long', 'bytes from the server (flow.bytes_toclient)'),
    d('destination.packets', 'long', 'packets from the server (flow.pkts_toclient)'),
    d('observer.ingress.interface.name', 'keyword', 'interface the packet came in on (in_iface)'),
    WEB_FIELDS.urlScheme,
    WEB_FIELDS.urlDomain,
    WEB_FIELDS.destinationDomain,
    d('http.response.mime_type', 'keyword', 'Content-Type of the response'),
    d('dns.type', 'keyword', 'query or answer'),
    d('dns.id', 'keyword', 'DNS transaction id'),
    d('dns.question.name', 'keyword', 'the name asked for'),
    d('dns.question.type', 'keyword', 'the record type asked for: A, AAAA, MX, ...'),
    d('dns.response_code', 'keyword', 'NOERROR, NXDOMAIN, SERVFAIL, ...'),
    d('dns.header_flags', 'keyword[]', 'AA, TC, RD, RA'),
    d('dns.answers', 'object', 'answer records: name, type, ttl, data'),
    d('dns.resolved_ip', 'ip', 'the addresses of the A and AAAA answers'),
    d('tls.version', 'keyword', 'protocol version, e.g. 1.2'),
    d('tls.version_protocol', 'keyword', 'tls or ssl'),
    d('tls.client.server_name', 'keyword', 'SNI the client sent'),
    d('tls.client.ja3', 'keyword', 'JA3 hash of the client hello'),
    d('tls.server.ja3s', 'keyword', 'JA3S hash of the server hello'),
    d('tls.server.subject', 'keyword', 'certificate subject'),
    d('tls.server.issuer', 'keyword', 'certificate issuer'),
    d('tls.server.not_before', 'date', 'certificate valid from'),
    d('tls.server.not_after', 'date', 'certificate valid until'),
    d('tls.server.hash.sha1', 'keyword', 'certificate SHA-1 fingerprint, upper-case hex'),
    d('tls.resumed', 'boolean', 'the session was resumed'),
    d('file.path', 'keyword', 'the name a transferred file was sent under (fileinfo.filename: for HTTP the URL path)'),
    d('file.name', 'keyword', 'last part of file.path'),
    d('file.size', 'long', 'size of a transferred file'),
    d('file.hash.md5', 'keyword', 'MD5 of a transferred file'),
    d('file.hash.sha1', 'keyword', 'SHA-1 of a transferred file'),
    d('file.hash.sha256', 'keyword', 'SHA-256 of a transferred file'),
  ];
}
