/**
 * The search language: Kibana's KQL as its users type it, plus Lucene-style ranges and CIDR values.
 *
 *   query   := or
 *   or      := and ("or" and)*              `and` binds tighter than `or`, as in KQL
 *   and     := not ("and" not)*
 *   not     := "not" not | primary
 *   primary := "(" or ")" | field ":" values | field OP value | field ":" range | text+
 *   values  := value value* | "(" vor ")"  whitespace-separated values are alternatives (KQL's terms query)
 *   range   := ("[" | "{") bound "to" bound ("]" | "}")   `[]` inclusive, `{}` exclusive, `*` open
 *
 * A hand-written scanner: the same characters mean different things in a field name (where `:` ends it) and in a
 * value (where `:` belongs to IPv6 addresses, times and URLs), so the parser asks for a word in the mode it needs.
 * Keywords are case-insensitive. Two terms side by side with no operator are a syntax error, as in KQL, except
 * bare values, which are alternatives.
 */
import { isFieldName } from '../store/fieldsql.js';
import { ipKey, parseCidr } from './ip.js';
import { ONE, QueryError, STAR, valueText, type Bound, type Node, type Seg, type Value } from './ast.js';

export const MAX_QUERY_LENGTH = 16_384;
const MAX_DEPTH = 64;
const MAX_TERMS = 1024;

type Mode = 'field' | 'value' | 'bound';

const WS = /\s/;

function isDelimiter(ch: string, mode: Mode): boolean {
  if (WS.test(ch) || ch === '(' || ch === ')' || ch === '"' || ch === '<' || ch === '>') return true;
  if (mode === 'field') return ch === ':';
  if (mode === 'bound') return ch === ']' || ch === '}';
  return false;
}

const OPERATOR_HINT = 'join terms with "and" or "or", e.g. http.request.method:POST and http.response.status_code >= 400';

