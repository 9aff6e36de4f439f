/**
 * Bytes to lines, with the byte offset of every line (the resume point after a crash must be exact, so framing
 * works on bytes, not decoded strings). LF and CRLF; a last line without a newline is kept; a line longer than
 * maxLineBytes is cut there and flagged, and the rest of it is skipped without being held in memory.
 */
import { EventFlag, MAX_LINE_BYTES } from '../model/event.js';


/** `damage`: the unit could not be read whole (a framer that understands its bytes says why); it is stored unparsed. */
export type LineSink = (line: string, lineNo: number, offset: number, flags: number, damage?: string) => void;

const REPLACEMENT = Buffer.from('\uFFFD', 'utf8');

export class LineFramer {
  /** absolute offset of the next byte to arrive */
  position: number;
  /** lines emitted so far, including those before the resume point */
  lineNo: number;
  private readonly held: HeldBytes;
  private lineStart: number;

  constructor(
    startOffset: number,
    startLine: number,
    private readonly sink: LineSink,
    maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.held = new HeldBytes(maxLineBytes);
    this.position = startOffset;
    this.lineStart = startOffset;
    this.lineNo = startLine;
  }

  /** true while a line is partly read (the bytes since the last newline) */
  get pending(): boolean {
    return !this.held.empty;
  }

  /** Offset of the first byte of the line being read. */
  get pendingStart(): number {
    return this.lineStart;
  }

  push(chunk: Buffer): void {
    let start = 0;
    const len = chunk.length;
    while (start < len) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        this.held.add(chunk, start, len);
        this.position += len - start;
        return;
      }
      this.position += nl + 1 - start;
      if (this.held.empty) {
        this.emit(chunk, start, nl, false);
      } else {
        this.held.add(chunk, start, nl);
        this.emitHeld();
      }
      this.lineStart = this.position;
      start = nl + 1;
    }
  }

  /** End of stream: a last line without a newline is still a line. */
  end(): void {
    if (!this.held.empty) {
      this.emitHeld();
      this.lineStart = this.position;
    }
  }

  private emitHeld(): void {
    const truncated = this.held.overflow;
    const buf = this.held.take();
    this.emit(buf, 0, buf.length, truncated);
  }

  private emit(buf: Buffer, from: number, to: number, truncated: boolean): void {
    const { text, flags } = decodeUnit(buf, from, to, truncated, true);
    this.lineNo++;
    this.sink(text, this.lineNo, this.lineStart, flags);
  }
}

/**
 * A line's (or a record's) bytes as text, with its truncated and invalid-UTF-8 flags; `crlf`: a CR before the end
 * is part of the line ending. A unit cut at the cap may end inside a character: its first bytes are dropped, or the
 * cut would read as invalid UTF-8, a U+FFFD the input never held.
 */
export function decodeUnit(buf: Buffer, from: number, to: number, truncated: boolean, crlf: boolean): { text: string; flags: number } {
  let end = truncated ? wholeCharactersEnd(buf, from, to) : to;
  if (crlf && !truncated && end > from && buf[end - 1] === 13) end--;
  let flags = truncated ? EventFlag.TRUNCATED : 0;
  const text = buf.toString('utf8', from, end);
  if (text.indexOf('\uFFFD') >= 0 && !hasLiteralReplacement(buf, from, end, text)) flags |= EventFlag.INVALID_UTF8;
  return { text, flags };
}

/** Where the last whole UTF-8 character before `to` ends. */
function wholeCharactersEnd(buf: Buffer, from: number, to: number): number {
  for (let i = to - 1; i >= Math.max(from, to - 4); i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead byte is further back
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + size > to ? i : to;
  }
  return to;
}

/**
 * The bytes of a line (or a record) that spans chunks, copied out of them (the stream reuses a chunk's memory), up
 * to a cap: what lies past it is dropped, and `overflow` says so.
 */
export class HeldBytes {
  private parts: Buffer[] = [];
  length = 0;
  overflow = false;

  constructor(private readonly cap: number) {}

  get empty(): boolean {
    return this.length === 0 && !this.overflow;
  }

  add(chunk: Buffer, from: number, to: number): void {
    const room = this.cap - this.length;
    if (to - from > room) {
      this.overflow = true;
      to = from + Math.max(0, room);
    }
    if (to > from) {
      this.parts.push(Buffer.from(chunk.subarray(from, to)));
      this.length += to - from;
    }
  }

  /** The bytes held, forgetting them (and the overflow). */
  take(): Buffer {
    const buf = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.clear();
    return buf;
  }

  clear(): void {
    this.parts = [];
    this.length = 0;
    this.overflow = false;
  }
}

/** U+FFFD can be in the input legitimately; the line is invalid only if the decoder had to add some. */
export function hasLiteralReplacement(buf: Buffer, from: number, to: number, text: string): boolean {
  let literal = 0;
  for (let i = buf.indexOf(REPLACEMENT, from); i >= 0 && i < to; i = buf.indexOf(REPLACEMENT, i + 3)) literal++;
  let decoded = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) decoded++;
  return literal === decoded;
}
