/**
 * The normalized event. Parsers produce ParsedEvent (ECS dotted names in `fields`); ingest adds where it came from.
 * The store keeps the hot fields as columns (see fields.ts) and the rest in a JSON column.
 */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

/** ECS field name (dotted, e.g. "source.ip") -> value. Arrays for event.category / event.type. */
export type Fields = Record<string, FieldValue | undefined>;

/** The longest line kept whole: past it a line is cut and flagged truncated (a container's joined pieces too). */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Where a line sits in its source: 1-based line number and the byte offset of its first byte. */
export interface LineRef {
  line: number;
  offset: number;
}

export interface ParsedEvent {
  /** UTC epoch milliseconds; absent when the line has no usable timestamp (ingest then inherits one and flags it). */
  ts?: number;
  /** event.dataset, e.g. "web.access", "system.auth". */
  dataset: string;
  fields: Fields;
  /** Multi-line events (auditd records sharing a serial): the first line and the raw text of all of them. */
  span?: { at: LineRef; raw: string; lines: number };
  /** EventFlag bits the parser knows about (e.g. a year guessed from the file's mtime). */
  flags?: number;
  /**
   * Set by a parser that keeps lines it could not make sense of inside a multi-line group (a broken JSON
   * document): the event is stored as unparsed with this reason.
   */
  unparsed?: string;
}

/** Parse status of a stored event. */
export const Status = {
  PARSED: 0,
  /** kept by the raw fallback; the reason is in error.message */
  UNPARSED: 1,
} as const;

/** Bits of the events.flags column; rendered as ECS `tags` in JSON. */
export const EventFlag = {
  INVALID_UTF8: 1,
  TRUNCATED: 2,
  /** no timestamp in the line: @timestamp inherited from the previous line or the file's mtime */
  TS_INFERRED: 4,
  /** the year was inferred (RFC 3164 syslog has none) */
  YEAR_INFERRED: 8,
  /** the zone was taken from --tz (the line carries none) */
  TZ_ASSUMED: 16,
} as const;

export const FLAG_TAGS: [number, string][] = [
  [EventFlag.INVALID_UTF8, 'invalid_utf8'],
  [EventFlag.TRUNCATED, 'truncated'],
  [EventFlag.TS_INFERRED, 'timestamp_inferred'],
  [EventFlag.YEAR_INFERRED, 'year_inferred'],
  [EventFlag.TZ_ASSUMED, 'timezone_assumed'],
];

export function flagTags(flags: number, status: number): string[] {
  const tags: string[] = [];
  if (status === Status.UNPARSED) tags.push('unparsed');
  for (const [bit, tag] of FLAG_TAGS) if (flags & bit) tags.push(tag);
  return tags;
}

/** An event as stored and read back. */
export interface StoredEvent {
  id: number;
  ts: number;
  dataset: string;
  sourcePath: string;
  line: number;
  offset: number;
  status: number;
  flags: number;
  raw: string;
  fields: Fields;
}

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export function levelRank(level: string): number {
  return LEVELS.indexOf(level as Level);
}
