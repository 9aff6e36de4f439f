import { Option, type Command } from 'commander';
import type { DB } from '../../store/db.js';
import { jsonLine } from '../../output/json.js';
import { fmtInt } from '../../output/format.js';
import { FORMAT_HELP, action, appFor, examples, zoneOption } from '../app.js';
import { checkIngestFlags, ingestExit, runIngest, withWriter, type IngestFlags } from './ingest.js';
import { collect, loadRuleSet, type RuleFlags } from '../rulesets.js';
import { EXIT, UsageError } from '../../errors.js';
import { LEVELS, levelRank, type Level } from '../../model/event.js';

interface HuntFlags extends IngestFlags, RuleFlags {
  minLevel?: Level;
  failOn?: Level;
  geoipDb?: string;
  asnDb?: string;
  geo?: boolean;
  all?: boolean;
  json?: boolean;
  csv?: boolean;
  evidence?: string;
  threads?: string;
}

export function register(program: Command): void {
  program
    .command('hunt')
    .summary('ingest, then run the rules: the main job')
    .description(
      'Ingest the inputs incrementally (as "ingest" does), run the rules over the events not evaluated yet, store the findings and print the new ones. Re-running over the same logs prints nothing new. Without inputs it runs the rules over what the store already holds.',
    )
    .argument('[inputs...]', 'files, folders, quoted globs, or - for stdin')
    .option('--rules <path>', 'more Sigma rules (file or folder); repeatable', collect)
    .option('--no-builtin', 'do not run the built-in rule pack')
    .addOption(new Option('--min-level <level>', 'run only rules at or above this level').choices(LEVELS))
    .addOption(new Option('--fail-on <level>', 'exit 1 when a new finding is at or above this level').choices(LEVELS))
    .option('--all', 'print every finding in the store, not only the new ones')
    .option('--json', 'findings as NDJSON on stdout (one object per finding)')
    .option('--csv', 'findings as CSV on stdout')
    .option('--evidence <n>', 'evidence events per finding in --json output', '10')
    .option('--geoip-db <file>', 'a GeoLite2/GeoIP2 City or Country database (default: the bundled country database)')
    .option('--asn-db <file>', 'a GeoLite2/GeoIP2 ASN database')
    .option('--no-geo', 'no GeoIP/ASN lookups')
    .option('--format <name>', FORMAT_HELP)
    .option('--tz <zone>', 'IANA zone for timestamps that carry none (default: the local zone)')
    .option('--force', 'also ingest files that look binary')
    .option('--wait <seconds>', 'wait this long for another loghound writing to the store, then exit 75', '60')
    .addOption(
      new Option('--threads <n>', 'threads for the rules: 2 runs scans and spike baselines beside the correlations (default: 2 from 200,000 events to evaluate, else 1)').choices(['1', '2']),
    )
    .addHelpText(
      'after',
      examples([
        'loghound hunt fixtures/demo',
        'loghound hunt /var/log/nginx /var/log/auth.log --fail-on high --json | jq -c \'{rule: .rule.title, group, count}\'',
        'loghound hunt --rules ./my-sigma-rules --min-level medium',
        'loghound hunt --all --csv > findings.csv',
        'tail -F /var/log/auth.log | loghound hunt - --json    # findings printed as the lines arrive',
      ]),
    )
    .action(
      action(async (inputs: string[], flags: HuntFlags, cmd: Command) => {
        const app = appFor(cmd);
        if (flags.json && flags.csv) throw new UsageError('choose one of --json and --csv');
        const evidenceLimit = Number(flags.evidence);
        if (!Number.isInteger(evidenceLimit) || evidenceLimit < 0) throw new UsageError('--evidence takes a whole number');
        const tz = zoneOption(flags.tz);
        await checkIngestFlags(flags);
        return withWriter(app, flags.wait, async (db) => {
          let exit: number = EXIT.OK;
          const rules = new RuleRuns(app, db, flags, tz, evidenceLimit);
          if (inputs.length) {
            // A live stream (stdin or a pipe that slowed down) may never end: its findings are printed as its lines
            // arrive. A pipe that comes at full speed (zcat big.gz | loghound hunt -) is hunted once, at its end.
            const live = setInterval(() => void rules.runIfNew(), LIVE_RULES_MS);
            let summary;
            try {
              summary = await runIngest(app, db, inputs, flags, () => rules.liveInput());
            } finally {
              clearInterval(live);
              await rules.idle();
            }
            const { summaryText } = await import('../../output/summary.js');
            app.log.info(summaryText(summary, app.log.c));
            exit = ingestExit(summary);
            if (summary.interrupted) return exit;
          }
          await rules.run(true);
          await app.out.end();
          if (exit === EXIT.OK && rules.failed()) exit = EXIT.FINDINGS;
          return exit;
        });
      }),
    );
}

