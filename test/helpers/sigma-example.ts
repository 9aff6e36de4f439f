/**
 * An example event for a Sigma detection rule, worked out from the rule itself: the values its Sigma fields must
 * take (and the keywords the line must hold) for the condition to be true. A format's emitter then writes that
 * example as a native log line, so that a test can check the whole way a public rule takes: the line parsed, the
 * Sigma field mapped to the event field the parser filled, the rule compiled and matched. A mapping that silently
 * matches nothing (the complaint users have of Sigma tools) fails such a test.
 *
 * The example satisfies the positive side of the condition only: `not filter` is left alone, so a filter that
 * happens to match the example shows up as a rule that did not fire, to be looked at. One kind of filter is read:
 * `not filter` where the filter is `field: null` (the rule wants the field present) gives the field a value.
 */
import type { Condition, DetectionRule, FieldItem, Selection } from '../../src/detect/model.js';
import { expandPattern } from '../../src/detect/condition.js';

/** What one Sigma field must look like: an exact value, or a prefix, parts it contains and a suffix. */
export interface FieldShape {
  exact?: string;
  prefix: string;
  contains: string[];
  suffix: string;
  /** the field must be absent (`field: null`, `|exists: false`) */
  absent?: boolean;
}

export interface Example {
  /** Sigma field name (as the rule writes it) -> the value to give it */
  fields: Map<string, string>;
  /** keyword-search values the line must hold */
  keywords: string[];
  /** fields that must be absent */
  absent: Set<string>;
}

/**
 * The example of a rule, or why there is none. `regexSamples` gives a string for a `|re` value (keyed by the
 * pattern), since sampling arbitrary regular expressions is beyond a test helper.
 */
export function exampleOf(rule: DetectionRule, regexSamples: Record<string, string> = {}): Example | string {
  const items = satisfy(rule.condition, rule.selections);
  if (items === undefined) return 'no way found to satisfy the condition with positive selections';
  const shapes = new Map<string, FieldShape>();
  const keywords: string[] = [];
  for (const item of items) {
    const values = item.modifiers.includes('all') ? item.values : item.values.slice(0, 1);
    for (const v of values) {
      const got = valueFor(item, v, regexSamples);
      if (typeof got === 'object') return got.why;
      if (item.field === '') {
        if (got !== undefined) keywords.push(got);
        continue;
      }
      const shape = shapes.get(item.field) ?? { prefix: '', contains: [], suffix: '' };
      shapes.set(item.field, shape);
      if (got === undefined) shape.absent = true;
      else if (item.modifiers.includes('startswith')) shape.prefix = got.length > shape.prefix.length ? got : shape.prefix;
      else if (item.modifiers.includes('endswith')) shape.suffix = got.length > shape.suffix.length ? got : shape.suffix;
      else if (isContains(item)) shape.contains.push(got);
      else shape.exact = got;
    }
  }
  const fields = new Map<string, string>();
  const absent = new Set<string>();
  for (const [name, s] of shapes) {
    if (s.absent) absent.add(name);
    else fields.set(name, s.exact ?? join(s));
  }
  // `not field: null`: the field must be there
  for (const name of presentFields(rule.condition, rule.selections)) {
    if (!shapes.has(name)) fields.set(name, 'present');
  }
  // |fieldref: the field takes the other field's value
  for (const item of items) {
    if (!item.modifiers.includes('fieldref')) continue;
    const other = fields.get(String(item.values[0])) ?? 'same-value';
    fields.set(String(item.values[0]), other);
    fields.set(item.field, other);
  }
  return { fields, keywords, absent };
}

function isContains(item: FieldItem): boolean {
  return item.modifiers.includes('contains') || item.modifiers.includes('re') || item.modifiers.includes('base64offset');
}

/** prefix + the parts it contains + suffix, not repeating a part the prefix or suffix already holds */
function join(s: FieldShape): string {
  const middle = s.contains.filter((c) => !s.prefix.includes(c) && !s.suffix.includes(c));
  return s.prefix + middle.join('') + s.suffix;
}

