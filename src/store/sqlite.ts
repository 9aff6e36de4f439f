/**
 * better-sqlite3, with SQLite's URI file names allowed in this process: the one way to open a store immutable
 * (db.ts, for a store in a folder this user cannot write). better-sqlite3 builds SQLite without URIs and turns them
 * on only when SQLITE_USE_URI=1 is set as it loads its native addon, at the first connection (not at import), for
 * the whole process; every module that opens SQLite imports it from here, so that this line runs first.
 * URIs change nothing for the names loghound opens otherwise: they are absolute paths, and only a name that
 * starts with "file:" is read as a URI.
 */
import Database from 'better-sqlite3';

process.env.SQLITE_USE_URI ??= '1';

export default Database;
