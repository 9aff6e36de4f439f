/**
 * Log formats carried whole in syslog messages: access and error lines a web server sends with `access_log
 * syslog:` / `error_log syslog:` / `ErrorLog syslog` or through logger, audit records forwarded by audispd or
 * printed by the kernel. programs/index.ts names the formats a program's messages may be in; their own parsers read
 * them, so the event is the one the native file gives (its dataset, fields and time), with the facts of the syslog
 * header on top. Container runtime logs carry any of them the same way, one line per wrapper (container.ts).
 *
 * Grouping formats keep their groups (auditd: the records of one event). A group is open only while lines of its
 * format follow each other: any other line closes it first, so events are stored in line order and a resume point
 * never lies behind a line already stored.
 */
import { EventFlag, type Fields, type LineRef, type ParsedEvent } from '../model/event.js';
import type { LineParser, Parser, ParserContext } from './types.js';

/** The flags of a time read with a guessed year or zone. */
const GUESSED = EventFlag.YEAR_INFERRED | EventFlag.TZ_ASSUMED;

const guessedZone = (flags: number | undefined) => ((flags ?? 0) & EventFlag.TZ_ASSUMED) !== 0;

/** A header time with nothing guessed: RFC 3339 with an offset, RFC 5424, the journal's own clock. */
const exact = (head: HeaderFacts) => head.ts !== undefined && !Number.isNaN(head.ts) && (head.flags & GUESSED) === 0;

/** What the syslog header of a line says. */
export interface HeaderFacts {
  ts: number | undefined;
  flags: number;
  /** host.name, process.*, log.syslog.* (and message, which the embedded event does not take) */
  fields: Fields;
}

interface Fed {
  at: LineRef;
  line: string;
  head: HeaderFacts;
  /** how many lines of the input `line` is */
  lines: number;
}

export class EmbeddedFormats {
  private readonly parsers = new Map<Parser, LineParser>();
  /** Lines given to the inner parsers since none held a group: a group's raw text and header come from them. */
  private fed: Fed[] = [];

  constructor(private readonly ctx: ParserContext) {}

  /**
   * The events of a line whose message `msg` may be in `format`: undefined when that format's parser rejects the
   * message (the line is then an ordinary syslog line), null while the line joined a group that stays open.
   * `line` is the text the message was read from, `lines` how many lines of the input it is: more than one when a
   * container's long line was joined from its pieces (container.ts).
   */
  read(format: Parser, msg: string, line: string, at: LineRef, head: HeaderFacts, lines = 1): ParsedEvent | ParsedEvent[] | null | undefined {
    let inner = this.parsers.get(format);
    if (!inner) this.parsers.set(format, (inner = format.create(this.ctx)));
    this.fed.push({ at, line, head, lines });
    const res = inner.parse(msg, at);
    if (typeof res === 'string') {
      this.fed.pop();
      return undefined;
    }
    // another format's group holds earlier lines: it comes first
    const out: ParsedEvent[] = [];
    for (const [p, other] of this.parsers) if (p !== format && other.held?.()) out.push(...other.flush());
    if (res !== null) out.push(...(Array.isArray(res) ? res : [res]));
    const events = out.map((ev) => this.finish(ev));
    this.forget();
    return events.length === 0 ? null : events.length === 1 ? events[0] : events;
  }

  /** The events of every open group: called before any line that is not of an embedded format, and at the end. */
  close(): ParsedEvent[] {
    if (this.fed.length === 0) return [];
    const out: ParsedEvent[] = [];
    for (const inner of this.parsers.values()) if (inner.held?.()) out.push(...inner.flush().map((ev) => this.finish(ev)));
    this.fed = [];
    return out;
  }

  held(): LineRef | undefined {
    for (const inner of this.parsers.values()) {
      const h = inner.held?.();
      if (h) return h;
    }
    return undefined;
  }

  /**
   * The inner parser saw only the message: a grouped event gets back its lines as written, and every event the
   * header of its first line, which wins over what the message says about the host (the message is the sender's
   * text; the header is what the syslog daemon recorded). A process the record names (auditd's comm and pid)
   * stays: the header names only the program that forwarded it.
   */
  private finish(ev: ParsedEvent): ParsedEvent {
    const span = ev.span;
    let first = this.fed.length - 1;
    if (span) {
      const i = this.fed.findIndex((x) => x.at.offset === span.at.offset);
      if (i >= 0) {
        first = i;
        // the inner parser counted messages; the span counts the input's lines
        const group = this.fed.slice(i, i + span.lines);
        span.raw = group.map((x) => x.line).join('\n');
        span.lines = group.reduce((n, x) => n + x.lines, 0);
      }
    }
    const head = this.fed[first].head;
    const f = ev.fields;
    const ownProcess = f['process.name'] !== undefined;
    for (const k in head.fields) {
      if (k === 'message' || (ownProcess && (k === 'process.name' || k === 'process.pid'))) continue;
      f[k] = head.fields[k];
    }
    if (ev.ts === undefined || Number.isNaN(ev.ts) || (guessedZone(ev.flags) && exact(head))) {
      ev.ts = head.ts;
      ev.flags = ((ev.flags ?? 0) & ~GUESSED) | head.flags;
    }
    return ev;
  }

  /** Keeps only the lines of the group still open. */
  private forget(): void {
    const held = this.held();
    if (!held) this.fed = [];
    else {
      const i = this.fed.findIndex((x) => x.at.offset === held.offset);
      if (i > 0) this.fed.splice(0, i);
    }
  }
}
