/** Shared by the syslog-family tests: parse lines as ingest would and look at events as flat dotted fields. */
import path from 'node:path';
import { parseLines, type RunOptions } from '../../../src/parsers/run.js';
import { flatten } from '../../helpers/golden.js';
import { FIXTURES } from '../../helpers/cli.js';

export const SYSLOG_FIXTURES = path.join(FIXTURES, 'syslog');

/** A fixed reference time (a file's mtime) so RFC 3164 years never change meaning. */
export const MTIME_2024 = Date.UTC(2024, 2, 11);

export interface FlatEvent {
  parser: string;
  status: number;
  f: Record<string, unknown>;
}

export function flatEvents(lines: string[], opts: RunOptions = {}): FlatEvent[] {
  const r = parseLines(lines, { tz: 'UTC', mtimeMs: MTIME_2024, ...opts });
  return r.events.map((e) => ({ parser: r.parser.name, status: e.status, f: flatten(e.doc) }));
}

/** The one event of one line. */
export function one(line: string, opts: RunOptions = {}): Record<string, unknown> {
  const evs = flatEvents([line], { format: 'syslog', ...opts });
  if (evs.length !== 1) throw new Error(`expected one event, got ${evs.length}`);
  return evs[0].f;
}