/** How often a hunt over a live stream runs the rules over the lines that arrived since the last run. */
const LIVE_RULES_MS = 5000;

/**
 * The rule runs of one hunt: once after the ingest, and over a live stream also every LIVE_RULES_MS while it flows.
 * Each run stores its findings and prints the ones not printed yet; the last one prints the summary.
 */
class RuleRuns {
  private ruleSet: Awaited<ReturnType<typeof loadRuleSet>> | undefined;
  private running: Promise<void> | undefined;
  /** what made a live run fail, thrown when the hunt waits for it */
  private error: unknown;
  /** set when live input was stored since the last run */
  private live = false;
  /** whether anything was printed yet: the CSV header, or findings */
  private printedAny = false;
  private evaluated = 0;
  private seconds = 0;
  /** the level of each finding this hunt printed as due (new, or left unprinted by an earlier hunt) */
  private readonly due = new Map<string, Level>();
  private readonly newIds = new Set<string>();

  constructor(
    private readonly app: ReturnType<typeof appFor>,
    private readonly db: DB,
    private readonly flags: HuntFlags,
    private readonly tz: string,
    private readonly evidence: number,
  ) {}

  liveInput(): void {
    this.live = true;
  }

  /** A run while a live stream flows: only when live input was stored since the last one, and never two at once. */
  runIfNew(): Promise<void> | undefined {
    if (!this.live || this.running || this.app.out.closed) return undefined;
    this.live = false;
    this.running = this.run(false)
      .catch((err: unknown) => void (this.error ??= err))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async idle(): Promise<void> {
    await this.running;
    if (this.error !== undefined) throw this.error;
  }

  async run(final: boolean): Promise<void> {
    const { app, db, flags } = this;
    const enrich = await import('../../enrich/index.js');
    const settings = enrich.intelSettings(app.config, { geoipDb: flags.geoipDb, asnDb: flags.asnDb, noGeo: flags.geo === false });
    const intel = enrich.refreshIntel(db, settings);
    if (this.ruleSet === undefined) {
      app.log.info(`enrichment: ${fmtInt(intel.new_ips)} new addresses, ${fmtInt(intel.listed)} listed on a feed${intel.geo_sources.length ? `; GeoIP: ${intel.geo_sources.join(', ')}` : ''}`);
      const notes = feedNotes(enrich.feedStatus(db, settings));
      if (notes.warn) app.log.warn(notes.warn);
      if (notes.info) app.log.info(notes.info);
    }
    this.ruleSet ??= await loadRuleSet(flags, app.config);
    const ruleSet = this.ruleSet;
    const minLevel = flags.minLevel ?? app.config.values['min-level'];
    const { detect } = await import('../../detect/engine.js');
    const result = detect(db, ruleSet.rules, { minLevel, tz: this.tz, intelChanged: intel.threat_changed + intel.geo_changed > 0, threads: flags.threads === undefined ? undefined : flags.threads === '2' }, ruleSet.skipped);
    const { listFindings, undelivered, markDelivered } = await import('../../store/findings.js');
    // this run's findings, and those of an earlier run killed before its output got out
    const due = undelivered(db);
    const heldOver = due.findings.length - result.newFindings.length;
    enrich.enrichFindings(db, due.findings.concat(result.updatedIds));
    for (const id of result.newFindings) this.newIds.add(id);
    this.evaluated += result.eventsEvaluated;
    this.seconds += result.seconds;
    const rows = flags.all && final ? listFindings(db) : listFindings(db, { ids: due.findings });
    const dueIds = new Set(due.findings);
    for (const r of rows) if (dueIds.has(r.id)) this.due.set(r.id, r.level);
    // a live run prints only what it found; the last one says so when nothing was found at all
    if (rows.length || final) {
      await printFindings(app, db, rows, { json: flags.json, csv: flags.csv, evidence: this.evidence, header: !this.printedAny, none: !this.printedAny });
      this.printedAny = true;
    }
    await app.out.flush();
    if (!app.out.closed) markDelivered(db, due.runs);
    if (!final) {
      if (result.newFindings.length) app.log.info(`rules: ${result.newFindings.length} new finding${result.newFindings.length === 1 ? '' : 's'} in ${fmtInt(result.eventsEvaluated)} new events`);
      return;
    }
    const byLevel = LEVELS.map((l) => [l, [...this.newIds].filter((id) => this.due.get(id) === l).length] as const).filter(([, n]) => n > 0);
    const total = this.newIds.size;
    app.log.info(
      `rules: ${result.loaded} loaded, ${result.skipped.length} skipped${result.skipped.length ? ' (loghound rules list shows why)' : ''}; ` +
        `${fmtInt(this.evaluated)} events evaluated in ${this.seconds.toFixed(2)} s; ` +
        `${total} new finding${total === 1 ? '' : 's'}${byLevel.length ? ` (${byLevel.map(([l, n]) => `${n} ${l}`).join(', ')})` : ''}, ${result.updatedFindings} updated` +
        (heldOver > 0 ? `; ${heldOver} more printed that an earlier hunt stored but did not print (it was stopped or its output failed)` : ''),
    );
    for (const s of result.steps) app.log.debug(`${s.seconds.toFixed(2)} s  ${fmtInt(s.rows)} rows  ${s.rules} rules  ${s.what}`);
    for (const s of result.skipped) app.log.debug(`skipped ${s.where ? `${s.where.file}:${s.where.line}:${s.where.col}` : s.file}: ${s.title ?? s.id ?? ''}: ${s.reason}`);
  }

  /** Whether a finding printed by this hunt is at or above --fail-on. */
  failed(): boolean {
    const failOn = this.flags.failOn ?? this.app.config.values['fail-on'];
    return failOn !== undefined && [...this.due.values()].some((level) => levelRank(level) >= levelRank(failOn));
  }
}

/**
 * What hunt says about the feeds. Never downloaded is a choice (offline use, or only feeds of one's own), so it is
 * a note naming those feeds, and "no data yet" only when no enabled feed holds any; data gone stale is a problem
 * worth a warning.
 */
function feedNotes(feeds: import('../../enrich/index.js').FeedStatus[]): { warn?: string; info?: string } {
  const enabled = feeds.filter((f) => f.enabled);
  const old = enabled.filter((f) => f.stale && f.updated_at !== null);
  const never = enabled.filter((f) => f.stale && f.updated_at === null);
  const warn = old.length ? `threat feeds out of date: ${old.map((f) => f.name).join(', ')} (run "loghound feeds update")` : undefined;
  if (!enabled.some((f) => f.entries > 0)) {
    return { warn, info: enabled.length ? 'no threat-intel data yet: "loghound feeds update" downloads the enabled feeds' : undefined };
  }
  return { warn, info: never.length ? `threat feeds never downloaded: ${never.map((f) => f.name).join(', ')} ("loghound feeds update" downloads them)` : undefined };
}

export async function printFindings(
  app: ReturnType<typeof appFor>,
  db: import('../../store/db.js').DB,
  rows: import('../../store/findings.js').FindingRow[],
  opts: { json?: boolean; csv?: boolean; evidence: number; header?: boolean; none?: boolean },
): Promise<void> {
  const out = await import('../../output/findings.js');
  if (opts.json) {
    for (const r of rows) {
      if (app.out.closed) break;
      if (!app.out.line(jsonLine(out.findingDoc(r, out.evidenceEvents(db, r.id, opts.evidence))))) await app.out.drain();
    }
  } else if (opts.csv) {
    if (opts.header !== false) app.out.line(out.FINDING_CSV_HEAD.join(','));
    for (const r of rows) if (!app.out.line(out.findingCsv(r, app.out.isTTY))) await app.out.drain();
  } else if (rows.length) {
    app.out.line(out.findingsTable(rows, app.c));
  } else if (opts.none !== false) {
    app.log.info('no new findings');
  }
}
