/**
 * Container runtime logs: Docker's json-file driver (`{"log":"...\n","stream":"stdout","time":"..."}` in
 * /var/lib/docker/containers/ID/ID-json.log) and the CRI format kubelet reads (`TIME stdout F text`, written by
 * containerd and CRI-O under /var/log/pods and linked from /var/log/containers). The wrapper says when and on which
 * stream the container wrote a line; the line is whatever the program printed, read by the parser of its format as
 * formats carried in syslog are (embedded.ts). The format is chosen line by line, not per stream or file: the
 * official nginx image sends access lines to stdout and error lines to stderr, and an entrypoint's own messages come
 * between them. A line no format takes is a container.log event with the line as its message.
 *
 * An event's text (event.original) is the line the container wrote, unwrapped, as the bare line would be: keyword
 * rules search it, and Docker's JSON escapes it (`<` as \u003c). What the wrapper adds is in fields: the stream, the
 * time (below), the container and pod its file is named after. log.file.line points at the wrapper in the file.
 *
 * Time: the wrapper's is exact (RFC 3339 with nanoseconds; Docker's in UTC). The line's own time is kept when it is
 * exact too (an access line's zone, a JSON line's offset), so the event is the one the bare line gives; a time read
 * in a guessed zone (nginx and Apache error lines) or none gives way to the wrapper's, as with an exact syslog header.
 *
 * Long lines: both runtimes cut a line into pieces of 16 KiB. Docker's pieces lack the final newline, CRI tags them
 * P (F ends the line). The pieces of one stream are joined before the line is read, up to the 1 MiB ingest allows a
 * line (past it the rest is dropped and the event flagged truncated). The group is held from its first piece
 * (held()), and a line that does not continue it (the other stream's) closes it first, as it stands, so events stay
 * in line order and the resume point never passes a stored line.
 */
