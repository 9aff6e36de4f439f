/**
 * AWS VPC flow logs as delivered to S3 or exported from CloudWatch Logs: space-separated fields, by default the
 * version 2 set (`version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end
 * action log-status`). A header line names the fields and may declare a custom order with the v3-v8 fields
 * (vpc-id, subnet-id, tcp-flags, pkt-srcaddr, flow-direction, ...); it applies to the lines after it. The header
 * is not a flow record: it joins the span of the record after it, so no line is left over and none is unparsed.
 * A leading ISO timestamp (CloudWatch Logs exports) is skipped.
 */
import type { Fields, FieldValue, LineRef, ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import type { Parser } from './types.js';
import { isIpAddress } from './lib.js';
import { isoUtc } from '../util/time.js';

const DATASET = 'aws.vpcflow';

const DEFAULT_FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'];

/** Every field AWS documents for custom formats (versions 2 to 8). */
const KNOWN = new Set([
  ...DEFAULT_FIELDS, 'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'region',
  'az-id', 'sublocation-type', 'sublocation-id', 'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction',
  'traffic-path', 'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id',
  'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn',
  'ecs-task-id', 'reject-reason',
]);
const NUMERIC = new Set(['version', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'tcp-flags', 'traffic-path']);
const PROTOCOLS: Record<string, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 132: 'sctp' };
const HEADER_NAME = /^[a-z][a-z0-9-]*$/;
const ISO_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$/;

/** A field order, with the positions of the fields that are checked and mapped (-1: absent). */
interface Layout {
  names: string[];
  /** aws.vpcflow keys: the names with - as _ */
  keys: string[];
  /** which positions hold numbers */
  numeric: boolean[];
  pos: Record<string, number>;
}

function layoutOf(names: string[]): Layout {
  const pos: Record<string, number> = {};
  for (const n of KNOWN) pos[n] = names.indexOf(n);
  return { names, keys: names.map((n) => n.replaceAll('-', '_')), numeric: names.map((n) => NUMERIC.has(n)), pos };
}

const DEFAULT = layoutOf(DEFAULT_FIELDS);

function isHeader(tokens: string[]): boolean {
  let known = 0;
  for (const t of tokens) {
    if (!HEADER_NAME.test(t)) return false;
    if (KNOWN.has(t)) known++;
  }
  return known >= 2;
}

