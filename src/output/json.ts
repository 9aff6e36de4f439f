/** The NDJSON line: every --json output of every command goes through here. */
// JSON.stringify escapes C0 controls but leaves DEL, the C1 controls (U+009B is a one-character CSI to terminals
// that read C1 in UTF-8) and the bidi controls as raw characters; NDJSON read on a terminal should not carry them.
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const jsonEscape = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * One NDJSON line: JSON.stringify, with the characters above written as \uXXXX escapes (the same string to any
 * JSON reader). Escapes can only occur inside strings, so the replacement cannot change the structure.
 */
export function jsonLine(value: unknown): string {
  const text = JSON.stringify(value);
  JSON_UNSAFE.lastIndex = 0;
  return JSON_UNSAFE.test(text) ? text.replace(JSON_UNSAFE, jsonEscape) : text;
}
