import type { Command } from 'commander';
import { jsonRow } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import { csvRows, outputMode, terminalWidth } from './search.js';

/**
 * `loghound sql` must never change the store. Three locks, each enough for what it covers:
 * 1. the connection is read-only (SQLITE_OPEN_READONLY) with PRAGMA query_only on top;
 * 2. the statement must start with SELECT, WITH, VALUES or EXPLAIN, or be a PRAGMA from a list that only reads
 *    (SQLite calls ATTACH, DETACH and PRAGMA assignments "read-only" because they leave the file alone, yet
 *    they change the connection: ATTACH could open another file, `PRAGMA query_only = 0` would lift lock 1b);
 * 3. SQLite's own verdict (sqlite3_stmt_readonly) must say the statement writes nothing: this catches a write
 *    inside a CTE (WITH ... DELETE) and anything that slips past the keyword check.
 * load_extension is refused by name, and is disabled in the library anyway. One statement at a time.
 */

/** PRAGMAs that only read, with or without an argument in parentheses (never "= value"). */
const READ_PRAGMAS = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
  'database_list',
  'collation_list',
  'function_list',
  'module_list',
  'pragma_list',
  'compile_options',
  'user_version',
  'schema_version',
  'application_id',
  'page_count',
  'page_size',
  'freelist_count',
  'encoding',
  'integrity_check',
  'quick_check',
]);
const ARG_PRAGMAS = new Set(['table_info', 'table_xinfo', 'table_list', 'index_list', 'index_info', 'index_xinfo', 'foreign_key_list', 'integrity_check', 'quick_check']);

const STARTS = new Set(['select', 'with', 'values', 'explain', 'pragma']);
const REFUSED_FUNCTIONS = new Set(['load_extension', 'fts3_tokenizer', 'readfile', 'writefile', 'edit']);

interface Token {
  word?: string;
  punct?: string;
}

/** The statement's words and punctuation, outside string literals, quoted identifiers and comments. */
export function sqlTokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) i++;
    else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k < 0) {
          j = sql.length;
          break;
        }
        if (close !== ']' && sql[k + 1] === close) {
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      // a quoted identifier can name a function too ("load_extension"(...)): keep its text as a word
      if (ch !== "'") out.push({ word: sql.slice(i + 1, j - 1).toLowerCase() });
      else out.push({ punct: "'" });
      i = j;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      out.push({ word: sql.slice(i, j).toLowerCase() });
      i = j;
    } else {
      out.push({ punct: ch });
      i++;
    }
  }
  return out;
}

/** Throws a UsageError naming why, unless the statement is one the read-only rules allow. */
export function checkReadOnlySql(sql: string): void {
  const toks = sqlTokens(sql);
  const words = toks.filter((t) => t.word !== undefined).map((t) => t.word!);
  if (!words.length) throw new UsageError('no SQL statement given');
  for (const w of words) {
    if (REFUSED_FUNCTIONS.has(w)) throw new UsageError(`refused: ${w}() is not available in loghound sql (it reads or runs files outside the store)`);
  }
  let first = toks[0].word;
  if (first === undefined) throw new UsageError(`refused: a statement must start with SELECT, WITH, VALUES, EXPLAIN or PRAGMA`);
  if (first === 'explain') {
    const next = words[1] === 'query' && words[2] === 'plan' ? words[3] : words[1];
    if (next === undefined || !['select', 'with', 'values'].includes(next)) {
      throw new UsageError('refused: EXPLAIN is allowed for SELECT, WITH and VALUES statements only');
    }
    first = next;
  }
  if (!STARTS.has(first)) {
    throw new UsageError(
      `refused: ${first.toUpperCase()} is not allowed: loghound sql is read-only (SELECT, WITH, VALUES, EXPLAIN and reading PRAGMAs)`,
      first === 'attach' ? 'ATTACH would open another database file through this connection' : undefined,
    );
  }
  if (first === 'pragma') checkPragma(toks);
}

function checkPragma(toks: Token[]): void {
  // PRAGMA [schema.]name [(arg)] [;]
  let i = 1;
  let name = toks[i]?.word;
  if (toks[i + 1]?.punct === '.') {
    i += 2;
    name = toks[i]?.word;
  }
  if (!name || !READ_PRAGMAS.has(name)) {
    throw new UsageError(`refused: PRAGMA ${name ?? ''} is not on loghound sql's list of pragmas that only read`, 'the pragma_* table-valued functions (SELECT * FROM pragma_table_info(\'events\')) work too');
  }
  const rest = toks.slice(i + 1).filter((t) => t.punct !== ';');
  if (rest.some((t) => t.punct === '=')) throw new UsageError(`refused: PRAGMA ${name} = ... changes the connection; loghound sql only reads`);
  if (rest.length && !(ARG_PRAGMAS.has(name) && rest[0].punct === '(')) {
    throw new UsageError(`refused: PRAGMA ${name}(...) sets a value; loghound sql only reads`);
  }
}

