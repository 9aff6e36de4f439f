import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import { parseLimit } from './search.js';

/** Evidence lines shown unless --limit says otherwise. */
const SHOW_LIMIT = 100;

interface ShowFlags {
  limit?: string;
  json?: boolean;
}

async function runShow(app: App, id: string, flags: ShowFlags): Promise<void> {
  const limit = parseLimit(flags.limit, SHOW_LIMIT);
  const { openReadStore } = await import('../../store/read.js');
  const { findFinding, evidenceCount } = await import('../../store/findings.js');
  const { storeVersion } = await import('../../store/db.js');
  const out = await import('../../output/findings.js');
  const db = openReadStore(app.dbPath);
  try {
    const found = storeVersion(db) >= 2 ? findFinding(db, id) : { matches: [] };
    if (!found.row) {
      if (found.matches.length > 1) {
        throw new UsageError(
          `"${id}" is the start of several finding ids: ${found.matches.join(', ')}${found.more ? ', ...' : ''}`,
          'give more characters of the id',
        );
      }
      throw new UsageError(`no finding with the id "${id}"`, '"loghound findings" lists them with their ids (a unique prefix is enough)');
    }
    const row = found.row;
    const evidence = out.evidenceEvents(db, row.id, limit ?? -1);
    if (flags.json) {
      app.out.line(jsonLine(out.findingDoc(row, evidence)));
      return;
    }
    for (const line of out.findingText(row, evidence, evidenceCount(db, row.id), app.c)) {
      if (app.out.closed) break;
      if (!app.out.line(line)) await app.out.drain();
    }
  } finally {
    db.close();
  }
}

export function register(program: Command): void {
  program
    .command('show')
    .summary('one finding with its evidence lines')
    .description(
      'A finding: its rule, level, tags, group, span, count, details and enrichment (country, AS, threat feeds), ' +
        'then its evidence: file:line, time and the raw log line, in time order. The id may be shortened to any ' +
        `unique prefix. At most ${SHOW_LIMIT} evidence lines unless --limit says otherwise; --json prints the finding ` +
        'as findings --json does, with that many evidence events.',
    )
    .argument('<id>', 'a finding id or a unique prefix of one (as "loghound findings" lists them)')
    .option('--limit <n>', `at most this many evidence lines (default ${SHOW_LIMIT}; 0: every one kept)`)
    .option('--json', 'the finding as one JSON object')
    .addHelpText(
      'after',
      examples([
        'loghound show 185e6c704ab8',
        'loghound show 185e6c --limit 0 | less',
        "loghound show 185e6c704ab8 --json | jq -r '.evidence.events[] | \"\\(.log.file.path):\\(.log.file.line) \\(.event.original)\"'",
      ]),
    )
    .action(
      action(async (id: string, flags: ShowFlags, cmd: Command) => {
        await runShow(appFor(cmd), id, flags);
      }),
    );
}
