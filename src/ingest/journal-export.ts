/**
 * Framing for systemd's journal export format (`journalctl -o export`, systemd-journal-gatewayd). An entry is a run
 * of fields ended by an empty line; a field is `KEY=value\n`, or, for a value that is not printable text on one line
 * (a newline in MESSAGE, `_SELINUX_CONTEXT=unconfined\n`), `KEY\n`, a little-endian 64-bit length, that many raw
 * bytes and `\n`. Lines are the wrong unit (a length or a value may hold any byte, a newline or NUL too), so the
 * stream is read byte by byte and each entry is handed on whole, as the JSON object `journalctl -o json` prints for
 * it: the journald parser then reads both forms alike, and that JSON is the entry's text (event.original).
 *
 * The unit counted as a "line" is the entry: log.file.line is the entry's number in the stream, the line the same
 * entry has in `-o json` output. The resume point is the byte where the entry being read starts, so a run that
 * stops inside an entry (a journalctl still writing it) reads it again from its start next time.
 */
import { EventFlag, MAX_LINE_BYTES } from '../model/event.js';
import { HeldBytes, type LineSink } from './framer.js';
import type { DamageSink } from './records.js';

const LF = 10;
const EQUALS = 61;
const CURSOR = Buffer.from('__CURSOR=');
/** journald's own field name rule: upper-case letters, digits and '_', not starting with a digit, at most 64 bytes */
const MAX_NAME = 64;
/** The largest value systemd's export importer (systemd-journal-remote) accepts; a longer length is garbage. */
const DATA_SIZE_MAX = 768 * 1024 * 1024;
const LENGTH_BYTES = 8;

/** journalctl -o export's output starts with its first entry's cursor. */
export function isJournalExport(head: Buffer): boolean {
  return head.length >= CURSOR.length && head.subarray(0, CURSOR.length).equals(CURSOR);
}

const State = { Name: 0, Text: 1, Length: 2, Binary: 3, BinaryEnd: 4, Skip: 5 } as const;

type Json = string | number[] | null | Json[];

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** C0 controls but tab and newline, DEL and C1 controls: what journalctl does not print as text */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

/** A value as journalctl -o json writes it: printable UTF-8 (newlines and tabs allowed) as a string, else its bytes. */
function jsonValue(bytes: Buffer | null): Json {
  if (bytes === null) return null;
  try {
    const s = utf8.decode(bytes);
    if (!CONTROL.test(s)) return s;
  } catch {
    // not UTF-8: the bytes
  }
  return Array.from(bytes);
}

const isNameByte = (c: number, first: boolean) => (c >= 65 && c <= 90) || c === 95 || (!first && c >= 48 && c <= 57);

export class JournalExportFramer {
  /** absolute offset of the next byte to arrive */
  position: number;
  /** entries handed on so far, including those before the resume point */
  lineNo: number;
  /** where the entry being read starts (after the last entry handed on) */
  pendingStart: number;

  private state: number = State.Name;
  /** a byte of the current entry was read */
  private started = false;
  private name = '';
  private fields: [string, Buffer | null][] = [];
  /** bytes of values held for the entry, against the cap on one unit */
  private entryBytes = 0;
  private truncated = false;
  private readonly value: HeldBytes;
  private length = Buffer.alloc(LENGTH_BYTES);
  private lengthRead = 0;
  /** bytes of a binary value still to come, and its announced size */
  private remaining = 0;
  private announced = 0;
  private damage: string | undefined;
  private lastWasLf = false;

  constructor(
    startOffset: number,
    startLine: number,
    private readonly sink: LineSink,
    private readonly onDamage: DamageSink,
    private readonly maxEntryBytes = MAX_LINE_BYTES,
  ) {
    this.position = startOffset;
    this.pendingStart = startOffset;
    this.lineNo = startLine;
    this.value = new HeldBytes(maxEntryBytes);
  }

  /** true while an entry is partly read: a later run reads it again from its start */
  get pending(): boolean {
    return this.started;
  }

  push(chunk: Buffer): void {
    const base = this.position;
    let i = 0;
    // every step consumes at least one byte
    while (i < chunk.length) {
      switch (this.state) {
        case State.Name:
          i = this.nameByte(chunk, i, base);
          break;
        case State.Text:
          i = this.textBytes(chunk, i);
          break;
        case State.Length:
          i = this.lengthByte(chunk, i, base);
          break;
        case State.Binary:
          i = this.binaryBytes(chunk, i);
          break;
        case State.BinaryEnd:
          if (chunk[i] === LF) this.endField();
          else this.broken(base + i, `the ${this.announced}-byte binary value of ${this.name} is not followed by a newline`);
          i++;
          break;
        default:
          i = this.skipBytes(chunk, i, base);
      }
    }
    this.position += chunk.length;
  }

  /** End of stream: an entry without its empty line may still be being written; it is handed on unparsed. */
  end(): void {
    if (!this.started) return;
    const why = this.damage ?? this.cutShort();
    this.handOn(why, this.position);
  }