const SAFE = { min: BigInt(Number.MIN_SAFE_INTEGER), max: BigInt(Number.MAX_SAFE_INTEGER) };

function cell(v: unknown): unknown {
  // BLOBs print as hex text in every format
  if (Buffer.isBuffer(v)) return v.toString('hex');
  // integers come as BigInts (safeIntegers): only those a double would round stay so, and print as exact digits
  if (typeof v === 'bigint' && v >= SAFE.min && v <= SAFE.max) return Number(v);
  return v;
}

interface SqlFlags {
  json?: boolean;
  csv?: boolean;
}

async function runSql(app: App, sql: string, flags: SqlFlags): Promise<void> {
  const mode = outputMode(flags);
  checkReadOnlySql(sql);
  const { openReadStore } = await import('../../store/read.js');
  const db = openReadStore(app.dbPath);
  try {
    let stmt;
    try {
      stmt = db.prepare(sql);
    } catch (err) {
      const msg = (err as Error).message;
      if (/more than one statement/i.test(msg)) throw new UsageError('refused: one statement at a time');
      throw new UsageError(`SQL: ${msg}`);
    }
    if (!stmt.readonly) throw new UsageError('refused: the statement would write to the store; loghound sql is read-only');
    if (!stmt.reader) throw new UsageError('refused: the statement returns no rows; loghound sql only reads');
    const names = stmt.columns().map((c) => c.name);
    stmt.raw(true);
    // 64-bit values (ids in JSON logs, byte counters) must print exactly, not as the nearest double
    stmt.safeIntegers(true);
    const { cellText } = await import('../../output/format.js');
    const csvLine = await csvRows(app.out.isTTY);
    const { escapeTerminal } = await import('../../output/escape.js');
    const { ColumnWriter } = await import('../../output/columns.js');
    const out = app.out;
    const table = mode === 'table' ? new ColumnWriter(out, names.map((title) => ({ title: escapeTerminal(title), max: 60 })), app.c, terminalWidth(app)) : undefined;
    if (mode === 'csv') out.line(csvLine(names));
    let rows: IterableIterator<unknown[]>;
    try {
      rows = stmt.iterate() as IterableIterator<unknown[]>;
    } catch (err) {
      throw new UsageError(`SQL: ${(err as Error).message}`);
    }
    try {
      for (const row of rows) {
        if (out.closed) break;
        let ok: boolean;
        if (mode === 'json') ok = out.line(jsonRow(names, row.map(cell)));
        else if (mode === 'csv') ok = out.line(csvLine(row.map(cell)));
        else ok = table!.row(row.map((v) => escapeTerminal(cellText(cell(v)))));
        if (!ok) await out.drain();
      }
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_')) throw new UsageError(`SQL: ${(err as Error).message}`);
      throw err;
    }
    table?.end();
  } finally {
    db.close();
  }
}

export function register(program: Command): void {
  program
    .command('sql')
    .summary('read-only SQL over the store')
    .description(
      'Run one read-only SQL statement against the store (SELECT, WITH, VALUES, EXPLAIN, or a PRAGMA that only ' +
        'reads). The store is opened read-only; anything that would write, attach a file or change the connection ' +
        'is refused with the reason. Tables: events, sources, findings, finding_events, ip_intel and more (see README). ' +
        'Extra functions: ip_in_cidr(ip, cidr), ip_in_range(ip, lo, hi), lh_number(x).',
    )
    .argument('<statement>', 'the SQL statement')
    .option('--json', 'NDJSON: one object per row, keyed by column name')
    .option('--csv', 'CSV with a header row')
    .addHelpText(
      'after',
      examples([
        'loghound sql "SELECT dataset, count(*) AS n FROM events GROUP BY dataset ORDER BY n DESC"',
        "loghound sql \"SELECT source_ip, count(*) AS n FROM events WHERE ip_in_cidr(source_ip, '10.0.0.0/8') GROUP BY 1\" --csv",
        'loghound sql "SELECT name FROM pragma_table_xinfo(\'events\')" --json | jq -r .name',
      ]),
    )
    .action(
      action(async (sql: string, flags: SqlFlags, cmd: Command) => {
        await runSql(appFor(cmd), sql, flags);
      }),
    );
}
