import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { EXIT, UsageError } from '../../errors.js';
import type { FeedSettings, FeedStatus } from '../../enrich/feeds.js';
import type { DB } from '../../store/db.js';

const FORMATS = 'ip | cidr | csv:COLUMN | jsonl:FIELD | auto';

async function settingsFromConfig(): Promise<FeedSettings> {
  const { loadConfig } = await import('../../config.js');
  const cfg = loadConfig();
  return { feeds: cfg.values.feeds, configFile: cfg.file };
}

async function withStore<T>(app: App, fn: (db: DB, settings: FeedSettings) => Promise<T> | T): Promise<T> {
  const settings = await settingsFromConfig();
  const { openDb } = await import('../../store/db.js');
  const db = openDb(app.dbPath);
  try {
    return await fn(db, settings);
  } finally {
    db.close();
  }
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function statusJson(s: FeedStatus): Record<string, unknown> {
  return {
    name: s.name,
    title: s.title,
    origin: s.origin,
    enabled: s.enabled,
    url: s.url ?? null,
    file: s.file ?? null,
    format: s.format,
    context: s.context,
    weight: s.weight,
    interval_s: s.interval,
    entries: s.entries,
    dropped: s.dropped,
    updated_at: iso(s.updated_at),
    checked_at: iso(s.checked_at),
    age_s: s.age_ms === null ? null : Math.round(s.age_ms / 1000),
    stale: s.stale,
    status: s.health,
    message: s.message,
    licence: s.licence,
    note: s.note ?? null,
  };
}

function parseWeight(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new UsageError('--weight must be a whole number from 0 to 100');
  return n;
}

export function register(program: Command): void {
  const feeds = program
    .command('feeds')
    .summary('threat-intel IP feeds: list, update, add, remove, enable, disable')
    .description(
      'Public IP blocklists matched against every source and destination address during hunt. Feeds live in the ' +
        'store (--db); only "feeds update" reaches the network. Private, loopback, link-local and reserved ' +
        'addresses are never matched.',
    )
    .addHelpText('after', examples(['loghound feeds update', 'loghound feeds list', 'loghound feeds add blocked ./blocked-ips.txt --severity high']));

  feeds
    .command('list')
    .summary('the feeds, their state and age')
    .description('Every known feed: built-in, from the config file, or added. Stale = enabled and older than its interval (or never downloaded).')
    .option('--json', 'one JSON object per feed (NDJSON)')
    .addHelpText('after', examples(['loghound feeds list', "loghound feeds list --json | jq -r 'select(.stale) | .name'"]))
    .action(
      action(async (flags: { json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const { feedStatus } = await import('../../enrich/feeds.js');
        const fs = await import('node:fs');
        // Listing the catalogue must not create a store as a side effect.
        const list = fs.existsSync(app.dbPath)
          ? await withStore(app, (db, settings) => feedStatus(db, settings))
          : feedStatus(undefined, await settingsFromConfig());
        if (flags.json) {
          for (const s of list) app.out.line(jsonLine(statusJson(s)));
          return;
        }
        const { renderTable } = await import('../../output/format.js');
        const colour = (s: FeedStatus) =>
          s.health === 'ok' ? app.c.green(s.health) : s.health === 'disabled' ? app.c.dim(s.health) : app.c.yellow(s.health);
        app.out.line(
          renderTable(
            ['feed', 'on', 'context', 'weight', 'entries', 'updated', 'age', 'status', 'source'],
            list.map((s) => [
              s.name,
              s.enabled ? 'yes' : 'no',
              s.context,
              s.weight,
              s.entries,
              s.updated_at ? new Date(s.updated_at).toISOString().slice(0, 16).replace('T', ' ') : '-',
              age(s.age_ms),
              colour(s),
              s.url ?? s.file ?? '',
            ]),
            { raw: new Set([7]) },
          ),
        );
        const failed = list.filter((s) => s.enabled && s.health === 'failed' && s.message);
        for (const s of failed) app.log.warn(s.message!);
      }),
    );

  feeds
    .command('update')
    .summary('download the enabled feeds (or the named ones)')
    .description(
      'Downloads with a conditional GET (an unchanged feed costs one request), a timeout and a size cap. A feed ' +
        'whose download fails, is empty, is an HTML page or is mostly not addresses keeps its previous data. ' +
        'Spamhaus is asked at most once an hour.',
    )
    .argument('[names...]', 'feeds to update (default: every enabled feed)')
    .option('--timeout <seconds>', 'give up on a download after this long', '60')
    .option('--json', 'one JSON object per feed (NDJSON)')
    .addHelpText('after', examples(['loghound feeds update', 'loghound feeds update spamhaus-drop feodo', 'loghound --db /srv/case.db feeds update -q    # from cron: only warnings and errors']))
    .action(
      action(async (names: string[], flags: { timeout: string; json?: boolean }, cmd: Command) => {
        const app = appFor(cmd);
        const timeout = Number(flags.timeout);
        if (!(timeout > 0)) throw new UsageError('--timeout must be a number of seconds');
        const { updateFeeds } = await import('../../enrich/feeds.js');
        const { createRequire } = await import('node:module');
        const version = (createRequire(import.meta.url)('../../../../package.json') as { version: string }).version;
        const { results, rebuild } = await withStore(app, (db, settings) =>
          updateFeeds(db, {
            ...settings,
            names,
            timeoutMs: timeout * 1000,
            userAgent: `loghound/${version}`,
            onProgress: (m) => app.log.info(m),
            onWarning: (m) => app.log.warn(m),
          }),
        );
        for (const r of results) {
          if (flags.json) app.out.line(jsonLine({ name: r.name, status: r.status, entries: r.entries ?? null, message: r.message, seconds: Number(r.seconds.toFixed(3)) }));
          else if (r.status !== 'failed') app.out.line(`${r.name}: ${r.status === 'updated' ? app.c.green(r.status) : r.status} (${r.message})`);
        }
        if (rebuild) app.log.info(`matching index: ${rebuild.segments} segments from ${rebuild.ranges} ranges in ${rebuild.seconds.toFixed(2)} s`);
        return results.some((r) => r.status === 'failed') ? EXIT.ERROR : EXIT.OK;
      }),
    );

  feeds
    .command('add')
    .summary('add a feed from a URL or a local file')
    .description(
      `Adds a custom feed to the store. A URL without a scheme is fetched over https. A local file is read at once; ` +
        `a URL is fetched by "feeds update NAME". Comments (# or ;) are ignored; IPv4 and IPv6 addresses, CIDRs and ` +
        `ranges a-b are read. Formats: ${FORMATS}.`,
    )
    .argument('<name>', 'a short name: lower case letters, digits, ".", "_" or "-"')
    .argument('<source>', 'https://... (or http://...) URL, or a file')
    .option('--format <format>', FORMATS, 'auto')
    .option('--context <text>', 'what a listed address is, e.g. "Scanner", "Botnet C2"', 'Malicious Host')
    .option('--severity <level>', 'informational | low | medium | high | critical (default medium)')
    .option('--weight <0-100>', 'instead of --severity: how much a listing weighs')
    .option('--interval <duration>', 'stale after this long: 30m, 6h, 1d, 2w', '1d')
    .addHelpText(
      'after',
      examples([
        'loghound feeds add blocked ./blocked-ips.txt --severity high',
        'loghound feeds add greynoise-bad https://example.org/bad.csv --format csv:ip --context Scanner --weight 40',
        'loghound feeds add c2 https://example.org/c2.jsonl --format jsonl:indicator.ip --context "Botnet C2" --severity critical',
      ]),
    )
    .action(
      action(async (name: string, source: string, flags: { format: string; context: string; severity?: string; weight?: string; interval: string }, cmd: Command) => {
        const app = appFor(cmd);
        const { FORMAT_SYNTAX, parseDuration } = await import('../../config.js');
        const { SEVERITIES } = await import('../../enrich/catalogue.js');
        if (!FORMAT_SYNTAX.test(flags.format)) throw new UsageError(`unknown --format "${flags.format}"`, `formats: ${FORMATS}`);
        if (flags.severity !== undefined && !(SEVERITIES as readonly string[]).includes(flags.severity)) {
          throw new UsageError(`unknown --severity "${flags.severity}"`, `one of ${SEVERITIES.join(', ')}`);
        }
        const interval = parseDuration(flags.interval);
        if (Number.isNaN(interval)) throw new UsageError('--interval must be a duration such as 30m, 6h, 1d or 2w');
        const { addFeed, updateFeeds } = await import('../../enrich/feeds.js');
        return withStore(app, async (db, settings) => {
          const feed = addFeed(
            db,
            name,
            source,
            {
              format: flags.format,
              context: flags.context,
              severity: flags.severity as (typeof SEVERITIES)[number] | undefined,
              weight: parseWeight(flags.weight),
              interval,
            },
            settings,
          );
          app.out.line(`added feed ${feed.name}: ${feed.url ?? feed.file} (${feed.format}, ${feed.context}, weight ${feed.weight})`);
          if (!feed.file) {
            app.log.info(`run "loghound feeds update ${feed.name}" to download it`);
            return EXIT.OK;
          }
          const { results } = await updateFeeds(db, { ...settings, names: [feed.name], onWarning: (m) => app.log.warn(m) });
          const r = results[0];
          if (r.status === 'failed') return EXIT.ERROR;
          app.out.line(`${feed.name}: ${r.message}`);
          return EXIT.OK;
        });
      }),
    );

  feeds
    .command('remove')
    .summary('remove a feed added with "feeds add", with its data')
    .description('Removes a feed added with "feeds add", with its data. A built-in feed is disabled instead ("feeds disable"); a feed of the config file is removed there.')
    .argument('<name>')
    .addHelpText('after', examples(['loghound feeds remove blocked']))
    .action(
      action(async (name: string, _flags: unknown, cmd: Command) => {
        const app = appFor(cmd);
        const { removeFeed } = await import('../../enrich/feeds.js');
        await withStore(app, (db, settings) => removeFeed(db, name, settings));
        app.out.line(`removed feed ${name}`);
      }),
    );

  for (const [verb, on] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    feeds
      .command(verb)
      .summary(`${verb} a feed (remembered in the store; wins over the config file)`)
      .description(`${on ? 'Enables' : 'Disables'} a feed. The choice is remembered in the store and wins over the config file.`)
      .argument('<name>')
      .addHelpText('after', examples([`loghound feeds ${verb} firehol-level1`]))
      .action(
        action(async (name: string, _flags: unknown, cmd: Command) => {
          const app = appFor(cmd);
          const { enableFeed, feedStatus } = await import('../../enrich/feeds.js');
          const status = await withStore(app, (db, settings) => {
            enableFeed(db, name, on, settings);
            return feedStatus(db, settings).find((s) => s.name === name)!;
          });
          app.out.line(`feed ${name} ${on ? 'enabled' : 'disabled'}`);
          if (on && status.health === 'never') app.log.info(`run "loghound feeds update ${name}" to download it`);
        }),
      );
  }
}
