/**
 * Where --out may use a temp file and a rename. A rename replaces whatever the path names: a FIFO, a device
 * node, or the /dev/stdout symlink would become a regular file (as root, `report --out /dev/full` replaced the
 * system's /dev/full). So only a new path or a regular file is replaced; anything else that exists is written
 * to directly, a symlink through to what it points at, unless another user planted that symlink in a shared
 * folder such as /tmp (`--out /tmp/report.html` pointing at the analyst's ~/.bashrc): that is refused.
 */
import fs from 'node:fs';
import { InputError, describeSystemError } from '../errors.js';
import { plantedLink } from '../util/files.js';

export function replaceByRename(file: string): boolean {
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
