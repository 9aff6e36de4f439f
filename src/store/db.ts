/**
 * Opening the store: one SQLite file, created mode 0600, WAL, a busy timeout, migrated to the latest schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from './sqlite.js';
import { StoreError, describeSystemError } from '../errors.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import { plantedLink } from '../util/files.js';

export type DB = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** a writer that needs what a store holds (prune, repair): a blank file is refused, not made a store */
  existing?: boolean;
  /** stop migrating at this version (tests of forward migration) */
  migrateTo?: number;
}

export function openDb(file: string, opts: OpenOptions = {}): DB {
  let db: DB;
  try {
    refuseFolder(file);
    if (opts.readonly) {
      requireExisting(file);
      db = openReader(file);
    } else {
      createPrivately(file);
      db = new Database(file);
    }
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot open the store ${file}: ${describeSystemError(err)}`);
  }
  try {
    db.pragma('busy_timeout = 10000');
    // before the first pragma that writes: journal_mode = WAL alone would change another program's database
    const blank = requireStore(db, file, !opts.readonly && !opts.existing);
    // a new store can give pages back after prune without a full VACUUM; must come before WAL and any table
    if (blank) db.pragma('auto_vacuum = INCREMENTAL');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('temp_store = FILE');
    db.pragma('cache_size = -65536');
    // no memory map: mapped pages count as resident memory (a 64 MB map added 64 MB to every step's peak) and
    // gave no measurable speed to ingest or hunt, which read through the page cache anyway
    db.pragma('mmap_size = 0');
    if (!opts.readonly) {
      migrate(db, file, opts.migrateTo ?? LATEST_VERSION);
      if (schemaVersion(db) >= 1) ensureEventIndexes(db);
    } else checkVersion(db, file);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot use the store ${file}: ${describeSystemError(err)}`);
  }
  return db;
}

/**
 * Refuses a file that is not a loghound store before anything reads or writes loghound's tables in it; returns
 * whether it holds nothing yet. A writer may make a store of such a file (new, 0 bytes, or a SQLite database
 * without a single table or index); a reader has nothing to read in it, and nobody touches another program's
 * database, which would otherwise get loghound's tables added beside its own.
 */
function requireStore(db: DB, file: string, mayCreate: boolean): boolean {
  const why = notAStore(db, file);
  if (why === undefined) return false;
  if (why.blank && mayCreate) {
    claimBlank(file);
    return true;
  }
  throw new StoreError(`${file} is not a loghound store (${why.reason})`, why.blank ? '"loghound ingest" or "loghound hunt" makes a store of it' : undefined);
}

/** Why the file is not a loghound store (blank: it holds nothing at all), or undefined when it is one. */
function notAStore(db: DB, file: string): { reason: string; blank: boolean } | undefined {
  let objects: { type: string; name: string }[];
  try {
    objects = db.prepare('SELECT type, name FROM sqlite_schema').all() as { type: string; name: string }[];
  } catch (err) {
    // the first read of the file: this is where SQLite looks at its header
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') return { reason: 'not a SQLite database', blank: false };
    throw err;
  }
  const version = schemaVersion(db);
  if (objects.length === 0 && version === 0) {
    return { reason: fs.statSync(file).size === 0 ? 'an empty file' : 'an empty SQLite database', blank: true };
  }
  const tables = objects.filter((o) => o.type === 'table' && !o.name.startsWith('sqlite_')).map((o) => o.name);
  // every loghound schema since version 1 has both; a version alone could be any program's
  if (version >= 1 && tables.includes('events') && tables.includes('sources')) return undefined;
  const named = tables.length ? `other tables: ${tables.slice(0, 3).map(tableName).join(', ')}${tables.length > 3 ? ', ...' : ''}` : `schema version ${version} and no tables`;
  return { reason: `a SQLite database with ${named}`, blank: false };
}

/** Another program's table name, quoted when it is not a plain word: the message must stay one line. */
function tableName(name: string): string {
  return /^[\w$.-]+$/.test(name) ? name : JSON.stringify(name);
}

