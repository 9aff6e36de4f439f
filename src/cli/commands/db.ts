import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples } from '../app.js';
import { withWriter } from './ingest.js';
import { EXIT, UsageError } from '../../errors.js';
import type { CheckResult } from '../../store/maintenance.js';

export function register(program: Command): void {
  program
    .command('prune')
    .summary('delete old events and reclaim the space')
    .description('Deletes events older than the given age. Findings and the lines that are their evidence are kept.')
    .requiredOption('--older-than <age>', 'a duration (90d, 12w) or an ISO date')
    .option('--wait <seconds>', 'wait this long for another loghound writing to the store, then exit 75', '60')
    .option('--json', 'the result as one JSON object')
    .addHelpText('after', examples(['loghound prune --older-than 90d']))
    .action(
      action(async (flags: { olderThan: string; wait?: string; json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const { parseTimeArg } = await import('../../util/time.js');
        const before = parseTimeArg(flags.olderThan);
        if (before > Date.now()) throw new UsageError('--older-than must lie in the past');
        return withWriter(app, flags.wait, async (db) => {
          const { prune } = await import('../../store/maintenance.js');
          const res = prune(db, app.dbPath, before);
          if (flags.json) app.out.line(jsonLine({ before: new Date(before).toISOString(), ...res }));
          else {
            const { fmtBytes, fmtInt } = await import('../../output/format.js');
            app.out.line(
              `deleted ${fmtInt(res.deleted)} events older than ${new Date(before).toISOString()} (${fmtInt(res.kept_as_evidence)} kept as evidence); ` +
                `store ${fmtBytes(res.bytes_before)} -> ${fmtBytes(res.bytes_after)}`,
            );
          }
        }, { existing: true });
      }),
    );

  const db = program
    .command('db')
    .summary('store maintenance: integrity check, compaction')
    .description('Look after the store file.')
    .addHelpText('after', examples(['loghound db check', 'loghound db check --json', 'loghound db compact']));
  db.command('compact')
    .description(
      'Rewrite a store made before loghound kept the columns that repeat part of the raw line (user agent, URL, ' +
        'referrer, message) as places in it: a quarter smaller for web and syslog events, the same events, ids, ' +
        'findings and answers. Needs free disk space about the size of the store while it runs; a store that has ' +
        'the layout already is left as it is.',
    )
    .option('--wait <seconds>', 'wait this long for another loghound writing to the store, then exit 75', '60')
    .option('--json', 'the result as one JSON object')
    .addHelpText('after', examples(['loghound db compact', 'loghound db compact --json']))
    .action(
      action(async (flags: { wait?: string; json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        return withWriter(app, flags.wait, async (store) => {
          const { compact } = await import('../../store/maintenance.js');
          const res = compact(store, app.dbPath);
          if (flags.json) app.out.line(jsonLine({ path: app.dbPath, ...res }));
          else if (res.events === 0) app.out.line(`${app.dbPath}: compact already`);
          else {
            const { fmtBytes, fmtInt } = await import('../../output/format.js');
            app.out.line(`${app.dbPath}: ${fmtInt(res.events)} events rewritten; store ${fmtBytes(res.bytes_before)} -> ${fmtBytes(res.bytes_after)}`);
          }
        }, { existing: true });
      }),
    );
  db.command('check')
    .description(
      "Run SQLite's integrity check, compare the counts stats reads (the hourly rollup, the value counts) with the " +
        'events, and report what the store holds. Exit 2 when it is damaged or a count is out of step.',
    )
    .option('--repair', 'count the rollup and the value counts again from the events first (takes the writer lock)')
    .option('--wait <seconds>', 'with --repair: wait this long for another loghound writing to the store, then exit 75', '60')
    .option('--json', 'the result as one JSON object')
    .addHelpText('after', examples(['loghound db check', 'loghound db check --repair']))
    .action(
      action(async (flags: { repair?: boolean; wait?: string; json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const { openDb } = await import('../../store/db.js');
        const { check, repairCounts } = await import('../../store/maintenance.js');
        const report = (res: CheckResult) => {
          if (flags.json) app.out.line(jsonLine({ path: app.dbPath, ...res }));
          else {
            const sound = res.integrity.length === 1 && res.integrity[0] === 'ok';
            const state = res.ok ? app.c.green('ok') : app.c.red(sound ? 'COUNTS OUT OF STEP' : 'DAMAGED');
            app.out.line(`${app.dbPath}: ${state} (schema ${res.schema_version}, ${res.events} events, ${res.sources} sources, ${res.findings} findings)`);
            if (!sound) for (const line of res.integrity.slice(0, 20)) app.out.line(`  ${line}`);
            for (const table of res.out_of_step) app.out.line(`  out of step with the events: ${table}`);
            if (res.out_of_step.length) app.log.info('"loghound db check --repair" counts them again');
          }
          return res.ok ? EXIT.OK : EXIT.ERROR;
        };
        if (flags.repair) {
          return withWriter(app, flags.wait, async (store) => {
            repairCounts(store);
            return report(check(store));
          }, { existing: true });
        }
        const store = openDb(app.dbPath, { readonly: true });
        try {
          return report(check(store));
        } finally {
          store.close();
        }
      }),
    );
}
