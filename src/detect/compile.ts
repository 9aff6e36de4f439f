/**
 * Sigma detection -> one SQL boolean expression over the events table (alias `e`) with bound parameters.
 * Matching follows the Sigma specification: case-insensitive strings, `*` and `?` wildcards with `\` escapes,
 * lists ORed (ANDed with |all), maps ANDed, null for an absent field. User text only ever reaches SQL as a
 * parameter; JSON paths come from names checked against a strict pattern.
 */
import type { Condition, DetectionRule, FieldItem, Selection } from './model.js';
import { describeLogsource, keywordField, mappingFor, resolveField, type Mapping, type ResolvedField } from './mapping.js';
import { expandPattern } from './condition.js';
import { compileSigmaRegex, listId, type ListMode } from './regex.js';
import { fieldSql, isFieldName, jsonArraySql } from '../store/fieldsql.js';
import { parseRange } from '../util/ip.js';

export interface Sql {
  sql: string;
  params: unknown[];
}

export interface CompiledDetection {
  rule: DetectionRule;
  mapping: Mapping;
  /** the rule's condition */
  match: Sql;
  /** the log source: datasets and the mapping's own filter */
  scope: Sql;
  groupBy: ResolvedField[];
  /**
   * A necessary condition, when the rule has one made of literal text: the rule can only match a row where one
   * of these fields contains one of these strings. A scan tests all rules' necessary strings first, with one
   * regex call per field, and evaluates the rules themselves only on rows that pass (attack patterns are rare).
   */
  needs?: Needs;
}

/** field SQL -> lower-cased literals, any of which must occur in it */
export type Needs = Map<string, string[]>;

class CompileError extends Error {}

export function compileDetection(rule: DetectionRule): CompiledDetection | string {
  const mapping = mappingFor(rule.logsource);
  if (!mapping) return `no field mapping for logsource ${describeLogsource(rule.logsource)}`;
  try {
    const ctx = new Ctx(rule, mapping);
    const match = ctx.condition(rule.condition);
    const groupBy = (rule.custom.groupBy ?? mapping.groupBy).map((g) => ctx.field(g));
    return { rule, mapping, match, scope: scopeOf(mapping), groupBy, needs: ctx.needs(rule.condition) ?? undefined };
  } catch (err) {
    if (err instanceof CompileError) return err.message;
    throw err;
  }
}

