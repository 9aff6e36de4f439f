import { Option, type Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { fmtInt } from '../../output/format.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { action, appFor, examples, type App } from '../app.js';
import { InputError, InterruptedError, UsageError, describeSystemError } from '../../errors.js';
import { CSV_COLUMNS, buildFilter, csvHeader, csvRows, docValue, intelLookup, pages, PAGE, type FilterFlags } from './search.js';
import { findingFilter, wholeNumber } from './findings.js';
import { replaceByRename, syncIfFile } from '../outfile.js';
import { tempBeside } from '../../util/files.js';
import { LEVELS, type Level } from '../../model/event.js';
import type { DB } from '../../store/db.js';
import type { EventDbRow } from '../../store/read.js';

const FORMATS = ['ndjson', 'csv', 'ecs-bulk'] as const;
type Format = (typeof FORMATS)[number];

const DEFAULT_INDEX = { events: 'loghound-events', findings: 'loghound-findings' };

interface ExportFlags extends FilterFlags {
  events?: boolean;
  findings?: boolean;
  format?: string;
  out?: string;
  index?: string;
  level?: Level;
  rule?: string;
  evidence?: string;
}

/** What export writes to: the stdout sink, or a private temp file renamed into place at the end. */
interface Output {
  readonly closed: boolean;
  line(text: string): boolean;
  drain(): Promise<void>;
}

const CHUNK = 256 * 1024;

/**
 * --out FILE: written as .FILE.<pid>.<random>.tmp beside it, mode 0600 (exports hold raw log lines), flushed to
 * disk and renamed over FILE at the end, so FILE is either the old file or the whole new export, never a part.
 * A FIFO, a device or a symlink is written to directly instead, as it streams (see outfile.ts).
 */
class FileOutput implements Output {
  /** a pipe written to directly whose reader went away (`--out /dev/stdout | head`): a normal end, as on stdout */
  closed = false;
  /** FILE itself when it is written to directly, else the temp file */
  private readonly tmp: string;
  private readonly direct: boolean;
  private readonly stream: fs.WriteStream;
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  private error: Error | undefined;
  private waiting: Promise<void> | undefined;

  constructor(
    readonly file: string,
    store: string,
  ) {
    this.direct = !replaceByRename(file, store);
    this.tmp = this.direct ? file : tempBeside(file);
    try {
      // a FIFO's open waits here for its reader, as a shell's "> fifo" does
      this.fd = fs.openSync(this.tmp, this.direct ? 'w' : 'wx', 0o600);
    } catch (err) {
      throw new InputError(`cannot write ${file}: ${describeSystemError(err)}`);
    }
    this.stream = fs.createWriteStream('', { fd: this.fd, autoClose: false });
    this.stream.on('error', (err: NodeJS.ErrnoException) => {
      if (this.direct && err.code === 'EPIPE') this.closed = true;
      else this.error = err;
    });
  }

  line(text: string): boolean {
    if (this.closed) return true;
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    return this.size < CHUNK || this.flush();
  }

  private flush(): boolean {
    this.check();
    if (!this.size || this.closed) return true;
    const ok = this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (!ok && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          this.waiting = undefined;
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
    return ok;
  }

  async drain(): Promise<void> {
    if (this.waiting) await this.waiting;
    this.check();
  }

  private check(): void {
    if (this.error) throw new InputError(`cannot write ${this.file}: ${describeSystemError(this.error)}`);
  }

  async commit(): Promise<void> {
    this.flush();
    await this.drain();
    await new Promise<void>((resolve, reject) => {
      if (this.closed) return resolve();
      this.stream.end(() => resolve());
      this.stream.once('error', (err: NodeJS.ErrnoException) => (this.closed ? resolve() : reject(err)));
    }).catch((err) => {
      throw new InputError(`cannot write ${this.file}: ${describeSystemError(err)}`);
    });
    this.check();
    try {
      syncIfFile(this.fd);
      fs.closeSync(this.fd);
      if (!this.direct) fs.renameSync(this.tmp, this.file);
    } catch (err) {
      this.abandon();
      throw new InputError(`cannot write ${this.file}: ${describeSystemError(err)}`);
    }
  }

  abandon(): void {
    this.stream.destroy();
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed by commit
    }
    if (!this.direct) fs.rmSync(this.tmp, { force: true });
  }
}

/**
 * The bulk `_id`: a hash of the source file's fingerprint (its first KiB, which survives rotation and renaming),
 * the byte offset, and every stored value of the event. Exporting the same events again, from this store or one
 * rebuilt from the same logs, gives the same ids, so `create` turns a reload into conflicts instead of copies.
 */
export function stableId(row: EventDbRow & { fingerprint: string }): string {
  let text = row.fingerprint;
  for (const key in row) {
    if (key === 'id' || key === 'path' || key === 'fingerprint') continue;
    const v = row[key];
    text += v === null || v === undefined ? '\u0000\u0001' : `\u0000${String(v)}`;
  }
  return createHash('sha256').update(text).digest('base64url').slice(0, 27);
}

/** Elasticsearch's index-name rules, so a bad name fails here and not halfway through a bulk load. */
function checkIndexName(name: string): void {
  if (
    !name ||
    name !== name.toLowerCase() ||
    /[\\/*?"<>| ,#:]/.test(name) ||
    /^[-_+]/.test(name) ||
    name === '.' ||
    name === '..' ||
    Buffer.byteLength(name) > 255
  ) {
    throw new UsageError(`--index ${name}: not a valid index name`, 'lower case, no spaces or \\ / * ? " < > | , # :, not starting with - _ +');
  }
}

async function runExport(app: App, flags: ExportFlags): Promise<number | void> {
  if (flags.events && flags.findings) throw new UsageError('--events and --findings exclude each other: export one at a time');
  if (!flags.events && !flags.findings) throw new UsageError('say what to export: --events or --findings');
  const what = flags.events ? 'events' : 'findings';
  const format = (flags.format ?? 'ndjson') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format ${flags.format}: expected ndjson, csv or ecs-bulk`);
  if (flags.index !== undefined && format !== 'ecs-bulk') throw new UsageError('--index applies to --format ecs-bulk only');
  if (what === 'events') {
    for (const f of ['level', 'rule'] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} applies to --findings only`);
  } else if (flags.query !== undefined) {
    throw new UsageError('--query applies to --events only', 'narrow findings with --level, --rule, --since and --until');
  }
  const index = flags.index ?? DEFAULT_INDEX[what];
  checkIndexName(index);
  const evidence = wholeNumber(flags.evidence ?? '10', '--evidence');
  const { openReadStore } = await import('../../store/read.js');
  const { onInterrupt } = await import('../interrupt.js');
  const db = openReadStore(app.dbPath);
  let file: FileOutput | undefined;
  let committed = false;
  const sig = onInterrupt();
  try {
    file = flags.out !== undefined ? new FileOutput(path.resolve(flags.out), app.dbPath) : undefined;
    const out: Output = file ?? app.out;
    const n =
      what === 'events'
        ? await exportEvents(app, db, flags, format, index, out, sig.interrupted)
        : await exportFindings(app, db, flags, format, index, evidence, out, sig.interrupted);
    if (sig.interrupted()) throw new InterruptedError(file ? `interrupted: ${file.file} was left as it was` : 'interrupted');
    if (file) {
      await file.commit();
      committed = true;
      app.log.info(`exported ${fmtInt(n)} ${what === 'events' ? (n === 1 ? 'event' : 'events') : n === 1 ? 'finding' : 'findings'} to ${file.file}`);
    }
  } finally {
    sig.dispose();
    if (file && !committed) file.abandon();
    db.close();
  }
}

/** Events in time order, each page enriched from ip_intel with one read. Returns how many were written. */
async function exportEvents(app: App, db: DB, flags: ExportFlags, format: Format, index: string, out: Output, interrupted: () => boolean): Promise<number> {
  const { eventRows, heldAddresses } = await import('../../store/read.js');
  const filter = await buildFilter(flags, heldAddresses(db));
  const { rowToEvent } = await import('../../store/events.js');
  const { eventToEcs, esDocument } = await import('../../output/ecs.js');
  const { enrichDoc } = await import('../../enrich/ecs.js');
    const csvLine = await csvRows(flags.out === undefined && app.out.isTTY);
  // the CSV columns hold nothing enrichment adds
  const lookup = format === 'csv' ? undefined : await intelLookup(db);
  let n = 0;
  if (format === 'csv') out.line(csvHeader(CSV_COLUMNS));
  for (const page of pages(eventRows(db, filter, { also: 's.fingerprint AS fingerprint' }), lookup ? PAGE : 1)) {
    if (out.closed || interrupted()) break;
    const evs = page.map(rowToEvent);
    const intel = lookup?.(evs);
    for (let i = 0; i < page.length; i++) {
      const doc = eventToEcs(evs[i]);
      if (intel?.size) enrichDoc(doc, intel);
      let ok: boolean;
      if (format === 'ndjson') ok = out.line(jsonLine(doc));
      else if (format === 'csv') ok = out.line(csvLine(CSV_COLUMNS.map((name) => docValue(doc, name))));
      else {
        out.line(jsonLine({ create: { _index: index, _id: stableId(page[i] as EventDbRow & { fingerprint: string }) } }));
        ok = out.line(jsonLine(esDocument(doc)));
      }
      n++;
      if (!ok) await out.drain();
      if (out.closed) break;
    }
  }
  return n;
}

/**
 * Findings in time order: NDJSON in findingDoc's shape, CSV, or a bulk body of ECS alerts (findingEcs). The bulk
 * action is `index` with the finding id as `_id`, not `create`: a finding grows as its window does, and a reload
 * must replace the older copy, which `create` would refuse.
 */
async function exportFindings(
  app: App,
  db: DB,
  flags: ExportFlags,
  format: Format,
  index: string,
  evidence: number,
  sink: Output,
  interrupted: () => boolean,
): Promise<number> {
  const filter = findingFilter(flags);
  const { storeVersion } = await import('../../store/db.js');
  const { listFindings } = await import('../../store/findings.js');
  const { groupFields } = await import('../../store/group.js');
  const out = await import('../../output/findings.js');
  const { esDocument } = await import('../../output/ecs.js');
    const { EVENT_SELECT, rowToEvent } = await import('../../store/events.js');
  const rows = storeVersion(db) >= 2 ? listFindings(db, filter) : [];
  const tty = flags.out === undefined && app.out.isTTY;
  const evidenceRows = db.prepare(
    `SELECT ${EVENT_SELECT}, s.fingerprint AS fingerprint FROM finding_events fe JOIN events e ON e.id = fe.event_id JOIN sources s ON s.id = e.source_id
     WHERE fe.finding_id = ? ORDER BY fe.ts, fe.event_id LIMIT ?`,
  );
  let n = 0;
  if (format === 'csv') sink.line(out.FINDING_CSV_HEAD.join(','));
  for (const r of rows) {
    if (sink.closed || interrupted()) break;
    let ok: boolean;
    if (format === 'ndjson') ok = sink.line(jsonLine(out.findingDoc(r, out.evidenceEvents(db, r.id, evidence))));
    else if (format === 'csv') ok = sink.line(out.findingCsv(r, tty));
    else {
      const ev = (evidenceRows.all(r.id, evidence) as (EventDbRow & { fingerprint: string })[]).map((row) => ({ event: rowToEvent(row), exportId: stableId(row) }));
      sink.line(jsonLine({ index: { _index: index, _id: r.id } }));
      ok = sink.line(jsonLine(esDocument(out.findingEcs(r, groupFields(db, r.id, JSON.parse(r.group_json)), ev))));
    }
    n++;
    if (!ok) await sink.drain();
  }
  return n;
}

export function register(program: Command): void {
  program
    .command('export')
    .summary('stream events or findings out as NDJSON, CSV or an Elasticsearch bulk body')
    .description(
      'Write events as ECS NDJSON (the shape of every --json, with geo and threat context when hunt has enriched ' +
        'the store), CSV (a fixed column set, see README), or an Elasticsearch / OpenSearch _bulk body: a "create" ' +
        'action with a stable _id, then the document, so loading the same export twice adds nothing. --findings ' +
        'writes findings instead: NDJSON as findings --json prints them, CSV, or a bulk body of ECS alerts indexed ' +
        'under their finding id (a grown finding replaces its older copy). Streamed with flat memory; --out writes ' +
        'a private temp file and renames it into place when complete.',
    )
    .option('--events', 'export events')
    .option('--findings', 'export findings')
    .option('--format <format>', 'ndjson, csv or ecs-bulk', 'ndjson')
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .option('--query <query>', 'events: only those matching this search query')
    .option('--since <time>', 'events at or after this time, findings still going then (ISO, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'events before this time, findings that started before it')
    .addOption(new Option('--level <level>', 'findings: only those at or above this level').choices(LEVELS))
    .option('--rule <id>', 'findings: only those of this rule (id or title)')
    .option('--evidence <n>', 'findings: evidence events per finding (ndjson and ecs-bulk)', '10')
    .option('--index <name>', `ecs-bulk: the target index (default ${DEFAULT_INDEX.events}, or ${DEFAULT_INDEX.findings} with --findings)`)
    .addHelpText(
      'after',
      examples([
        'loghound export --events --out events.ndjson',
        "loghound export --events --format csv --query 'event.dataset:web.access' --since 7d > web.csv",
        'loghound export --events --format ecs-bulk --index logs-incident42 --out bulk.ndjson',
        'loghound export --findings --level medium --format ecs-bulk --out findings.bulk',
        "curl -s -H 'Content-Type: application/x-ndjson' -XPOST localhost:9200/_bulk --data-binary @bulk.ndjson",
      ]),
    )
    .action(
      action(async (flags: ExportFlags, cmd: Command) => {
        return runExport(appFor(cmd), flags);
      }),
    );
}