/** The items that must all hold for `cond` to be true, choosing the first way among alternatives. */
function satisfy(cond: Condition, selections: Map<string, Selection>): FieldItem[] | undefined {
  switch (cond.op) {
    case 'ref': {
      const sel = selections.get(cond.name);
      return sel === undefined ? undefined : ofSelection(sel);
    }
    case 'and': {
      const out: FieldItem[] = [];
      for (const arg of cond.args) {
        const got = satisfy(arg, selections);
        if (got === undefined) return undefined;
        out.push(...got);
      }
      return out;
    }
    case 'or':
      for (const arg of cond.args) {
        const got = satisfy(arg, selections);
        if (got !== undefined) return got;
      }
      return undefined;
    case 'not':
      return [];
    case 'of': {
      const names = expandPattern(cond.pattern, [...selections.keys()]);
      if (names.length === 0) return undefined;
      if (cond.quantifier === 'one') return ofSelection(selections.get(names[0])!);
      return names.flatMap((n) => ofSelection(selections.get(n)!));
    }
  }
}

/**
 * Fields a condition wants present through a negated null test: `not filter` or `not 1 of filter_*` where a filter
 * is the one item `field: null` (or `|exists: false`). The first way among alternatives, as satisfy takes.
 */
function presentFields(cond: Condition, selections: Map<string, Selection>): string[] {
  switch (cond.op) {
    case 'and':
      return cond.args.flatMap((a) => presentFields(a, selections));
    case 'or': {
      const taken = cond.args.find((a) => satisfy(a, selections) !== undefined);
      return taken === undefined ? [] : presentFields(taken, selections);
    }
    case 'not': {
      const inner = cond.arg;
      const names = inner.op === 'ref' ? [inner.name] : inner.op === 'of' && inner.quantifier === 'one' ? expandPattern(inner.pattern, [...selections.keys()]) : [];
      return names.flatMap((n) => {
        const sel = selections.get(n);
        const item = sel?.kind === 'and' && sel.items.length === 1 ? sel.items[0] : undefined;
        if (item === undefined || item.values.length !== 1) return [];
        const v = item.values[0];
        const absent = item.modifiers.includes('exists') ? v === false || v === 'false' : v === null && item.modifiers.length === 0;
        return absent ? [item.field] : [];
      });
    }
    default:
      return [];
  }
}

function ofSelection(sel: Selection): FieldItem[] {
  return sel.kind === 'and' ? sel.items : ofSelection(sel.alternatives[0]);
}

/** The string one value of an item calls for; undefined for an absent field; `why` when none can be made. */
function valueFor(item: FieldItem, v: FieldItem['values'][number], regexSamples: Record<string, string>): string | undefined | { why: string } {
  const mods = item.modifiers;
  if (v === null) return undefined;
  if (mods.includes('exists')) return v === true || v === 'true' ? 'present' : undefined;
  if (mods.includes('re')) {
    const sample = regexSamples[String(v)];
    return sample ?? { why: `no sample for the regular expression ${String(v)}` };
  }
  if (mods.includes('cidr')) return firstHost(String(v));
  if (mods.includes('gt')) return String(Number(v) + 1);
  if (mods.includes('lt')) return String(Number(v) - 1);
  if (mods.includes('gte') || mods.includes('lte')) return String(v);
  if (mods.includes('neq')) return `not-${String(v)}`;
  if (mods.includes('fieldref')) return 'same-value';
  let s = typeof v === 'string' ? unwild(v) : String(v);
  // a value of wildcards only (`|contains: '*'`: the field is there) calls for some value: an empty one is not
  // what logs hold, and a parser may rightly leave an empty field out
  if (s === '' && typeof v === 'string' && /^[*]+$/.test(v)) s = 'any-value';
  if (mods.includes('base64') || mods.includes('base64offset')) s = Buffer.from(s).toString('base64');
  return s;
}

/** A wildcard pattern's simplest match: `*` nothing, `?` itself, `\*` `\?` `\\` the character itself. */
export function unwild(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '?' || pattern[i + 1] === '\\')) out += pattern[++i];
    else if (c === '*') continue;
    else if (c === '?') out += '?'; // a wildcard matches itself, and a URL keeps its query mark
    else out += c;
  }
  return out;
}

/** An address inside a CIDR block (the network address + 1, or the address itself for a /32 or /128). */
function firstHost(cidr: string): string {
  const [addr, bits] = cidr.split('/');
  if (addr.includes(':')) return bits === '128' ? addr : addr.replace(/::$/, '::1');
  const parts = addr.split('.').map(Number);
  if (bits !== '32') parts[3] += 1;
  return parts.join('.');
}