export function scopeOf(mapping: Mapping): Sql {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (mapping.datasets.length) {
    parts.push(`e.dataset IN (${mapping.datasets.map(() => '?').join(', ')})`);
    params.push(...mapping.datasets);
  }
  const alternatives = mapping.where.map((alt) => Object.entries(alt).map(([name, values]) => oneOf(mapping, name, values, params)).join(' AND '));
  if (alternatives.length === 1) parts.push(alternatives[0]);
  else if (alternatives.length > 1) parts.push(`(${alternatives.map((a) => `(${a})`).join(' OR ')})`);
  // a constant term: SQLite tests it once before the loop, so with nothing listed the scan reads no row
  if (mapping.listed) parts.push('EXISTS (SELECT 1 FROM ip_intel WHERE feed_count > 0)');
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

/**
 * A `where:` field holding one of these values: exactly, or as an element when the field is a list (a list column
 * holds its elements comma-joined; a list in the JSON of other fields is a JSON array, auditd.open_flags).
 */
function oneOf(mapping: Mapping, name: string, values: string[], params: unknown[]): string {
  if (!isFieldName(name)) throw new Error(`mapping ${mapping.file}: "${name}" is not a field name`);
  const f = fieldSql(name);
  const marks = values.map(() => '?').join(', ');
  if (f.values) {
    params.push(...values);
    return `EXISTS (SELECT 1 FROM json_each(${f.values}) j WHERE j.value IN (${marks}))`;
  }
  if (f.type === 'keyword[]') {
    params.push(...values.map((v) => `,${v},`));
    return `(${values.map(() => `instr(',' || ${f.sql} || ',', ?) > 0`).join(' OR ')})`;
  }
  if (f.column) {
    params.push(...values);
    return `${f.sql} IN (${marks})`;
  }
  params.push(...values, ...values);
  return `(${f.sql} IN (${marks}) OR EXISTS (SELECT 1 FROM json_each(${jsonArraySql(f.sql)}) j WHERE j.value IN (${marks})))`;
}

/** AND: any one part's necessary literals will do; the rarest is the sharpest. */
function firstNeeds(parts: (Needs | null)[]): Needs | null {
  let best: Needs | null = null;
  for (const p of parts) if (p && (!best || rarer(p, best))) best = p;
  return best;
}

/**
 * Which of two necessary conditions fewer rows pass, by a proxy: the longer its shortest literal, the rarer
 * (an auditd rule's "/etc/ssh/sshd_config" over its "PATH", which nearly every record group holds); then fewer literals.
 */
function rarer(a: Needs, b: Needs): boolean {
  const la = shortest(a);
  const lb = shortest(b);
  return la !== lb ? la > lb : size(a) < size(b);
}

function shortest(n: Needs): number {
  let m = Infinity;
  for (const lits of n.values()) for (const l of lits) m = Math.min(m, l.length);
  return m;
}

/**
 * The fields of an `any` mapping an item must be tried on: what a part of the first field contains, the first
 * contains too, so a web hunt reads each request's query once, not twice. (Not so for endswith: a target may end
 * with a #fragment that its query does not hold.)
 */
function alternativesFor(f: ResolvedField, item: FieldItem): ResolvedField[] {
  const implied = item.modifiers.includes('contains') && !item.modifiers.includes('neq');
  return implied && f.parts ? f.alternatives!.filter((a) => !f.parts!.includes(a.name)) : f.alternatives!;
}

/** OR: every part must have necessary literals, and any of them may hold. */
function unionNeeds(parts: (Needs | null)[]): Needs | null {
  if (parts.length === 0 || parts.some((p) => p === null)) return null;
  const out: Needs = new Map();
  for (const p of parts as Needs[]) for (const [f, lits] of p) out.set(f, [...(out.get(f) ?? []), ...lits]);
  return out;
}

function size(n: Needs): number {
  let s = 0;
  for (const l of n.values()) s += l.length;
  return s;
}

const and = (xs: Sql[]): Sql => join(xs, ' AND ', '1');
const or = (xs: Sql[]): Sql => join(xs, ' OR ', '0');

function join(xs: Sql[], sep: string, empty: string): Sql {
  if (xs.length === 0) return { sql: empty, params: [] };
  if (xs.length === 1) return xs[0];
  return { sql: xs.map((x) => `(${x.sql})`).join(sep), params: xs.flatMap((x) => x.params) };
}

/**
 * A value as a number: integers and reals as they are, text only when it is a decimal number (an optional sign,
 * digits, at most one point), anything else NULL.
 */
function numberSql(x: string): string {
  const t = `ltrim(trim(${x}), '+-')`;
  return `(CASE typeof(${x}) WHEN 'integer' THEN ${x} WHEN 'real' THEN ${x} WHEN 'text' THEN (CASE WHEN ${t} GLOB '[0-9]*' AND ${t} NOT GLOB '*[^0-9.]*' AND ${t} NOT GLOB '*.*.*' THEN CAST(trim(${x}) AS REAL) END) END)`;
}

/** Sigma wildcard value -> LIKE pattern (escape char `\`). */
export function likePattern(value: string, prefix = '', suffix = ''): string {
  let out = prefix;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length && '*?\\'.includes(value[i + 1])) {
      out += escapeLike(value[++i]);
    } else if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else out += escapeLike(c);
  }
  return out + suffix;
}

function escapeLike(c: string): string {
  return c === '%' || c === '_' || c === '\\' ? `\\${c}` : c;
}

