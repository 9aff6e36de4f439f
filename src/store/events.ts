/** Writing events in batches and reading them back. */
import type { Statement } from 'better-sqlite3';
import type { DB } from './db.js';
import { COLUMN_FIELDS } from '../model/fields.js';
import type { Fields, FieldValue, StoredEvent } from '../model/event.js';
import { adjustRollup } from './rollup.js';
import { COUNTED_COLUMNS, CountTally, subtractCounts } from './counts.js';
import { dropEvidence } from './evidence.js';
import { hasSpanLayout, SPAN_COLUMNS, spanOf } from './spans.js';

const COLS = COLUMN_FIELDS.map((d) => d.column!);
const COL_INDEX = new Map(COLUMN_FIELDS.map((d, i) => [d.name, i]));
const ARRAY_COLS = new Set(COLUMN_FIELDS.filter((d) => d.type === 'keyword[]').map((d) => d.name));
const BASE = ['ts', 'dataset', 'source_id', 'line', 'offset', 'status', 'flags', 'raw'];

export interface EventRow {
  ts: number;
  dataset: string;
  sourceId: number;
  line: number;
  offset: number;
  status: number;
  flags: number;
  raw: string;
  fields: Fields;
}

type Param = string | number | bigint | null;

function toParam(v: FieldValue | undefined): Param {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

/**
 * The column each parameter of a row goes to. In a store with the span layout (see spans.ts) the columns that
 * repeat a part of the raw line are computed by SQLite and written through their `_src` column.
 */
function insertColumns(spans: boolean): string[] {
  return [...BASE, ...COLS.map((c) => (spans && SPAN_COLUMNS.has(c) ? `${c}_src` : c)), 'extra'];
}

/** One row's parameters in insertColumns order; fields that are not columns go to the extra JSON object. */
function rowParams(r: EventRow, spans = false): Param[] {
  const out: Param[] = new Array(BASE.length + COLS.length + 1).fill(null);
  out[0] = r.ts;
  out[1] = r.dataset;
  out[2] = r.sourceId;
  out[3] = r.line;
  out[4] = r.offset;
  out[5] = r.status;
  out[6] = r.flags;
  out[7] = r.raw;
  let extra: Record<string, FieldValue> | undefined;
  for (const key in r.fields) {
    const v = r.fields[key];
    if (v === undefined) continue;
    const idx = COL_INDEX.get(key);
    if (idx === undefined) {
      (extra ??= {})[key] = v;
    } else if (ARRAY_COLS.has(key)) {
      out[BASE.length + idx] = Array.isArray(v) ? v.join(',') : toParam(v);
    } else if (spans && typeof v === 'string' && SPAN_COLUMNS.has(COLS[idx])) {
      out[BASE.length + idx] = spanOf(r.raw, v);
    } else {
      out[BASE.length + idx] = toParam(v);
    }
  }
  if (extra) out[out.length - 1] = JSON.stringify(extra);
  return out;
}

/** Rows per INSERT statement: one statement call per row is the largest fixed cost of writing. */
const ROWS_PER_INSERT = 16;
const PER_ROW = BASE.length + COLS.length + 1;
const ROW_VALUES = `(${new Array(PER_ROW).fill('?').join(', ')})`;

export class EventWriter {
  private readonly insert: Statement<Param[]>;
  private readonly insertMany: Statement<Param[]>;
  private readonly removeTail: Statement<[number, number, number]>;
  private readonly tailRows: Statement<[number, number, number], StoredTail>;
  private readonly tally: CountTally;
  private readonly spans: boolean;

  constructor(private readonly db: DB) {
    this.spans = hasSpanLayout(db);
    const insert = `INSERT INTO events (${insertColumns(this.spans).join(', ')}) VALUES `;
    this.insert = db.prepare<Param[]>(insert + ROW_VALUES);
    this.insertMany = db.prepare<Param[]>(insert + new Array(ROWS_PER_INSERT).fill(ROW_VALUES).join(', '));
    this.removeTail = db.prepare<[number, number, number]>('DELETE FROM events WHERE id >= ? AND source_id = ? AND line >= ?');
    this.tailRows = db.prepare<[number, number, number], StoredTail>(
      'SELECT id, dataset, line, offset, status, flags, raw FROM events WHERE id >= ? AND source_id = ? AND line >= ? ORDER BY id',
    );
    this.tally = new CountTally(db, COUNTED_COLUMNS.map((c) => BASE.length + COLS.indexOf(c)));
  }

  /** Must run inside a transaction owned by the caller. Returns the new row id. */
  write(r: EventRow): number {
    return this.writeAll([r]);
  }

  /**
   * Writes rows in order inside the caller's transaction and returns the id of the first: ids are consecutive,
   * since the table's ids only grow and the writer lock admits one writer.
   */
  writeAll(rows: EventRow[]): number {
    let first = -1;
    let i = 0;
    const params: Param[] = [];
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      params.length = 0;
      for (let k = i; k < i + ROWS_PER_INSERT; k++) {
        const row = rowParams(rows[k], this.spans);
        this.tally.add(row);
        for (const p of row) params.push(p);
      }
      const last = Number(this.insertMany.run(...params).lastInsertRowid);
      if (first < 0) first = last - ROWS_PER_INSERT + 1;
    }
    for (; i < rows.length; i++) {
      const row = rowParams(rows[i], this.spans);
      this.tally.add(row);
      const id = Number(this.insert.run(...row).lastInsertRowid);
      if (first < 0) first = id;
    }
    if (rows.length > 0) adjustRollup(this.db, 'e.id >= ? AND e.id < ?', [first, first + rows.length], 1);
    this.tally.flush();
    return first;
  }

  /**
   * The events of a source's last read that continue now (from a first id and line on), against the rows read again
   * from there: the leading events that the rows repeat exactly stay, with their ids (an unfinished line read again
   * unchanged, or finished by just its newline, is no new event and no new match), and leave `rows`; the others are
   * deleted. Returns the events kept. Inside the caller's transaction.
   */
  replaceTail(sourceId: number, fromId: number, fromLine: number, rows: EventRow[]): StoredTail[] {
    const stored = this.tailRows.all(fromId, sourceId, fromLine);
    let same = 0;
    while (same < stored.length && same < rows.length && repeats(rows[same], stored[same])) same++;
    if (same < stored.length) this.deleteTail(sourceId, stored[same].id, stored[same].line);
    rows.splice(0, same);
    return stored.slice(0, same);
  }

  /** From a first id and line on (ids bound the scan). */
  private deleteTail(sourceId: number, fromId: number, fromLine: number): void {
    const where = 'e.id >= ? AND e.source_id = ? AND e.line >= ?';
    adjustRollup(this.db, where, [fromId, sourceId, fromLine], -1);
    subtractCounts(this.db, where, [fromId, sourceId, fromLine]);
    dropEvidence(this.db, where, [fromId, sourceId, fromLine]);
    this.removeTail.run(fromId, sourceId, fromLine);
  }
}

