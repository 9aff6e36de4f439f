/**
 * Where --out may use a temp file and a rename. A rename replaces whatever the path names: a FIFO, a device
 * node, or the /dev/stdout symlink would become a regular file (as root, `report --out /dev/full` replaced the
 * system's /dev/full). So only a new path or a regular file is replaced; anything else that exists is written
 * to directly, a symlink through to what it points at, unless another user planted that symlink in a shared
 * folder such as /tmp (`--out /tmp/report.html` pointing at the analyst's ~/.bashrc): that is refused.
 */
import fs from 'node:fs';
import { InputError, UsageError, describeSystemError } from '../errors.js';
import { plantedLink } from '../util/files.js';

/** The store and the files SQLite and loghound keep beside it (the writer lock's name is in store/lock.ts). */
const STORE_FILES = ['', '-wal', '-shm', '-journal', '.lock'];

/**
 * `--out case42.db` for `--db case42.db` is one typo away: the rename would replace the evidence with the export.
 * The store is refused by what the path reaches (a symlink, a hard link or another spelling of the same file).
 */
function refuseStore(file: string, store: string): void {
  let target: fs.Stats;
  try {
    target = fs.statSync(file);
  } catch {
    return; // nothing there yet: not one of the store's files
  }
  for (const suffix of STORE_FILES) {
    let held: fs.Stats;
    try {
      held = fs.statSync(store + suffix);
    } catch {
      continue;
    }
    if (held.dev === target.dev && held.ino === target.ino) {
      const what = suffix ? `the store's ${suffix} file` : 'the store';
      const where = file === store + suffix ? '' : ` (${store}${suffix})`;
      throw new UsageError(`--out ${file} is ${what}${where}: writing it would destroy the evidence`, 'name another file for the output');
    }
  }
}

export function replaceByRename(file: string, store: string): boolean {
  refuseStore(file, store);
  const planted = plantedLink(file);
  if (planted) throw new InputError(`cannot write ${file}: ${planted}`);
  try {
    return fs.lstatSync(file).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new InputError(`cannot write ${file}: ${describeSystemError(err)}`);
  }
}

/** Pipes and devices cannot be flushed to disk (fsync fails with EINVAL); a file reached through a symlink can. */
export function syncIfFile(fd: number): void {
  if (fs.fstatSync(fd).isFile()) fs.fsyncSync(fd);
}
