import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples, type App } from '../app.js';
import { UsageError } from '../../errors.js';
import type { StoredEvent } from '../../model/event.js';
import type { EventFilter } from '../../store/read.js';
import type { Doc } from '../../output/ecs.js';
import type { DB } from '../../store/db.js';
import type { Intel } from '../../enrich/intelrows.js';
import type { HeldAddresses } from '../../query/compile.js';
import { parseTimeArg } from '../../util/time.js';

/** Rows a table view shows unless --limit says otherwise; --json and --csv print every match. */
export const TABLE_LIMIT = 500;

export interface FilterFlags {
  since?: string;
  until?: string;
  query?: string;
}

/**
 * --since / --until / a query -> a filter. Times without a zone are UTC, like every time loghound prints. `held`
 * (heldAddresses of the open store) lets an exact address become the one equality its index answers in time order.
 */
export async function buildFilter(flags: FilterFlags, held?: HeldAddresses): Promise<EventFilter> {
  const f: EventFilter = {};
  const now = Date.now();
  if (flags.since !== undefined) f.since = parseTimeArg(flags.since, 'UTC', now);
  if (flags.until !== undefined) f.until = parseTimeArg(flags.until, 'UTC', now);
  if (f.since !== undefined && f.until !== undefined && f.since >= f.until) {
    throw new UsageError('--since must be earlier than --until');
  }
  if (flags.query !== undefined) {
    const { compileQuery } = await import('../../query/compile.js');
    const { isKnownField } = await import('../../store/fieldsql.js');
    f.query = compileQuery(flags.query, { now, held });
    // The parsers add their fields (ssh.reason is text, sudo.attempts a number) to the catalogue when they load,
    // 30 ms that a query over columns should not pay: load them for a query that names another field, and compile
    // it again with their types. The first compile reads such a field as a keyword, the type that refuses no value.
    if (f.query.fields.some((name) => !isKnownField(name))) {
      await import('../../parsers/registry.js');
      f.query = compileQuery(flags.query, { now, held });
    }
  }
  return f;
}

