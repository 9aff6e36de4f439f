/** Tables, CSV and NDJSON lines. Text for a terminal is escaped; JSON escapes control characters itself. */
import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import { escapeTerminal } from './escape.js';

// loaded on the first table: commands that print JSON or CSV import this module too, and cli-table3 with its
// string-width dependencies is 6 ms of their start
const require = createRequire(import.meta.url);
let Table: typeof TableType | undefined;

/** 1234567 -> "1,234,567". By hand: the first toLocaleString call loads ICU locale data, 20 ms of every start-up. */
export function fmtInt(n: number): string {
  if (!Number.isSafeInteger(n)) return Number.isFinite(n) ? fmtInt(Math.round(n)) : String(n);
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = digits.slice(Math.max(0, end - 3), end) + (out ? `,${out}` : '');
  return n < 0 ? `-${out}` : out;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(cellText).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A cli-table3 table whose every cell is escaped; colour is applied by the caller after escaping. */
export function renderTable(head: string[], rows: unknown[][], opts: { colWidths?: number[]; raw?: Set<number> } = {}): string {
  Table ??= require('cli-table3') as typeof TableType;
  const table = new Table({
    head,
    style: { head: [], border: [] },
    wordWrap: false,
    ...(opts.colWidths ? { colWidths: opts.colWidths } : {}),
  });
  for (const r of rows) table.push(r.map((c, i) => (opts.raw?.has(i) ? cellText(c) : escapeTerminal(cellText(c)))));
  return table.toString();
}

/**
 * A cell that is nothing but a negative number: a spreadsheet reads it as that number and runs nothing, and
 * numeric columns (ports, byte counts, `sql` results) keep summing. "-2+3+cmd|' /C calc'!A0" starts with a dash
 * and a digit too, but is a formula: the whole cell decides.
 */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/**
 * RFC 4180 CSV. Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, unless the
 * cell is a plain negative number) are prefixed with a quote: log data is attacker-controlled (OWASP's CSV
 * injection advice).
 */
export function csvCell(v: unknown): string {
  let s = cellText(v);
  if (/^[=+\-@\t\r]/.test(s) && !NEGATIVE_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return values.map(csvCell).join(',');
}