/** Sigma wildcard value -> GLOB pattern (case-sensitive, for |cased). */
function globPattern(value: string, prefix = '', suffix = ''): string {
  let out = prefix;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length && '*?\\'.includes(value[i + 1])) {
      const lit = value[++i];
      out += lit === '\\' ? '\\' : `[${lit}]`;
    } else if (c === '*' || c === '?') out += c;
    else if (c === '[' || c === ']') out += `[${c}]`;
    else out += c;
  }
  return out + suffix;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/**
 * Sigma's windash: an option's leading dash (at a word's start) in each of the five dash forms, every combination.
 * The rule may write the option with any of the five (Sigma v2.1 converts them "interchangeably").
 */
function windashes(value: string): string[] {
  let out = [''];
  let from = 0;
  for (const m of value.matchAll(/\B[-/\u2013\u2014\u2015](?=\w)/g)) {
    const before = value.slice(from, m.index);
    out = out.flatMap((o) => DASHES.map((d) => o + before + d));
    from = m.index + 1;
    if (out.length > 625) throw new CompileError(`|windash: "${value}" has too many options to expand`);
  }
  return out.map((o) => o + value.slice(from));
}

function base64offsets(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.from(' '.repeat(i) + value).toString('base64');
    const start = [0, 2, 3][i];
    const end = [undefined, -3, -2][(Buffer.byteLength(value) + i) % 3];
    out.push(enc.slice(start, end));
  }
  return out;
}

/** An item with its values as the field holds them (Mapping.fields `values`: Sysmon's Initiated 'true' is egress). */
function translated(f: ResolvedField, item: FieldItem): FieldItem {
  if (!f.translate) return item;
  return { ...item, values: item.values.map((v) => (v === null ? v : (f.translate![String(v).toLowerCase()] ?? v))) };
}

/** A quoted 'true' or 'false' (Sigma's Zeek rules write `rejected: 'true'`) also matches the JSON boolean. */
function alsoBoolean(f: ResolvedField, v: FieldItem['values'][number], mods: Set<string>): boolean {
  return mods.size === 0 && (f.type === 'boolean' || f.sql.startsWith('json_extract(')) && (v === 'true' || v === 'false');
}

class Ctx {
  constructor(
    private readonly rule: DetectionRule,
    private readonly mapping: Mapping,
  ) {}

  field(name: string): ResolvedField {
    const f = name === '' ? keywordField(this.mapping) : resolveField(this.mapping, name);
    if (typeof f === 'string') throw new CompileError(f);
    return f;
  }

  condition(c: Condition): Sql {
    switch (c.op) {
      case 'ref':
        return this.selection(this.rule.selections.get(c.name)!);
      case 'not': {
        const inner = this.condition(c.arg);
        return { sql: `NOT coalesce((${inner.sql}), 0)`, params: inner.params };
      }
      case 'and':
        return and(c.args.map((a) => this.condition(a)));
      case 'or':
        return or(c.args.map((a) => this.condition(a)));
      case 'of': {
        const names = expandPattern(c.pattern, [...this.rule.selections.keys()]);
        if (names.length === 0) throw new CompileError(`"${c.quantifier === 'all' ? 'all' : '1'} of ${c.pattern}" matches no selection`);
        const parts = names.map((n) => this.selection(this.rule.selections.get(n)!));
        return c.quantifier === 'all' ? and(parts) : or(parts);
      }
    }
  }

  /** The necessary literals of a condition (see CompiledDetection.needs), or null when it has none. */
  needs(c: Condition): Needs | null {
    switch (c.op) {
      case 'ref':
        return this.selectionNeeds(this.rule.selections.get(c.name)!);
      case 'not':
        return null;
      case 'and':
        return firstNeeds(c.args.map((a) => this.needs(a)));
      case 'or':
        return unionNeeds(c.args.map((a) => this.needs(a)));
      case 'of': {
        const parts = expandPattern(c.pattern, [...this.rule.selections.keys()]).map((n) => this.selectionNeeds(this.rule.selections.get(n)!));
        return c.quantifier === 'all' ? firstNeeds(parts) : unionNeeds(parts);
      }
    }
  }

