/** stderr: progress, warnings and errors. --quiet silences chatter, never warnings, errors or results. */
import { Chalk, type ChalkInstance } from 'chalk';
import { escapeLines, escapeTerminal } from './escape.js';

export interface LogOptions {
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

export function colorWanted(stream: { isTTY?: boolean }, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
}

export class Log {
  readonly c: ChalkInstance;
  warnings = 0;

  constructor(readonly opts: LogOptions) {
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
  }

  get isTTY(): boolean {
    return Boolean(process.stderr.isTTY);
  }

  private write(text: string): void {
    try {
      process.stderr.write(text + '\n');
    } catch {
      // stderr gone: nothing sensible left to do
    }
  }

  error(message: string, hint?: string): void {
    this.write(`${this.c.red.bold('error:')} ${escapeLines(message)}`);
    if (hint) this.write(`${this.c.dim('hint:')} ${escapeTerminal(hint)}`);
  }

  warn(message: string): void {
    // Warnings survive --quiet: in a cron mail they are the only sign that an input was damaged.
    this.warnings++;
    this.write(`${this.c.yellow('warning:')} ${escapeTerminal(message)}`);
  }

  info(message: string): void {
    if (!this.opts.quiet) this.write(message);
  }

  debug(message: string): void {
    if (this.opts.verbose && !this.opts.quiet) this.write(this.c.dim(escapeTerminal(message)));
  }
}

// A pipe's write error reaches a stream as an 'error' event, not as a throw, and one nobody handles ends the process
// with a stack trace and exit 1, which tells cron that hunt found something. stderr closed under us
// (`loghound ... 2>&1 | head -1`) leaves nothing to say a message with; the results and the exit code still stand.
process.stderr.on('error', () => undefined);

let current = new Log({ quiet: false, verbose: false, color: false });

export function log(): Log {
  return current;
}

export function setLog(l: Log): void {
  current = l;
}
