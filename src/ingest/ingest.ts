/**
 * Ingest: inputs -> probe -> recognise (fingerprint) -> stream (gunzip) -> frame -> parse -> batched writes.
 * Events and the committed offset share one transaction, so a kill at any moment followed by a re-run loses
 * nothing and duplicates nothing.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { dropEventIndexes, ensureEventIndexes, refreshStatistics, type DB } from '../store/db.js';
import { EventWriter, type EventRow, type StoredTail } from '../store/events.js';
import { Sources, type SourceRow } from '../store/sources.js';
import { EventFlag, MAX_LINE_BYTES, Status, type LineRef, type ParsedEvent } from '../model/event.js';
import { Dispatcher, SAMPLE_BYTES, SAMPLE_LINES, chooseParser } from '../parsers/dispatch.js';
import { PARSERS, RAW, parserByName } from '../parsers/registry.js';
import type { Parser } from '../parsers/types.js';
import { LineFramer } from './framer.js';
import { RecordsFramer } from './records.js';
import { JournalExportFramer, isJournalExport } from './journal-export.js';
import { FP_BYTES, LIVE_MS, MIN_CONTENT_MATCH, fingerprintOf, looksBinary, needsConversion, probeFile, probeStream, type Probe } from './probe.js';
import { describeOpenError, expandInputs, type InputFile } from './inputs.js';
import { CHECK_BYTES, RecentBytes, checkMatches, fileMatches, readRange, resumePoint, storedCheck, type ResumeCheck } from './resume.js';
import { gunzipKeepingDamaged } from './gunzip.js';
import { describeSystemError } from '../errors.js';
import { paceHeap } from '../util/heap.js';

export interface IngestOptions {
  inputs: string[];
  /** force a parser by name */
  format?: string;
  /** zone for timestamps without one */
  tz: string;
  /** ingest files that look binary */
  force?: boolean;
  /** called with bytes read so far and the total (progress bars) */
  onProgress?: (done: number, total: number) => void;
  onWarning?: (message: string) => void;
  /** checked between chunks: true stops cleanly after committing what was read */
  interrupted?: () => boolean;
  /** aborted with the first interrupt: ends a wait on stdin or a pipe that sends nothing */
  signal?: AbortSignal;
  /** stdin stream (tests) */
  stdin?: Readable;
  /** how long what arrived on stdin or a pipe waits for more before it is stored (tests; default LIVE_MS) */
  liveMs?: number;
  /** called after input that slowed down was stored at its deadline: the input is live (hunt runs its rules then) */
  onLiveCommit?: () => void;
  /** rows per transaction */
  batchRows?: number;
  /** input size from which indexes are dropped and built after (tests; default 64 MB) */
  bulkBytes?: number;
  /** the store's path: its own files are never read as logs */
  store?: string;
}

export type SourceStatus = 'new' | 'resumed' | 'unchanged' | 'skipped';

export interface SourceSummary {
  path: string;
  status: SourceStatus;
  format?: string;
  lines: number;
  events: number;
  unparsed: number;
  /** lines cut at the line cap, and lines whose invalid UTF-8 was replaced */
  truncated: number;
  invalid_utf8: number;
  /** decompressed byte offset reading started at */
  from?: number;
}

export interface IngestSummary {
  files: number;
  lines_read: number;
  bytes_read: number;
  events_stored: number;
  unparsed: number;
  truncated: number;
  invalid_utf8: number;
  by_dataset: Record<string, number>;
  skipped: { path: string; reason: string }[];
  sources: SourceSummary[];
  warnings: string[];
  tz: string;
  seconds: number;
  lines_per_second: number;
  interrupted: boolean;
  /** true when something went wrong that should make the exit code 2 */
  failed: boolean;
}

const DEFAULT_BATCH = 20_000;
/**
 * A batch also ends at this many bytes of raw lines. Parsed rows weigh several times their raw text (an auditd
 * event's fields object about 6 KB): at 16 MB an auditd batch held 120 MB of heap, at 8 MB ingest peaks 110 MB lower.
 */
const BATCH_BYTES = 8 * 1024 * 1024;