  private cutShort(): string {
    const at = `journal export entry cut short at byte ${this.position} by the end of the input`;
    if (this.state === State.Length) return `${at} (in the length of binary field ${this.name})`;
    if (this.state === State.Binary) {
      return `${at} (binary field ${this.name} announces ${this.announced} bytes, ${this.announced - this.remaining} are there)`;
    }
    return `${at} (no empty line after its last field)`;
  }

  private nameByte(chunk: Buffer, i: number, base: number): number {
    const c = chunk[i];
    if (c === LF && this.name === '') {
      // the empty line: the entry ends (blank lines between entries are skipped)
      if (this.fields.length > 0) this.handOn(undefined, base + i + 1);
      else this.pendingStart = base + i + 1;
      return i + 1;
    }
    this.started = true;
    if (c === EQUALS && this.name !== '') {
      this.state = State.Text;
      this.value.clear();
    } else if (c === LF) {
      this.state = State.Length;
      this.lengthRead = 0;
    } else if (isNameByte(c, this.name === '') && this.name.length < MAX_NAME) {
      this.name += String.fromCharCode(c);
    } else {
      this.broken(base + i, this.name === '' ? `byte ${c} cannot start a field name` : `field name ${this.name}... goes on with byte ${c}, which no field name holds`);
    }
    return i + 1;
  }

  private textBytes(chunk: Buffer, i: number): number {
    const nl = chunk.indexOf(LF, i);
    this.value.add(chunk, i, nl < 0 ? chunk.length : nl);
    if (nl < 0) return chunk.length;
    this.endField();
    return nl + 1;
  }

  private lengthByte(chunk: Buffer, i: number, base: number): number {
    this.length[this.lengthRead++] = chunk[i];
    if (this.lengthRead < LENGTH_BYTES) return i + 1;
    const n = this.length.readBigUInt64LE(0);
    if (n > BigInt(DATA_SIZE_MAX)) {
      this.broken(base + i - (LENGTH_BYTES - 1), `binary field ${this.name} announces ${n} bytes, more than a journal field holds`);
      return i + 1;
    }
    this.announced = this.remaining = Number(n);
    this.value.clear();
    this.state = this.remaining > 0 ? State.Binary : State.BinaryEnd;
    return i + 1;
  }

  private binaryBytes(chunk: Buffer, i: number): number {
    const to = Math.min(chunk.length, i + this.remaining);
    this.value.add(chunk, i, to);
    this.remaining -= to - i;
    if (this.remaining === 0) this.state = State.BinaryEnd;
    return to;
  }

  /** Damage: the entry is read on, without its bytes, to the next empty line, where the next entry starts. */
  private skipBytes(chunk: Buffer, i: number, base: number): number {
    for (; i < chunk.length; i++) {
      if (chunk[i] === LF && this.lastWasLf) {
        this.handOn(this.damage, base + i + 1);
        return i + 1;
      }
      this.lastWasLf = chunk[i] === LF;
    }
    return i;
  }

  private broken(at: number, why: string): void {
    this.damage =
      `journal export entry from byte ${this.pendingStart} is damaged at byte ${at}: ${why}; ` +
      `${this.fields.length} field${this.fields.length === 1 ? '' : 's'} before it kept, the rest skipped to the next empty line`;
    this.onDamage(this.damage);
    this.state = State.Skip;
    this.lastWasLf = false;
  }

  /** A value past the cap on an entry is dropped (null, as journalctl writes a value over its size limit). */
  private endField(): void {
    const overflow = this.value.overflow || this.entryBytes + this.value.length > this.maxEntryBytes;
    const bytes = this.value.take();
    if (overflow) this.truncated = true;
    else this.entryBytes += bytes.length;
    this.fields.push([this.name, overflow ? null : bytes]);
    this.name = '';
    this.state = State.Name;
  }

  /** The entry as journalctl -o json prints it: keys in first-seen order, a key set several times as an array. */
  private toJson(): string {
    const doc: Record<string, Json> = {};
    const repeated = new Set<string>();
    for (const [key, bytes] of this.fields) {
      const v = jsonValue(bytes);
      if (!(key in doc)) doc[key] = v;
      else if (repeated.has(key)) (doc[key] as Json[]).push(v);
      else {
        doc[key] = [doc[key], v];
        repeated.add(key);
      }
    }
    return JSON.stringify(doc);
  }

  private handOn(damage: string | undefined, end: number): void {
    const text = this.toJson();
    const flags = this.truncated ? EventFlag.TRUNCATED : 0;
    const start = this.pendingStart;
    this.fields = [];
    this.name = '';
    this.entryBytes = 0;
    this.truncated = false;
    this.damage = undefined;
    this.started = false;
    this.state = State.Name;
    this.value.clear();
    this.pendingStart = end;
    this.lineNo++;
    this.sink(text, this.lineNo, start, flags, damage);
  }
}
