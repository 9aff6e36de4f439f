/**
 * Picks a parser for a stream from a sample of its first lines, then runs it line by line, sending any line the
 * chosen parser rejects to the raw fallback with the reason (counted as unparsed).
 */
import { EventFlag, Status, type LineRef, type ParsedEvent } from '../model/event.js';
import { FoldReader } from '../util/time.js';
import { PARSERS, RAW, parserByName } from './registry.js';
import type { LineParser, ParseResult, Parser, ParserContext } from './types.js';
import { UsageError } from '../errors.js';
import { plainIps } from './lib.js';

/** How many leading lines of a stream are sampled to choose its parser. */
export const SAMPLE_LINES = 200;
/** ...or as many bytes of them, whichever comes first (JSON records can be long). */
export const SAMPLE_BYTES = 256 * 1024;
/** Below this share of accepted sample lines a parser is not chosen (the raw fallback takes the stream). */
const MIN_SCORE = 0.3;

export interface Candidate {
  parser: Parser;
  score: number;
}

export function rankParsers(sample: string[]): Candidate[] {
  const lines = sample.filter((l) => l.trim() !== '');
  if (lines.length === 0) return [{ parser: RAW, score: 0 }];
  return PARSERS.map((parser) => ({ parser, score: parser.detect(lines) }))
    .sort((a, b) => b.score - a.score);
}

export function chooseParser(sample: string[], forced?: string): Parser {
  if (forced) {
    const p = parserByName(forced);
    if (!p) throw new UsageError(`unknown format "${forced}"`, `known formats: ${PARSERS.map((x) => x.name).join(', ')}`);
    return p;
  }
  const [best] = rankParsers(sample);
  return best && best.score >= MIN_SCORE ? best.parser : RAW;
}

/** `parser`: the one that took the line (raw for a line none took) */
export type Emit = (ev: ParsedEvent, status: number, at: LineRef, raw: string, lines: number, parser: Parser) => void;

/**
 * Runs the chosen parser over a stream; every line leads to exactly one emitted event or joins a group. A line the
 * chosen parser rejects goes to the standalone parsers (Parser.standalone), in registry order, before the raw
 * fallback: streams mix formats (`docker logs web 2>&1` interleaves nginx's access and error lines). A format forced
 * with --format is the whole stream's, and its rejected lines stay raw.
 */
export class Dispatcher {
  private readonly main: LineParser;
  private readonly fallback: LineParser;
  /** the standalone parsers other than the chosen one, created on first use */
  private readonly others: { parser: Parser; line?: LineParser }[];
  /** the parser that took the latest line: only it may hold an open group */
  private last: { parser: Parser; line: LineParser };
  /** false when the raw fallback is the stream's choice: it takes every line, so the standalone parsers come first */
  private readonly mainFirst: boolean;
  /** zoneless times in a zone with daylight saving: the repeated autumn hour is told apart by line order */
  private readonly fold: FoldReader | undefined;

  /** `zonelessFrom`: where the stream's zoneless times had reached in an earlier run (FoldReader) */
  constructor(
    readonly parser: Parser,
    private readonly ctx: ParserContext,
    private readonly emit: Emit,
    private readonly zonelessFrom: number | null = null,
    opts: { forced?: boolean } = {},
  ) {
    this.main = parser.create(ctx);
    this.fallback = parser === RAW ? this.main : RAW.create(ctx);
    this.last = { parser, line: this.main };
    this.others = opts.forced ? [] : PARSERS.filter((p) => p.standalone && p !== parser).map((p) => ({ parser: p }));
    this.mainFirst = parser !== RAW || this.others.length === 0;
    this.fold = ctx.tz === 'UTC' || ctx.tz === 'Etc/UTC' ? undefined : new FoldReader(ctx.tz, zonelessFrom ?? -Infinity);
  }

  push(line: string, at: LineRef): void {
    const res = this.mainFirst ? this.tryParse(this.parser, this.main, line, at) : 'no parser recognised this input';
    if (typeof res !== 'string') return this.take(this.parser, this.main, res, line, at);
    // The parser holding an open group is tried last: a line that no format takes continues its message (nginx's
    // multi-line errors), but a line another format takes is not swallowed by it.
    let holder: { parser: Parser; line: LineParser } | undefined;
    for (const o of this.others) {
      if (o.line === this.last.line) {
        holder = this.last;
        continue;
      }
      o.line ??= o.parser.create(this.ctx);
      const r = this.tryParse(o.parser, o.line, line, at);
      if (typeof r !== 'string') return this.take(o.parser, o.line, r, line, at);
    }
    if (holder) {
      const r = this.tryParse(holder.parser, holder.line, line, at);
      if (typeof r !== 'string') return this.take(holder.parser, holder.line, r, line, at);
    }
    this.pushRaw(line, at, res);
  }

  /** A line kept raw with the reason: one the parser rejected, or one known to be damaged (cut by a broken gzip). */
  pushRaw(line: string, at: LineRef, reason: string): void {
    // an open group ends here: stored before this line, so the resume point never lies behind a line that is
    // already stored
    this.closeGroup(at);
    const ev = this.fallback.parse(line, at) as ParsedEvent;
    ev.fields['error.message'] = reason;
    plainIps(ev.fields);
    this.emit(ev, Status.UNPARSED, at, line, 1, RAW);
  }

  end(): void {
    this.closeGroup({ line: 0, offset: 0 });
  }

  held(): LineRef | undefined {
    return this.last.line.held?.();
  }

  /** The instant the stream's latest zoneless time was read as, for the next run to continue from; null: none yet. */
  zonelessReached(): number | null {
    if (!this.fold) return this.zonelessFrom;
    const at = this.fold.reached;
    return Number.isFinite(at) ? at : null;
  }

  private tryParse(parser: Parser, lp: LineParser, line: string, at: LineRef): ParseResult {
    try {
      return lp.parse(line, at);
    } catch (err) {
      // A parser bug must never lose the line: keep it raw and say why.
      return `parser ${parser.name} failed: ${(err as Error).message}`;
    }
  }

  /** The events of a line `parser` took; a group another parser holds is stored first, to keep line order. */
  private take(parser: Parser, lp: LineParser, res: Exclude<ParseResult, string>, line: string, at: LineRef): void {
    if (lp !== this.last.line) {
      this.closeGroup(at);
      this.last = { parser, line: lp };
    }
    if (res === null) return;
    for (const ev of Array.isArray(res) ? res : [res]) this.emitParsed(parser, ev, line, at);
  }

  private closeGroup(at: LineRef): void {
    if (this.last.line.held?.()) for (const ev of this.last.line.flush()) this.emitParsed(this.last.parser, ev, '', at);
  }

  private emitParsed(parser: Parser, ev: ParsedEvent, line: string, at: LineRef): void {
    const status = parser === RAW || ev.unparsed !== undefined ? Status.UNPARSED : Status.PARSED;
    if (ev.unparsed !== undefined) ev.fields['error.message'] = ev.unparsed;
    else if (status === Status.UNPARSED && ev.fields['error.message'] === undefined) {
      ev.fields['error.message'] = 'no parser recognised this input';
    }
    plainIps(ev.fields);
    if (this.fold && ev.flags !== undefined && ev.flags & EventFlag.TZ_ASSUMED && Number.isFinite(ev.ts)) ev.ts = this.fold.next(ev.ts!);
    if (ev.span) this.emit(ev, status, ev.span.at, ev.span.raw, ev.span.lines, parser);
    else this.emit(ev, status, at, line, 1, parser);
  }
}