export async function ingest(db: DB, opts: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const summary: IngestSummary = {
    files: 0,
    lines_read: 0,
    bytes_read: 0,
    events_stored: 0,
    unparsed: 0,
    truncated: 0,
    invalid_utf8: 0,
    by_dataset: {},
    skipped: [],
    sources: [],
    warnings: [],
    tz: opts.tz,
    seconds: 0,
    lines_per_second: 0,
    interrupted: false,
    failed: false,
  };
  const warn = (msg: string) => {
    summary.warnings.push(msg);
    opts.onWarning?.(msg);
  };
  const skip = (path: string, reason: string, error: boolean) => {
    summary.skipped.push({ path, reason });
    if (error) summary.failed = true;
    warn(`${path}: skipped: ${reason}`);
  };
  if (opts.format && !parserByName(opts.format)) chooseParser([], opts.format); // throws a usage error

  const expanded = await expandInputs(opts.inputs);
  for (const s of expanded.skipped) skip(s.path, s.reason, s.error);
  const own = opts.store ? storeFiles(opts.store) : new Set<string>();
  const files = expanded.files.filter((f) => {
    if (!own.has(realPath(f.path))) return true;
    // the default store, ./loghound.db, sits in the folder a hunt of "." walks: its WAL read as a log is garbage
    if (f.explicit) skip(f.path, 'this is the loghound store itself (or its WAL, shared memory or lock file), not a log', true);
    return false;
  });

  const ctx = new IngestRun(db, opts, summary, warn);
  ctx.totalBytes = files.reduce((n, f) => n + sizeOf(f.path), 0);
  const bulk = ctx.totalBytes >= (opts.bulkBytes ?? BULK_BYTES) && ctx.totalBytes >= storedBytes(db);
  if (bulk) dropEventIndexes(db);
  try {
    for (const file of files) {
      if (opts.interrupted?.()) {
        summary.interrupted = true;
        break;
      }
      await ctx.ingestOne(file, skip);
      if (summary.interrupted) break;
    }
  } finally {
    if (bulk) ensureEventIndexes(db);
  }
  refreshStatistics(db);
  summary.seconds = (performance.now() - started) / 1000;
  summary.lines_per_second = summary.seconds > 0 ? Math.round(summary.lines_read / summary.seconds) : 0;
  return summary;
}

/** The files SQLite and the writer lock keep for a store, by real path. */
function storeFiles(store: string): Set<string> {
  const names = [store, `${store}-wal`, `${store}-shm`, `${store}-journal`, `${store}.lock`, `${store}.lock-journal`];
  return new Set(names.map(realPath));
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** From this much input on, and when the input is at least as big as what is stored, indexes are built after. */
const BULK_BYTES = 64 * 1024 * 1024;

function storedBytes(db: DB): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  return pages * size;
}

/**
 * A named pipe, or a process substitution such as <(zcat old.gz), cannot seek: it is read once from its start,
 * as stdin is, and recognised by content the same way.
 */
async function openPipe(p: string, signal?: AbortSignal): Promise<Readable | undefined> {
  if (!fs.statSync(p).isFIFO()) return undefined;
  // Opening a pipe waits for a writer, and a thread of the pool waits with it, out of an interrupt's reach: the
  // interrupt ends that wait by being a writer for an instant (one that writes nothing and is gone at once).
  const unblock = () => {
    try {
      fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // the open has ended already, or the pipe is gone
    }
  };
  signal?.addEventListener('abort', unblock, { once: true });
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => fs.open(p, 'r', (err, n) => (err ? reject(err) : resolve(n))));
  } finally {
    signal?.removeEventListener('abort', unblock);
  }
  if (signal?.aborted) {
    fs.closeSync(fd);
    throw new Error('interrupted while waiting for a writer');
  }
  // a socket over the pipe, not a file stream: a file stream's pending read holds the process until the writer
  // sends or closes, so an interrupt could not end a wait on an idle pipe
  return new net.Socket({ fd, readable: true, writable: false });
}

