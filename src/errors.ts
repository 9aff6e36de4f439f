/**
 * Typed errors and the exit-code table. main.ts is the one place that turns an error into an exit code;
 * everything else throws one of these (or records a non-fatal problem in a Problems list).
 */
export const EXIT = {
  OK: 0,
  /** hunt: a new finding at or above --fail-on */
  FINDINGS: 1,
  /** usage error, bad input, an unreadable or damaged file, a store error */
  ERROR: 2,
  /** another loghound holds the store's writer lock for longer than --wait (EX_TEMPFAIL) */
  LOCKED: 75,
  /** interrupted by Ctrl-C after committing cleanly */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class LoghoundError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.ERROR,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments. */
export class UsageError extends LoghoundError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.ERROR, hint);
  }
}

/** A problem with an input, a rule or a feed that stops the command. */
export class InputError extends LoghoundError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.ERROR, hint);
  }
}

/** The store cannot be opened, written or migrated. */
export class StoreError extends LoghoundError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.ERROR, hint);
  }
}

/** stdout or an output file refused a write (a full disk): 2, never 1, which means "found something". */
export class OutputError extends LoghoundError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.ERROR, hint);
  }
}

export class LockTimeoutError extends LoghoundError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.LOCKED, hint);
  }
}

export class InterruptedError extends LoghoundError {
  constructor(message = 'interrupted') {
    super(message, EXIT.INTERRUPTED);
  }
}

/**
 * Problems that do not stop a run (a missing input among several, a damaged gzip) are collected here,
 * reported as they happen, and reflected in the exit code at the end (ripgrep's habit).
 */
export class Problems {
  readonly list: { path?: string; message: string }[] = [];
  add(message: string, path?: string): void {
    this.list.push({ path, message });
  }
  get any(): boolean {
    return this.list.length > 0;
  }
}

/** Node's system errors carry a code; this keeps the messages short and human. */
export function describeSystemError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    case 'EMFILE':
      return 'too many open files';
    default:
      return e?.message ?? String(err);
  }
}
