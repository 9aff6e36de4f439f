/**
 * Gunzip that hands on everything a damaged stream yields before the damage. zlib gives nothing from the call that
 * meets the damage (up to 256 KiB of good lines when only the CRC trailer is bad), and a stream destroyed by the
 * error drops what it had buffered. So the input goes in as fixed pieces, each piece's output is handed on before
 * the next piece goes in, and a file that can be read again has the failing piece decompressed once more, a byte
 * at a time, after the part before it: one more pass, on damaged files only. Fixed pieces make the result the
 * same on every run.
 */
import zlib from 'node:zlib';

/** Compressed bytes per write: the stretch a damaged stdin can lose, and the stretch a file has read again bytewise. */
const PIECE = 16 * 1024;
const TRAILER = 8;

export async function* gunzipKeepingDamaged(compressed: AsyncIterable<Buffer>, again?: () => AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const engine = new Engine();
  let last: Buffer | undefined;
  for await (const piece of pieces(compressed)) {
    if (last) yield* await engine.feed(last);
    if (engine.error) break;
    last = piece;
  }
  if (last && !engine.error) {
    // the last 8 bytes are the gzip trailer (CRC and length): fed on their own, a bad trailer, the most common
    // damage, costs no line and no second pass, on stdin too
    const body = Math.max(0, last.length - TRAILER);
    yield* await engine.feed(last.subarray(0, body));
    for (let i = body; i < last.length && !engine.error; i++) yield* await engine.feed(last.subarray(i, i + 1));
  }
  if (!engine.error) yield* await engine.finish();
  if (!engine.error) return;
  if (again) yield* refeed(again(), engine.consumed, engine.delivered);
  throw engine.error;
}

/**
 * The same content from its start: output up to `delivered` was handed on already; from `consumed` (where the
 * failing call began) the input goes in a byte at a time, so the call that meets the damage has almost nothing to drop.
 */
async function* refeed(compressed: AsyncIterable<Buffer>, consumed: number, delivered: number): AsyncGenerator<Buffer> {
  const engine = new Engine();
  let skip = delivered;
  let at = 0;
  const fresh = (outs: Buffer[]) => {
    const keep: Buffer[] = [];
    for (const out of outs) {
      if (skip >= out.length) skip -= out.length;
      else {
        keep.push(out.subarray(skip));
        skip = 0;
      }
    }
    return keep;
  };
  for await (const piece of pieces(compressed)) {
    const whole = Math.min(piece.length, Math.max(0, consumed - at));
    if (whole > 0) yield* fresh(await engine.feed(piece.subarray(0, whole)));
    for (let i = whole; i < piece.length && !engine.error; i++) yield* fresh(await engine.feed(piece.subarray(i, i + 1)));
    at += piece.length;
    // the damage lies within the piece that failed before; past it there is nothing this pass can add
    if (engine.error || at >= consumed + PIECE) return;
  }
}

/** One zlib gunzip stream, driven a write at a time. */
class Engine {
  error: Error | undefined;
  /** decompressed bytes handed on */
  delivered = 0;
  private readonly z = zlib.createGunzip({ chunkSize: 1 << 18 });
  private out: Buffer[] = [];
  private ended = false;

  constructor() {
    this.z.on('data', (b: Buffer) => this.out.push(b));
    this.z.on('end', () => (this.ended = true));
    this.z.on('error', (err) => {
      this.error ??= err;
    });
  }

  /** compressed bytes taken in by the calls that succeeded */
  get consumed(): number {
    return this.z.bytesWritten;
  }

  /** The output of one piece; on damage, the output before it, with `error` set. */
  feed(piece: Buffer): Promise<Buffer[]> {
    return this.settle((done) => this.z.write(piece, done));
  }

  finish(): Promise<Buffer[]> {
    return this.settle((done) => {
      // zlib ends its output by itself when only zero bytes follow the last member (gzip -t accepts that padding):
      // its 'end' came during a write, and waiting for another left the whole run hanging until Node gave up (exit 13)
      if (this.ended) done();
      else this.z.once('end', done);
      this.z.end();
    });
  }

  private settle(start: (done: () => void) => void): Promise<Buffer[]> {
    return new Promise((resolve) => {
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        this.z.off('error', done);
        resolve(this.take());
      };
      // an error destroys the stream, and the write's callback may then never come
      this.z.on('error', done);
      start(done);
    });
  }

  private take(): Buffer[] {
    const out = this.out;
    this.out = [];
    for (const b of out) this.delivered += b.length;
    return out;
  }
}

/** The input cut into PIECE-byte pieces at fixed offsets, whatever the reads returned. */
async function* pieces(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let held: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const buf = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
    let at = 0;
    for (; buf.length - at >= PIECE; at += PIECE) yield buf.subarray(at, at + PIECE);
    held = buf.subarray(at);
  }
  if (held.length > 0) yield held;
}