function sizeOf(p: string): number {
  if (p === '-') return 0;
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

interface Resume {
  source: SourceRow;
  status: SourceStatus;
  /** decompressed offset to start at, and the lines before it */
  offset: number;
  lines: number;
  /** the events stored from the end of the last read that may continue (an unterminated line, an open group) */
  replaceTail: { fromId: number; fromLine: number } | null;
  /** the source's resume check: gzip and stdin verify it while skipping what was read (plain files already did) */
  check: ResumeCheck | null;
}

/** What stdin may hold in memory while it checks that it continues a known content, to read it afresh if not. */
const STDIN_SPOOL_BYTES = 32 * 1024 * 1024;

/** A stream that turned out not to continue the content it was taken for: read it again, as something else. */
interface Mismatch {
  /** stdin: what was skipped, then the rest of the stream; undefined for a file, which is opened again */
  replay?: AsyncIterable<Buffer>;
}

class IngestRun {
  totalBytes = 0;
  private doneBytes = 0;
  private readonly sources: Sources;
  private readonly writer: EventWriter;
  private readonly batchRows: number;
  /**
   * Where the zoneless times of a content read in this run under another name than before had reached, by the
   * name it had: a rotated file read as auth.log.1 before the new auth.log, which continues its stream.
   */
  private readonly zonelessLeft = new Map<string, number | null>();

  constructor(
    private readonly db: DB,
    private readonly opts: IngestOptions,
    private readonly summary: IngestSummary,
    private readonly warn: (m: string) => void,
  ) {
    this.sources = new Sources(db);
    this.writer = new EventWriter(db);
    this.batchRows = opts.batchRows ?? DEFAULT_BATCH;
  }

  async ingestOne(file: InputFile, skip: (p: string, r: string, e: boolean) => void): Promise<void> {
    const isStdin = file.path === '-';
    const shown = isStdin ? '<stdin>' : file.path;
    let probe: Probe;
    let stdinFirst: Buffer[] = [];
    let stdin: Readable | undefined;
    // the first interrupt ends a wait on a stdin or pipe that sends nothing
    const stop = () => stdin?.destroy();
    this.opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      try {
        stdin = isStdin ? this.opts.stdin ?? process.stdin : await openPipe(file.path, this.opts.signal);
        if (stdin) ({ probe, first: stdinFirst } = await probeStream(stdin, this.opts.liveMs));
        else probe = probeFile(file.path);
      } catch (err) {
        stdin?.destroy();
        if (this.opts.signal?.aborted) this.summary.interrupted = true;
        else skip(shown, describeOpenError(file.path, err), true);
        return;
      }
      await this.ingestProbed(file, shown, probe, stdin, stdinFirst, skip);
    } finally {
      this.opts.signal?.removeEventListener('abort', stop);
    }
  }

  private async ingestProbed(
    file: InputFile,
    shown: string,
    probe: Probe,
    stdin: Readable | undefined,
    stdinFirst: Buffer[],
    skip: (p: string, r: string, e: boolean) => void,
  ): Promise<void> {
    const isStdin = file.path === '-';
    const conversion = probe.compressed ? undefined : needsConversion(probe.head, stdin !== undefined);
    if (conversion) {
      if (stdin !== process.stdin) stdin?.destroy();
      skip(shown, conversion, true);
      return;
    }
    // journalctl -o export holds raw bytes (lengths, binary values) but is read as the journal it is
    if (!this.opts.force && looksBinary(probe.head) && !isJournalExport(probe.head)) {
      if (stdin !== process.stdin) stdin?.destroy();
      skip(shown, 'binary file (NUL bytes near the start); pass --force to ingest it anyway', file.explicit);
      return;
    }
    this.summary.files++;
    const path = isStdin ? '-' : file.path;
    // sources this input turned out not to continue
    const tried = new Set<number>();
    let resume = await this.recognise(path, probe, tried);
    const entry: SourceSummary = { path: shown, status: resume.status, lines: 0, events: 0, unparsed: 0, truncated: 0, invalid_utf8: 0, from: resume.offset };
    this.summary.sources.push(entry);
    let stdinBytes: StdinBytes | undefined = stdin ? { bytes: concatIter(stdinFirst, stdin), decompressed: false } : undefined;
    for (;;) {
      if (resume.status === 'unchanged') {
        entry.format = resume.source.format ?? undefined;
        this.doneBytes += probe.size ?? 0;
        return;
      }
      const { input, compressedStream } = this.open(file.path, probe, resume, stdinBytes);
      const skipTo = probe.compressed || stdin ? resume.offset : 0;
      const seed = probe.compressed || stdin ? undefined : this.bytesBefore(file.path, resume.offset);
      const mismatch = await this.readStream(input, compressedStream, skipTo, resume, probe, entry, shown, seed);
      if (!mismatch) return;
      tried.add(resume.source.id);
      if (mismatch.replay) stdinBytes = { bytes: mismatch.replay, decompressed: true };
      resume = await this.recognise(path, probe, tried);
      entry.status = resume.status;
      entry.from = resume.offset;
    }
  }

  /** The input as decompressed bytes: a plain file from where it resumes, gzip and stdin from their start. */
  private open(file: string, probe: Probe, resume: Resume, stdin?: StdinBytes): { input: AsyncIterable<Buffer>; compressedStream?: fs.ReadStream } {
    if (stdin) return { input: probe.compressed && !stdin.decompressed ? gunzipKeepingDamaged(stdin.bytes) : stdin.bytes };
    if (!probe.compressed) return { input: fs.createReadStream(file, { start: resume.offset, highWaterMark: 1 << 20 }) };
    const compressedStream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    // a file can be read again to save the lines just before damage; a stream cannot
    return { input: gunzipKeepingDamaged(compressedStream, () => fs.createReadStream(file, { highWaterMark: 1 << 20 })), compressedStream };
  }

  /** A plain file resumed at `offset`: the bytes just before it, from which the next resume check is taken. */
  private bytesBefore(file: string, offset: number): RecentBytes {
    const from = Math.max(0, offset - CHECK_BYTES);
    try {
      return new RecentBytes(offset, readRange(file, from, offset));
    } catch {
      return new RecentBytes(offset);
    }
  }

  /**
   * Where the stream's zoneless times had reached before this read (FoldReader): a resumed content's own, and for
   * new content the latest content read under its name before it, so that a run beginning inside the repeated
   * autumn hour goes on in the pass the stream was in.
   */
  private zonelessFrom(resume: Resume): number | null {
    const s = resume.source;
    if (resume.status === 'resumed') return s.zoneless_ts;
    return this.zonelessLeft.get(s.path) ?? this.sources.zonelessAt(s.path, s.id);
  }

  /** Which known content is this file, and where to start reading it. */
  private async recognise(path: string, probe: Probe, tried: Set<number>): Promise<Resume> {
    const fresh = (): Resume => ({
      source: this.sources.create({
        path,
        dev: probe.dev,
        ino: probe.ino,
        size: probe.size,
        mtime_ms: probe.mtimeMs,
        compressed: probe.compressed ? 1 : 0,
        fingerprint: probe.fingerprint,
        fp_len: probe.fpLen,
      }),
      status: 'new',
      offset: 0,
      lines: 0,
      replaceTail: null,
      check: null,
    });
    const match = this.findSource(path, probe, tried);
    if (!match) {
      // a copy of what a file beside it still holds: those lines are read from that file, not stored twice
      const copied = await this.copyOfHeld(path, probe, tried);
      if (copied) return { source: copied, status: 'unchanged', offset: copied.offset, lines: copied.lines, replaceTail: null, check: null };
      return fresh();
    }

    const sameFile = match.dev === probe.dev && match.ino === probe.ino && probe.dev !== null;
    const statUnchanged = sameFile && match.size === probe.size && match.mtime_ms === probe.mtimeMs;
    if (probe.compressed || probe.size === null) {
      // gzip and stdin: only the decompressed stream tells whether there is more, unless this exact file was read to its end
      if (statUnchanged && match.complete) return { source: match, status: 'unchanged', offset: match.offset, lines: match.lines, replaceTail: null, check: null };
    } else if (probe.size <= match.offset) {
      // the same content (checked where it resumes), no longer than what was read: nothing new
      return { source: match, status: 'unchanged', offset: match.offset, lines: match.lines, replaceTail: null, check: null };
    }
    const tail = match.tail_offset !== null && match.tail_event_id !== null && match.tail_line !== null;
    return {
      source: match,
      status: 'resumed',
      offset: tail ? match.tail_offset! : match.offset,
      lines: tail ? match.tail_line! - 1 : match.lines,
      replaceTail: tail ? { fromId: match.tail_event_id!, fromLine: match.tail_line! } : null,
      check: probe.compressed || probe.size === null ? storedCheck(match) : null,
    };
  }

  /**
   * The known content this input continues: one that starts the same (the fingerprint), is not held by another
   * file that exists now, and (a plain file; gzip and stdin check it as they skip) has the same bytes just before
   * where reading resumes. Its own inode first, then the content read furthest.
   */
  private findSource(path: string, probe: Probe, tried: Set<number>): SourceRow | undefined {
    const sameInode = (s: SourceRow) => probe.dev !== null && s.dev === probe.dev && s.ino === probe.ino;
    const continues = (s: SourceRow) => !tried.has(s.id) && !heldElsewhere(s, probe) && (probe.compressed || probe.size === null || fileContinues(path, probe.size, s));
    const exact = this.sources.withFingerprint(probe.fingerprint).filter((s) => s.fp_len === probe.fpLen && continues(s));
    if (exact.length > 0) return exact.find(sameInode) ?? exact.reduce((a, b) => (resumePoint(b) > resumePoint(a) ? b : a));
    // first seen while shorter than a full fingerprint: does this file start with that content?
    for (const s of this.sources.shorterThan(probe.fpLen)) {
      if (!sameInode(s) && s.fp_len < MIN_CONTENT_MATCH) continue;
      if (fingerprintOf(probe.head, s.fp_len) === s.fingerprint && continues(s)) return s;
    }
    return undefined;
  }

  /**
   * A known content whose own file still holds it, and of which this file is a copy as far as it goes: logrotate's
   * copytruncate between its copy and its truncate, or compress while gzip has written the .gz but not yet removed
   * the file it compresses. Read now, the copy would store every line a second time. It is left for this run;
   * once the original moves on (truncated, removed) the copy is recognised as that content and only what it holds
   * beyond what was read is stored.
   */
  private async copyOfHeld(path: string, probe: Probe, tried: Set<number>): Promise<SourceRow | undefined> {
    // the same first KiB, or (a file first seen while shorter) the same start, as findSource takes it
    const alike = this.sources.withFingerprint(probe.fingerprint).filter((s) => s.fp_len === probe.fpLen);
    const shorter = this.sources
      .shorterThan(probe.fpLen)
      .filter((s) => s.fp_len >= MIN_CONTENT_MATCH && fingerprintOf(probe.head, s.fp_len) === s.fingerprint);
    for (const s of [...alike, ...shorter]) {
      if (tried.has(s.id) || s.compressed || !heldElsewhere(s, probe)) continue;
      if (await startsWithAllOf(s.path, path, probe)) return s;
    }
    return undefined;
  }

  private async readStream(
    input: AsyncIterable<Buffer>,
    compressedStream: fs.ReadStream | undefined,
    skipTo: number,
    resume: Resume,
    probe: Probe,
    entry: SourceSummary,
    shown: string,
    seed?: RecentBytes,
  ): Promise<Mismatch | undefined> {
    const source = resume.source;
    const recent = seed ?? new RecentBytes(0);
    let check = resume.offset > 0 ? storedCheck(source) : null;
    const summary = this.summary;
    const logPath = source.path === '-' ? '-' : shown;
    const journalExport = isJournalExport(probe.head);
    // an export stream is a journal whatever its first entries say
    const known = this.opts.format ?? source.format ?? (journalExport ? 'journald' : undefined);
    let dispatcher: Dispatcher | undefined;
    let lastTs = source.last_ts ?? undefined;
    const zonelessFrom = this.zonelessFrom(resume);
    let rows: EventRow[] = [];
    let rowBytes = 0;
    let pendingDelete = resume.replaceTail;
    // The end of the input may continue in a later run (an unterminated last line, a group still open): those
    // events are stored now and replaced, from their first line on, once the file has grown.
    let tailFrom: LineRef | undefined;
    let tailEventId: number | null = null;
    const sample: { line: string; at: LineRef; flags: number }[] = [];
    let sampleBytes = 0;
    let lineFlags = 0;
    // stdin or a pipe: what arrives is stored within liveMs, however slowly it comes (a file is read at full speed)
    const liveMs = probe.size === null ? (this.opts.liveMs ?? LIVE_MS) : undefined;
    /** when what has arrived but is not stored yet is stored at the latest (live input) */
    let dueAt: number | undefined;
    /** lines stored raw by an early choice of no parser: they rank the parsers again, with the lines after them */
    const sampledRaw: string[] = [];
    // a stream probed before its first KiB had come is known by that KiB once it has, as if it had come at once
    const start = liveMs !== undefined && probe.fpLen < FP_BYTES ? { bytes: [] as Buffer[], len: 0 } : undefined;
    let ident = { fingerprint: probe.fingerprint, fpLen: probe.fpLen };

    const emit = (ev: ParsedEvent, status: number, at: LineRef, raw: string) => {
      let flags = (ev.flags ?? 0) | lineFlags;
      let ts = ev.ts;
      if (ts === undefined || Number.isNaN(ts)) {
        ts = lastTs ?? probe.mtimeMs;
        flags |= EventFlag.TS_INFERRED;
      } else {
        lastTs = ts;
      }
      const row: EventRow = { ts, dataset: ev.dataset, sourceId: source.id, line: at.line, offset: at.offset, status, flags, raw, fields: ev.fields };
      rows.push(row);
      rowBytes += raw.length;
      tally(ev.dataset, status, 1);
    };
    /** The summary counts what is stored: an event read again and kept as it was is taken out again. */
    const tally = (dataset: string, status: number, n: 1 | -1) => {
      entry.events += n;
      summary.events_stored += n;
      const inSet = (summary.by_dataset[dataset] ?? 0) + n;
      if (inSet > 0) summary.by_dataset[dataset] = inSet;
      else delete summary.by_dataset[dataset];
      if (status === Status.UNPARSED) {
        entry.unparsed += n;
        summary.unparsed += n;
      }
    };
    // lines read by an earlier run (an unfinished last line read again) are not new lines
    const readBefore = resume.status === 'resumed' ? source.lines : 0;
    const startDispatcher = (p: Parser) => {
      entry.format = p.name;
      const ctx = { path: logPath, tz: this.opts.tz, mtimeMs: probe.mtimeMs, head: probe.head.toString('utf8') };
      dispatcher = new Dispatcher(p, ctx, emit, zonelessFrom, { forced: this.opts.format !== undefined });
    };
    const sampleFull = () => sampledRaw.length + sample.length >= SAMPLE_LINES || sampleBytes >= SAMPLE_BYTES;
    /** `early`: live input that paused before its sample was full */
    const replaySample = (early = false) => {
      // An empty file, or one whose only line is still being written (logrotate's create or copytruncate just
      // ran), says nothing about its format; nor do a few lines no parser knows (a banner before the first entry).
      // Such a choice serves this run only, and the next run samples the lines that have arrived since.
      const complete = sample.filter((s) => (!tailFrom || s.at.line < tailFrom.line) && s.line.trim() !== '');
      const parser = chooseParser(sampledRaw.concat((complete.length > 0 ? complete : sample).map((s) => s.line)));
      const full = sampleFull();
      startDispatcher(parser);
      // the format saved is the one later runs use without a sample; undecided, the summary shows none
      if (complete.length + sampledRaw.length === 0 || (parser === RAW && !full)) entry.format = undefined;
      for (const s of sample) {
        lineFlags = s.flags;
        dispatcher!.push(s.line, s.at);
      }
      // No parser knows the first lines of a live stream (a banner before its first entry): they are stored raw
      // now, and the lines after them are sampled with them, as a file's full sample would be. Lines already stored
      // stay raw; a parser once chosen keeps the stream.
      if (early && parser === RAW && !full) {
        sampledRaw.push(...sample.map((s) => s.line));
        dispatcher = undefined;
      }
      sample.length = 0;
    };
    if (known) startDispatcher(parserByName(known) ?? chooseParser([]));

    const damaged = new DamagedLines();
    /** set when the input broke off in the middle of a line: that line is kept raw, never parsed */
    let cutBy: string | undefined;
    const onLine = (line: string, lineNo: number, offset: number, flags: number, damage?: string) => {
      if (lineNo > readBefore) {
        entry.lines++;
        summary.lines_read++;
        if (flags !== 0) damaged.note(flags, lineNo);
      }
      const rawBecause = cutBy ?? damage;
      if (rawBecause !== undefined) {
        if (!dispatcher) replaySample();
        lineFlags = flags;
        dispatcher!.pushRaw(line, { line: lineNo, offset }, rawBecause);
        return;
      }
      if (dispatcher) {
        lineFlags = flags;
        dispatcher.push(line, { line: lineNo, offset });
        return;
      }
      // the parser is chosen from the first lines of the stream
      sample.push({ line, at: { line: lineNo, offset }, flags });
      sampleBytes += line.length;
      if (sampleFull()) replaySample();
    };
    const reportDamage = (damage: string) => {
      summary.failed = true;
      this.warn(`${shown}: ${damage}`);
    };
    const framer = journalExport
      ? new JournalExportFramer(resume.offset, resume.lines, onLine, reportDamage)
      : splitsRecords(probe.head)
        ? new RecordsFramer(resume.offset, resume.lines, onLine, reportDamage)
        : new LineFramer(resume.offset, resume.lines, onLine);

    /** One transaction: the batch's events and the position they bring the source to. */
    const commit = (final: boolean) => {
      const held = final ? undefined : dispatcher?.held();
      const batch = rows;
      rows = [];
      rowBytes = 0;
      dueAt = undefined;
      // taken after every line emitted, an unfinished last line's too: read again by the next run, that line follows
      // its own instant and is read as that instant again
      const zoneless = dispatcher ? dispatcher.zonelessReached() : zonelessFrom;
      this.db.transaction(() => {
        let kept: StoredTail[] = [];
        if (pendingDelete !== null) {
          kept = this.writer.replaceTail(source.id, pendingDelete.fromId, pendingDelete.fromLine, batch);
          pendingDelete = null;
          for (const ev of kept) tally(ev.dataset, ev.status, -1);
        }
        const first = this.writer.writeAll(batch);
        if (final && tailFrom) {
          const at = batch.findIndex((r) => r.line >= tailFrom!.line);
          tailEventId = kept.find((ev) => ev.line >= tailFrom!.line)?.id ?? (at >= 0 ? first + at : null);
        }
        const offset = held ? held.offset : final ? framer.position : framer.pendingStart;
        const tailAt = tailEventId !== null ? tailFrom!.offset : null;
        // a line longer than the bytes kept leaves the last check in place: it lies before this point too
        check = recent.checkAt(tailAt ?? offset) ?? check;
        this.sources.saveProgress({
          id: source.id,
          offset,
          lines: held ? held.line - 1 : framer.lineNo,
          tail_offset: tailAt,
          tail_line: tailEventId !== null ? tailFrom!.line : null,
          tail_event_id: tailEventId,
          resume_fp: check?.fp ?? null,
          resume_fp_at: check?.at ?? null,
          resume_fp_len: check?.len ?? null,
          last_ts: lastTs ?? null,
          zoneless_ts: zoneless,
        });
        if (grownIdentity()) saveIdentity(false);
      })();
      if (source.path !== logPath) this.zonelessLeft.set(source.path, zoneless);
      // a batch outlives young-generation collections, so its rows become old garbage: keep that from piling up
      paceHeap();
    };
    const saveIdentity = (complete: boolean) =>
      this.sources.saveIdentity({
        id: source.id,
        path: logPath,
        dev: probe.dev,
        ino: probe.ino,
        size: probe.size,
        mtime_ms: probe.mtimeMs,
        compressed: probe.compressed ? 1 : 0,
        fingerprint: ident.fpLen > source.fp_len ? ident.fingerprint : source.fingerprint,
        fp_len: Math.max(ident.fpLen, source.fp_len),
        complete: complete ? 1 : 0,
        format: entry.format ?? null,
      });

    /** Whether the stream's first bytes now say more about it than its identity did (only once it is the content it was taken for). */
    const grownIdentity = () => {
      if (!start || start.len <= ident.fpLen || !prefix.verified) return false;
      ident = { fingerprint: fingerprintOf(Buffer.concat(start.bytes), start.len), fpLen: start.len };
      return true;
    };
    /** Live input that paused: what has arrived is stored now, its parser chosen from the lines there are. */
    const storeArrived = () => {
      dueAt = undefined;
      if (!dispatcher) replaySample(true);
      if (rows.length > 0) {
        commit(false);
        this.opts.onLiveCommit?.();
      }
    };

    // stdin and named pipes cannot be read twice: only they keep what they skip (a gzip file is opened again)
    const prefix = new KnownPart(skipTo, resume.check, recent, compressedStream === undefined);
    const chunks = input[Symbol.asyncIterator]();
    const nextChunk = () => (dueAt === undefined ? chunks.next() : beforeDue(chunks.next(), dueAt, storeArrived));
    let failure: string | undefined;
    try {
      for (let next = await nextChunk(); !next.done; next = await nextChunk()) {
        if (start && start.len < FP_BYTES) {
          const part = next.value.subarray(0, FP_BYTES - start.len);
          start.bytes.push(part);
          start.len += part.length;
        }
        const buf = prefix.take(next.value);
        if (buf === MISMATCH) return this.mismatched(prefix, [next.value], chunks, shown);
        if (buf === null) continue;
        recent.push(buf);
        framer.push(buf);
        summary.bytes_read += buf.length;
        this.reportProgress(compressedStream ? compressedStream.bytesRead : framer.position - resume.offset);
        if (dispatcher && (rows.length >= this.batchRows || rowBytes >= BATCH_BYTES)) commit(false);
        if (liveMs !== undefined && dueAt === undefined && (rows.length > 0 || sample.length > 0)) dueAt = performance.now() + liveMs;
        if (this.opts.interrupted?.()) {
          summary.interrupted = true;
          void chunks.return?.();
          break;
        }
      }
    } catch (err) {
      // the store failing (a full disk) ends the run; only the input's own damage is a per-file problem
      if (String((err as { code?: string }).code).startsWith('SQLITE_')) throw err;
      if (this.opts.signal?.aborted) summary.interrupted = true;
      else failure = describeStreamError(err);
    }
    this.doneBytes += probe.size ?? 0;

    if (summary.interrupted) {
      // the partial line and any open group are read again next time
      if (!dispatcher) replaySample();
      commit(false);
      saveIdentity(false);
      return;
    }
    if (!prefix.verified && !failure) return this.mismatched(prefix, [], chunks, shown);
    if (prefix.skipped < skipTo && !failure) {
      this.warn(`${shown}: ends at byte ${prefix.skipped}, before the ${skipTo} bytes already read from this content; nothing new`);
    }
    if (framer.pending) tailFrom = { offset: framer.pendingStart, line: framer.lineNo + 1 };
    const cutLine = failure && framer.pending ? framer.lineNo + 1 : undefined;
    const damageAt = framer.position;
    if (cutLine !== undefined) cutBy = `line cut where the input is damaged: ${failure}`;
    framer.end();
    if (!dispatcher) replaySample();
    const open = dispatcher!.held();
    if (open && (!tailFrom || open.offset < tailFrom.offset)) tailFrom = open;
    dispatcher!.end();
    damaged.report(entry, summary, shown, this.warn);
    if (failure) {
      summary.failed = true;
      const where = cutLine !== undefined ? `in line ${cutLine}` : `after line ${framer.lineNo}`;
      const cut = cutLine !== undefined ? `; line ${cutLine}, cut there, is stored unparsed` : '';
      this.warn(`${shown}: ${failure} at decompressed byte ${damageAt} (${where}); the lines before it were stored${cut}`);
    }
    commit(true);
    saveIdentity(!failure);
  }

  /**
   * gzip or stdin is not the content it was taken for (other bytes before the resume point, or it ends before it):
   * a file is opened again, stdin replays what it skipped, unless that was too much to keep.
   */
  private mismatched(known: KnownPart, unread: Buffer[], rest: AsyncIterator<Buffer>, shown: string): Mismatch | undefined {
    if (!known.stdin) {
      // ending the iteration closes the input
      void rest.return?.();
      return {};
    }
    const spooled = known.spooled();
    if (spooled) return { replay: concatIter([...spooled, ...unread], rest) };
    void rest.return?.();
    this.summary.failed = true;
    this.warn(
      `${shown}: skipped: starts like content read before but differs from it by byte ${known.skipped}, and the ` +
        `${known.skipped} bytes before were too many to keep; save it to a file and ingest the file`,
    );
    return undefined;
  }

  private reportProgress(current: number): void {
    this.opts.onProgress?.(this.doneBytes + current, this.totalBytes);
  }
}

