/**
 * The only module that writes to stdout. Block-buffered into a pipe, line-buffered on a terminal (ripgrep's
 * habit); a closed pipe (`| head`) marks the sink closed and the command stops quietly with exit 0. Any other write
 * error (a full disk) closes it too, so the command stops producing, and end() throws it as an OutputError.
 */
import type { Writable } from 'node:stream';
import { OutputError, describeSystemError } from '../errors.js';

const CHUNK = 64 * 1024;

export class Sink {
  closed = false;
  private parts: string[] = [];
  private size = 0;
  private readonly lineBuffered: boolean;
  private waiting: Promise<void> | undefined;
  /** settles when the stream has taken (or refused) the last chunk handed to it */
  private lastWrite: Promise<void> = Promise.resolve();
  private failure: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean },
    private readonly name = 'stdout',
  ) {
    this.lineBuffered = Boolean(stream.isTTY);
    // an error thrown from here would be an uncaught exception: a stack trace and exit 1, which means "found something"
    stream.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
  }

  get isTTY(): boolean {
    return this.lineBuffered;
  }

  /** Queue text; returns false when the caller should `await drain()` before writing more (flat memory). */
  write(text: string): boolean {
    if (this.closed) return true;
    this.parts.push(text);
    this.size += text.length;
    if (this.lineBuffered || this.size >= CHUNK) return this.flushParts();
    return true;
  }

  line(text = ''): boolean {
    return this.write(text + '\n');
  }

  async drain(): Promise<void> {
    if (this.waiting) await this.waiting;
  }

  /** Write out everything queued now (a live hunt's findings, piped to jq, must not wait for a full chunk). */
  async flush(): Promise<void> {
    this.flushParts();
    await this.drain();
    // a file's write error comes a tick after the write: wait for the last one's verdict before calling it done
    await this.lastWrite;
  }

  /**
   * Write out everything queued and wait until the stream has taken it; throws a write error other than EPIPE, once
   * (a command that checks its output got out, and main after it, would otherwise both report it).
   */
  async end(): Promise<void> {
    await this.flush();
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw new OutputError(`cannot write to ${this.name}: ${describeSystemError(failure)}`);
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.stream.writableNeedDrain) this.stream.once('drain', () => resolve());
      else resolve();
    });
  }

  private flushParts(): boolean {
    if (this.size === 0 || this.closed) return true;
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    let ok = false;
    this.lastWrite = new Promise<void>((resolve) => {
      ok = this.stream.write(text, (err) => {
        if (err) this.fail(err);
        resolve();
      });
    });
    if (!ok && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          this.waiting = undefined;
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    }
    return ok;
  }

  /** A closed pipe is a normal end; anything else is kept for end() to report. */
  private fail(err: NodeJS.ErrnoException): void {
    this.closed = true;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.failure ??= err;
  }
}

let stdoutSink: Sink | undefined;

export function stdout(): Sink {
  return (stdoutSink ??= new Sink(process.stdout));
}
