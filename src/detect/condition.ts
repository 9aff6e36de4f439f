/**
 * Sigma condition expressions: `sel and not filter`, `1 of selection_*`, `all of them`, parentheses.
 * Precedence, loosest first: or < and < not < `x of` (REFERENCE.md).
 */
import type { Condition } from './model.js';

export class ConditionError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

interface Tok {
  t: string;
  pos: number;
}

const TOKEN = /\s*(\(|\)|[A-Za-z0-9_*.\-]+|\S)/y;

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    out.push({ t: m[1], pos: m.index + m[0].length - m[1].length });
    if (TOKEN.lastIndex >= text.length) break;
  }
  return out;
}

export function parseCondition(text: string): Condition {
  const toks = tokenize(text);
  let i = 0;
  const peek = () => toks[i]?.t.toLowerCase();
  const fail = (msg: string): never => {
    throw new ConditionError(msg, (toks[i]?.pos ?? text.length) + 1);
  };

  const parseOr = (): Condition => {
    const args = [parseAnd()];
    while (peek() === 'or') {
      i++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  const parseAnd = (): Condition => {
    const args = [parseNot()];
    while (peek() === 'and') {
      i++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const parseNot = (): Condition => {
    if (peek() === 'not') {
      i++;
      return { op: 'not', arg: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): Condition => {
    const tok = toks[i];
    if (!tok) return fail('the condition ends too early');
    const low = tok.t.toLowerCase();
    if (tok.t === '(') {
      i++;
      const inner = parseOr();
      if (toks[i]?.t !== ')') fail('expected ")"');
      i++;
      return inner;
    }
    if (low === '1' || low === 'all' || low === 'any') {
      if (toks[i + 1]?.t.toLowerCase() !== 'of') {
        if (low === '1') {
          i++;
          fail('expected "of" after "1"');
        }
      } else {
        i += 2;
        const target = toks[i];
        if (!target || target.t === '(' || target.t === ')') fail('expected a name pattern or "them" after "of"');
        i++;
        return { op: 'of', quantifier: low === 'all' ? 'all' : 'one', pattern: target!.t };
      }
    }
    if (['and', 'or', 'not', ')', 'of'].includes(low) || !/^[A-Za-z0-9_*.\-]+$/.test(tok.t)) fail(`unexpected "${tok.t}"`);
    i++;
    return { op: 'ref', name: tok.t };
  };

  const cond = parseOr();
  if (i < toks.length) fail(`unexpected "${toks[i].t}"`);
  return cond;
}

/** Names a `1 of X` pattern covers: `them` is every selection not starting with "_"; `*` is a wildcard. */
export function expandPattern(pattern: string, names: string[]): string[] {
  if (pattern.toLowerCase() === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return names.filter((n) => re.test(n));
}