const MISMATCH = Symbol('mismatch');

/**
 * gzip and stdin restart from their first byte: what was read of them before is skipped, and the resume check is
 * verified on the way. stdin keeps what it skips until then, to read it afresh if the check fails.
 */
class KnownPart {
  skipped = 0;
  verified: boolean;
  private spool: Buffer[] | null;
  private spoolBytes = 0;

  constructor(
    private readonly skipTo: number,
    private readonly check: ResumeCheck | null,
    private readonly recent: RecentBytes,
    readonly stdin: boolean,
  ) {
    this.verified = skipTo === 0 || check === null || check.len === 0;
    this.spool = stdin && !this.verified ? [] : null;
  }

  /** The part of a chunk past what was read before (null: none of it), or MISMATCH before skipping any of it. */
  take(chunk: Buffer): Buffer | null | typeof MISMATCH {
    if (this.skipped >= this.skipTo) return chunk;
    const check = this.check;
    if (!this.verified && check && this.skipped + chunk.length >= check.at) {
      if (!checkMatches(check, this.recent.slice(check.at - check.len, check.at, chunk))) return MISMATCH;
      this.verified = true;
      this.spool = null;
    } else if (this.spool) {
      this.spool.push(chunk);
      this.spoolBytes += chunk.length;
      if (this.spoolBytes > STDIN_SPOOL_BYTES) this.spool = null;
    }
    const need = this.skipTo - this.skipped;
    if (chunk.length <= need) {
      this.recent.push(chunk);
      this.skipped += chunk.length;
      return null;
    }
    this.recent.push(chunk.subarray(0, need));
    this.skipped = this.skipTo;
    return chunk.subarray(need);
  }

