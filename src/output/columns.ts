/**
 * Aligned columns for views that stream (search, timeline, sql): widths come from the first rows, so a million
 * rows print with flat memory (cli-table3 needs every row before it draws). Cells must be escaped by the caller;
 * colour is applied after padding so it never skews the alignment. Also: bars for counts, and NDJSON lines safe
 * to read on a terminal.
 */
import type { ChalkInstance } from 'chalk';
import type { Sink } from './sink.js';

export interface ColumnSpec {
  title: string;
  /** widest the column may grow (longer cells are cut with "…") */
  max?: number;
  right?: boolean;
  style?: (padded: string) => string;
}

const SAMPLE_ROWS = 200;
const GAP = '  ';

function cut(s: string, width: number): string {
  return s.length <= width ? s : width <= 1 ? s.slice(0, width) : s.slice(0, width - 1) + '…';
}

export class ColumnWriter {
  private pending: (string[] | { note: string })[] | undefined = [];
  private widths: number[] = [];
  private lastMax: number | undefined;

  /** `width`: the terminal's width, to which the last column is cut; undefined: never cut it. */
  constructor(
    private readonly out: Sink,
    private readonly cols: ColumnSpec[],
    private readonly c: ChalkInstance,
    private readonly width?: number,
  ) {}

  /** Returns false when the caller should await out.drain(). */
  row(cells: string[]): boolean {
    return this.push(cells);
  }

  /** A line of its own between rows (a group header), already escaped and styled. */
  note(text: string): boolean {
    return this.push({ note: text });
  }

  private push(item: string[] | { note: string }): boolean {
    if (this.pending) {
      this.pending.push(item);
      if (this.pending.length < SAMPLE_ROWS) return true;
      return this.flush();
    }
    return this.out.line(Array.isArray(item) ? this.format(item) : item.note);
  }

  /** Writes what is held back; the header is printed even when there are no rows. */
  end(): boolean {
    return this.pending ? this.flush() : true;
  }

  private flush(): boolean {
    const rows = this.pending ?? [];
    this.pending = undefined;
    this.widths = this.cols.map((col, i) => {
      const widest = rows.reduce((w, r) => (Array.isArray(r) ? Math.max(w, (r[i] ?? '').length) : w), col.title.length);
      return Math.min(widest, col.max ?? Number.POSITIVE_INFINITY);
    });
    if (this.width !== undefined) {
      const used = this.widths.slice(0, -1).reduce((a, w) => a + w + GAP.length, 0);
      this.lastMax = this.width - used;
    }
    let ok = this.out.line(this.c.bold(this.layout(this.cols.map((col) => col.title), false)));
    for (const r of rows) ok = this.out.line(Array.isArray(r) ? this.format(r) : r.note);
    return ok;
  }

  private format(cells: string[]): string {
    return this.layout(cells, true);
  }

  private layout(cells: string[], styled: boolean): string {
    const last = this.cols.length - 1;
    const parts = this.cols.map((col, i) => {
      const text = cells[i] ?? '';
      let s: string;
      if (i === last) s = this.lastMax !== undefined ? cut(text, Math.max(8, this.lastMax)) : text;
      else {
        const w = this.widths[i];
        const t = cut(text, w);
        s = col.right ? t.padStart(w) : t.padEnd(w);
      }
      return styled && col.style ? col.style(s) : s;
    });
    return parts.join(GAP).trimEnd();
  }
}

/** Whether the terminal's locale says UTF-8 (block characters draw), else bars use ASCII. */
export function unicodeTerminal(env: NodeJS.ProcessEnv = process.env): boolean {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(loc);
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar `width` cells long at value === max; eighth blocks in UTF-8, `#` otherwise. A non-zero value shows. */
export function bar(value: number, max: number, width: number, unicode: boolean): string {
  if (max <= 0 || value <= 0) return '';
  const cells = (value / max) * width;
  if (!unicode) return '#'.repeat(Math.max(1, Math.round(cells)));
  const eighths = Math.max(1, Math.round(cells * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}
