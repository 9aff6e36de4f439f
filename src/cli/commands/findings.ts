import { Option, type Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import { LEVELS, type Level } from '../../model/event.js';
import type { FindingFilter } from '../../store/findings.js';
import { TABLE_LIMIT, outputMode, parseLimit } from './search.js';
import { parseTimeArg } from '../../util/time.js';

interface FindingsFlags {
  level?: Level;
  rule?: string;
  since?: string;
  until?: string;
  ip?: string;
  user?: string;
  host?: string;
  new?: boolean;
  limit?: string;
  evidence?: string;
  json?: boolean;
  csv?: boolean;
}

/** A whole number flag (--evidence); `name` for the message. */
export function wholeNumber(text: string, name: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} ${text}: expected a whole number`);
  return Number(text);
}

/** --level, --rule, --since, --until, --ip, --user, --host -> a findings filter (times as for search). */
export function findingFilter(flags: Omit<FindingsFlags, 'new' | 'limit' | 'evidence' | 'json' | 'csv'>): FindingFilter {
  const now = Date.now();
  const f: FindingFilter = { level: flags.level, ruleId: flags.rule, ip: flags.ip, user: flags.user, host: flags.host };
  if (flags.since !== undefined) f.since = parseTimeArg(flags.since, 'UTC', now);
  if (flags.until !== undefined) f.until = parseTimeArg(flags.until, 'UTC', now);
  if (f.since !== undefined && f.until !== undefined && f.since >= f.until) throw new UsageError('--since must be earlier than --until');
  // an empty value (a script's unset variable) would otherwise filter nothing and list every finding
  for (const k of ['rule', 'ip', 'user', 'host'] as const) if (flags[k] === '') throw new UsageError(`--${k}: give a value`);
  return f;
}

async function runFindings(app: App, flags: FindingsFlags): Promise<void> {
  const mode = outputMode(flags);
  const limit = parseLimit(flags.limit, mode === 'table' ? TABLE_LIMIT : undefined);
  const evidence = wholeNumber(flags.evidence ?? '10', '--evidence');
  const filter = findingFilter(flags);
  const { openReadStore } = await import('../../store/read.js');
  const { listFindings, lastRun } = await import('../../store/findings.js');
  const out = await import('../../output/findings.js');
    const { storeVersion } = await import('../../store/db.js');
  const db = openReadStore(app.dbPath);
  try {
    if (storeVersion(db) < 2) {
      app.log.info('this store predates findings: "loghound hunt" upgrades it and runs the rules');
      return;
    }
    if (flags.new) {
      const run = lastRun(db);
      if (run === undefined) {
        app.log.info('no hunt has finished on this store yet: "loghound hunt" runs the rules');
        return;
      }
      filter.run = run;
    }
    // one row past the limit tells the table whether to say that more matched
    const rows = listFindings(db, { ...filter, limit: limit === undefined ? undefined : limit + 1 });
    const more = limit !== undefined && rows.length > limit;
    if (more) rows.length = limit;
    if (mode === 'json') {
      for (const r of rows) {
        if (app.out.closed) break;
        if (!app.out.line(jsonLine(out.findingDoc(r, out.evidenceEvents(db, r.id, evidence))))) await app.out.drain();
      }
    } else if (mode === 'csv') {
      app.out.line(out.FINDING_CSV_HEAD.join(','));
      for (const r of rows) {
        if (app.out.closed) break;
        if (!app.out.line(out.findingCsv(r, app.out.isTTY))) await app.out.drain();
      }
    } else if (rows.length) {
      app.out.line(out.findingsTable(rows, app.c));
    }
    if (app.out.closed) return;
    if (!rows.length) app.log.info(flags.new ? 'no new findings in the last hunt' : 'no findings match');
    if (more) app.log.info(app.log.c.dim(`showing the first ${rows.length} findings; --limit N shows more, --limit 0 all`));
  } finally {
    db.close();
  }
}

export function register(program: Command): void {
  program
    .command('findings')
    .summary('list the findings in the store')
    .description(
      'The findings of every hunt so far, in time order, filtered by level, rule, time or the entity they involve ' +
        '(in their group, or in one of their evidence events). A table (first seen, level, rule, group, count, ' +
        'country, threat, id), NDJSON in the shape hunt --json prints (--json), or CSV (--csv). "loghound show ID" ' +
        'shows one with its evidence lines.',
    )
    .addOption(new Option('--level <level>', 'only findings at or above this level').choices(LEVELS))
    .option('--rule <id>', 'only findings of this rule (its full id, or its title in any case)')
    .option('--since <time>', 'findings still going at or after this time (ISO, UTC unless a zone is given, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'findings that started before this time')
    .option('--ip <ip>', 'findings involving this address or CIDR (as source or destination)')
    .option('--user <name>', 'findings involving this user (as actor or target)')
    .option('--host <name>', 'findings involving this host')
    .option('--new', 'only the findings the last finished hunt created')
    .option('--limit <n>', `at most this many findings (table default ${TABLE_LIMIT}; 0: no limit)`)
    .option('--evidence <n>', 'evidence events per finding in --json output', '10')
    .option('--json', 'NDJSON: one object per finding')
    .option('--csv', 'CSV with a header row')
    .addHelpText(
      'after',
      examples([
        'loghound findings --level high',
        'loghound findings --new --json | jq -c \'{rule: .rule.title, group}\'',
        'loghound findings --ip 203.0.113.0/24 --since 7d',
        'loghound findings --rule "SSH brute force from one address" --csv > brute-force.csv',
      ]),
    )
    .action(
      action(async (flags: FindingsFlags, cmd: Command) => {
        await runFindings(appFor(cmd), flags);
      }),
    );
}
