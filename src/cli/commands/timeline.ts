import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import type { EntityKind, EventFilter } from '../../store/read.js';
import type { FindingRow } from '../../store/findings.js';
import { PAGE, TABLE_LIMIT, buildFilter, eventSummary, intelLookup, pages, parseLimit, sourceCountry, terminalWidth, type FilterFlags } from './search.js';

interface TimelineFlags extends FilterFlags {
  ip?: string;
  user?: string;
  host?: string;
  limit?: string;
  json?: boolean;
}

/** Evidence events a finding carries in the timeline's JSON (the events themselves are on lines of their own). */
const FINDING_EVIDENCE = 10;

function entity(flags: TimelineFlags): { kind: EntityKind; value: string } {
  const given = (['ip', 'user', 'host'] as const).filter((k) => flags[k] !== undefined);
  if (given.length !== 1) throw new UsageError('name one entity: --ip IP, --user NAME or --host NAME');
  const kind = given[0];
  const value = flags[kind]!;
  if (value === '') throw new UsageError(`--${kind}: give a value`);
  return { kind, value };
}

/**
 * Events stream in time order, page by page (each page enriched with one intel read); the entity's findings, few
 * and read up front, are merged in by their start: a finding comes just before the first event at or after it.
 */
async function runTimeline(app: App, flags: TimelineFlags): Promise<void> {
  const who = entity(flags);
  const limit = parseLimit(flags.limit, flags.json ? undefined : TABLE_LIMIT);
  const { openReadStore, events, entityCondition, heldAddresses } = await import('../../store/read.js');
  const filter: EventFilter = await buildFilter(flags);
  // checked before the store opens, so that a bad address is reported as one
  entityCondition(who.kind, who.value);
  const { eventToEcs } = await import('../../output/ecs.js');
  const { cellText } = await import('../../output/format.js');
  const { escapeTerminal } = await import('../../output/escape.js');
  const { ColumnWriter } = await import('../../output/columns.js');
  const { findingDoc, findingMarker, evidenceEvents } = await import('../../output/findings.js');
  const { enrichDoc } = await import('../../enrich/ecs.js');
  const { listFindings } = await import('../../store/findings.js');
  const { storeVersion } = await import('../../store/db.js');
  const { isoUtc } = await import('../../util/time.js');
  const db = openReadStore(app.dbPath);
  try {
    filter.conditions = [entityCondition(who.kind, who.value, heldAddresses(db))];
    const out = app.out;
    // one event past the limit tells whether the limit cut the stream (then the findings after it stay out too)
    const fetch = limit !== undefined ? limit + 1 : limit;
    const found: FindingRow[] = storeVersion(db) >= 2 ? listFindings(db, { [who.kind]: who.value, since: filter.since, until: filter.until }) : [];
    const lookup = await intelLookup(db);
    let table: InstanceType<typeof ColumnWriter> | undefined;
    let withCountry = false;
    const openTable = () =>
      new ColumnWriter(
        out,
        [
          { title: 'time', style: (s: string) => app.c.dim(s) },
          { title: 'dataset', max: 16 },
          { title: 'source', max: 39 },
          ...(withCountry ? [{ title: 'country', max: 7 }] : []),
          { title: 'destination', max: 39 },
          { title: 'user', max: 20 },
          { title: 'event' },
        ],
        app.c,
        terminalWidth(app),
      );
    let minute = -1;
    const minuteHeader = (ts: number) => {
      const m = Math.floor(ts / 60_000);
      if (m === minute) return;
      minute = m;
      const iso = isoUtc(m * 60_000);
      table!.note(app.c.bold(`── ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`));
    };
    const showFinding = (f: FindingRow): boolean => {
      if (!table) return out.line(jsonLine({ type: 'finding', ...findingDoc(f, evidenceEvents(db, f.id, FINDING_EVIDENCE)) }));
      minuteHeader(f.first_ts);
      return table.note(`${app.c.dim(isoUtc(f.first_ts).slice(11, 23))}  ${findingMarker(f, app.c)}`);
    };
    let next = 0;
    let shown = 0;
    let more = false;
    outer: for (const page of pages(events(db, filter, { limit: fetch }), lookup ? PAGE : 1)) {
      const intel = lookup?.(page);
      if (!flags.json && !table) {
        withCountry = page.some((ev) => sourceCountry(ev, intel) !== undefined);
        table = openTable();
      }
      for (const ev of page) {
        if (out.closed) break outer;
        if (limit !== undefined && shown === limit) {
          more = true;
          break outer;
        }
        while (next < found.length && found[next].first_ts <= ev.ts) if (!showFinding(found[next++])) await out.drain();
        shown++;
        let ok: boolean;
        if (!table) {
          const doc = eventToEcs(ev);
          ok = out.line(jsonLine({ type: 'event', ...(intel?.size ? enrichDoc(doc, intel) : doc) }));
        } else {
          minuteHeader(ev.ts);
          const f = ev.fields;
          ok = table.row([
            isoUtc(ev.ts).slice(11, 23),
            escapeTerminal(ev.dataset),
            escapeTerminal(cellText(f['source.ip'])),
            ...(withCountry ? [escapeTerminal(sourceCountry(ev, intel) ?? '')] : []),
            escapeTerminal(cellText(f['destination.ip'])),
            escapeTerminal(cellText(f['user.name'])),
            escapeTerminal(eventSummary(ev)),
          ]);
        }
        if (!ok) await out.drain();
      }
    }
    if (!flags.json && !table) table = openTable();
    // findings that start after the last event, unless the limit cut the events short
    if (!more) while (next < found.length && !out.closed) if (!showFinding(found[next++])) await out.drain();
    table?.end();
    if (out.closed) return;
    if (more && table) app.log.info(app.log.c.dim(`showing the first ${shown} events; --limit N shows more, --limit 0 all`));
    if (shown === 0 && next === 0) {
      app.log.info(`no events for ${who.kind} ${escapeTerminal(who.value)}${filter.since !== undefined || filter.until !== undefined ? ' in that time range' : ''}`);
    }
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
        'across all sources in time order, with the findings that involve it (in their group or their evidence) ' +
        `at the time they start. On a terminal, grouped by minute; the first ${TABLE_LIMIT} events unless --limit ` +
        'says otherwise. --json prints one object per line with a "type": "event" (an ECS document) or "finding".',
    )
    .option('--ip <ip>', 'an IP address or CIDR')
    .option('--user <name>', 'a user name')
    .option('--host <name>', 'a host name')
    .option('--since <time>', 'events at or after this time (ISO, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'events before this time')
    .option('--limit <n>', `at most this many events (terminal default ${TABLE_LIMIT}; 0: no limit)`)
    .option('--json', 'NDJSON: events and findings, each with a "type"')
    .addHelpText(
      'after',
      examples([
        'loghound timeline --ip 203.0.113.7',
        'loghound timeline --user deploy --since 2026-11-14T00:00 --until 2026-11-15',
        "loghound timeline --ip 10.0.0.0/8 --json | jq -r 'select(.type == \"event\") | [.\"@timestamp\", .event.dataset, .message // .url.original] | @tsv'",
        "loghound timeline --user deploy --json | jq -c 'select(.type == \"finding\") | {rule: .rule.title, at: .\"@timestamp\"}'",
      ]),
    )
    .action(
      action(async (flags: TimelineFlags, cmd: Command) => {
        await runTimeline(appFor(cmd), flags);
      }),
    );
}
