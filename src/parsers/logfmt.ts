/**
 * logfmt / key=value lines: `ts=2024-05-01T10:00:00Z level=info msg="user logged in" ip=1.2.3.4`. The usual keys
 * are mapped as for JSON (keymap.ts); the rest stay under `logfmt.<key>`. auditd records and kernel firewall
 * lines are key=value too but have parsers of their own, so they score 0 here, as does any line with a prefix
 * before its first key (syslog).
 */
import type { FieldValue } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import { endLine, mapKey, type Mapped } from './keymap.js';
import type { Parser, ParserContext } from './types.js';
import { WEB_FIELDS } from './web-common.js';

const NOT_LOGFMT = 'not key=value pairs (the line must start with key=)';

/** A key: printable characters other than space, `=` and `"`. */
function isKeyChar(c: number): boolean {
  return c > 32 && c !== 61 && c !== 34 && c !== 127;
}

function unescape(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
}

/** The pairs of a line in order; a bare key has the value true. Undefined when the line does not start with key=. */
export function readPairs(line: string): [string, FieldValue][] | undefined {
  const out: [string, FieldValue][] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const ks = i;
    while (i < n && isKeyChar(line.charCodeAt(i))) i++;
    if (i === ks) return undefined;
    const key = line.slice(ks, i);
    if (i >= n || line.charCodeAt(i) !== 61 /* = */) {
      if (out.length === 0) return undefined;
      out.push([key, true]);
      continue;
    }
    i++;
    if (line.charCodeAt(i) === 34) {
      let e = i + 1;
      let escaped = false;
      while (e < n && line.charCodeAt(e) !== 34) {
        if (line.charCodeAt(e) === 92) {
          escaped = true;
          e++;
        }
        e++;
      }
      const raw = line.slice(i + 1, Math.min(e, n));
      out.push([key, escaped ? unescape(raw) : raw]);
      i = e + 1;
    } else {
      const vs = i;
      while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
      out.push([key, line.slice(vs, i)]);
    }
  }
  return out.length > 0 ? out : undefined;
}

function parseLine(line: string, ctx: ParserContext) {
  const pairs = readPairs(line);
  if (!pairs) return NOT_LOGFMT;
  const m: Mapped = { fields: {}, flags: 0 };
  for (const [k, v] of pairs) mapKey(m, k, v, 'logfmt', ctx, 'usual');
  endLine(m, 'logfmt');
  return { ts: m.ts, dataset: m.dataset ?? 'logfmt', fields: m.fields, flags: m.flags };
}

/** auditd (`type=X msg=audit(...)`) and netfilter (`IN=eth0 OUT= ... SRC=`) lines: key=value, not logfmt. */
function isOtherFormat(line: string): boolean {
  return line.includes('msg=audit(') || (line.includes('IN=') && line.includes(' OUT=') && line.includes(' SRC='));
}

export const logfmt: Parser = {
  name: 'logfmt',
  description: 'logfmt / key=value lines',
  datasets: ['logfmt', 'web.access'],
  detect(sample) {
    let hits = 0;
    for (const line of sample) {
      // an indented line continues something else (a multi-line syslog message)
      if (line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9 || isOtherFormat(line)) continue;
      const pairs = readPairs(line);
      if (pairs && pairs.length >= 2 && pairs.filter((p) => p[1] !== true).length >= 2) hits++;
    }
    return sample.length ? hits / sample.length : 0;
  },
  create(ctx) {
    return { parse: (line) => parseLine(line, ctx), flush: () => [] };
  },
  fields: [
    WEB_FIELDS.sourceAddress,
    WEB_FIELDS.sourceDomain,
    WEB_FIELDS.urlScheme,
    WEB_FIELDS.urlDomain,
    WEB_FIELDS.requestMimeType,
    { name: 'logfmt.*', type: 'keyword', desc: 'keys of a logfmt line that no ECS field takes', filledBy: 'logfmt' },
  ] satisfies FieldDef[],
};
