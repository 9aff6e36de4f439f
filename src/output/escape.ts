/**
 * Log data is attacker-controlled: a user agent can carry ESC [ ... or ESC ] ... sequences that repaint or retitle
 * a terminal, and bidi overrides that reorder what an analyst reads. Everything from logs goes through here
 * before it reaches a terminal. JSON output does not need this: JSON.stringify escapes control characters.
 */
// C0 controls, DEL, C1 controls, the Unicode bidi controls (Trojan Source; U+061C, the Arabic letter mark, is one
// too), and the line and paragraph separators, which some terminals and pagers break a line at: one log line
// must not pass for two.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

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
