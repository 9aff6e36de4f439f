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
  const seen = new Map<string, InputFile>();
  const add = (p: string, explicit: boolean) => {
    // one file reached by two paths (a link to a folder, a hard link) is still read once, under its own path
    // rather than a link's when a walk found both
    const key = identity(p);
    const known = seen.get(key);
    if (known) {
      if (!known.explicit && !explicit && !isRealPath(known.path) && isRealPath(p)) known.path = p;
      return;
    }
    const file = { path: p, explicit };
    seen.set(key, file);
    files.push(file);
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
        skipped.push({ path: input, reason: describeOpenError(input, err), error: true });
        continue;
      }
    }
    if (st?.isDirectory()) {
      const unreadable = skipped.length;
      const found = await walk(path.resolve(input), skipped);
      if (found.length === 0 && !problemSince(skipped, unreadable)) skipped.push({ path: input, reason: 'folder holds no files', error: true });
      for (const f of found) add(f, false);
    } else if (st) {
      add(path.resolve(input), true);
    } else {
      const unreadable = skipped.length;
      const found = await find(input, undefined, skipped);
      if (found.length === 0 && !problemSince(skipped, unreadable)) skipped.push({ path: input, reason: 'no file matches this pattern', error: true });
      for (const f of sortOldestFirst(found)) add(f, false);
    }
  }
  return { files, skipped };
}

/** Whether a walk named an input it could not read: a folder of nothing but a named pipe still holds no files. */
function problemSince(skipped: Skipped[], from: number): boolean {
  return skipped.slice(from).some((s) => s.error);
}

async function walk(dir: string, skipped: Skipped[]): Promise<string[]> {
  return sortOldestFirst(await find('**/*', dir, skipped));
}

/**
 * The regular files a pattern finds. What it finds that is not one is named rather than dropped without a word: a
 * link to a file that is gone or a link loop is a log that cannot be read (an error, as a missing file named is); a
 * named pipe, socket or device is left unread, since a walk would wait on a pipe for as long as no one writes to it.
 */
async function find(pattern: string, cwd: string | undefined, skipped: Skipped[]): Promise<string[]> {
  const cycles = new Set<string>();
  const options = { cwd, onlyFiles: false, objectMode: true, absolute: true, dot: false, suppressErrors: true, fs: watchedFs(skipped, cycles) } as const;
  const files: string[] = [];
  for (const entry of await fg(pattern, options)) {
    const d = entry.dirent;
    if (d.isFile()) files.push(entry.path);
    else if (d.isSymbolicLink() && !cycles.has(entry.path)) skipped.push({ path: entry.path, reason: describeOpenError(entry.path, unreadable(entry.path)), error: true });
    else if (d.isFIFO()) skipped.push({ path: entry.path, reason: 'a named pipe, not read in a folder or glob; name it to read it', error: false });
    else if (d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) skipped.push({ path: entry.path, reason: 'not a regular file (a socket or device); not read', error: false });
  }
  return files;
}

/** Why stat fails on a path (a link to nothing, a link loop). */
function unreadable(p: string): unknown {
  try {
    fs.statSync(p);
    return undefined;
  } catch (err) {
    return err;
  }
}

/**
 * The file system as fast-glob walks it. suppressErrors keeps one odd entry from ending the walk, but it also hid a
 * folder that could not be read (/var/log/audit is 0700): that folder is now named with the reason, and the walk
 * goes on. A folder that vanished during the walk is not a problem.
 */
function watchedFs(skipped: Skipped[], cycles: Set<string>): Partial<fg.FileSystemAdapter> {
  const readdir = (dir: string, options: object, callback: (err: NodeJS.ErrnoException | null, entries: unknown[]) => void) =>
    fs.readdir(dir, options, (err, entries) => {
      if (err && err.code !== 'ENOENT') {
        skipped.push({ path: dir, reason: describeSystemError(err), error: true });
        callback(null, []);
        return;
      }
      callback(err, entries);
    });
  const real = new Map<string, string>();
  const noted = new Set<string>();
  const realOf = (p: string) => {
    let r = real.get(p);
    if (r === undefined) {
      r = fs.realpathSync(p);
      real.set(p, r);
    }
    return r;
  };
  // fast-glob stats a symbolic link to learn what it points to: a link back to a folder the walk is already inside
  // is answered with the link itself, which is neither a folder to enter nor a file to read
  const stat = (p: string, callback: (err: NodeJS.ErrnoException | null, st: fs.Stats) => void) =>
    fs.stat(p, (err, st) => {
      if (err || !st.isDirectory() || !closesCycle(p, realOf)) {
        callback(err, st);
        return;
      }
      cycles.add(p);
      fs.lstat(p, (lerr, link) => {
        // the same link is met again through every other way into its folder: named once
        const key = link ? `${link.dev}:${link.ino}` : p;
        if (!noted.has(key)) skipped.push({ path: p, reason: 'link to a folder that contains it; not followed', error: false });
        noted.add(key);
        callback(lerr, link);
      });
    });
  return { readdir: readdir as unknown as typeof fs.readdir, stat: stat as unknown as typeof fs.stat };
}

