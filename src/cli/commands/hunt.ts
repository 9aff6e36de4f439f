import type { Command } from 'commander';
import { action, appFor, examples } from '../app.js';
import { ingestExit, runIngest, type IngestFlags } from './ingest.js';

export function register(program: Command): void {
  program
    .command('hunt')
    .summary('ingest, then detect: the main job')
    .description('Ingest the inputs incrementally and report what they hold.')
    .argument('[inputs...]', 'files, folders, quoted globs, or - for stdin')
    .option('--format <name>', 'force a parser')
    .option('--tz <zone>', 'IANA zone for timestamps that carry none (default: the local zone)')
    .option('--force', 'also ingest files that look binary')
    .option('--json', 'NDJSON on stdout')
    .addHelpText('after', examples(['loghound hunt fixtures/demo', 'loghound hunt /var/log/nginx /var/log/auth.log --json | jq .']))
    .action(
      action(async (inputs: string[], flags: IngestFlags & { json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const { openDb } = await import('../../store/db.js');
        const db = openDb(app.dbPath);
        try {
          const summary = inputs.length ? await runIngest(app, db, inputs, flags) : undefined;
          const { summaryJson, summaryText } = await import('../../output/summary.js');
          if (summary) {
            if (flags.json) app.out.line(JSON.stringify({ type: 'summary', ...summaryJson(summary) }));
            else app.out.line(summaryText(summary, app.c));
            return ingestExit(summary);
          }
        } finally {
          db.close();
        }
      }),
    );
}
