/**
 * AWS CloudTrail: the files CloudTrail delivers to S3 (`{"Records":[...]}` on one line, usually .json.gz), the same
 * pretty-printed over many lines (aws CLI, jq), `aws cloudtrail lookup-events` output ({"Events":[{CloudTrailEvent:
 * "<json>"}]}), and NDJSON of single records. One event per record, whose raw text is the record as compact JSON.
 * A stream that starts with a Records document reaches the parser already split, element by element (ingest's
 * RecordsFramer: the document can be hundreds of MB on one line). Otherwise a multi-line document is held until it
 * closes (held() reports its first line).
 */
import type { Fields, FieldValue, LineRef, ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import type { ParseResult, Parser } from './types.js';
import { TOO_DEEP, brokenHeld, brokenThen, depthAfter, holdLine, isIpAddress, jsonTooDeep, parseIsoTime, type HeldJson } from './lib.js';

const DATASET = 'aws.cloudtrail';
/** A stream that starts like this is split by ingest as it arrives, one Records element at a time. */
const RECORDS_HEAD = /^\s*\{\s*"Records"\s*:/;
/**
 * A pretty-printed document held line by line (one that does not start its stream: a stream that starts with one
 * is split as it arrives) is given up on past this size.
 */
const MAX_DOC_BYTES = 256 * 1024 * 1024;

const NOT_JSON = 'not a JSON document';
const BAD_JSON = 'invalid or truncated JSON';
const NOT_RECORD = 'not a CloudTrail record (eventName and eventSource must be strings)';

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

function isRecord(v: unknown): v is Obj {
  const o = obj(v);
  return o !== undefined && typeof o.eventName === 'string' && typeof o.eventSource === 'string';
}

const READ = /^(?:Get|List|Describe|Lookup|Head|Search|Select|Scan|Query|BatchGet|Check|Download|Filter)/;
const CREATE = /^(?:Create|Run|Allocate|Import|Register|Issue|Generate|Copy)/;
const DELETE = /^(?:Delete|Terminate|Deregister|Release)/;
const NETWORK_OBJECTS = /SecurityGroup|NetworkAcl|Vpc|Subnet|Route|InternetGateway|NatGateway|FlowLogs/;
const CONFIG_SOURCES = new Set([
  'cloudtrail.amazonaws.com', 'config.amazonaws.com', 'guardduty.amazonaws.com', 'securityhub.amazonaws.com',
  'organizations.amazonaws.com', 'kms.amazonaws.com', 'logs.amazonaws.com',
]);
const IAM_SOURCES = new Set(['iam.amazonaws.com', 'sso.amazonaws.com', 'identitystore.amazonaws.com']);
const DENIED = /AccessDenied|Unauthorized|Forbidden/i;
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;

function categorize(name: string, source: string, errorCode: string | undefined): [string[], string[]] {
  if (name === 'ConsoleLogin') return [['authentication'], ['start']];
  if (source === 'signin.amazonaws.com') return [['authentication'], ['info']];
  if (source === 'sts.amazonaws.com' && /^(?:AssumeRole|GetSessionToken|GetFederationToken)/.test(name)) return [['authentication'], ['start']];
  const verb = READ.test(name) ? 'access' : CREATE.test(name) ? 'creation' : DELETE.test(name) ? 'deletion' : 'change';
  const cats = ['api'];
  const types = [verb];
  if (IAM_SOURCES.has(source)) {
    cats.push('iam');
    if (/User|AccessKey|LoginProfile|MFADevice/.test(name)) types.push('user');
    else if (name.includes('Group')) types.push('group');
  } else if (CONFIG_SOURCES.has(source)) {
    cats.push('configuration');
  } else if (source === 'ec2.amazonaws.com' && NETWORK_OBJECTS.test(name)) {
    cats.push('network', 'configuration');
  }
  if (errorCode && DENIED.test(errorCode)) types.push('denied');
  return [cats, types];
}

/** The ECS fields of one record (the whole record goes under aws.cloudtrail). */
function recordEvent(r: Obj): ParsedEvent {
  const f: Fields = {};
  const name = r.eventName as string;
  const source = r.eventSource as string;
  const errorCode = str(r.errorCode);
  const ui = obj(r.userIdentity);
  const time = str(r.eventTime);
  const ts = time ? parseIsoTime(time, 'UTC') : NaN;

  f['event.action'] = name;
  f['event.provider'] = source;
  f['event.id'] = str(r.eventID);
  const [cat, type] = categorize(name, source, errorCode);
  f['event.category'] = cat;
  f['event.type'] = type;
  const consoleFailure = name === 'ConsoleLogin' && obj(r.responseElements)?.ConsoleLogin === 'Failure';
  f['event.outcome'] = errorCode || consoleFailure ? 'failure' : 'success';

  f['cloud.provider'] = 'aws';
  f['cloud.region'] = str(r.awsRegion);
  f['cloud.account.id'] = str(r.recipientAccountId) ?? str(ui?.accountId);

  const ip = str(r.sourceIPAddress);
  if (ip && isIpAddress(ip)) f['source.ip'] = ip;
  else if (ip) {
    // an AWS service acting for the account ("cloudtrail.amazonaws.com") or "AWS Internal"
    f['source.address'] = ip;
    if (DOMAIN.test(ip)) f['source.domain'] = ip;
  }
  f['user_agent.original'] = str(r.userAgent);

  if (ui) {
    const arn = str(ui.arn);
    const slash = arn ? arn.lastIndexOf('/') : -1;
    f['user.name'] = ui.type === 'Root' ? 'root' : str(ui.userName) ?? (arn && slash >= 0 ? arn.slice(slash + 1) : undefined);
    f['user.id'] = str(ui.principalId);
  }
  if (IAM_SOURCES.has(source)) f['user.target.name'] = str(obj(r.requestParameters)?.userName);

  f['aws.cloudtrail'] = r as FieldValue;
  return { ts: Number.isNaN(ts) ? undefined : ts, dataset: DATASET, fields: f };
}

/** An element of a multi-record document that is not a record: kept visible, marked as such. */
function oddElement(v: unknown): ParsedEvent {
  const fields: Fields = {};
  const o = obj(v);
  if (o) fields['aws.cloudtrail'] = o as FieldValue;
  return { dataset: DATASET, fields, unparsed: NOT_RECORD };
}

/** The records a JSON document holds: Records[], lookup-events' Events[].CloudTrailEvent, an array, or itself. */
function recordsOf(doc: unknown): unknown[] | undefined {
  if (Array.isArray(doc)) return doc;
  const o = obj(doc);
  if (!o) return undefined;
  if (Array.isArray(o.Records)) return o.Records;
  if (Array.isArray(o.Events)) {
    return o.Events.map((e) => {
      const text = str(obj(e)?.CloudTrailEvent);
      if (!text) return e;
      try {
        const record = JSON.parse(text) as unknown;
        return jsonTooDeep(record) ? e : record;
      } catch {
        return e;
      }
    });
  }
  return [o];
}

/** Events of a multi-record document, each with a span: the document's first line and the record as compact JSON. */
function documentEvents(records: unknown[], at: LineRef, lines: number): ParsedEvent[] {
  return records.map((r) => {
    const ev = isRecord(r) ? recordEvent(r) : oddElement(r);
    ev.span = { at, raw: JSON.stringify(r), lines };
    return ev;
  });
}

/**
 * A unit of a stream split by ingest: an element of a Records array, with its own line and offset, or a JSON value
 * or line outside the document. Nothing is held: the document is already cut into its elements.
 */
function splitUnit(text: string, at: LineRef): ParseResult {
  const t = text.trim();
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    const c = t.charCodeAt(0);
    return c === 123 || c === 91 || c === 34 ? BAD_JSON : NOT_JSON;
  }
  if (jsonTooDeep(value)) return TOO_DEEP;
  const lines = lineCount(text);
  if (isRecord(value)) return documentEvents([value], at, lines)[0];
  const records = recordsOf(value);
  if (records?.length === 0) return 'a CloudTrail document without records';
  // an element that is not a record (a number, null, another object) stays visible, as in a whole document
  return documentEvents(records ?? [value], at, lines);
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const brokenDocument = (doc: HeldJson, why: string) => brokenHeld(doc, DATASET, why);

const PRETTY_MARKER = /^"(?:eventSource|eventName|Records|CloudTrailEvent)"\s*:/;

export const cloudtrail: Parser = {
  name: 'cloudtrail',
  description: 'AWS CloudTrail: {"Records":[...]} files (one line or pretty-printed), lookup-events output, NDJSON records',
  datasets: [DATASET],
  detect(sample) {
    let whole = 0;
    let partial = 0;
    let marker = false;
    for (const l of sample) {
      const t = l.trim();
      if (t.startsWith('{') && t.endsWith('}')) {
        if (t.startsWith('{"Records"') || (t.includes('"eventSource"') && t.includes('"eventName"'))) whole++;
      } else if (t !== '') {
        const c = t.charCodeAt(0);
        // a line of a pretty-printed document: a bracket, a "key": value, or a closing bracket
        if (c === 123 || c === 125 || c === 91 || c === 93 || c === 34) partial++;
        if (!marker && PRETTY_MARKER.test(t)) marker = true;
      }
    }
    return sample.length ? (whole + (marker ? partial : 0)) / sample.length : 0;
  },
  splitsRecords: (head) => RECORDS_HEAD.test(head),
  create(ctx) {
    if (ctx.head !== undefined && RECORDS_HEAD.test(ctx.head)) return { parse: splitUnit, flush: () => [] };
    let doc: HeldJson | undefined;

    const oneLine = (line: string, at: LineRef): ParsedEvent | ParsedEvent[] | string | null => {
      const t = line.trim();
      const c = t.charCodeAt(0);
      if (c !== 123 && c !== 91) return NOT_JSON;
      let value: unknown;
      try {
        value = JSON.parse(t);
      } catch {
        const last = t.charCodeAt(t.length - 1);
        if (last !== 123 && last !== 91) return BAD_JSON;
        // the first line of a pretty-printed document
        const state = { depth: 0, inString: false };
        depthAfter(t, state);
        if (state.depth <= 0) return BAD_JSON;
        doc = { first: at, lines: [line], bytes: line.length, state };
        return null;
      }
      if (jsonTooDeep(value)) return TOO_DEEP;
      if (isRecord(value)) return recordEvent(value);
      const records = recordsOf(value);
      if (!records || (records.length === 1 && records[0] === value)) return NOT_RECORD;
      if (records.length === 0) return 'a CloudTrail document without records';
      return documentEvents(records, at, 1);
    };

    const closeDoc = (d: HeldJson): ParsedEvent[] => {
      doc = undefined;
      let value: unknown;
      try {
        value = JSON.parse(d.lines.join('\n'));
      } catch {
        return [brokenDocument(d, BAD_JSON)];
      }
      if (jsonTooDeep(value)) return [brokenDocument(d, TOO_DEEP)];
      const records = recordsOf(value);
      if (!records || records.length === 0 || (records.length === 1 && records[0] === value && !isRecord(value))) {
        return [brokenDocument(d, records?.length === 0 ? 'a CloudTrail document without records' : NOT_RECORD)];
      }
      return documentEvents(records, d.first, d.lines.length);
    };

    return {
      parse(line, at) {
        if (!doc) return oneLine(line, at);
        const c = line.charCodeAt(0);
        if (c === 123 || c === 91 || doc.bytes + line.length > MAX_DOC_BYTES) {
          // a new document starts at the left margin (or this one grew past any real file): the open one is broken
          const broken = brokenDocument(doc, 'truncated JSON document');
          doc = undefined;
          return brokenThen(broken, oneLine(line, at), DATASET);
        }
        return holdLine(doc, line) ? closeDoc(doc) : null;
      },
      flush() {
        if (!doc) return [];
        const broken = brokenDocument(doc, 'truncated JSON document (the input ended inside it)');
        doc = undefined;
        return [broken];
      },
      held: () => doc?.first,
    };
  },
  fields: fieldDefs(),
};

function fieldDefs(): FieldDef[] {
  const by = 'cloudtrail';
  const d = (name: string, type: FieldDef['type'], desc: string): FieldDef => ({ name, type, desc, filledBy: by });
  return [
    d('aws.cloudtrail', 'object', 'the whole CloudTrail record with its own keys (eventName, userIdentity.type, requestParameters..., errorCode)'),
    d('event.provider', 'keyword', 'the AWS service called (eventSource), e.g. iam.amazonaws.com'),
    d('event.id', 'keyword', 'the record id (eventID)'),
    d('cloud.provider', 'keyword', 'aws'),
    d('cloud.region', 'keyword', 'AWS region (awsRegion)'),
    d('cloud.account.id', 'keyword', 'AWS account (recipientAccountId, else userIdentity.accountId)'),
    d('source.address', 'keyword', 'sourceIPAddress when it is not an IP address (an AWS service name, "AWS Internal")'),
    d('source.domain', 'keyword', 'sourceIPAddress when it is a host name, e.g. ec2.amazonaws.com'),
    d('user.id', 'keyword', 'userIdentity.principalId'),
    d('error.message', 'keyword', 'why a document or element could not be read as a CloudTrail record'),
  ];
}