  /** What stdin skipped, while it was kept (undefined once there was too much). */
  spooled(): Buffer[] | undefined {
    return this.spool ?? undefined;
  }
}

/**
 * Two files that exist side by side are two contents, however alike they start: a source whose own file (path and
 * inode) is still there and still holds what was read from it is not what another file continues. A copy that
 * logrotate made before truncating, or a rotated file compressed and removed, no longer has such a twin.
 */
function heldElsewhere(s: SourceRow, probe: Probe): boolean {
  if (probe.dev === null || s.dev === null || s.ino === null || s.path === '-') return false;
  if (s.dev === probe.dev && s.ino === probe.ino) return false;
  let st: fs.Stats;
  try {
    st = fs.statSync(s.path);
  } catch {
    return false;
  }
  if (st.dev !== s.dev || st.ino !== s.ino) return false;
  if (s.compressed) return st.size === s.size && Math.trunc(st.mtimeMs) === s.mtime_ms;
  return fileContinues(s.path, st.size, s);
}

/**
 * Whether the plain file `holder` starts with the whole (decompressed) content of `file`: the first KiB matched
 * already, so its last KiB at the same offset decides. A gzip still being written counts as far as it decompresses.
 */
async function startsWithAllOf(holder: string, file: string, probe: Probe): Promise<boolean> {
  let size = 0;
  let tail: Buffer = Buffer.alloc(0);
  try {
    if (!probe.compressed) {
      size = probe.size ?? 0;
      tail = readRange(file, Math.max(0, size - CHECK_BYTES), size);
    } else {
      try {
        for await (const chunk of gunzipKeepingDamaged(fs.createReadStream(file, { highWaterMark: 1 << 20 }))) {
          size += chunk.length;
          tail = Buffer.concat([tail, chunk]).subarray(-CHECK_BYTES);
        }
      } catch {
        // cut short (gzip still writing it): what it holds so far is what is compared
      }
    }
    if (size === 0 || fs.statSync(holder).size < size) return false;
    return tail.equals(readRange(holder, size - tail.length, size));
  } catch {
    return false;
  }
}

