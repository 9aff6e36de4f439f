/**
 * What a file is before we read it: identity (device, inode, size, mtime), whether it is gzip (by its magic
 * bytes, never its name), its first decompressed bytes and their fingerprint. The fingerprint is how a rotated,
 * renamed or compressed copy is recognised as content already read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';

/** Bytes of decompressed content that identify a file. */
export const FP_BYTES = 1024;
/** Bytes of decompressed content looked at for the binary check and format detection start. */
export const HEAD_BYTES = 4096;
/** A source fingerprinted over fewer bytes is matched by content alone only from this length (shorter is ambiguous). */
export const MIN_CONTENT_MATCH = 256;
/** Bytes read for a probe (a stream: taken off it, when they come at once). */
const PROBE_BYTES = 64 * 1024;

export interface Probe {
  dev: number | null;
  ino: number | null;
  size: number | null;
  mtimeMs: number;
  compressed: boolean;
  /** the first HEAD_BYTES decompressed bytes (fewer for a short file) */
  head: Buffer;
  fingerprint: string;
  fpLen: number;
}

export function fingerprintOf(head: Buffer, len: number): string {
  return crypto.createHash('sha256').update(head.subarray(0, len)).digest('hex');
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Text loghound cannot read as it is, by its first bytes: other compressions than gzip, and UTF-16 (Windows
 * tools' logs and exports start with its byte order mark), each with the tool that turns it into what it reads.
 */
const CONVERTIBLE: { name: string; magic: Buffer; tool: string; why: string }[] = [
  ...[
    { name: 'bzip2', magic: Buffer.from('BZh'), tool: 'bzcat' },
    { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xzcat' },
    { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstdcat' },
    { name: 'lz4', magic: Buffer.from([0x04, 0x22, 0x4d, 0x18]), tool: 'lz4cat' },
    { name: 'compress (.Z)', magic: Buffer.from([0x1f, 0x9d]), tool: 'zcat' },
    { name: 'zip', magic: Buffer.from([0x50, 0x4b, 0x03, 0x04]), tool: 'unzip -p' },
  ].map((c) => ({ ...c, why: `${c.name}-compressed, and loghound decompresses gzip only: decompress it` })),
  ...[
    { name: 'UTF-16LE', magic: Buffer.from([0xff, 0xfe]), tool: 'iconv -f UTF-16 -t UTF-8' },
    { name: 'UTF-16BE', magic: Buffer.from([0xfe, 0xff]), tool: 'iconv -f UTF-16 -t UTF-8' },
  ].map((c) => ({ ...c, why: `${c.name} text (it starts with that byte order mark), and loghound reads UTF-8: convert it` })),
];
/** What follows "BZh" and the block size: the first block's magic, or the end-of-stream magic of an empty file. */
const BZIP2_BLOCK = [Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]), Buffer.from([0x17, 0x72, 0x45, 0x38, 0x50, 0x90])];

/**
 * Why a file compressed other than with gzip, or in UTF-16, cannot be read as it is, or undefined. Its bytes are no
 * lines: skipped as binary (which --force would have stored as garbage), and in a folder without an error, a
 * rotated log.2.xz lost its lines while the run said all went well.
 */
export function needsConversion(head: Buffer, stdin: boolean): string | undefined {
  const found = CONVERTIBLE.find((c) => head.subarray(0, c.magic.length).equals(c.magic));
  if (!found) return undefined;
  if (found.name === 'bzip2' && !(head[3] >= 0x31 && head[3] <= 0x39 && BZIP2_BLOCK.some((m) => head.subarray(4, 10).equals(m)))) return undefined;
  const how = stdin ? `... | ${found.tool} | loghound ingest -` : `${found.tool} FILE | loghound ingest -`;
  return `${found.why} into a pipe (${how})`;
}

/** NUL bytes early on mean a binary file (wtmp, a core dump, an image). */
export function looksBinary(head: Buffer): boolean {
  return head.indexOf(0) >= 0;
}

/** The first decompressed bytes of a gzip file, tolerating a damaged or short stream. */
function gunzipHead(compressed: Buffer): Buffer {
  try {
    return zlib.gunzipSync(compressed, {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: 1 << 22,
    }).subarray(0, HEAD_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      // extremely compressible: decompress less input
      return zlib.gunzipSync(compressed.subarray(0, 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES);
    }
    if ((err as NodeJS.ErrnoException).code !== 'Z_DATA_ERROR') throw err;
    return beforeDamage(compressed);
  }
}

/**
 * Damage in the first 64 KiB (or a bad CRC trailer on a small file) must not cost the lines before it: the head is
 * what the longest undamaged prefix decompresses to (a cut-off prefix is no error with Z_SYNC_FLUSH). The reader
 * meets the damage again and reports it.
 */
function beforeDamage(compressed: Buffer): Buffer {
  const attempt = (n: number) => {
    try {
      return zlib.gunzipSync(compressed.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 22 });
    } catch {
      return undefined;
    }
  };
  let good = 0;
  let bad = compressed.length;
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (attempt(mid)) good = mid;
    else bad = mid;
  }
  const head = attempt(good);
  if (!head) throw Object.assign(new Error('not a gzip stream'), { code: 'Z_DATA_ERROR' });
  return head.subarray(0, HEAD_BYTES);
}

export function probeFile(file: string): Probe {
  const fd = fs.openSync(file, 'r');
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const raw = Buffer.alloc(PROBE_BYTES);
    const n = fs.readSync(fd, raw, 0, raw.length, 0);
    const start = raw.subarray(0, n);
    const compressed = isGzip(start);
    let head: Buffer;
    if (compressed) {
      try {
        head = gunzipHead(start);
      } catch (err) {
        throw Object.assign(new Error(`not a readable gzip file (${(err as Error).message})`), { code: 'EBADGZIP' });
      }
    } else {
      head = Buffer.from(start.subarray(0, HEAD_BYTES));
    }
    const fpLen = Math.min(FP_BYTES, head.length);
    return {
      dev: st.dev,
      ino: st.ino,
      size: st.size,
      mtimeMs: Math.trunc(st.mtimeMs),
      compressed,
      head,
      fingerprint: fingerprintOf(head, fpLen),
      fpLen,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * How long what has arrived on stdin or a pipe may wait for more before it is used: probed, sampled for its
 * parser, committed. A pipe fed at full speed (cat, zcat, ssh of a file) fills the probe, the sample and a batch
 * long before this, so it is read as it always was; a live stream (tail -f) has each line stored about this long
 * after it arrives. 500 ms is short next to a person watching a search, and a commit every 500 ms costs nothing.
 */
export const LIVE_MS = 500;

/**
 * stdin cannot be re-read, so its first bytes are taken off the stream, probed, and handed back with the stream
 * to be replayed in front of it. A slow stream is probed with what it sent within `liveMs` of its first byte, once
 * that holds a whole line (before one, there is nothing to store, and a gzip header alone says nothing).
 */
export async function probeStream(stream: Readable, liveMs = LIVE_MS): Promise<{ probe: Probe; first: Buffer[] }> {
  const first: Buffer[] = [];
  let len = 0;
  let dueAt: number | undefined;
  const enough = (now: number) => len >= PROBE_BYTES || (dueAt !== undefined && now >= dueAt && holdsLine(Buffer.concat(first)));
  for await (const chunk of readUntil(stream, enough, () => dueAt)) {
    first.push(chunk);
    len += chunk.length;
    dueAt ??= performance.now() + liveMs;
  }
  const start = Buffer.concat(first);
  const compressed = isGzip(start);
  let head = compressed ? gunzipHead(start) : start.subarray(0, HEAD_BYTES);
  head = Buffer.from(head);
  const fpLen = Math.min(FP_BYTES, head.length);
  return {
    probe: {
      dev: null,
      ino: null,
      size: null,
      mtimeMs: Date.now(),
      compressed,
      head,
      fingerprint: fingerprintOf(head, fpLen),
      fpLen,
    },
    first,
  };
}

/** Whether the start of a stream holds a whole line (decompressed, for gzip). */
function holdsLine(start: Buffer): boolean {
  if (!isGzip(start)) return start.includes(0x0a);
  try {
    return gunzipHead(start).includes(0x0a);
  } catch {
    // damaged from its start: the reader reports it once the stream is taken as it is
    return true;
  }
}

/**
 * Reads chunks from a stream until `enough(now)` or its end, leaving the rest unread. `wakeAt`: an instant at which
 * `enough()` is asked again though nothing more arrived. One reading of the clock decides both whether it is enough
 * and whether to wait for the instant: read twice, the instant could pass between the two readings and the stream
 * would wait for input that a live source may not send for hours.
 */
async function* readUntil(stream: Readable, enough: (now: number) => boolean, wakeAt: () => number | undefined = () => undefined): AsyncGenerator<Buffer> {
  for (;;) {
    const now = performance.now();
    if (enough(now)) return;
    const chunk: Buffer | null = stream.read();
    if (chunk !== null) {
      yield chunk;
      continue;
    }
    if (stream.readableEnded) return;
    // past the instant, and still not enough: only more input can change that
    const due = wakeAt();
    const wait = due !== undefined && now < due ? Math.max(0, due - performance.now()) : undefined;
    const more = await new Promise<boolean>((resolve) => {
      const onReadable = () => done(true);
      const onEnd = () => done(false);
      const timer = wait !== undefined ? setTimeout(onReadable, wait) : undefined;
      const done = (v: boolean) => {
        clearTimeout(timer);
        stream.off('readable', onReadable);
        stream.off('end', onEnd);
        stream.off('error', onEnd);
        stream.off('close', onEnd);
        resolve(v);
      };
      stream.on('readable', onReadable);
      stream.on('end', onEnd);
      stream.on('error', onEnd);
      // destroyed by an interrupt while the input sends nothing
      stream.on('close', onEnd);
    });
    if (!more) {
      const last: Buffer | null = stream.read();
      if (last !== null) yield last;
      return;
    }
  }
}
