/**
 * Building HTML safely. The report is made of log data, which is attacker-controlled: a user agent, a path, a user
 * name or a file name can carry markup. Every value reaches the page through the `html` tag below, which escapes
 * anything that is not itself built by `html`; there is no other way to put text into the page, so no
 * interpolation can forget to escape. Values sit in element text or in double-quoted attributes, where
 * escaping & < > " ' is enough; no value is ever placed in a URL, a style or a script.
 */
import { INVISIBLE } from '../escape.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// The markup characters, C0 controls other than tab and newline, DEL and C1 controls, the bidi controls that could
// reorder what an analyst reads (Trojan Source) and the line and paragraph separators: the controls are shown as
// escapes, as on a terminal (escape.ts).
const SPECIAL = new RegExp(`[&<>"'\\u0000-\\u0008\\u000b-\\u001f${INVISIBLE}]`, 'g');

function replacement(ch: string): string {
  const entity = ENTITIES[ch];
  if (entity) return entity;
  if (ch === '\r') return '\\r';
  if (ch === '\u001b') return '\\e';
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text -> HTML text that is safe in element content and in a quoted attribute value. */
export function escapeHtml(text: string): string {
  SPECIAL.lastIndex = 0;
  return SPECIAL.test(text) ? text.replace(SPECIAL, replacement) : text;
}

/** Markup made by `html`: the only values inserted without escaping. Not exported, so nothing else can make one. */
class Markup {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type Html = Markup;

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function part(v: Part): string {
  if (v instanceof Markup) return v.value;
  if (v === null || v === undefined || v === false || v === true) return '';
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v as readonly Part[]) out += part(x);
    return out;
  }
  return escapeHtml(String(v));
}

/**
 * Tagged template: the literal parts are the program's own markup; every `${value}` is escaped unless it is Html.
 * Arrays are joined; null, undefined and booleans render as nothing (so `${cond && html`...`}` works).
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Markup(out);
}
