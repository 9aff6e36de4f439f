/**
 * Picks a parser for a stream from a sample of its first lines, then runs it line by line, sending any line the
 * chosen parser rejects to the raw fallback with the reason (counted as unparsed).
 */
import { EventFlag, Status, type LineRef, type ParsedEvent } from '../model/event.js';
import { FoldReader } from '../util/time.js';
import { PARSERS, RAW, parserByName } from './registry.js';
import type { LineParser, Parser, ParserContext } from './types.js';
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

export type Emit = (ev: ParsedEvent, status: number, at: LineRef, raw: string, lines: number) => void;

/** Runs the chosen parser over a stream; every line leads to exactly one emitted event or joins a group. */
export class Dispatcher {
  private readonly main: LineParser;
  private readonly fallback: LineParser;
  /** zoneless times in a zone with daylight saving: the repeated autumn hour is told apart by line order */
  private readonly fold: FoldReader | undefined;

  /** `zonelessFrom`: where the stream's zoneless times had reached in an earlier run (FoldReader) */
  constructor(
    readonly parser: Parser,
    ctx: ParserContext,
    private readonly emit: Emit,
    private readonly zonelessFrom: number | null = null,
  ) {
    this.main = parser.create(ctx);
    this.fallback = parser === RAW ? this.main : RAW.create(ctx);
    this.fold = ctx.tz === 'UTC' || ctx.tz === 'Etc/UTC' ? undefined : new FoldReader(ctx.tz, zonelessFrom ?? -Infinity);
  }

  push(line: string, at: LineRef): void {
    let res;
    try {
      res = this.main.parse(line, at);
    } catch (err) {
      // A parser bug must never lose the line: keep it raw and say why.
      res = `parser ${this.parser.name} failed: ${(err as Error).message}`;
    }
    if (res === null) return;
    if (typeof res === 'string') {
      this.pushRaw(line, at, res);
    } else if (Array.isArray(res)) {
      for (const ev of res) this.emitParsed(ev, line, at);
    } else {
      this.emitParsed(res, line, at);
    }
  }

  /** A line kept raw with the reason: one the parser rejected, or one known to be damaged (cut by a broken gzip). */
  pushRaw(line: string, at: LineRef, reason: string): void {
    // an open group ends here: stored before this line, so the resume point never lies behind a line that is
    // already stored
    if (this.main.held?.()) for (const ev of this.main.flush()) this.emitParsed(ev, '', at);
    const ev = this.fallback.parse(line, at) as ParsedEvent;
    ev.fields['error.message'] = reason;
    plainIps(ev.fields);
    this.emit(ev, Status.UNPARSED, at, line, 1);
  }

  end(): void {
    for (const ev of this.main.flush()) this.emitParsed(ev, '', { line: 0, offset: 0 });
  }

  held(): LineRef | undefined {
    return this.main.held?.();
  }

  /** The instant the stream's latest zoneless time was read as, for the next run to continue from; null: none yet. */
  zonelessReached(): number | null {
    if (!this.fold) return this.zonelessFrom;
    const at = this.fold.reached;
    return Number.isFinite(at) ? at : null;
  }

  private emitParsed(ev: ParsedEvent, line: string, at: LineRef): void {
    const status = this.parser === RAW || ev.unparsed !== undefined ? Status.UNPARSED : Status.PARSED;
    if (ev.unparsed !== undefined) ev.fields['error.message'] = ev.unparsed;
    else if (status === Status.UNPARSED && ev.fields['error.message'] === undefined) {
      ev.fields['error.message'] = 'no parser recognised this input';
    }
    plainIps(ev.fields);
    if (this.fold && ev.flags !== undefined && ev.flags & EventFlag.TZ_ASSUMED && Number.isFinite(ev.ts)) ev.ts = this.fold.next(ev.ts!);
    if (ev.span) this.emit(ev, status, ev.span.at, ev.span.raw, ev.span.lines);
    else this.emit(ev, status, at, line, 1);
  }
}
