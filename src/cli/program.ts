/** The command line: global flags and the command registry (one file per command, one line here). */
import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import { BUNDLED_ATTRIBUTION } from '../enrich/attribution.js';
import * as ingest from './commands/ingest.js';
import * as hunt from './commands/hunt.js';
import * as rules from './commands/rules.js';
import * as explain from './commands/explain.js';
import * as dbCmd from './commands/db.js';
import * as feeds from './commands/feeds.js';
import * as geoip from './commands/geoip.js';
import * as findings from './commands/findings.js';
import * as show from './commands/show.js';
import * as search from './commands/search.js';
import * as stats from './commands/stats.js';
import * as timeline from './commands/timeline.js';
import * as sql from './commands/sql.js';
import * as exportCmd from './commands/export.js';
import * as report from './commands/report.js';

const COMMANDS: { register(program: Command): void }[] = [hunt, ingest, explain, rules, feeds, geoip, findings, show, search, timeline, stats, sql, exportCmd, report, dbCmd];

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('loghound')
    .description('Offline log forensics: ingest logs, parse them to ECS, detect with Sigma rules, investigate.')
    .version(`${pkg.version}\n${BUNDLED_ATTRIBUTION}`, '-V, --version')
    .addOption(new Option('--db <path>', 'the store (default: $LOGHOUND_DB, else the config file\'s db, else ./loghound.db)'))
    .option('--config <file>', 'the config file (default: loghound.config.json/.yaml here, else in ~/.config/loghound/)')
    .option('-q, --quiet', 'no progress or notes on stderr (warnings and errors still show)')
    .option('-v, --verbose', 'more detail on stderr')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .exitOverride();
  for (const c of COMMANDS) c.register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}
