/**
 * Replacing a file as a whole: written to a private temp file beside it, flushed, then renamed over it, so a reader
 * sees the old file or the new one, never a part. The temp file has a random name and is created with O_EXCL
 * ('wx'), which never follows a symlink: nobody who can write the folder can point the write elsewhere by planting
 * a link at a name they guessed (the old `.<name>.<pid>.tmp` was guessable).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A fresh temp file name beside `file`. */
export function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `data` to `file` (mode 0600) atomically; the temp file is removed when anything fails. */
export function replaceFile(file: string, data: string | Uint8Array): void {
  const tmp = tempBeside(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Why `file` must not be followed, when it is a symlink that another user planted in a shared folder (sticky and
 * world-writable, as /tmp): the rule Linux applies itself with fs.protected_symlinks=1, which not every system
 * (nor every container) turns on. Such a link is followed only when this user or the folder's owner made it.
 * Undefined for anything else, and for a path that does not exist.
 */
export function plantedLink(file: string): string | undefined {
  const uid = process.geteuid?.();
  if (uid === undefined) return undefined;
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  if (!link.isSymbolicLink() || link.uid === uid) return undefined;
  const dir = fs.statSync(path.dirname(file));
  const shared = (dir.mode & 0o1002) === 0o1002;
  if (!shared || link.uid === dir.uid) return undefined;
  return `it is a symlink owned by another user (uid ${link.uid}) in the shared folder ${path.dirname(file)}; refusing to follow it`;
}
