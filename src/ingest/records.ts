/**
 * Framing for streams that start with a CloudTrail {"Records":[...]} document. AWS writes one JSON document per
 * file, often hundreds of MB on a single line, so a line is the wrong unit: this framer hands on each element of a
 * Records array as soon as it closes, with the line and byte offset where it starts, and holds no more than one
 * element (cut at maxUnitBytes and flagged, like a long line). Outside such a document it frames as LineFramer
 * does, except that a JSON value at the start of a line is one unit even over several lines (lookup-events output).
 *
 * The resume point (pendingStart) moves past each element, so a commit in the middle of a document never leaves an
 * element both stored and ahead of the resume point. A run that resumes there sees ',' or ']' first, which cannot
 * start a value, and knows it is inside a Records array again.
 */
import { MAX_LINE_BYTES } from '../model/event.js';
import { HeldBytes, decodeUnit, type LineSink } from './framer.js';

/** Damage in the document (it never closes, or another starts inside it): file-level, reported with the file name. */
export type DamageSink = (message: string) => void;

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;
const RECORDS = Buffer.from('Records');
/** Depth of a Records array's elements: inside the document's object and the array. */
const ELEMENT_DEPTH = 2;

const isSpace = (c: number) => c === SPACE || c === LF || c === CR || c === TAB;

/** What the top level is reading: nothing, a line of text, or a JSON value (which may be a Records document). */
const Unit = { None: 0, Text: 1, Value: 2 } as const;

/** The element of a Records array being read: an object or array, a string, or a bare word (number, null, junk). */
const Element = { None: 0, Nested: 1, Str: 2, Word: 3 } as const;

export class RecordsFramer {
  /** absolute offset of the next byte to arrive */
  position: number;
  /** newlines before pendingStart: resuming there, the line that holds pendingStart is lineNo + 1 */
  lineNo: number;
  /** where a later run can start again: after the last unit handed on, or at the start of the one being read */
  pendingStart: number;

  private newlines: number;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** only blanks since the last newline (a unit starting there owns its line); column 0 right after a newline */
  private lineBlank = true;
  private column0 = true;
  private readonly resumed: boolean;
  /** a non-blank byte was read (a resumed run looks at its first one) */
  private started = false;

  private unit: number = Unit.None;
  private unitOwnsLine = false;
  private unitStart = 0;
  private unitLine = 0;

  // the document whose Records array is being split
  private inRecords = false;
  private docOpen = false;
  /** the document was opened by an earlier run; this one resumed inside its array */
  private docResumed = false;
  private docStart = 0;
  private docLine = 0;
  private docElements = 0;
  // the key at depth 1 being matched against "Records", and whether a Records array may open next
  private keyPos = -1;
  private recordsKey = false;
  private arrayNext = false;

  private element: number = Element.None;
  private elementStart = 0;
  private elementLine = 0;

  // the bytes of the unit or element being read (at most one at a time)
  private holding = false;
  private holdFrom = 0;
  private readonly held: HeldBytes;

  constructor(
    startOffset: number,
    startLine: number,
    private readonly sink: LineSink,
    private readonly damage: DamageSink,
    private readonly maxUnitBytes = MAX_LINE_BYTES,
  ) {
    this.held = new HeldBytes(maxUnitBytes);
    this.position = startOffset;
    this.pendingStart = startOffset;
    this.lineNo = startLine;
    this.newlines = startLine;
    this.resumed = startOffset > 0;
  }

  /** true while a unit that owns its line is partly read: a later run replaces it from that line on */
  get pending(): boolean {
    return this.unit !== Unit.None && !this.docOpen && this.unitOwnsLine;
  }