/**
 * A read-only connection. SQLite reads a WAL store through its -shm file and creates it beside the store when it
 * is missing, as it is after the last connection closed; in a folder this user cannot write (read-only evidence
 * media, another user's folder) that fails, with SQLITE_READONLY_DIRECTORY at the first read. The store is then
 * opened immutable: SQLite's documented way to read a WAL database there (sqlite.org/wal.html, "Read-Only
 * Databases"), which uses neither -shm nor locks.
 */
function openReader(file: string): DB {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('user_version');
  } catch (err) {
    const code = (err as { code?: string }).code;
    // a -wal file this user cannot open, or without its -shm, fails the same way, as CANTOPEN
    const noShm = code === 'SQLITE_READONLY_DIRECTORY' || (code === 'SQLITE_CANTOPEN' && fs.existsSync(`${file}-wal`));
    // anything else (not a database, damaged) is for the checks after opening to report, as for any store
    if (!noShm) return db;
    db.close();
    return openImmutable(file);
  }
  return db;
}

/**
 * The store read as a file nothing else writes. An immutable connection does not read the -wal file, so it is used
 * only when there is none (or an empty one): then every committed change is in the store file itself. What it
 * risks: it takes no locks, so a writer that starts while it reads (one that may write the folder, another user)
 * is not held back, and may change pages under it: the reader can then see old and new pages mixed (wrong counts,
 * or SQLITE_CORRUPT). The writer is not disturbed. Writers need a writable folder, so on read-only media there is
 * none.
 */