/** A stored event of an unfinished tail, as much of it as tells whether a row read again repeats it. */
export interface StoredTail {
  id: number;
  dataset: string;
  line: number;
  offset: number;
  status: number;
  flags: number;
  raw: string;
}

function repeats(row: EventRow, ev: StoredTail): boolean {
  return row.line === ev.line && row.offset === ev.offset && row.raw === ev.raw && row.status === ev.status && row.flags === ev.flags && row.dataset === ev.dataset;
}

interface EventDbRow {
  id: number;
  ts: number;
  dataset: string;
  path: string;
  line: number;
  offset: number;
  status: number;
  flags: number;
  raw: string;
  extra: string | null;
  [col: string]: unknown;
}

/** SELECT list that rowToEvent understands; join sources as `s`, events as `e`. */
export const EVENT_SELECT = `e.id, e.ts, e.dataset, s.path, e.line, e.offset, e.status, e.flags, e.raw, ${COLS.map((c) => `e.${c}`).join(', ')}, e.extra`;
export const EVENT_FROM = 'events e JOIN sources s ON s.id = e.source_id';

export function rowToEvent(row: EventDbRow): StoredEvent {
  const fields: Fields = row.extra ? JSON.parse(row.extra) : {};
  for (const d of COLUMN_FIELDS) {
    const v = row[d.column!];
    if (v === null || v === undefined) continue;
    fields[d.name] = d.type === 'keyword[]' ? String(v).split(',') : (v as FieldValue);
  }
  return {
    id: row.id,
    ts: row.ts,
    dataset: row.dataset,
    sourcePath: row.path,
    line: row.line,
    offset: row.offset,
    status: row.status,
    flags: row.flags,
    raw: row.raw,
    fields,
  };
}