export function parseQuery(query: string): Node {
  return new Parser(query).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private terms = 0;

  constructor(private readonly q: string) {}

  parse(): Node {
    if (this.q.length > MAX_QUERY_LENGTH) this.fail(`the query is longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
    this.skipWs();
    if (this.atEnd()) return { type: 'all' };
    const node = this.parseOr();
    this.skipWs();
    if (!this.atEnd()) {
      if (this.peek() === ')') this.fail('unexpected ")" with no "(" to close');
      this.fail('expected "and" or "or" before this term', this.pos, OPERATOR_HINT);
    }
    return node;
  }

  private fail(reason: string, pos = this.pos, hint?: string): never {
    throw new QueryError(reason, this.q, pos, hint);
  }

  private atEnd(): boolean {
    return this.pos >= this.q.length;
  }

  private peek(): string {
    return this.q[this.pos] ?? '';
  }

  private skipWs(): void {
    while (this.pos < this.q.length && WS.test(this.q[this.pos])) this.pos++;
  }

  /** Is an unquoted keyword (and, or, not, to) at the current position? Consumes it when `take`. */
  private keyword(kw: string, take = true): boolean {
    const end = this.pos + kw.length;
    if (this.q.slice(this.pos, end).toLowerCase() !== kw) return false;
    if (end < this.q.length && !isDelimiter(this.q[end], 'value') && this.q[end] !== ']' && this.q[end] !== '}') return false;
    if (take) this.pos = end;
    return true;
  }

  private atBinaryKeyword(): string | undefined {
    if (this.keyword('and', false)) return 'and';
    if (this.keyword('or', false)) return 'or';
    return undefined;
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) this.fail(`the query nests deeper than ${MAX_DEPTH} levels`, at);
  }

  private leaf(): void {
    if (++this.terms > MAX_TERMS) this.fail(`the query has more than ${MAX_TERMS} terms`);
  }

  private parseOr(): Node {
    const children = [this.parseAnd()];
    for (;;) {
      this.skipWs();
      if (!this.keyword('or')) break;
      children.push(this.parseAnd('or'));
    }
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  private parseAnd(after?: string): Node {
    const children = [this.parseNot(after)];
    for (;;) {
      this.skipWs();
      if (!this.keyword('and')) break;
      children.push(this.parseNot('and'));
    }
    return children.length === 1 ? children[0] : { type: 'and', children };
  }

  private parseNot(after?: string): Node {
    this.skipWs();
    const at = this.pos;
    if (this.keyword('not')) {
      this.enter(at);
      const child = this.parseNot('not');
      this.depth--;
      return { type: 'not', child };
    }
    return this.parsePrimary(after);
  }

  private expectTerm(after?: string, inValues = false): void {
    if (this.atEnd()) this.fail(after ? `expected a term after "${after}"` : 'expected a term');
    const kw = this.atBinaryKeyword();
    if (kw) this.fail(after ? `expected a term after "${after}", found "${kw}"` : `expected a term before "${kw}"`);
    const ch = this.peek();
    if (ch === ')') this.fail(after ? `expected a term after "${after}"` : 'expected a term before ")"');
    if (ch === '<' || ch === '>' || (ch === ':' && !inValues)) this.fail(`expected a field name before "${ch}"`);
  }

  private parsePrimary(after?: string): Node {
    this.skipWs();
    const ip = this.ipAhead();
    if (ip) return this.freeText(ip);
    this.expectTerm(after);
    const start = this.pos;
    if (this.peek() === '(') {
      this.pos++;
      this.enter(start);
      this.skipWs();
      if (this.peek() === ')') this.fail('expected a term inside "( )"');
      const node = this.parseOr();
      this.skipWs();
      if (this.peek() !== ')') {
        if (this.atEnd()) this.fail(`missing ")" to close the "(" at column ${start + 1}`);
        this.fail('expected "and", "or" or ")"', this.pos, OPERATOR_HINT);
      }
      this.pos++;
      this.depth--;
      return node;
    }
    if (this.peek() === '"') return this.freeText(this.quoted());

    const word = this.word('field');
    const afterWord = this.pos;
    this.skipWs();
    const next = this.peek();
    if (next === ':' && !looksLikeField(word)) {
      // "1.2.3.4:22" or "GET /a?b=c:d": not a field, so free text as typed
      this.pos = start;
      return this.freeText(this.word('value'));
    }
    if (next === ':') {
      const field = this.fieldName(word);
      this.pos++;
      return this.fieldValues(field, start);
    }
    if (next === '<' || next === '>') {
      const field = this.fieldName(word);
      return this.comparison(field, start);
    }
    if (next === '=' && !word.quoted && isFieldName(valueText(word))) {
      this.fail('"=" is not an operator here', this.pos, `write equality as ${valueText(word)}:value`);
    }
    this.pos = afterWord;
    return this.freeText(word);
  }

  /**
   * An IPv6 address or CIDR typed where a field name could start ("2001:db8::1", "::1") would read as field:rest;
   * take it whole as a value instead. Returns undefined (position unchanged) when no address is there.
   */
  private ipAhead(): Value | undefined {
    const at = this.pos;
    if (this.atEnd() || this.peek() === '"' || isDelimiter(this.peek(), 'value')) return undefined;
    const whole = this.word('value');
    if (isIpText(whole)) return whole;
    this.pos = at;
    return undefined;
  }

  private fieldName(word: Value): string {
    if (word.quoted) this.fail('a field name cannot be quoted', word.pos);
    const text = valueText(word);
    if (word.segs.some((s) => typeof s !== 'string')) this.fail('wildcards are not allowed in field names', word.pos);
    if (!isFieldName(text)) this.fail(`"${text}" is not a field name`, word.pos, 'field names are ECS names such as source.ip or http.response.status_code');
    return text;
  }

  /** Free text: bare values side by side are alternatives. */
  private freeText(first: Value): Node {
    const values = [first, ...this.moreValues()];
    const nodes: Node[] = values.map((v) => {
      this.leaf();
      return isLoneStar(v) ? { type: 'all' } : { type: 'match', field: null, fieldPos: v.pos, value: v };
    });
    return nodes.length === 1 ? nodes[0] : { type: 'or', children: nodes };
  }

  /**
   * Values that follow a term with only whitespace between them. A word followed by ":" or a comparison starts a
   * new field term, and two field terms need an operator between them (KQL's rule).
   */
  private moreValues(): Value[] {
    const out: Value[] = [];
    for (;;) {
      const save = this.pos;
      this.skipWs();
      if (this.pos === save || this.atEnd()) {
        this.pos = save;
        break;
      }
      const ch = this.peek();
      if (ch === ')' || this.atBinaryKeyword()) break;
      if (ch === '(' || this.keyword('not', false)) this.fail('expected "and" or "or" before this term', this.pos, OPERATOR_HINT);
      if (ch === '"') {
        out.push(this.quoted());
        continue;
      }
      const ip = this.ipAhead();
      if (ip) {
        out.push(ip);
        continue;
      }
      if (ch === ':' || ch === '<' || ch === '>') this.fail(`expected a field name before "${ch}"`);
      const at = this.pos;
      this.word('field');
      this.skipWs();
      const next = this.peek();
      this.pos = at;
      if (next === ':' || next === '<' || next === '>' || next === '=') this.fail('expected "and" or "or" before this term', at, OPERATOR_HINT);
      out.push(this.word('value'));
    }
    return out;
  }

  private fieldValues(field: string, fieldPos: number): Node {
    this.skipWs();
    const ch = this.peek();
    if (this.atEnd() || ch === ')') this.fail('expected a value after ":"');
    if (ch === '(') {
      const open = this.pos;
      this.pos++;
      this.enter(open);
      const node = this.valueOr(field, fieldPos);
      this.skipWs();
      if (this.peek() !== ')') {
        if (this.atEnd()) this.fail(`missing ")" to close the "(" at column ${open + 1}`);
        this.fail('expected "and", "or" or ")"');
      }
      this.pos++;
      this.depth--;
      return node;
    }
    if (ch === '[' || ch === '{') return this.range(field, fieldPos);
    if (ch === '<' || ch === '>') this.fail(`write "${field} ${ch}…" without the ":"`);
    const first = ch === '"' ? this.quoted() : this.word('value');
    const values = [first, ...this.moreValues()];
    const nodes = values.map((v) => this.fieldMatch(field, fieldPos, v));
    return nodes.length === 1 ? nodes[0] : { type: 'or', children: nodes };
  }

  private fieldMatch(field: string, fieldPos: number, value: Value): Node {
    this.leaf();
    return isLoneStar(value) ? { type: 'exists', field, fieldPos } : { type: 'match', field, fieldPos, value };
  }

  // Inside field:( ... ) every word is a value of that field, so there is no field/value ambiguity.
  private valueOr(field: string, fieldPos: number): Node {
    const children = [this.valueAnd(field, fieldPos)];
    for (;;) {
      this.skipWs();
      if (!this.keyword('or')) break;
      children.push(this.valueAnd(field, fieldPos, 'or'));
    }
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  private valueAnd(field: string, fieldPos: number, after?: string): Node {
    const children = [this.valueNot(field, fieldPos, after)];
    for (;;) {
      this.skipWs();
      if (!this.keyword('and')) break;
      children.push(this.valueNot(field, fieldPos, 'and'));
    }
    return children.length === 1 ? children[0] : { type: 'and', children };
  }

  private valueNot(field: string, fieldPos: number, after?: string): Node {
    this.skipWs();
    const at = this.pos;
    if (this.keyword('not')) {
      this.enter(at);
      const child = this.valueNot(field, fieldPos, 'not');
      this.depth--;
      return { type: 'not', child };
    }
    this.expectTerm(after, true);
    if (this.peek() === '(') {
      this.pos++;
      this.enter(at);
      const node = this.valueOr(field, fieldPos);
      this.skipWs();
      if (this.peek() !== ')') {
        if (this.atEnd()) this.fail(`missing ")" to close the "(" at column ${at + 1}`);
        this.fail('expected "and", "or" or ")"');
      }
      this.pos++;
      this.depth--;
      return node;
    }
    const nodes: Node[] = [];
    for (;;) {
      nodes.push(this.fieldMatch(field, fieldPos, this.peek() === '"' ? this.quoted() : this.word('value')));
      const save = this.pos;
      this.skipWs();
      const ch = this.peek();
      if (this.pos === save || this.atEnd() || ch === ')' || this.atBinaryKeyword()) {
        this.pos = save;
        break;
      }
      if (ch === '(' || this.keyword('not', false)) this.fail('expected "and" or "or" before this term');
    }
    return nodes.length === 1 ? nodes[0] : { type: 'or', children: nodes };
  }

  private comparison(field: string, fieldPos: number): Node {
    const at = this.pos;
    let op = this.q[this.pos++];
    if (this.peek() === '=') {
      op += '=';
      this.pos++;
    }
    this.skipWs();
    if (this.atEnd() || this.peek() === ')') this.fail(`expected a value after "${op}"`);
    const value = this.peek() === '"' ? this.quoted() : this.word('value');
    if (isLoneStar(value)) this.fail(`"${op} *" compares with nothing; use ${field}:* to test that the field exists`, value.pos);
    if (value.segs.some((s) => typeof s !== 'string')) this.fail('wildcards have no meaning in a comparison', value.pos);
    this.leaf();
    const bound: Bound = { value, inclusive: op.endsWith('=') };
    if (op.startsWith('>')) return { type: 'range', field, fieldPos, lo: bound };
    if (op.startsWith('<')) return { type: 'range', field, fieldPos, hi: bound };
    return this.fail('expected a comparison', at);
  }

  private range(field: string, fieldPos: number): Node {
    const open = this.q[this.pos];
    const openAt = this.pos;
    this.pos++;
    this.skipWs();
    const lo = this.bound();
    this.skipWs();
    if (!this.keyword('to')) this.fail('expected "TO" between the bounds of the range', this.pos, 'a range is written [400 TO 499] (inclusive) or {400 TO 499} (exclusive)');
    this.skipWs();
    const hi = this.bound();
    this.skipWs();
    const close = this.peek();
    if (close !== ']' && close !== '}') this.fail(`expected "]" or "}" to close the range opened at column ${openAt + 1}`);
    this.pos++;
    this.leaf();
    if (!lo && !hi) return { type: 'exists', field, fieldPos };
    const node: Node = { type: 'range', field, fieldPos };
    if (lo) node.lo = { value: lo, inclusive: open === '[' };
    if (hi) node.hi = { value: hi, inclusive: close === ']' };
    return node;
  }

  /** A range bound; undefined for `*` (open). */
  private bound(): Value | undefined {
    const ch = this.peek();
    if (this.atEnd() || ch === ']' || ch === '}') this.fail('expected a bound of the range');
    const v = ch === '"' ? this.quoted() : this.word('bound');
    if (isLoneStar(v)) return undefined;
    if (v.segs.some((s) => typeof s !== 'string')) this.fail('wildcards have no meaning in a range', v.pos);
    return v;
  }

  private quoted(): Value {
    const start = this.pos;
    this.pos++;
    let text = '';
    while (this.pos < this.q.length) {
      const ch = this.q[this.pos];
      if (ch === '"') {
        this.pos++;
        return { segs: [text], quoted: true, pos: start };
      }
      if (ch === '\\') {
        if (this.pos + 1 >= this.q.length) break;
        text += this.q[this.pos + 1];
        this.pos += 2;
        continue;
      }
      text += ch;
      this.pos++;
    }
    return this.fail('unterminated quoted phrase', start, 'close it with " (a literal " inside is written \\")');
  }

  /** An unquoted word; `\` makes the next character literal; unescaped `*` and `?` are wildcards. */
  private word(mode: Mode): Value {
    const start = this.pos;
    const segs: Seg[] = [];
    let lit = '';
    while (this.pos < this.q.length) {
      const ch = this.q[this.pos];
      if (isDelimiter(ch, mode)) break;
      if (ch === '\\') {
        if (this.pos + 1 >= this.q.length) this.fail('a backslash at the end escapes nothing', this.pos, 'write \\\\ for a literal backslash');
        lit += this.q[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (ch === '*' || ch === '?') {
        if (lit) segs.push(lit);
        lit = '';
        segs.push(ch === '*' ? STAR : ONE);
      } else {
        lit += ch;
      }
      this.pos++;
    }
    if (lit) segs.push(lit);
    if (this.pos === start) this.fail(this.atEnd() ? 'expected a value' : `unexpected "${this.peek()}"`);
    return { segs, quoted: false, pos: start };
  }
}

/** A word that is meant as a field name, right or wrong: it starts like one (a letter, _ or @). */
function looksLikeField(v: Value): boolean {
  const first = v.segs[0];
  return v.segs[0] === STAR || (typeof first === 'string' && /^[@A-Za-z_]/.test(first));
}

function isLoneStar(v: Value): boolean {
  return !v.quoted && v.segs.length === 1 && v.segs[0] === STAR;
}

function isIpText(v: Value): boolean {
  if (v.quoted || v.segs.length !== 1 || typeof v.segs[0] !== 'string') return false;
  const t = v.segs[0];
  return t.includes(':') && (ipKey(t) !== undefined || (t.includes('/') && parseCidr(t) !== undefined));
}

