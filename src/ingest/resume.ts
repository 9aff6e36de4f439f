/**
 * The resume check: a fingerprint of the bytes just before where a source resumes. The first 1 KiB says which
 * content a file may be; these bytes say it still is that content where reading stopped (a log rewritten with the
 * same banner, or another file that starts like it, is not), the way a tailer checks more than a file's head.
 */
import fs from 'node:fs';
import { fingerprintOf } from './probe.js';
import type { SourceRow } from '../store/sources.js';

/** Bytes before the resume point that are fingerprinted: a line or a few, enough to tell two runs of a log apart. */
export const CHECK_BYTES = 1024;
/** Bytes kept of what was read last, from which the check is taken at each commit (lines longer than this are rare). */
const RECENT_BYTES = 64 * 1024;

export interface ResumeCheck {
  /** the check covers [at - len, at) */
  at: number;
  len: number;
  fp: string;
}

export function storedCheck(s: SourceRow): ResumeCheck | null {
  if (s.resume_fp === null || s.resume_fp_at === null || s.resume_fp_len === null) return null;
  return { at: s.resume_fp_at, len: s.resume_fp_len, fp: s.resume_fp };
}

/** Where a re-run starts reading a source: at its unfinished tail, if it has one. */
export function resumePoint(s: SourceRow): number {
  return s.tail_offset !== null && s.tail_event_id !== null ? s.tail_offset : s.offset;
}

/** The last bytes read, by absolute offset in the decompressed content. */
export class RecentBytes {
  private buf: Buffer;

  constructor(
    private end = 0,
    seed: Buffer = Buffer.alloc(0),
  ) {
    this.buf = seed;
  }

  push(chunk: Buffer): void {
    if (chunk.length >= RECENT_BYTES) {
      this.buf = Buffer.from(chunk.subarray(chunk.length - RECENT_BYTES));
    } else {
      const keep = Math.min(this.buf.length, RECENT_BYTES - chunk.length);
      this.buf = Buffer.concat([this.buf.subarray(this.buf.length - keep), chunk]);
    }
    this.end += chunk.length;
  }

  /** Bytes [from, to), if still held; `next` is the chunk about to be pushed, taken as following them. */
  slice(from: number, to: number, next?: Buffer): Buffer | undefined {
    const start = this.end - this.buf.length;
    const all = next ? Buffer.concat([this.buf, next]) : this.buf;
    if (from < start || to > start + all.length) return undefined;
    return all.subarray(from - start, to - start);
  }

  /** The check of the bytes before `at`, or undefined when they are no longer held (a very long line). */
  checkAt(at: number): ResumeCheck | undefined {
    const len = Math.min(at, CHECK_BYTES);
    const bytes = this.slice(at - len, at);
    return bytes && { at, len, fp: fingerprintOf(bytes, len) };
  }
}

export function checkMatches(check: ResumeCheck, bytes: Buffer | undefined): boolean {
  return bytes !== undefined && bytes.length === check.len && fingerprintOf(bytes, check.len) === check.fp;
}

/** Bytes [from, to) of a plain file (fewer when it is shorter). */
export function readRange(file: string, from: number, to: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a plain file holds the checked bytes of a source (unreadable: it does not). */
export function fileMatches(file: string, check: ResumeCheck): boolean {
  try {
    return checkMatches(check, readRange(file, check.at - check.len, check.at));
  } catch {
    return false;
  }
}