function openImmutable(file: string): DB {
  const name = path.basename(file);
  const cannot = `cannot read the store ${file}: SQLite cannot make or open ${name}-shm beside it (the folder or that file is not writable for this user)`;
  const wal = `${file}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) {
    throw new StoreError(`${cannot}, and ${name}-wal holds changes not yet in the store file`, 'copy the store with its -wal file to a folder you can write, or read it as a user who can write its folder');
  }
  let db: DB | undefined;
  try {
    db = new Database(`${pathToFileURL(file).href}?immutable=1`, { readonly: true, fileMustExist: true });
    db.pragma('user_version');
    return db;
  } catch (err) {
    db?.close();
    // SQLITE_USE_URI=0 in the environment, or a SQLite built without URIs: the URI was taken for a file name
    if ((err as { code?: string }).code === 'SQLITE_CANTOPEN') throw new StoreError(cannot, 'copy the store to a folder you can write');
    throw err;
  }
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * A blank file a writer is about to make a store of: it must be this user's, and it becomes 0600 (a file made with
 * `touch` has the umask's mode), before SQLite makes -wal and -shm files with the same mode. Another user's empty
 * file, say one left in /tmp at the name the analyst will pass, would keep its owner and mode: its owner could
 * read every log line ingested into it.
 */
function claimBlank(file: string): void {
  const st = fs.statSync(file);
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new StoreError(`${file} is an empty file owned by another user (uid ${st.uid}); refusing to make a store of it, which they could read`, 'pass --db a path of your own');
  }
  if (st.mode & 0o077) fs.chmodSync(file, 0o600);
}

/** For commands that need what a store holds: a missing file is a mistyped --db, not a store to create. */
/** SQLite says only "disk I/O error" or "unable to open database file" for a folder: say what it is. */
function refuseFolder(file: string): void {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new StoreError(`${file} is a folder, not a store`, `pass --db a file, such as ${path.join(file, 'loghound.db')}`);
  }
}

export function requireExisting(file: string): void {
  if (!fs.existsSync(file)) throw new StoreError(`no store at ${file}`, 'run "loghound ingest" or "loghound hunt" first, or pass --db');
}

/**
 * The file is created by us, 0600, before SQLite sees it: SQLite gives its -wal and -shm files the same mode. A new
 * store is never created through a symlink (O_EXCL semantics): a link to a missing file, planted in a shared folder,
 * would have put the store, and the -wal and -shm files SQLite makes beside where the link points, in a folder of
 * the planter's choosing. An existing store reached through the user's own symlink is used as it is.
 */
function createPrivately(file: string): void {
  const planted = plantedLink(file);
  if (planted) throw new StoreError(`cannot open the store ${file}: ${planted}`);
  if (fs.existsSync(file)) return;
  if (isSymlink(file)) {
    throw new StoreError(`cannot create the store ${file}: it is a symlink to a missing file, and a new store is made only as a file of its own`, 'remove the link, or pass --db the path it points to');
  }
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) throw new StoreError(`cannot create the store ${file}: folder ${dir} does not exist`);
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new StoreError(`cannot create the store ${file}: ${describeSystemError(err)}`);
  }
}

/**
 * The secondary indexes on events. A large ingest drops them and builds them again at the end (a sorted build is
 * much cheaper than maintaining them row by row); if that run dies in between, the next writer restores them.
 */
export const EVENT_INDEXES: Record<string, string> = {
  events_ts: 'CREATE INDEX IF NOT EXISTS events_ts ON events (ts)',
  events_source_ip: 'CREATE INDEX IF NOT EXISTS events_source_ip ON events (source_ip, ts)',
  // most events name no user (web requests): only those that do are indexed; `user_name = ?`, IN and LIKE imply it
  events_user_name: 'CREATE INDEX IF NOT EXISTS events_user_name ON events (user_name, ts) WHERE user_name IS NOT NULL',
  // the field web searches narrow by most (5xx, 401/403 per client); only web events have it, so only they are indexed
  events_http_status:
    'CREATE INDEX IF NOT EXISTS events_http_status ON events (http_response_status_code, ts) WHERE http_response_status_code IS NOT NULL',
};

export function dropEventIndexes(db: DB): void {
  for (const name of Object.keys(EVENT_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
}

export function ensureEventIndexes(db: DB): void {
  for (const sql of Object.values(EVENT_INDEXES)) db.exec(sql);
}

/**
 * The smallest and largest id or time of the stored events (nulls when there are none). Two subqueries: SQLite
 * reads a lone min() or max() off one end of an index, but both in one SELECT make it read the whole index (0.15 s
 * at 3M events, 0.75 s at 15M, 3 s from disk).
 */
export function eventBounds(db: DB, column: 'id' | 'ts'): [number | null, number | null] {
  return db.prepare(`SELECT (SELECT min(${column}) FROM events), (SELECT max(${column}) FROM events)`).raw(true).get() as [number | null, number | null];
}

/** How many rows one query gives that the other does not, both ways (0 when they agree): for `db check`. */
export function rowsDiffering(db: DB, a: string, b: string): number {
  return db.prepare(`SELECT (SELECT count(*) FROM (${a} EXCEPT ${b})) + (SELECT count(*) FROM (${b} EXCEPT ${a}))`).pluck().get() as number;
}

/**
 * SQLite's statistics of the events table, taken again when it has at least doubled since they were (or has none):
 * so the cost adds up to a few reads of the final store however it grew, a big ingest or many small cron runs.
 * Without statistics the planner guesses that any range matches a quarter of the rows, and walks the time index for
 * `status >= 500` (2 s over 2M requests) rather than the status index (milliseconds); with them (STAT4 samples) it
 * picks the index for rare values and keeps time order for common ones. ANALYZE reads each index once: about 1 s per
 * 3M events. Ids only grow (prune leaves gaps), so the highest id bounds the row count without counting.
 */
export function refreshStatistics(db: DB): void {
  const rows = (db.prepare('SELECT max(id) FROM events').pluck().get() as number | null) ?? 0;
  if (rows === 0) return;
  // sqlite_stat1 exists only once something was analysed; its row for the time index starts with the row count
  const stat = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get()
    ? (db.prepare("SELECT stat FROM sqlite_stat1 WHERE tbl = 'events' AND idx = 'events_ts'").pluck().get() as string | undefined)
    : undefined;
  if (rows >= 2 * Number.parseInt(stat ?? '0', 10)) db.exec('ANALYZE events');
}

function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkVersion(db: DB, file: string): number {
  const v = schemaVersion(db);
  if (v > LATEST_VERSION) {
    throw new StoreError(
      `the store ${file} has schema version ${v}, newer than this loghound understands (${LATEST_VERSION})`,
      'upgrade loghound',
    );
  }
  return v;
}

function migrate(db: DB, file: string, target: number): void {
  const current = checkVersion(db, file);
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

export function storeVersion(db: DB): number {
  return schemaVersion(db);
}