  selectionNeeds(s: Selection): Needs | null {
    if (s.kind === 'or') return unionNeeds(s.alternatives.map((a) => this.selectionNeeds(a)));
    return firstNeeds(s.items.map((item) => this.itemNeeds(item)));
  }

  /** A text item's values, as literals one of which must occur: the longest wildcard-free run of each value. */
  itemNeeds(item: FieldItem): Needs | null {
    if (!item.modifiers.every((m) => m === 'contains' || m === 'startswith' || m === 'endswith' || m === 'all')) return null;
    const f = this.field(item.field);
    // matched on any of several fields: the literals may occur in any of them
    if (f.alternatives) return unionNeeds(alternativesFor(f, item).map((a) => this.fieldNeeds(a, item)));
    return this.fieldNeeds(f, item);
  }

  fieldNeeds(f: ResolvedField, given: FieldItem): Needs | null {
    // the values as the field holds them: a literal of Initiated 'true' is "egress", not "true"
    const item = translated(f, given);
    if (item.values.length === 0) return null;
    const values = item.modifiers.includes('all') ? item.values.slice(0, 1) : item.values;
    const literals: string[] = [];
    for (const v of values) {
      // a boolean the value also matches is no text the field spells (a true is stored as 1)
      if (typeof v !== 'string' || alsoBoolean(f, v, new Set(item.modifiers))) return null;
      // escaped wildcards are literal characters: set them aside, cut at the real wildcards, put them back
      const runs = v
        .replace(/\\([*?\\])/g, (_m, c: string) => String.fromCharCode(0xe000 + '*?\\'.indexOf(c)))
        .split(/[*?]/)
        .map((r) => r.replace(/[\ue000-\ue002]/g, (c) => '*?\\'[c.charCodeAt(0) - 0xe000]));
      const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
      if (longest.length === 0) return null;
      // A multi-valued JSON field is matched element by element (json_each), which is slow; the prefilter reads the
      // stored JSON text instead, where an element's text appears verbatim unless JSON escapes part of it.
      if ((f.each || f.nested) && JSON.stringify(longest) !== `"${longest}"`) return null;
      literals.push(longest.toLowerCase());
    }
    // a nested key's value may be inside a list or object on its path (see orNested): the event's JSON holds it
    return new Map([[f.each ? f.each.column : f.nested ? 'e.extra' : f.sql, literals]]);
  }

  selection(s: Selection): Sql {
    if (s.kind === 'or') return or(s.alternatives.map((a) => this.selection(a)));
    return and(s.items.map((item) => this.item(item)));
  }

  item(item: FieldItem): Sql {
    const f = this.field(item.field);
    if (f.alternatives) return or(alternativesFor(f, item).map((a) => this.itemOn(a, item)));
    return this.itemOn(f, item);
  }

  itemOn(f: ResolvedField, given: FieldItem): Sql {
    const item = translated(f, given);
    const mods = new Set(item.modifiers);
    // keyword lists are unbound values: they match anywhere in the text
    if (item.field === '' && !mods.has('re') && !mods.has('startswith') && !mods.has('endswith')) mods.add('contains');
    if (mods.has('exists')) {
      const want = item.values[0] === true || item.values[0] === 'true';
      // a spread field is null exactly when it has no value: one lookup instead of unpacking its array
      const present = f.each && !f.spread ? { sql: `EXISTS (SELECT 1 FROM json_each(${f.each.column}, '${f.each.path}'))`, params: [] } : this.present(f);
      return want ? present : { sql: `NOT (${present.sql})`, params: present.params };
    }
    const list = this.asList(f, item.values, mods);
    if (list) return list;
    // |all joins the rule's values, not the forms one value takes: `-a` under windash is any of its five dashes,
    // a base64offset value any of its three shifts, as pySigma expands them
    const perValue = item.values.map((v) => or(this.forms(f, v, mods)));
    return mods.has('all') ? and(perValue) : or(perValue);
  }