/** --limit N: undefined for 0 (everything). */
export function parseLimit(text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--limit ${text}: expected a whole number (0 for no limit)`);
  const n = Number(text);
  return n === 0 ? undefined : n;
}

export function outputMode(flags: { json?: boolean; csv?: boolean }): 'table' | 'json' | 'csv' {
  if (flags.json && flags.csv) throw new UsageError('--json and --csv exclude each other');
  return flags.json ? 'json' : flags.csv ? 'csv' : 'table';
}

/** A field of an ECS document by its dotted name ("source.ip", "log.file.path"). */
export function docValue(doc: Doc, name: string): unknown {
  let node: unknown = doc;
  for (const part of name === '@timestamp' ? [name] : name.split('.')) {
    // own keys only: --fields constructor would otherwise print Object's constructor as a value
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Doc)[part];
  }
  return node;
}

/**
 * What an event says in one line: the request for web events, else the message, else the action with its
 * outcome and destination (firewall, cloudtrail), else the raw line.
 */
export function eventSummary(ev: StoredEvent): string {
  const f = ev.fields;
  const has = (v: unknown) => v !== undefined && v !== null && v !== '';
  if (has(f['http.request.method']) || has(f['url.original'])) {
    return [f['http.request.method'], f['url.original'], f['http.response.status_code']].filter(has).join(' ');
  }
  if (typeof f.message === 'string' && f.message !== '') return f.message;
  if (has(f['event.action'])) {
    let s = String(f['event.action']);
    if (has(f['event.outcome'])) s += ` ${f['event.outcome']}`;
    if (has(f['destination.ip'])) {
      s += ` -> ${f['destination.ip']}${has(f['destination.port']) ? `:${f['destination.port']}` : ''}`;
      if (has(f['network.transport'])) s += `/${f['network.transport']}`;
    }
    return s;
  }
  return ev.raw;
}

/**
 * Events per enrichment read: one ip_intel query per page, not per event. Small on purpose: rows held across a
 * young-generation collection get promoted, and at 1,000 a page an export ran 20% slower and 40 MB larger.
 */
export const PAGE = 256;

/** Items in arrays of `size`; a store without intel pages by one (nothing to batch, nothing held). */
export function* pages<T>(items: Iterable<T>, size = PAGE): Generator<T[]> {
  let page: T[] = [];
  for (const item of items) {
    page.push(item);
    if (page.length === size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** Addresses remembered between pages (logs repeat a few addresses endlessly); forgotten all at once when full. */
const INTEL_CACHE = 10_000;

export type IntelLookup = (page: StoredEvent[]) => Map<string, Intel>;

/**
 * Geo/AS and threat context for the addresses of a page of events, from ip_intel (hunt fills it): one read per
 * page for the addresses not seen on recent pages. undefined when the store holds no intel, so stores that were
 * only ingested pay nothing. enrichDoc(doc, map) puts it into an event document.
 */
export async function intelLookup(db: DB): Promise<IntelLookup | undefined> {
  const { storeVersion } = await import('../../store/db.js');
  if (storeVersion(db) < 3 || !db.prepare('SELECT EXISTS (SELECT 1 FROM ip_intel) AS x').pluck().get()) return undefined;
  const { intelFor } = await import('../../enrich/intelrows.js');
  const known = new Map<string, Intel>();
  const unknown = new Set<string>();
  return (page) => {
    const wanted = new Set<string>();
    for (const ev of page) {
      for (const ip of [ev.fields['source.ip'], ev.fields['destination.ip']]) {
        if (typeof ip === 'string' && !known.has(ip) && !unknown.has(ip)) wanted.add(ip);
      }
    }
    if (wanted.size) {
      if (known.size + unknown.size + wanted.size > INTEL_CACHE) {
        known.clear();
        unknown.clear();
      }
      const found = intelFor(db, wanted);
      for (const ip of wanted) {
        const info = found.get(ip);
        if (info) known.set(ip, info);
        else unknown.add(ip);
      }
    }
    return known;
  };
}

/** The country of an event's source address, when the intel knows it (table views show it as a column). */
export function sourceCountry(ev: StoredEvent, intel: Map<string, Intel> | undefined): string | undefined {
  const ip = ev.fields['source.ip'];
  return typeof ip === 'string' ? intel?.get(ip)?.geo?.country_iso_code : undefined;
}

/** The CSV columns of `search --csv` (without --fields) and `export --format csv`; documented in README. */
export const CSV_COLUMNS = [
  '@timestamp',
  'event.dataset',
  'event.action',
  'event.outcome',
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'user.name',
  'user.target.name',
  'host.name',
  'process.name',
  'process.pid',
  'http.request.method',
  'url.original',
  'http.response.status_code',
  'http.response.body.bytes',
  'user_agent.original',
  'message',
  'log.file.path',
  'log.file.line',
  'loghound.event_id',
  'event.original',
];

/** The terminal's width when stdout is one (long cells are cut to fit); undefined into a pipe or file. */
export function terminalWidth(app: App): number | undefined {
  return app.out.isTTY && process.stdout.columns ? process.stdout.columns : undefined;
}

/**
 * The header of an event CSV: field names, which cannot hold a comma or quote. Written as is: csvCell would
 * guard "@timestamp" against formula injection with a leading quote, which no reader of the header wants.
 */
export function csvHeader(names: string[]): string {
  return names.join(',');
}

/**
 * A CSV data row. CSV into a file or pipe keeps the log's bytes; CSV printed on a terminal is escaped like
 * every other view, since it is the terminal that would run the escape sequences.
 */
export async function csvRows(tty: boolean): Promise<(values: unknown[]) => string> {
  const { cellText, csvLine } = await import('../../output/format.js');
  const { escapeTerminal } = await import('../../output/escape.js');
  return tty ? (values) => csvLine(values.map((v) => escapeTerminal(cellText(v)))) : csvLine;
}

export function parseFieldList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new UsageError('--fields: name at least one field');
  return names;
}

interface SearchFlags extends FilterFlags {
  limit?: string;
  fields?: string;
  json?: boolean;
  csv?: boolean;
}

async function runSearch(app: App, query: string, flags: SearchFlags): Promise<void> {
  const mode = outputMode(flags);
  const fields = parseFieldList(flags.fields);
  const { isFieldName } = await import('../../store/fieldsql.js');
  for (const name of fields ?? []) if (!isFieldName(name)) throw new UsageError(`--fields: "${name}" is not a field name`);
  // checked before the store opens, so that a syntax error is reported as one
  await buildFilter({ ...flags, query });
  const limit = parseLimit(flags.limit, mode === 'table' ? TABLE_LIMIT : undefined);
  const { openReadStore, events, heldAddresses } = await import('../../store/read.js');
  const { eventToEcs } = await import('../../output/ecs.js');
  const { cellText } = await import('../../output/format.js');
  const csvLine = await csvRows(app.out.isTTY);
  const { escapeTerminal } = await import('../../output/escape.js');
  const { ColumnWriter } = await import('../../output/columns.js');
  const { isoUtc } = await import('../../util/time.js');
  const db = openReadStore(app.dbPath);
  try {
    const filter = await buildFilter({ ...flags, query }, heldAddresses(db));
    let shown = 0;
    let more = false;
    // one row past the limit tells the table view whether to say that more matched
    const fetch = mode === 'table' && limit !== undefined ? limit + 1 : limit;
    const out = app.out;
    if (mode === 'csv') out.line(csvHeader(fields ?? CSV_COLUMNS));
    const lookup = await intelLookup(db);
    const { enrichDoc } = await import('../../enrich/ecs.js');
        const doc = (ev: StoredEvent, intel: Map<string, Intel> | undefined) => {
      const d = eventToEcs(ev);
      return intel?.size ? enrichDoc(d, intel) : d;
    };
    const openTable = (withCountry: boolean) =>
      new ColumnWriter(
        out,
        fields
          ? fields.map((title) => ({ title, max: 60 }))
          : [
              { title: 'time', style: (s: string) => app.c.dim(s) },
              { title: 'dataset', max: 16 },
              { title: 'source.ip', max: 39 },
              ...(withCountry ? [{ title: 'country', max: 7 }] : []),
              { title: 'user', max: 20 },
              { title: 'event' },
            ],
        app.c,
        terminalWidth(app),
      );
    let table: InstanceType<typeof ColumnWriter> | undefined;
    let withCountry = false;
    outer: for (const page of pages(events(db, filter, { limit: fetch }), lookup ? PAGE : 1)) {
      // the default CSV columns hold nothing enrichment adds
      const intel = mode === 'csv' && !fields ? undefined : lookup?.(page);
      if (mode === 'table' && !table) {
        // a country column when the first page has a country to show
        withCountry = !fields && page.some((ev) => sourceCountry(ev, intel) !== undefined);
        table = openTable(withCountry);
      }
      for (const ev of page) {
        if (out.closed) break outer;
        if (limit !== undefined && shown === limit) {
          more = true;
          break outer;
        }
        shown++;
        let ok: boolean;
        if (mode === 'json') ok = out.line(jsonLine(doc(ev, intel)));
        else if (mode === 'csv') {
          const d = doc(ev, intel);
          ok = out.line(csvLine((fields ?? CSV_COLUMNS).map((n) => docValue(d, n))));
        } else if (fields) {
          const d = doc(ev, intel);
          ok = table!.row(fields.map((n) => escapeTerminal(cellText(docValue(d, n)))));
        } else {
          const f = ev.fields;
          ok = table!.row([
            isoUtc(ev.ts),
            escapeTerminal(ev.dataset),
            escapeTerminal(cellText(f['source.ip'])),
            ...(withCountry ? [escapeTerminal(sourceCountry(ev, intel) ?? '')] : []),
            escapeTerminal(cellText(f['user.name'])),
            escapeTerminal(eventSummary(ev)),
          ]);
        }
        if (!ok) await out.drain();
      }
    }
    if (mode === 'table' && !table) table = openTable(false);
    table?.end();
    if (out.closed) return;
    if (more) app.log.info(app.log.c.dim(`showing the first ${shown} matches; --limit N shows more, --limit 0 all`));
    if (shown === 0) await noteUnknownFields(app, filter);
  } finally {
    db.close();
  }
}

/** A misspelt field matches nothing, silently: say so when a search comes back empty. */
async function noteUnknownFields(app: App, filter: EventFilter): Promise<void> {
  const { isKnownField } = await import('../../store/fieldsql.js');
  const unknown = (filter.query?.fields ?? []).filter((n) => !isKnownField(n));
  if (unknown.length) {
    app.log.warn(
      `no events matched, and ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of the catalogue: ` +
        `check the spelling ("loghound stats --top ${unknown[0]}" lists the values stored under that name)`,
    );
  }
}

export function register(program: Command): void {
  program
    .command('search')
    .summary('find events with a KQL-like query')
    .description(
      'Find events with a Kibana-style query over ECS field names. Terms: field:value, "quoted phrases", wildcards ' +
        '* and ?, field >= 400, field:[400 TO 499], source.ip:10.0.0.0/8, field:* (exists), free text (message and ' +
        'raw line), and / or / not, parentheses. Values side by side are alternatives: status:401 403. Results come ' +
        `in time order; the table shows the first ${TABLE_LIMIT} unless --limit says otherwise.`,
    )
    .argument('<query>', 'the query ("" or * for every event)')
    .option('--since <time>', 'events at or after this time (ISO, UTC unless a zone is given, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'events before this time')
    .option('--limit <n>', `at most this many events (table default ${TABLE_LIMIT}; 0: no limit)`)
    .option('--fields <list>', 'comma-separated fields to show as columns (table and CSV)')
    .option('--json', 'NDJSON: one ECS document per event')
    .option('--csv', 'CSV with a header row')
    .addHelpText(
      'after',
      examples([
        "loghound search 'source.ip:203.0.113.0/24 and http.response.status_code >= 400'",
        "loghound search 'event.action:ssh_login and event.outcome:failure' --since 24h",
        "loghound search '\"Failed password\" and not user.name:(root or admin)' --json | jq -r .source.ip",
        "loghound search 'url.original:*wp-login*' --fields @timestamp,source.ip,user_agent.original --csv",
      ]),
    )
    .action(
      action(async (query: string, flags: SearchFlags, cmd: Command) => {
        await runSearch(appFor(cmd), query, flags);
      }),
    );
}