/**
 * Whether a plain file of `size` bytes holds a source's content up to where it resumes: not shorter (a file
 * truncated and written anew, on the same inode or not, is new content, read from its start) and with the same
 * bytes before that point. A source from a store before the check existed is taken on its first 1 KiB, as then.
 */
function fileContinues(file: string, size: number, s: SourceRow): boolean {
  if (size < resumePoint(s)) return false;
  const check = storedCheck(s);
  return check === null || fileMatches(file, check);
}

/**
 * Lines that were cut or had bytes replaced are stored, but the loss should not stay hidden in the flags column:
 * one warning per file names how many and where the first is.
 */
class DamagedLines {
  private truncated = 0;
  private invalid = 0;
  private firstTruncated = 0;
  private firstInvalid = 0;

  note(flags: number, lineNo: number): void {
    if (flags & EventFlag.TRUNCATED && this.truncated++ === 0) this.firstTruncated = lineNo;
    if (flags & EventFlag.INVALID_UTF8 && this.invalid++ === 0) this.firstInvalid = lineNo;
  }

  report(entry: SourceSummary, summary: IngestSummary, shown: string, warn: (m: string) => void): void {
    entry.truncated += this.truncated;
    entry.invalid_utf8 += this.invalid;
    summary.truncated += this.truncated;
    summary.invalid_utf8 += this.invalid;
    const parts: string[] = [];
    if (this.truncated > 0) parts.push(`${lines(this.truncated)} cut at ${MAX_LINE_BYTES / (1024 * 1024)} MiB (first: line ${this.firstTruncated})`);
    if (this.invalid > 0) parts.push(`${lines(this.invalid)} with invalid UTF-8 replaced (first: line ${this.firstInvalid})`);
    if (parts.length > 0) warn(`${shown}: ${parts.join(', ')}`);
  }
}