/** Does this link lead to one of the folders it sits in? Following it would walk the same files again, endlessly. */
function closesCycle(link: string, realOf: (p: string) => string): boolean {
  let target: string;
  try {
    target = realOf(link);
  } catch {
    return false;
  }
  for (let dir = path.dirname(link); ; dir = path.dirname(dir)) {
    try {
      if (realOf(dir) === target) return true;
    } catch {
      return false;
    }
    if (dir === path.dirname(dir)) return false;
  }
}

function isRealPath(p: string): boolean {
  try {
    return fs.realpathSync(p) === p;
  } catch {
    return false;
  }
}

function identity(p: string): string {
  try {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return p;
  }
}

/**
 * Rotated families are read oldest first (access.log.2.gz, access.log.1, access.log), so event ids follow time.
 * The rotation suffix decides, not the mtime: a fresh checkout or a copy gives every file the same mtime. A rotation
 * number counts back in time (.1 is newer than .2); a date stamp (logrotate's dateext: -20261201, -2026-12-01,
 * -%s) counts forward, so the smaller stamp is the older file.
 */
function sortOldestFirst(files: string[]): string[] {
  const keyed = files.map((f) => ({ f, key: rotationOf(f) }));
  keyed.sort((a, b) => compareRotations(a.key, b.key));
  return keyed.map((k) => k.f);
}

interface Rotation {
  /** the live file's name the family shares */
  base: string;
  /** the rotation number, or -1 for none */
  n: number;
  /** a date stamp's digits, or null for none */
  stamp: number | null;
}

// [\s\S]: a name may hold a newline (anyone who can write a file in a folder that is read chooses its name)
const ROTATED = /^([\s\S]*?)(?:[.-](\d{4}-\d{2}-\d{2}|\d+))?(\.gz)?$/;
/** Eight digits and more are a date (YYYYMMDD, with an hour, epoch seconds): nobody keeps ten million rotations. */
const STAMP = /^\d{4}-\d{2}-\d{2}$|^\d{8,}$/;

function rotationOf(file: string): Rotation {
  const m = ROTATED.exec(file)!;
  const suffix = m[2];
  if (suffix === undefined) return { base: m[1], n: -1, stamp: null };
  if (STAMP.test(suffix)) return { base: m[1], n: -1, stamp: Number(suffix.replaceAll('-', '')) };
  return { base: m[1], n: Number(suffix), stamp: null };
}

/** Oldest first within a family: numbered rotations from the highest, then dated ones from the earliest, then the live file. */
function compareRotations(a: Rotation, b: Rotation): number {
  if (a.base !== b.base) return a.base < b.base ? -1 : 1;
  if (a.stamp !== null && b.stamp !== null) return a.stamp - b.stamp;
  if (a.stamp !== null) return b.n === -1 ? -1 : 1;
  if (b.stamp !== null) return a.n === -1 ? 1 : -1;
  return b.n - a.n;
}

/**
 * Why a path could not be opened. A name that is not valid UTF-8 reaches JavaScript with U+FFFD in place of its bad
 * bytes (from the command line or a folder listing), and that name does not exist: say so, rather than "no such file".
 */
export function describeOpenError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' && file.includes('\uFFFD')) {
    return 'its name is not valid UTF-8 (shown with \uFFFD), and loghound opens files by name: rename it, or pipe it in (loghound ingest - < FILE)';
  }
  if (code === 'ELOOP') return 'symbolic link loop (the links lead back to each other); not followed';
  if (code === 'ENOENT') {
    try {
      return `symbolic link to ${fs.readlinkSync(file)}, which does not exist`;
    } catch {
      // not a link: the path itself is missing
    }
  }
  return describeSystemError(err);
}
