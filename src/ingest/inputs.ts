/** INPUT arguments -> the files to read: paths, folders (recursive), globs, "-" for stdin. */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { describeSystemError } from '../errors.js';

export interface InputFile {
  /** absolute path, or "-" for stdin */
  path: string;
  /** named on the command line (true) or found in a folder or by a glob (false) */
  explicit: boolean;
}

export interface Skipped {
  path: string;
  reason: string;
  /** a problem that makes the exit code 2 (a binary file found in a folder walk is not) */
  error: boolean;
}

const GLOB_CHARS = /[*?[\]{}]/;

export async function expandInputs(inputs: string[]): Promise<{ files: InputFile[]; skipped: Skipped[] }> {
  const files: InputFile[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();
  const add = (p: string, explicit: boolean) => {
    if (seen.has(p)) return;
    seen.add(p);
    files.push({ path: p, explicit });
  };

  for (const input of inputs) {
    if (input === '-') {
      add('-', true);
      continue;
    }
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(input);
    } catch (err) {
      if (!GLOB_CHARS.test(input)) {
        skipped.push({ path: input, reason: describeSystemError(err), error: true });
        continue;
      }
    }
    if (st?.isDirectory()) {
      const found = await walk(path.resolve(input));
      if (found.length === 0) skipped.push({ path: input, reason: 'folder holds no files', error: true });
      for (const f of found) add(f, false);
    } else if (st) {
      add(path.resolve(input), true);
    } else {
      const found = await fg(input, { onlyFiles: true, absolute: true, dot: false, suppressErrors: true });
      if (found.length === 0) skipped.push({ path: input, reason: 'no file matches this pattern', error: true });
      for (const f of sortOldestFirst(found)) add(f, false);
    }
  }
  return { files, skipped };
}

async function walk(dir: string): Promise<string[]> {
  const found = await fg('**/*', { cwd: dir, onlyFiles: true, absolute: true, dot: false, suppressErrors: true });
  return sortOldestFirst(found);
}

/** Rotated families read oldest first (access.log.2.gz, access.log.1, access.log), so event ids follow time. */
function sortOldestFirst(files: string[]): string[] {
  const mtime = new Map<string, number>();
  for (const f of files) {
    try {
      mtime.set(f, fs.statSync(f).mtimeMs);
    } catch {
      mtime.set(f, 0);
    }
  }
  return files.sort((a, b) => mtime.get(a)! - mtime.get(b)! || a.localeCompare(b));
}