function lines(n: number): string {
  return `${n} line${n === 1 ? '' : 's'}`;
}

/** A stream that starts with a document too big for lines (CloudTrail's): it is split as its bytes arrive. */
function splitsRecords(head: Buffer): boolean {
  const text = head.toString('utf8');
  return PARSERS.some((p) => p.splitsRecords?.(text));
}

/** stdin as it came, or (read again after a mismatch) what was skipped of it and the rest, already decompressed. */
interface StdinBytes {
  bytes: AsyncIterable<Buffer>;
  decompressed: boolean;
}

const DUE = Symbol('due');

/** `next`, unless `dueAt` comes first: then `onDue` runs, and `next` is awaited after it. */
async function beforeDue<T>(next: Promise<T>, dueAt: number, onDue: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<typeof DUE>((resolve) => (timer = setTimeout(resolve, Math.max(0, dueAt - performance.now()), DUE)));
  try {
    if ((await Promise.race([next, due])) !== DUE) return next;
  } finally {
    clearTimeout(timer);
  }
  // a store that fails in onDue ends the run: the read still pending must not then be an unhandled rejection
  next.catch(() => undefined);
  onDue();
  return next;
}

async function* concatIter(first: Buffer[], rest: AsyncIterable<Buffer> | AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* first;
  const it = Symbol.asyncIterator in rest ? rest[Symbol.asyncIterator]() : rest;
  for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
}

function describeStreamError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '')) return 'gzip stream is truncated';
  if (e?.code === 'Z_DATA_ERROR') return `gzip stream is corrupt (${e.message})`;
  return describeSystemError(err);
}
