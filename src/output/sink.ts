/**
 * The only module that writes to stdout. Block-buffered into a pipe, line-buffered on a terminal (ripgrep's
 * habit); a closed pipe (`| head`) marks the sink closed and the command stops quietly with exit 0.
 */
import type { Writable } from 'node:stream';

const CHUNK = 64 * 1024;

export class Sink {
  closed = false;
  private parts: string[] = [];
  private size = 0;
  private readonly lineBuffered: boolean;
  private waiting: Promise<void> | undefined;

  constructor(private readonly stream: Writable & { isTTY?: boolean }) {
    this.lineBuffered = Boolean(stream.isTTY);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
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

  /** Write out everything queued and wait until the stream has taken it. */
  async end(): Promise<void> {
    this.flushParts();
    await this.drain();
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
    const ok = this.stream.write(text);
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
}

let stdoutSink: Sink | undefined;

export function stdout(): Sink {
  return (stdoutSink ??= new Sink(process.stdout));
}
