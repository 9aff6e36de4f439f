/**
 * Log data is attacker-controlled: a user agent can carry ESC [ ... or ESC ] ... sequences that repaint or retitle
 * a terminal, and bidi overrides that reorder what an analyst reads. Everything from logs goes through here
 * before it reaches a terminal. JSON output does not need this: JSON.stringify escapes control characters.
 */
/**
 * What no view of log data shows raw, past the C0 controls (which JSON escapes itself and HTML keeps tab and newline
 * of): DEL, the C1 controls, the Unicode bidi controls (Trojan Source) with the three marks (U+061C, U+200E, U+200F),
 * and the line and paragraph separators (U+2028, U+2029), which some viewers break a line at. A character class
 * body: the terminal, JSON and HTML escapers each build theirs from it.
 */
export const INVISIBLE = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';

const UNSAFE = new RegExp(`[\\u0000-\\u001f${INVISIBLE}]`, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function replace(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function escapeTerminal(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, replace) : s;
}

/** A message that may span lines (a query with a caret under its column): each line escaped on its own. */
export function escapeLines(s: string): string {
  return s.split('\n').map(escapeTerminal).join('\n');
}