  /** The predicates one rule value stands for, any of which matches it. */
  forms(f: ResolvedField, v: FieldItem['values'][number], mods: Set<string>): Sql[] {
    const preds = this.values(v, mods).map((x) => this.predicate(f, x, mods));
    if (alsoBoolean(f, v, mods)) preds.push(this.predicate(f, v === 'true', mods));
    return preds;
  }

  /** Three or more plain strings ORed on one field: one sigma_any() call instead of a LIKE each. */
  asList(f: ResolvedField, values: FieldItem['values'], mods: Set<string>): Sql | undefined {
    const modes = [...mods].filter((m) => m === 'contains' || m === 'startswith' || m === 'endswith');
    if (modes.length > 1 || mods.size !== modes.length || values.length < 3) return undefined;
    if (!values.every((v): v is string => typeof v === 'string' && v !== '' && !alsoBoolean(f, v, mods))) return undefined;
    const id = listId((modes[0] as ListMode | undefined) ?? 'exact', values);
    // a nested key is also looked for in the lists and objects on its path, as a single value is (predicate)
    if (f.nested) return this.orNested(f.nested, { sql: `sigma_any(${f.sql}, ?)`, params: [id] }, { sql: 'sigma_any(j.value, ?)', params: [id] });
    if (!f.each) return { sql: `sigma_any(${f.sql}, ?)`, params: [id] };
    return { sql: `EXISTS (SELECT 1 FROM json_each(${f.each.column}, '${f.each.path}') j WHERE sigma_any(j.value, ?))`, params: [id] };
  }

  /** One rule value after the value-transforming modifiers (base64, base64offset). */
  values(v: string | number | boolean | null, mods: Set<string>): (string | number | boolean | null)[] {
    if (typeof v !== 'string') return [v];
    const vs = mods.has('windash') ? windashes(v) : [v];
    if (mods.has('base64offset')) return vs.flatMap(base64offsets);
    if (mods.has('base64')) return vs.map((x) => Buffer.from(x).toString('base64'));
    return vs;
  }

  predicate(f: ResolvedField, v: string | number | boolean | null, mods: Set<string>): Sql {
    const target = f.each ? 'j.value' : f.sql;
    const inner = this.compare(target, f, v, mods);
    const negated = mods.has('neq') ? { sql: `${target} IS NOT NULL AND NOT (${inner.sql})`, params: inner.params } : inner;
    if (f.nested && v === null && !mods.has('neq')) {
      const present = this.present(f);
      return { sql: `NOT (${present.sql})`, params: present.params };
    }
    if (f.nested && v !== null && !mods.has('neq') && !mods.has('fieldref')) {
      return this.orNested(f.nested, negated, this.compare('j.value', { name: f.nested.path, sql: 'j.value', type: 'keyword' }, v, mods));
    }
    if (!f.each) return negated;
    if (v === null && !mods.has('neq')) return { sql: `NOT EXISTS (SELECT 1 FROM json_each(${f.each.column}, '${f.each.path}') j WHERE j.value IS NOT NULL)`, params: [] };
    return { sql: `EXISTS (SELECT 1 FROM json_each(${f.each.column}, '${f.each.path}') j WHERE ${negated.sql})`, params: negated.params };
  }

  /** Whether a field has a value; a nested JSON key also when an element of a list on its path has it. */
  present(f: ResolvedField): Sql {
    if (!f.nested) return { sql: `${f.sql} IS NOT NULL`, params: [] };
    const n = f.nested;
    const lists = n.arrays.map((p) => `json_type(e.extra, '${p}') = 'array'`);
    if (lists.length === 0) return { sql: `${f.sql} IS NOT NULL`, params: [] };
    return {
      sql: `(${f.sql} IS NOT NULL OR ((${lists.join(' OR ')}) AND json_array_length(json_reach(json_extract(e.extra, '${n.root}'), ?)) > 0))`,
      params: [n.path],
    };
  }

