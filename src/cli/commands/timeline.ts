import type { Command } from 'commander';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import type { StoredEvent } from '../../model/event.js';
import type { EntityKind, EventFilter } from '../../store/read.js';
import { TABLE_LIMIT, buildFilter, eventSummary, parseLimit, terminalWidth, type FilterFlags } from './search.js';

interface TimelineFlags extends FilterFlags {
  ip?: string;
  user?: string;
  host?: string;
  limit?: string;
  json?: boolean;
}

/**
 * What the timeline shows, in time order. Events only for now; findings (detection) join as a second kind,
 * merged by time with the event stream, and render beside them.
 */
type Entry = { kind: 'event'; ts: number; event: StoredEvent };

function entity(flags: TimelineFlags): { kind: EntityKind; value: string } {
  const given = (['ip', 'user', 'host'] as const).filter((k) => flags[k] !== undefined);
  if (given.length !== 1) throw new UsageError('name one entity: --ip IP, --user NAME or --host NAME');
  const kind = given[0];
  const value = flags[kind]!;
  if (value === '') throw new UsageError(`--${kind}: give a value`);
  return { kind, value };
}

async function runTimeline(app: App, flags: TimelineFlags): Promise<void> {
  const who = entity(flags);
  const limit = parseLimit(flags.limit, flags.json ? undefined : TABLE_LIMIT);
  const { openReadStore, events, entityCondition } = await import('../../store/read.js');
  const filter: EventFilter = await buildFilter(flags);
  filter.conditions = [entityCondition(who.kind, who.value)];
  const { eventToEcs } = await import('../../output/ecs.js');
  const { cellText } = await import('../../output/format.js');
  const { escapeTerminal } = await import('../../output/escape.js');
  const { ColumnWriter } = await import('../../output/columns.js');
  const { isoUtc } = await import('../../util/time.js');
  const db = openReadStore(app.dbPath);
  try {
    const out = app.out;
    const fetch = !flags.json && limit !== undefined ? limit + 1 : limit;
    const entries = (function* (): Generator<Entry> {
      for (const event of events(db, filter, { limit: fetch })) yield { kind: 'event', ts: event.ts, event };
    })();
    const table = flags.json
      ? undefined
      : new ColumnWriter(
          out,
          [
            { title: 'time', style: (s: string) => app.c.dim(s) },
            { title: 'dataset', max: 16 },
            { title: 'source', max: 39 },
            { title: 'destination', max: 39 },
            { title: 'user', max: 20 },
            { title: 'event' },
          ],
          app.c,
          terminalWidth(app),
        );
    let minute = -1;
    let shown = 0;
    let more = false;
    for (const e of entries) {
      if (out.closed) break;
      if (limit !== undefined && shown === limit) {
        more = true;
        break;
      }
      shown++;
      let ok: boolean;
      if (!table) ok = out.line(JSON.stringify(eventToEcs(e.event)));
      else {
        const m = Math.floor(e.ts / 60_000);
        if (m !== minute) {
          minute = m;
          const iso = isoUtc(m * 60_000);
          table.note(app.c.bold(`── ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`));
        }
        const f = e.event.fields;
        ok = table.row([
          isoUtc(e.ts).slice(11, 23),
          escapeTerminal(e.event.dataset),
          escapeTerminal(cellText(f['source.ip'])),
          escapeTerminal(cellText(f['destination.ip'])),
          escapeTerminal(cellText(f['user.name'])),
          escapeTerminal(eventSummary(e.event)),
        ]);
      }
      if (!ok) await out.drain();
    }
    table?.end();
    if (out.closed) return;
    if (more) app.log.info(app.log.c.dim(`showing the first ${shown} events; --limit N shows more, --limit 0 all`));
    if (shown === 0) app.log.info(`no events for ${who.kind} ${escapeTerminal(who.value)}${filter.since !== undefined || filter.until !== undefined ? ' in that time range' : ''}`);
  } finally {
    db.close();
  }
}

export function register(program: Command): void {
  program
    .command('timeline')
    .summary("one entity's events across every source, in time order")
    .description(
      'Every event of one IP (as source or destination; a CIDR works too), user (as actor or target) or host, ' +
        `across all sources in time order. On a terminal, grouped by minute; the first ${TABLE_LIMIT} unless --limit ` +
        'says otherwise. --json prints every event as an ECS document.',
    )
    .option('--ip <ip>', 'an IP address or CIDR')
    .option('--user <name>', 'a user name')
    .option('--host <name>', 'a host name')
    .option('--since <time>', 'events at or after this time (ISO, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'events before this time')
    .option('--limit <n>', `at most this many events (terminal default ${TABLE_LIMIT}; 0: no limit)`)
    .option('--json', 'NDJSON: one ECS document per event')
    .addHelpText(
      'after',
      examples([
        'loghound timeline --ip 203.0.113.7',
        'loghound timeline --user deploy --since 2026-11-14T00:00 --until 2026-11-15',
        "loghound timeline --ip 10.0.0.0/8 --json | jq -r '[.\"@timestamp\", .event.dataset, .message // .url.original] | @tsv'",
      ]),
    )
    .action(
      action(async (flags: TimelineFlags, cmd: Command) => {
        await runTimeline(appFor(cmd), flags);
      }),
    );
}
