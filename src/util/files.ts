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