  /**
   * A value of a nested JSON key also matches when it is an element of a list on the way to the key or at it, or a
   * text inside an object there (a policy document, a JSON string in requestParameters, is matched as written, not
   * as escaped in the object's JSON). Looked into only when the event has a list or object on that path.
   */
  orNested(n: NonNullable<ResolvedField['nested']>, direct: Sql, deep: Sql): Sql {
    const guard = [...n.arrays.map((p) => `json_type(e.extra, '${p}') = 'array'`), `json_type(e.extra, '${n.leaf}') IN ('array', 'object')`];
    return {
      sql: `(${direct.sql}) OR ((${guard.join(' OR ')}) AND EXISTS (SELECT 1 FROM json_each(json_reach(json_extract(e.extra, '${n.root}'), ?)) j WHERE ${deep.sql}))`,
      params: [...direct.params, n.path, ...deep.params],
    };
  }

  compare(x: string, f: ResolvedField, v: string | number | boolean | null, mods: Set<string>): Sql {
    if (v === null) return { sql: `${x} IS NULL`, params: [] };
    if (typeof v === 'boolean') return { sql: `${x} = ?`, params: [v ? 1 : 0] };
    for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
      if (mods.has(op)) {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new CompileError(`|${op} needs a number, not "${v}"`);
        const sym = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[op];
        // only numbers compare: text that is not a number (a user agent, '12abc') is not 0 or 12, as CAST would make it
        return { sql: `(${numberSql(x)} ${sym} ?) IS 1`, params: [n] };
      }
    }
    if (mods.has('cidr')) {
      // the check ip_in_cidr makes too: a network it cannot read would match no event, silently
      if (typeof v !== 'string' || !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(v) || !parseRange(v)) throw new CompileError(`|cidr needs a network such as 10.0.0.0/8, not "${v}"`);
      return { sql: `ip_in_cidr(${x}, ?)`, params: [v] };
    }
    if (mods.has('re')) {
      const flags = ['i', 'm', 's'].filter((c) => mods.has(c)).join('');
      const re = compileSigmaRegex(String(v), flags);
      if (typeof re === 'string') throw new CompileError(`regex /${v}/: ${re}`);
      return { sql: `sigma_re(?, ?, ${x})`, params: [flags, String(v)] };
    }
    if (mods.has('fieldref')) {
      const other = this.field(String(v));
      if (other.each) throw new CompileError(`|fieldref to the multi-valued field "${v}" is not supported`);
      // SQLite's lower() folds only ASCII letters: Émile would differ from émile; |cased compares as written
      const text = (y: string) => (mods.has('cased') ? `CAST(${y} AS TEXT)` : `sigma_fold(${y})`);
      const a = text(x);
      const b = text(other.sql);
      if (mods.has('contains')) return { sql: `instr(${a}, ${b}) > 0`, params: [] };
      if (mods.has('startswith')) return { sql: `instr(${a}, ${b}) = 1`, params: [] };
      if (mods.has('endswith')) return { sql: `substr(${a}, -length(${b})) = ${b}`, params: [] };
      return { sql: `${a} = ${b}`, params: [] };
    }
    if (typeof v === 'number' && (f.type === 'long' || f.type === 'date') && !f.each && !mods.has('contains') && !mods.has('startswith') && !mods.has('endswith')) {
      return { sql: `${x} = ?`, params: [v] };
    }
    const s = String(v);
    const pre = mods.has('contains') || mods.has('endswith') ? '%' : '';
    const post = mods.has('contains') || mods.has('startswith') ? '%' : '';
    if (mods.has('cased')) return { sql: `${x} GLOB ?`, params: [globPattern(s, pre ? '*' : '', post ? '*' : '')] };
    if (s === '' && !pre && !post) return { sql: `${x} = ''`, params: [] };
    // SQLite's LIKE folds only ASCII letters: a value with others (école, ÉCOLE) is matched as JavaScript folds it
    if (/[^\x00-\x7f]/.test(s)) return { sql: `sigma_any(${x}, ?)`, params: [listId(pre && post ? 'contains' : pre ? 'endswith' : post ? 'startswith' : 'exact', [s])] };
    return { sql: `${x} LIKE ? ESCAPE '\\'`, params: [likePattern(s, pre, post)] };
  }
}