import { EventFlag, MAX_LINE_BYTES, type FieldValue, type Fields, type LineRef, type ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { access } from './access.js';
import { apacheError } from './apache-error.js';
import { EmbeddedFormats, type HeaderFacts } from './embedded.js';
import { fail2ban } from './fail2ban.js';
import { haproxy } from './haproxy.js';
import { json, objectStart, readObject } from './json.js';
import { parseIsoTime } from './lib.js';
import { logfmt } from './logfmt.js';
import { nginxErrorMessages } from './nginx-error.js';
import { syslog } from './syslog.js';
import type { Parser } from './types.js';

const DATASET = 'container.log';

/**
 * The formats a container's output may be in, tried in this order on each line; the first that takes it gives the
 * event. nginx error lines are read one by one (a container writes each as a line of its own), as through syslog;
 * Apache's keep the time they have in error_log.
 */
const CARRIED: Parser[] = [access, nginxErrorMessages, apacheError, haproxy, fail2ban, syslog, json, logfmt];

const NOT_CONTAINER = 'not a container log line (Docker json-file {"log","stream","time"} or CRI "TIME stdout|stderr P|F text")';
const NOT_DOCKER = 'not a Docker json-file entry';

const STAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)`;
const RFC3339 = new RegExp(`^${STAMP}$`);
/** CRI: time, stream, P(artial) or F(ull), one blank, the text (an empty text may lose its blank) */
const CRI = new RegExp(`^(${STAMP}) (stdout|stderr) ([PF])(?: |$)`);
/** Docker writes its keys in this order: log, stream, attrs (with --log-opt labels/env), time */
const DOCKER_START = '{"log":"';
const DOCKER_END = new RegExp(`"time":"${STAMP}"\\}\\s*$`);
const DOCKER_KEYS = new Set(['log', 'stream', 'time', 'attrs']);

/** One line of the file: a whole line the container wrote, or a piece of one. */
interface Piece {
  kind: 'docker' | 'cri';
  stream: string;
  ts: number;
  text: string;
  partial: boolean;
  attrs?: FieldValue;
}

/** The cheap test detection uses: the wrapper's shape, its content not read. */
function looksWrapped(line: string): boolean {
  if (CRI.test(line)) return true;
  return line.startsWith(DOCKER_START) && line.includes('"stream":"std') && DOCKER_END.test(line.slice(-64));
}

function readPiece(line: string): Piece | string {
  const cri = CRI.exec(line);
  if (cri) return { kind: 'cri', ts: parseIsoTime(cri[1], 'UTC'), stream: cri[2], partial: cri[3] === 'P', text: line.slice(cri[0].length) };
  if (objectStart(line) < 0) return NOT_CONTAINER;
  const doc = readObject(line);
  if (typeof doc === 'string') return `${NOT_DOCKER}: ${doc}`;
  for (const k in doc) if (!DOCKER_KEYS.has(k)) return `${NOT_DOCKER}: unexpected key "${k}"`;
  const { log, stream, time, attrs } = doc;
  if (typeof log !== 'string') return `${NOT_DOCKER}: no "log" text`;
  if (stream !== 'stdout' && stream !== 'stderr') return `${NOT_DOCKER}: "stream" is not stdout or stderr`;
  if (typeof time !== 'string' || !RFC3339.test(time)) return `${NOT_DOCKER}: "time" is not an RFC 3339 time`;
  if (attrs !== undefined && (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs))) return `${NOT_DOCKER}: "attrs" is not an object`;
  // a piece of a long line is the only entry without the newline
  const partial = !log.endsWith('\n');
  let text = partial ? log : log.slice(0, -1);
  if (!partial && text.endsWith('\r')) text = text.slice(0, -1);
  return { kind: 'docker', ts: parseIsoTime(time, 'UTC'), stream, partial, text, attrs };
}

const DOCKER_PATH = /(?:^|\/)([0-9a-f]{64})-json\.log(?:\.\d+)?(?:\.gz)?$/;
/** /var/log/containers/POD_NAMESPACE_CONTAINER-ID.log (pod names may hold dots, none of the names underscores) */
const K8S_LINK = /(?:^|\/)([a-z0-9][a-z0-9.-]*)_([a-z0-9][a-z0-9-]*)_([a-z0-9][a-z0-9-]*)-([0-9a-f]{64})\.log$/;
/** /var/log/pods/NAMESPACE_POD_UID/CONTAINER/RESTARTS.log, and kubelet's rotated RESTARTS.log.YYYYMMDD-hhmmss[.gz] */
const K8S_POD = /(?:^|\/)([a-z0-9][a-z0-9-]*)_([a-z0-9][a-z0-9.-]*)_([0-9a-f-]{36})\/([a-z0-9][a-z0-9-]*)\/\d+\.log(?:\.\d{8}-\d{6}(?:\.gz)?)?$/;

/** What the log file's path says about the container: the runtimes name their files after it. */
export function pathFields(path: string): Fields {
  const docker = DOCKER_PATH.exec(path);
  if (docker) return { 'container.id': docker[1] };
  const pod = (namespace: string, name: string): Fields => ({
    'orchestrator.type': 'kubernetes',
    'orchestrator.namespace': namespace,
    'orchestrator.resource.type': 'pod',
    'orchestrator.resource.name': name,
  });
  const link = K8S_LINK.exec(path);
  if (link) return { 'container.id': link[4], 'container.name': link[3], ...pod(link[2], link[1]) };
  const dir = K8S_POD.exec(path);
  if (dir) return { 'container.name': dir[4], ...pod(dir[1], dir[2]), 'orchestrator.resource.id': dir[3] };
  return {};
}

/** The first `max` bytes of s in UTF-8, not splitting a character. */
function cutToBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.toString('utf8', 0, end);
}

/** A long line whose pieces are still arriving. */
interface Open {
  first: LineRef;
  /** the first piece: its stream, time and attrs are the line's */
  head: Piece;
  lines: number;
  text: string[];
  bytes: number;
  truncated: boolean;
}

function addPiece(open: Open, p: Piece): void {
  open.lines++;
  if (open.truncated) return;
  const room = MAX_LINE_BYTES - open.bytes;
  const size = Buffer.byteLength(p.text, 'utf8');
  if (size <= room) {
    open.text.push(p.text);
    open.bytes += size;
  } else {
    open.text.push(cutToBytes(p.text, room));
    open.bytes = MAX_LINE_BYTES;
    open.truncated = true;
  }
}

const asList = (r: ParsedEvent | ParsedEvent[] | null): ParsedEvent[] => (r === null ? [] : Array.isArray(r) ? r : [r]);

export const container: Parser = {
  name: 'container',
  description: 'container runtime logs: Docker json-file and Kubernetes CRI (containerd, CRI-O); each line read as the format it is in (web access and error lines, haproxy, syslog, JSON, logfmt), long lines joined',
  datasets: [DATASET, ...new Set(CARRIED.flatMap((p) => p.datasets))],
  standalone: true,
  detect(sample) {
    let hits = 0;
    for (const line of sample) if (looksWrapped(line)) hits++;
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    const place = pathFields(ctx.path);
    const embedded = new EmbeddedFormats(ctx);
    let open: Open | undefined;

    const facts = (p: Piece): HeaderFacts => {
      const fields: Fields = { ...place, stream: p.stream };
      if (p.attrs !== undefined) fields['docker.attrs'] = p.attrs;
      return { ts: p.ts, flags: 0, fields };
    };

    /**
     * The events of one whole line the container wrote, from `lines` lines of the file from `at`. The line is their
     * text (event.original), as the bare line's would be: keyword rules read it, and Docker's JSON escapes it.
     */
    const lineEvents = (text: string, at: LineRef, head: HeaderFacts, lines: number, truncated = false): ParsedEvent[] => {
      let events: ParsedEvent[] | undefined;
      for (const format of CARRIED) {
        const got = embedded.read(format, text, text, at, head, lines);
        if (got !== undefined) {
          events = asList(got);
          break;
        }
      }
      if (!events) {
        const fields: Fields = { ...head.fields };
        if (text !== '') fields.message = text;
        events = embedded.close();
        events.push({ ts: head.ts, dataset: DATASET, fields, flags: head.flags });
      }
      for (const ev of events) {
        // events of earlier lines (groups this one closed) have their span already
        if (ev.span) continue;
        ev.span = { at, raw: text, lines };
        if (truncated) ev.flags = (ev.flags ?? 0) | EventFlag.TRUNCATED;
      }
      return events;
    };

    const close = (): ParsedEvent[] => {
      const o = open!;
      open = undefined;
      return lineEvents(o.text.join(''), o.first, facts(o.head), o.lines, o.truncated);
    };

    return {
      parse(line, at) {
        const p = readPiece(line);
        if (typeof p === 'string') return p;
        const out: ParsedEvent[] = [];
        if (open && (open.head.stream !== p.stream || open.head.kind !== p.kind)) out.push(...close());
        if (open) {
          addPiece(open, p);
          if (!p.partial) out.push(...close());
        } else if (p.partial) {
          open = { first: at, head: p, lines: 0, text: [], bytes: 0, truncated: false };
          addPiece(open, p);
        } else {
          out.push(...lineEvents(p.text, at, facts(p), 1));
        }
        return out.length === 0 ? null : out.length === 1 ? out[0] : out;
      },
      flush() {
        const out = open ? close() : [];
        out.push(...embedded.close());
        return out;
      },
      // a group of an inner format holds lines before the open long line
      held: () => embedded.held() ?? open?.first,
    };
  },
  fields: [
    { name: 'container.id', type: 'keyword', desc: 'the container\'s id, from the log file\'s path (Docker: ID-json.log; Kubernetes: /var/log/containers/POD_NAMESPACE_CONTAINER-ID.log)', filledBy: 'container' },
    { name: 'container.name', type: 'keyword', desc: 'the container\'s name in its pod, from a Kubernetes log path', filledBy: 'container' },
    { name: 'orchestrator.type', type: 'keyword', desc: 'kubernetes: a container log under a Kubernetes path, an API server audit event', filledBy: 'container' },
    { name: 'orchestrator.namespace', type: 'keyword', desc: 'the Kubernetes namespace: the pod\'s (container logs, from the path), the object\'s (audit events)', filledBy: 'container' },
    { name: 'orchestrator.resource.type', type: 'keyword', desc: 'the kind of Kubernetes object: pod (container logs), the resource an audit event acts on (pods, secrets, ...)', filledBy: 'container' },
    { name: 'orchestrator.resource.name', type: 'keyword', desc: 'the object\'s name: the pod (container logs, from the path), the object an audit event acts on', filledBy: 'container' },
    { name: 'orchestrator.resource.id', type: 'keyword', desc: 'the pod\'s UID, from a /var/log/pods path', filledBy: 'container' },
    { name: 'stream', type: 'keyword', desc: 'the stream the container wrote the line to: stdout or stderr (named as by Filebeat\'s container input)', filledBy: 'container' },
    { name: 'docker.attrs', type: 'object', desc: 'the attrs of a Docker json-file entry: the labels and environment variables chosen with --log-opt labels / env', filledBy: 'container' },
  ] satisfies FieldDef[],
};