function isUint(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Epoch seconds that a Date can hold. */
function isTime(s: string): boolean {
  return s.length <= 11 && isUint(s);
}

/** The tokens of a record line in this layout (a CloudWatch export's timestamp dropped), or why not. */
function recordTokens(split: string[], layout: Layout): string[] | string {
  let tokens = split;
  if (tokens.length === layout.names.length + 1 && ISO_PREFIX.test(tokens[0])) tokens = tokens.slice(1);
  if (tokens.length !== layout.names.length) return `not a VPC flow log record (expected ${layout.names.length} space-separated fields, found ${tokens.length})`;
  const { pos } = layout;
  const at = (n: string) => (pos[n] >= 0 ? tokens[pos[n]] : undefined);
  const eni = at('interface-id');
  const action = at('action');
  const status = at('log-status');
  const src = at('srcaddr');
  const dst = at('dstaddr');
  const version = at('version');
  const start = at('start');
  const end = at('end');
  if (
    (eni !== undefined && eni !== '-' && !eni.startsWith('eni-')) ||
    (action !== undefined && action !== 'ACCEPT' && action !== 'REJECT' && action !== '-') ||
    (status !== undefined && status !== 'OK' && status !== 'NODATA' && status !== 'SKIPDATA' && status !== '-') ||
    (src !== undefined && src !== '-' && !isIpAddress(src)) ||
    (dst !== undefined && dst !== '-' && !isIpAddress(dst)) ||
    (version !== undefined && version !== '-' && !isUint(version)) ||
    (start !== undefined && start !== '-' && !isTime(start)) ||
    (end !== undefined && end !== '-' && !isTime(end))
  ) {
    return 'not a VPC flow log record (a field has a value it cannot hold)';
  }
  if (eni === undefined && action === undefined && status === undefined && src === undefined) {
    return 'the field order names none of interface-id, action, log-status, srcaddr: cannot tell a flow record';
  }
  return tokens;
}

function recordEvent(tokens: string[], layout: Layout): ParsedEvent {
  const vpc: Record<string, FieldValue> = {};
  for (let i = 0; i < tokens.length; i++) {
    const v = tokens[i];
    if (v === '-') continue;
    vpc[layout.keys[i]] = layout.numeric[i] && isUint(v) ? Number(v) : v;
  }
  const { pos } = layout;
  const at = (n: string) => {
    const v = pos[n] >= 0 ? tokens[pos[n]] : undefined;
    return v === '-' ? undefined : v;
  };
  const f: Fields = {};
  const status = at('log-status');
  const action = at('action');
  f['event.category'] = ['network'];
  if (status === 'NODATA' || status === 'SKIPDATA') {
    f['event.action'] = status.toLowerCase();
    f['event.type'] = ['info'];
    f['event.outcome'] = 'unknown';
  } else if (action) {
    const accept = action === 'ACCEPT';
    f['event.action'] = accept ? 'accept' : 'reject';
    f['event.type'] = [accept ? 'allowed' : 'denied', 'connection'];
    f['event.outcome'] = accept ? 'success' : 'failure';
  } else {
    f['event.type'] = ['info'];
    f['event.outcome'] = 'unknown';
  }
  f['source.ip'] = at('srcaddr');
  f['destination.ip'] = at('dstaddr');
  const proto = at('protocol');
  // ICMP has no ports: AWS writes 0
  if (proto !== '1' && proto !== '58') {
    f['source.port'] = num(at('srcport'));
    f['destination.port'] = num(at('dstport'));
  }
  if (proto) {
    f['network.iana_number'] = proto;
    f['network.transport'] = Object.hasOwn(PROTOCOLS, proto) ? PROTOCOLS[proto] : proto;
  }
  f['network.packets'] = num(at('packets'));
  f['network.bytes'] = num(at('bytes'));
  const direction = at('flow-direction');
  if (direction) f['network.direction'] = direction;
  const type = at('type');
  if (type) f['network.type'] = type.toLowerCase();
  f['cloud.provider'] = 'aws';
  const account = at('account-id');
  if (account && account !== 'unknown') f['cloud.account.id'] = account;
  f['cloud.region'] = at('region');
  f['cloud.instance.id'] = at('instance-id');
  const end = num(at('end'));
  if (end !== undefined) f['event.end'] = endIso(end);
  f['aws.vpcflow'] = vpc;
  const start = num(at('start'));
  return { ts: start === undefined ? undefined : start * 1000, dataset: DATASET, fields: f };
}

/** Records of one capture window share their end: format it once. */
let lastEnd = NaN;
let lastEndIso = '';
function endIso(end: number): string {
  if (end !== lastEnd) {
    lastEnd = end;
    lastEndIso = isoUtc(end * 1000);
  }
  return lastEndIso;
}

function num(s: string | undefined): number | undefined {
  return s !== undefined && isUint(s) ? Number(s) : undefined;
}

export const vpcflow: Parser = {
  name: 'vpcflow',
  description: 'AWS VPC flow logs: the default version 2 format, or any field order declared by a header line',
  datasets: [DATASET],
  detect(sample) {
    let layout = DEFAULT;
    let n = 0;
    for (const l of sample) {
      const tokens = l.split(' ');
      if (isHeader(tokens)) {
        layout = layoutOf(tokens);
        n++;
      } else if (typeof recordTokens(tokens, layout) !== 'string') n++;
    }
    return sample.length ? n / sample.length : 0;
  },
  create(ctx) {
    // resuming in the middle of a file: the field order its header declared still applies
    const first = ctx.head?.split('\n', 1)[0].split(' ');
    let layout = first && isHeader(first) ? layoutOf(first) : DEFAULT;
    let header: { at: LineRef; lines: string[] } | undefined;
    return {
      parse(line, at) {
        const tokens = line.split(' ');
        if (isHeader(tokens)) {
          layout = layoutOf(tokens);
          if (header) header.lines.push(line);
          else header = { at, lines: [line] };
          return null;
        }
        const rec = recordTokens(tokens, layout);
        if (typeof rec === 'string') return rec;
        const ev = recordEvent(rec, layout);
        if (header) {
          ev.span = { at: header.at, raw: `${header.lines.join('\n')}\n${line}`, lines: header.lines.length + 1 };
          header = undefined;
        }
        return ev;
      },
      flush() {
        if (!header) return [];
        const h = header;
        header = undefined;
        return [{ dataset: DATASET, fields: { message: 'VPC flow log header with no records after it', 'event.outcome': 'unknown' }, span: { at: h.at, raw: h.lines.join('\n'), lines: h.lines.length } }];
      },
      held: () => header?.at,
    };
  },
  fields: fieldDefs(),
};

function fieldDefs(): FieldDef[] {
  const by = 'vpcflow';
  const d = (name: string, type: FieldDef['type'], desc: string): FieldDef => ({ name, type, desc, filledBy: by });
  return [
    d('aws.vpcflow', 'object', 'every field of the record under its name with - as _ (interface_id, log_status, version, vpc_id, tcp_flags, ...); numbers for counts, ports and times'),
    d('event.end', 'date', 'end of the capture window'),
    d('network.iana_number', 'keyword', 'IANA protocol number'),
    d('network.packets', 'long', 'packets in the flow'),
    d('network.direction', 'keyword', 'ingress / egress (VPC flow-direction; auditd: a connect egress, an accept ingress); inbound, outbound, internal, external (Zeek local_orig, local_resp)'),
    d('network.type', 'keyword', 'ipv4 / ipv6 (type)'),
    d('cloud.provider', 'keyword', 'aws'),
    d('cloud.account.id', 'keyword', 'the account owning the network interface (account-id)'),
    d('cloud.region', 'keyword', 'region (custom formats)'),
    d('cloud.instance.id', 'keyword', 'instance-id (custom formats)'),
  ];
}
