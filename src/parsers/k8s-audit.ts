/**
 * Kubernetes API server audit log (audit.k8s.io/v1 `Event` objects, one JSON object per line, as the log backend
 * `--audit-log-path` writes them and managed clusters export them). Mapped to ECS after Elastic's Kubernetes audit
 * integration: who (user.name, source.ip, user_agent.original), what (event.action is the verb, the object under
 * orchestrator.*), the request URI and the response code. The whole event stays under `kubernetes.audit` with the
 * API server's own keys and nesting, the way Sigma's `product: kubernetes, service: audit` rules address it.
 */
import { EventFlag, type Fields, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import type { Parser, ParserContext } from './types.js';
import { nonEmpty as str, objectOf as obj, readObject, type Obj } from './json.js';
import { isIpAddress, parseIsoTime } from './lib.js';
import { setUrl } from './web-common.js';

const DATASET = 'kubernetes.audit';
const NOT_AUDIT = 'not a Kubernetes audit event (needs "kind": "Event", an audit.k8s.io "apiVersion" and a "verb")';


/** The API server's verbs as ECS event types; a verb it adds later is "info". */
const VERB_TYPES: Record<string, string> = {
  get: 'access',
  list: 'access',
  watch: 'access',
  create: 'creation',
  update: 'change',
  patch: 'change',
  delete: 'deletion',
  deletecollection: 'deletion',
};

function isAuditEvent(doc: Obj): boolean {
  return doc.kind === 'Event' && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('audit.k8s.io/') && typeof doc.verb === 'string';
}

function parseLine(line: string, ctx: ParserContext): ParsedEvent | string {
  const doc = readObject(line);
  if (typeof doc === 'string') return doc;
  if (!isAuditEvent(doc)) return NOT_AUDIT;
  const f: Fields = {};
  const verb = doc.verb as string;
  f['event.action'] = verb;
  f['event.id'] = str(doc.auditID);
  f['event.category'] = ['api'];
  const type = VERB_TYPES[verb] ?? 'info';
  const user = obj(doc.user);
  f['user.name'] = str(user?.username);
  const groups = Array.isArray(user?.groups) ? user.groups.filter((g): g is string => typeof g === 'string') : [];
  if (groups.length) f['user.group.name'] = groups;
  // sourceIPs: the client first, then the proxies it came through (X-Forwarded-For order)
  const ips = Array.isArray(doc.sourceIPs) ? doc.sourceIPs.filter((ip): ip is string => typeof ip === 'string' && isIpAddress(ip)) : [];
  if (ips.length) f['source.ip'] = ips[0];
  f['user_agent.original'] = str(doc.userAgent);
  const uri = str(doc.requestURI);
  if (uri) setUrl(f, uri);
  const ref = obj(doc.objectRef);
  if (ref) {
    f['orchestrator.type'] = 'kubernetes';
    f['orchestrator.namespace'] = str(ref.namespace);
    f['orchestrator.resource.type'] = str(ref.resource);
    f['orchestrator.resource.name'] = str(ref.name);
    f['orchestrator.api_version'] = str(ref.apiVersion);
  }
  const code = obj(doc.responseStatus)?.code;
  const denied = typeof code === 'number' && (code === 401 || code === 403);
  if (typeof code === 'number' && Number.isInteger(code)) {
    f['http.response.status_code'] = code;
    f['event.outcome'] = code >= 400 ? 'failure' : 'success';
  } else {
    f['event.outcome'] = 'unknown';
  }
  f['event.type'] = denied ? [type, 'denied'] : [type];
  f['kubernetes.audit'] = doc;

  // the time the API server received the request: the same for each stage of one request
  let flags = 0;
  let ts: number | undefined;
  const zone = { zoneless: false };
  for (const key of ['requestReceivedTimestamp', 'stageTimestamp']) {
    const t = typeof doc[key] === 'string' ? parseIsoTime(doc[key] as string, ctx.tz, zone) : NaN;
    if (!Number.isNaN(t)) {
      ts = t;
      break;
    }
  }
  if (ts !== undefined && zone.zoneless) flags |= EventFlag.TZ_ASSUMED;
  return { ts, dataset: DATASET, fields: f, flags };
}

const KIND = /"kind"\s*:\s*"Event"/;
const API_VERSION = /"apiVersion"\s*:\s*"audit\.k8s\.io\//;

export const k8sAudit: Parser = {
  name: 'k8s-audit',
  description: 'Kubernetes API server audit log (audit.k8s.io/v1 events, JSON lines)',
  datasets: [DATASET],
  standalone: true,
  detect(sample) {
    let hits = 0;
    for (const line of sample) if (API_VERSION.test(line) && KIND.test(line)) hits++;
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    return { parse: (line) => parseLine(line, ctx), flush: () => [] };
  },
  fields: fieldDefs(),
};

function fieldDefs(): FieldDef[] {
  const by = 'k8s-audit';
  const d = (name: string, type: FieldDef['type'], desc: string): FieldDef => ({ name, type, desc, filledBy: by });
  return [
    d('kubernetes.audit', 'object', 'the whole audit event with the API server\'s keys: verb, user.username, user.groups, sourceIPs, objectRef.resource/namespace/name/subresource, responseStatus.code, annotations, requestObject, ...'),
    d('event.id', 'keyword', 'the request\'s audit ID (auditID): the stages of one request share it'),
    d('user.group.name', 'keyword[]', 'the groups of the authenticated user'),
    // described by the container parser, which comes first in the registry; listed here for "filled by"
    d('orchestrator.type', 'keyword', ''),
    d('orchestrator.namespace', 'keyword', ''),
    d('orchestrator.resource.type', 'keyword', ''),
    d('orchestrator.resource.name', 'keyword', ''),
    d('orchestrator.api_version', 'keyword', 'the object\'s API version'),
  ];
}
