/** The NDJSON line: every --json output of every command goes through here. */
import { INVISIBLE } from './escape.js';
// JSON.stringify escapes C0 controls but leaves DEL, the C1 controls (U+009B is a one-character CSI to terminals
// that read C1 in UTF-8) and the bidi controls as raw characters; NDJSON read on a terminal should not carry them.
const JSON_UNSAFE = new RegExp(`[${INVISIBLE}]`, 'g');

const jsonEscape = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * One NDJSON line: JSON.stringify, with the characters above written as \uXXXX escapes (the same string to any
 * JSON reader). Escapes can only occur inside strings, so the replacement cannot change the structure.
 */
export function jsonLine(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value));
}

/**
 * One NDJSON object from column names and values (`sql --json`). A BigInt, an integer beyond 2^53 that a double
 * would round, is written as its exact digits: a JSON number, as SQLite holds it (JSON.stringify refuses BigInts,
 * and a string would change the column's type). A repeated name keeps its first place and its last value, as an
 * object would; `__proto__` is a column like any other.
 */
export function jsonRow(names: string[], values: unknown[]): string {
  const cols = new Map<string, unknown>();
  names.forEach((name, i) => cols.set(name, values[i]));
  const members: string[] = [];
  for (const [name, v] of cols) members.push(`${JSON.stringify(name)}:${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`);
  return escapeUnsafe(`{${members.join(',')}}`);
}

function escapeUnsafe(text: string): string {
  JSON_UNSAFE.lastIndex = 0;
  return JSON_UNSAFE.test(text) ? text.replace(JSON_UNSAFE, jsonEscape) : text;
}
