import { Option, type Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { FORMAT_HELP, action, appFor, examples, waitSeconds, zoneOption, type App } from '../app.js';
import { onInterrupt } from '../interrupt.js';
import { progressBar } from '../progress.js';
import { EXIT } from '../../errors.js';
import type { IngestSummary } from '../../ingest/ingest.js';
import type { DB } from '../../store/db.js';

export interface IngestFlags {
  format?: string;
  tz?: string;
  force?: boolean;
  batchRows?: string;
  wait?: string;
}

/**
 * The store opened for writing, under the writer lock; `fn` runs with both and they are released after. With
 * `existing`, a missing store is an error before the lock file is made (prune, db check --repair: a mistyped --db
 * in a weekly cron job must not succeed forever on an empty new store).
 */
export async function withWriter<T>(app: App, wait: string | undefined, fn: (db: DB) => Promise<T>, opts: { existing?: boolean } = {}): Promise<T> {
  const seconds = waitSeconds(wait);
  const { openDb, requireExisting } = await import('../../store/db.js');
  if (opts.existing) requireExisting(app.dbPath);
  const { acquireWriterLock } = await import('../../store/lock.js');
  const lock = acquireWriterLock(app.dbPath, seconds, () => app.log.info(`waiting up to ${seconds} s for another loghound writing to ${app.dbPath}`));
  try {
    const db = openDb(app.dbPath, { existing: opts.existing });
    try {
      return await fn(db);
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}

/** --format and --tz are checked before the store is opened: a mistyped flag must not leave a new empty store behind. */
export async function checkIngestFlags(flags: IngestFlags): Promise<void> {
  zoneOption(flags.tz);
  if (flags.format === undefined) return;
  const { chooseParser } = await import('../../parsers/dispatch.js');
  chooseParser([], flags.format); // throws a usage error naming the formats
}

/** Ingest shared by `ingest` and `hunt`: warnings stream to stderr as they happen. */
export async function runIngest(app: App, db: DB, inputs: string[], flags: IngestFlags, onLiveCommit?: () => void): Promise<IngestSummary> {
  const { ingest } = await import('../../ingest/ingest.js');
  const bar = progressBar(app);
  const sig = onInterrupt();
  try {
    return await ingest(db, {
      inputs,
      format: flags.format,
      tz: zoneOption(flags.tz),
      force: flags.force,
      batchRows: flags.batchRows ? Number(flags.batchRows) : undefined,
      onProgress: bar.update,
      onWarning: (m) => app.log.warn(m),
      interrupted: sig.interrupted,
      signal: sig.signal,
      store: app.dbPath,
      onLiveCommit,
    });
  } finally {
    bar.stop();
    sig.dispose();
  }
}

export function ingestExit(s: IngestSummary): number {
  if (s.interrupted) return EXIT.INTERRUPTED;
  return s.failed ? EXIT.ERROR : EXIT.OK;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .summary('read logs into the store, incrementally')
    .description(
      'Read log files, folders (recursively), globs or stdin ("-") into the store. Gzip is read transparently and formats are detected by content. Re-running reads only what was appended; rotated and compressed copies are recognised by a fingerprint of their first 1 KiB, so nothing is stored twice.',
    )
    .argument('<inputs...>', 'files, folders, quoted globs, or - for stdin')
    .option('--format <name>', FORMAT_HELP)
    .option('--tz <zone>', 'IANA zone for timestamps that carry none (default: the local zone)')
    .option('--force', 'also ingest files that look binary')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--wait <seconds>', 'wait this long for another loghound writing to the store, then exit 75', '60')
    .addOption(new Option('--batch-rows <n>', 'events per transaction (tests)').hideHelp())
    .addHelpText(
      'after',
      examples([
        'loghound ingest /var/log/nginx/',
        "loghound ingest '/var/log/auth.log*' --tz Europe/Berlin",
        'zcat old.log.gz | loghound ingest -',
        'loghound --db case42.db ingest evidence/ --json | jq .by_dataset',
      ]),
    )
    .action(
      action(async (inputs: string[], flags: IngestFlags & { json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        await checkIngestFlags(flags);
        return withWriter(app, flags.wait, async (db) => {
          const summary = await runIngest(app, db, inputs, flags);
          const { summaryJson, summaryText } = await import('../../output/summary.js');
          if (flags.json) app.out.line(jsonLine(summaryJson(summary)));
          else app.out.line(summaryText(summary, app.c));
          return ingestExit(summary);
        });
      }),
    );
}
