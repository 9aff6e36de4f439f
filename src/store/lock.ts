/**
 * The writer lock: ingest, hunt and prune hold it for their whole run, so two cron jobs never read the same new
 * bytes twice. It is an exclusive transaction on a small SQLite file beside the store: the operating system
 * releases it when the process dies, even by kill -9, so there is never a stale lock to clean up.
 */
import fs from 'node:fs';
import Database from './sqlite.js';
import { LockTimeoutError, StoreError, describeSystemError } from '../errors.js';

export interface WriterLock {
  release(): void;
}

export function acquireWriterLock(storePath: string, waitSeconds: number, onWait?: () => void): WriterLock {
  const file = `${storePath}.lock`;
  // O_EXCL: a symlink planted at the lock's name (pointing at /etc/nologin, say) is never followed to create a file
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError(`cannot create the lock file ${file}: ${describeSystemError(err)}`);
    if (fs.lstatSync(file).isSymbolicLink()) throw new StoreError(`cannot lock the store: ${file} is a symlink, not a lock file loghound made`, 'remove it');
  }
  // no pragma here: any statement but BEGIN would itself fail while another process holds the lock
  const db = new Database(file, { timeout: 0 });
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      db.exec('BEGIN EXCLUSIVE');
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') {
        db.close();
        throw new StoreError(`cannot lock the store (${file}): ${describeSystemError(err)}`);
      }
      const waited = Date.now() - started;
      if (waited >= waitSeconds * 1000) {
        db.close();
        throw new LockTimeoutError(
          `another loghound is writing to ${storePath}; gave up after waiting ${waitSeconds} s`,
          'run it again later, or give it longer with --wait SECONDS',
        );
      }
      if (!told) {
        onWait?.();
        told = true;
      }
      sleep(Math.min(200, waitSeconds * 1000 - waited));
    }
  }
  return {
    release() {
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** A synchronous pause: waiting for the lock has nothing else to do meanwhile. */
function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, Math.max(1, ms));
}
