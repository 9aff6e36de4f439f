/** The search language's syntax tree, and its error type that points at a column of the query. */
import { UsageError } from '../errors.js';
import { escapeTerminal } from '../output/escape.js';

/** A wildcard inside a value: `*` any run of characters, `?` exactly one. */
export const STAR = Symbol('*');
export const ONE = Symbol('?');
export type Seg = string | typeof STAR | typeof ONE;

export interface Value {
  /** literal text and wildcards, in order; escapes are resolved */
  segs: Seg[];
  quoted: boolean;
  /** offset of the value's first character in the query */
  pos: number;
}

export interface Bound {
  value: Value;
  inclusive: boolean;
}

export type Node =
  | { type: 'all' }
  | { type: 'and' | 'or'; children: Node[] }
  | { type: 'not'; child: Node }
  /** field === null: free text over the message and the raw line */
  | { type: 'match'; field: string | null; fieldPos: number; value: Value }
  | { type: 'exists'; field: string; fieldPos: number }
  | { type: 'range'; field: string; fieldPos: number; lo?: Bound; hi?: Bound };

export function hasWildcard(v: Value): boolean {
  return v.segs.some((s) => typeof s !== 'string');
}

/** The value's literal text (wildcards shown as written). */
export function valueText(v: Value): string {
  return v.segs.map((s) => (s === STAR ? '*' : s === ONE ? '?' : s)).join('');
}

const WINDOW = 72;

/**
 * A UsageError whose message shows the query with a caret under the offending column. The query is escaped here
 * (control characters would otherwise break the two-line picture) and the caret is placed on the escaped text.
 */
export class QueryError extends UsageError {
  constructor(
    readonly reason: string,
    readonly query: string,
    readonly pos: number,
    hint?: string,
  ) {
    super(`${reason} (column ${pos + 1})\n${caretPicture(query, pos)}`, hint);
  }

  get column(): number {
    return this.pos + 1;
  }
}

function caretPicture(query: string, pos: number): string {
  pos = Math.max(0, Math.min(pos, query.length));
  let start = 0;
  let end = query.length;
  if (query.length > WINDOW) {
    start = Math.max(0, Math.min(pos - Math.floor(WINDOW / 2), query.length - WINDOW));
    end = Math.min(query.length, start + WINDOW);
  }
  const lead = start > 0 ? '…' : '';
  const trail = end < query.length ? '…' : '';
  const shown = lead + escapeTerminal(query.slice(start, end)) + trail;
  const col = lead.length + escapeTerminal(query.slice(start, pos)).length;
  return `  ${shown}\n  ${' '.repeat(col)}^`;
}