  push(chunk: Buffer): void {
    const base = this.position;
    if (this.holding) this.holdFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.inString) this.stringByte(chunk, i, c);
      else if (this.unit === Unit.Text) {
        if (c === LF) this.endText(chunk, i, base);
      } else if (this.unit === Unit.None) this.between(chunk, i, c, base);
      else this.valueByte(chunk, i, c, base);
      if (c === LF) {
        this.newlines++;
        this.lineBlank = true;
        this.column0 = true;
      } else {
        this.column0 = false;
        if (c !== SPACE && c !== TAB && c !== CR) this.lineBlank = false;
      }
    }
    if (this.holding) this.held.add(chunk, this.holdFrom, chunk.length);
    this.position += chunk.length;
  }

  /** End of stream: the unit being read is handed on as it is, and a document still open is reported. */
  end(): void {
    const chunk = Buffer.alloc(0);
    this.holdFrom = 0;
    if (this.docOpen) {
      this.breakDocument(chunk, 0, this.position, this.column0 ? this.newlines : this.newlines + 1, 'the input ends inside it');
    } else if (this.unit !== Unit.None) {
      if (this.unit === Unit.Text) this.endText(chunk, 0, this.position);
      else this.endUnit(chunk, 0);
    }
    this.pendingStart = this.position;
    this.lineNo = this.newlines;
  }

  private stringByte(chunk: Buffer, i: number, c: number): void {
    if (this.escaped) {
      this.escaped = false;
      this.keyPos = -1;
    } else if (c === BACKSLASH) {
      this.escaped = true;
    } else if (c === QUOTE) {
      this.inString = false;
      if (this.keyPos >= 0) this.recordsKey = this.keyPos === RECORDS.length;
      this.keyPos = -1;
      if (this.element === Element.Str && this.depth === ELEMENT_DEPTH) this.endElement(chunk, i + 1);
    } else if (c === LF) {
      // JSON strings hold no raw newline: the text is broken here, and ending the string keeps the damage local
      this.inString = false;
      this.keyPos = -1;
      if (this.element === Element.Str && this.depth === ELEMENT_DEPTH) this.endElement(chunk, i);
    } else if (this.keyPos >= 0) {
      this.keyPos = this.keyPos < RECORDS.length && c === RECORDS[this.keyPos] ? this.keyPos + 1 : -1;
    }
  }

  /** Top level, between units: blanks are skipped; the next byte starts a JSON value or a line of text. */
  private between(chunk: Buffer, i: number, c: number, base: number): void {
    if (isSpace(c)) return;
    const first = !this.started;
    this.started = true;
    if (first && this.resumed && (c === COMMA || c === CLOSE_ARR)) {
      // resumed after an element: inside a Records array whose start an earlier run read
      this.unit = Unit.Value;
      this.unitStart = base + i;
      this.unitLine = this.newlines + 1;
      this.openDocument(base + i, this.newlines + 1, true);
      this.depth = ELEMENT_DEPTH;
      this.valueByte(chunk, i, c, base);
      return;
    }
    this.unit = c === OPEN_OBJ || c === OPEN_ARR ? Unit.Value : Unit.Text;
    this.unitOwnsLine = this.lineBlank;
    this.unitStart = base + i;
    this.unitLine = this.newlines + 1;
    this.pendingStart = base + i;
    this.lineNo = this.newlines;
    this.startHolding(i);
    if (this.unit === Unit.Value) this.valueByte(chunk, i, c, base);
  }

  private valueByte(chunk: Buffer, i: number, c: number, base: number): void {
    if (this.column0 && this.depth > 0 && (c === OPEN_OBJ || c === OPEN_ARR)) {
      // a new document at the left margin: the open one was cut short
      if (this.docOpen) this.breakDocument(chunk, i, base + i, this.newlines + 1, 'another document starts there');
      else this.endUnit(chunk, i);
      this.between(chunk, i, c, base);
      return;
    }
    if (this.inRecords && this.depth === ELEMENT_DEPTH) {
      this.arrayByte(chunk, i, c, base);
      return;
    }
    if (c === QUOTE) {
      this.inString = true;
      this.arrayNext = false;
      // only a key of the document's own object can name its Records array
      this.keyPos = this.depth === 1 && !this.docOpen ? 0 : -1;
    } else if (c === COLON) {
      this.arrayNext = this.depth === 1 && this.recordsKey;
      this.recordsKey = false;
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      this.depth++;
      if (c === OPEN_ARR && this.depth === ELEMENT_DEPTH && this.arrayNext) {
        this.inRecords = true;
        this.openDocument(this.unitStart, this.unitLine, false);
      }
      this.arrayNext = false;
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      this.depth--;
      if (this.element === Element.Nested && this.depth === ELEMENT_DEPTH) this.endElement(chunk, i + 1);
      else if (this.depth <= 0) this.endValue(chunk, i + 1, base);
    } else if (!isSpace(c)) {
      this.arrayNext = false;
    }
  }

  /** Between the elements of a Records array, or in an element that is a bare word. */
  private arrayByte(chunk: Buffer, i: number, c: number, base: number): void {
    if (this.element === Element.Word) {
      if (!(isSpace(c) || c === COMMA || c === CLOSE_ARR || c === CLOSE_OBJ)) return;
      this.endElement(chunk, i);
    }
    if (isSpace(c) || c === COMMA) return;
    if (c === CLOSE_ARR || c === CLOSE_OBJ) {
      // the array closes; the rest of the document is read for its brackets only
      this.inRecords = false;
      this.depth--;
      return;
    }
    if (this.docElements === 0 && this.holding) this.stopHolding();
    this.element = c === OPEN_OBJ || c === OPEN_ARR ? Element.Nested : c === QUOTE ? Element.Str : Element.Word;
    this.elementStart = base + i;
    this.elementLine = this.newlines + 1;
    this.startHolding(i);
    if (this.element === Element.Nested) this.depth++;
    else if (this.element === Element.Str) this.inString = true;
  }

  private openDocument(start: number, line: number, resumed: boolean): void {
    this.inRecords = true;
    this.docOpen = true;
    this.docResumed = resumed;
    this.docStart = start;
    this.docLine = line;
    this.docElements = 0;
  }

  private endElement(chunk: Buffer, end: number): void {
    this.handOn(chunk, end, this.elementLine, this.elementStart, false);
    this.element = Element.None;
    this.docElements++;
    this.pendingStart = this.position + end;
    this.lineNo = this.newlines;
  }

  /**
   * A top-level JSON value closed: handed on whole, unless it was a document whose elements went one by one. A
   * document without elements goes on whole too, so that it is stored and says why it has no events.
   */
  private endValue(chunk: Buffer, end: number, base: number): void {
    const split = this.docOpen && this.docElements > 0;
    this.docOpen = false;
    this.inRecords = false;
    if (split) this.resetUnit();
    else this.endUnit(chunk, end);
    this.pendingStart = base + end;
    this.lineNo = this.newlines;
  }

  /** The unit being read goes on as it is (a value cut short, a JSON line, a document without elements). */
  private endUnit(chunk: Buffer, end: number): void {
    if (this.holding) this.handOn(chunk, end, this.unitLine, this.unitStart, false);
    this.resetUnit();
  }

  private endText(chunk: Buffer, end: number, base: number): void {
    this.handOn(chunk, end, this.unitLine, this.unitStart, true);
    this.resetUnit();
    this.pendingStart = base + end + 1;
    this.lineNo = this.newlines + 1;
  }

  /** The document stops before it closes: the element being read goes on as it is, and the damage is reported. */
  private breakDocument(chunk: Buffer, end: number, at: number, line: number, why: string): void {
    const partial = this.element !== Element.None;
    // the element being read, or the start of a document that had none yet
    if (this.holding) this.handOn(chunk, end, partial ? this.elementLine : this.unitLine, partial ? this.elementStart : this.unitStart, false);
    const where = this.docResumed ? 'read on from' : 'from';
    this.damage(
      `CloudTrail document ${where} line ${this.docLine} (byte ${this.docStart}) is cut short at byte ${at} (line ${line}), ${why}: ` +
        `${this.docElements} complete record${this.docElements === 1 ? '' : 's'} stored` +
        (partial ? '; the one cut short is kept unparsed' : ''),
    );
    this.docOpen = false;
    this.inRecords = false;
    this.element = Element.None;
    this.resetUnit();
    this.pendingStart = at;
    this.lineNo = this.newlines;
  }

  private resetUnit(): void {
    this.unit = Unit.None;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.keyPos = -1;
    this.recordsKey = false;
    this.arrayNext = false;
    this.stopHolding();
  }

  private startHolding(from: number): void {
    this.holding = true;
    this.holdFrom = from;
    this.held.clear();
  }

  private stopHolding(): void {
    this.holding = false;
    this.held.clear();
  }

  private handOn(chunk: Buffer, end: number, line: number, offset: number, text: boolean): void {
    let buf: Buffer;
    let from = 0;
    let to: number;
    let truncated = false;
    if (this.held.empty && end - this.holdFrom <= this.maxUnitBytes) {
      // the whole unit is in this chunk: no copy
      buf = chunk;
      from = this.holdFrom;
      to = end;
    } else {
      this.held.add(chunk, this.holdFrom, end);
      truncated = this.held.overflow;
      buf = this.held.take();
      to = buf.length;
    }
    const { text: s, flags } = decodeUnit(buf, from, to, truncated, text);
    this.stopHolding();
    this.sink(s, line, offset, flags);
  }
}
