/**
 * Loading Sigma YAML: files or folders of .yml/.yaml, several documents per file. Each document becomes a typed
 * rule or a Skipped entry with a reason and file:line:col; nothing here stops a run. Field mappings and SQL are
 * the compiler's business: this step only checks that a rule is well formed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML, { LineCounter, type Document } from 'yaml';
import { LEVELS, type Level } from '../model/event.js';
import { ConditionError, parseCondition } from './condition.js';
import { FIELD_TYPES } from './model.js';
import type {
  BaselineRule,
  Condition,
  CorrelationRule,
  CorrelationType,
  CountCondition,
  DetectionRule,
  FieldItem,
  LogSource,
  Rule,
  RuleMeta,
  Selection,
  Skipped,
  Where,
} from './model.js';
import { parseDuration } from '../util/time.js';

/** The built-in rule pack: <project>/rules, found from the build folder (<project>/<dist>/src/detect). */
export const BUILTIN_RULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../rules');

export const SUPPORTED_MODIFIERS = new Set([
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'base64', 'base64offset', 'exists',
  'lt', 'lte', 'gt', 'gte', 'fieldref', 'cased', 'neq', 'windash',
]);
const REFUSED_MODIFIERS: Record<string, string> = {
  utf16: 'UTF-16 encodings are for Windows events',
  utf16le: 'UTF-16 encodings are for Windows events',
  utf16be: 'UTF-16 encodings are for Windows events',
  wide: 'UTF-16 encodings are for Windows events',
  expand: 'placeholders need a value list that loghound does not have',
};

export interface LoadResult {
  rules: Rule[];
  skipped: Skipped[];
  files: number;
}

export function ruleFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  // a file named twice (a built-in rule passed with --rules, or to `rules test`) is one rule, not a duplicate id
  const seen = new Set<string>();
  const visit = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      missing.push(p);
      return;
    }
    if (st.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        if (entry.startsWith('.') || entry === 'tests') continue;
        const child = path.join(p, entry);
        if (fs.statSync(child).isDirectory() || /\.ya?ml$/i.test(entry)) visit(child);
      }
    } else {
      const real = fs.realpathSync(p);
      if (!seen.has(real)) files.push(p);
      seen.add(real);
    }
  };
  for (const p of paths) visit(p);
  return { files, missing };
}

export function loadRules(paths: string[]): LoadResult {
  const { files, missing } = ruleFiles(paths);
  const result: LoadResult = { rules: [], skipped: missing.map((m) => ({ file: m, reason: 'no such file or folder' })), files: files.length };
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      result.skipped.push({ file, reason: `cannot read: ${(err as Error).message}` });
      continue;
    }
    loadText(text, file, result);
  }
  return result;
}

export function loadText(text: string, file: string, into: LoadResult = { rules: [], skipped: [], files: 1 }): LoadResult {
  const lc = new LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const where = (offset = 0): Where => ({ file, ...lc.linePos(offset) });
    if (doc.errors.length) {
      const e = doc.errors[0];
      into.skipped.push({ file, reason: `YAML: ${e.message.split('\n')[0]}`, where: where(e.pos[0]) });
      continue;
    }
    const data = doc.toJS() as unknown;
    if (data === null || data === undefined) continue;
    try {
      into.rules.push(toRule(data, doc, where, text));
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      const obj = (data ?? {}) as Record<string, unknown>;
      into.skipped.push({
        file,
        id: typeof obj.id === 'string' ? obj.id : undefined,
        title: typeof obj.title === 'string' ? obj.title : undefined,
        reason: err.message,
        where: err.where ?? where(doc.range?.[0] ?? 0),
      });
    }
  }
  return into;
}

class RuleError extends Error {
  constructor(
    message: string,
    readonly where?: Where,
  ) {
    super(message);
  }
}

type PosOf = (offset?: number) => Where;

function toRule(data: unknown, doc: Document, where: PosOf, _text: string): Rule {
  if (typeof data !== 'object' || Array.isArray(data)) throw new RuleError('a rule must be a YAML mapping');
  const obj = data as Record<string, unknown>;
  // points at the key of a mapping entry (where an editor would put the cursor), else at the node
  const at = (keys: (string | number)[]) => {
    const parent = keys.length ? (doc.getIn(keys.slice(0, -1), true) as { items?: { key?: { value?: unknown; range?: number[] } }[] } | undefined) : undefined;
    const pair = parent?.items?.find((p) => p.key?.value === keys[keys.length - 1]);
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    return where(pair?.key?.range?.[0] ?? node?.range?.[0] ?? doc.range?.[0] ?? 0);
  };
  const meta = metaOf(obj, at, where(doc.range?.[0] ?? 0));
  if (obj.correlation !== undefined) return correlationOf(obj, meta, at);
  if (obj.baseline !== undefined) return baselineOf(obj, meta, at);
  if (obj.detection === undefined) throw new RuleError('no detection, correlation or baseline section', at([]));
  return detectionOf(obj, meta, at);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

function metaOf(obj: Record<string, unknown>, at: (k: (string | number)[]) => Where, where: Where): RuleMeta {
  const title = str(obj.title);
  if (!title) throw new RuleError('a rule needs a title', at(['title']));
  const status = str(obj.status);
  if (status === 'deprecated' || status === 'unsupported') throw new RuleError(`status is ${status}`, at(['status']));
  const levelText = str(obj.level);
  if (levelText !== undefined && !LEVELS.includes(levelText as Level)) {
    throw new RuleError(`level "${levelText}" is not one of ${LEVELS.join(', ')}`, at(['level']));
  }
  const custom = (obj.loghound ?? {}) as Record<string, unknown>;
  const windowText = str(custom.window);
  const window = windowText ? parseDuration(windowText) : undefined;
  if (windowText && !window) throw new RuleError(`loghound.window "${windowText}" is not a duration`, at(['loghound', 'window']));
  const hash = crypto.createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 16);
  return {
    id: str(obj.id) ?? `loghound-${crypto.createHash('sha256').update(`${where.file}\0${title}`).digest('hex').slice(0, 12)}`,
    name: str(obj.name),
    title,
    status,
    description: str(obj.description),
    author: str(obj.author),
    references: strList(obj.references),
    tags: strList(obj.tags),
    level: (levelText as Level) ?? 'medium',
    levelGiven: levelText !== undefined,
    falsepositives: strList(obj.falsepositives),
    fields: strList(obj.fields),
    where,
    custom: { groupBy: custom['group-by'] ? strList(custom['group-by']) : undefined, window },
    hash,
  };
}

function detectionOf(obj: Record<string, unknown>, meta: RuleMeta, at: (k: (string | number)[]) => Where): DetectionRule {
  const logsource = (obj.logsource ?? {}) as Record<string, unknown>;
  if (typeof logsource !== 'object') throw new RuleError('logsource must be a mapping', at(['logsource']));
  const det = obj.detection as Record<string, unknown>;
  if (typeof det !== 'object' || det === null || Array.isArray(det)) throw new RuleError('detection must be a mapping', at(['detection']));
  if (det.timeframe !== undefined) throw new RuleError('"timeframe" is Sigma v1 aggregation: write a correlation rule instead', at(['detection', 'timeframe']));
  const selections = new Map<string, Selection>();
  for (const [name, value] of Object.entries(det)) {
    if (name === 'condition') continue;
    selections.set(name, selectionOf(value, ['detection', name], at));
  }
  const condText = det.condition;
  if (condText === undefined) throw new RuleError('detection has no condition', at(['detection']));
  const texts = Array.isArray(condText) ? condText.map(String) : [String(condText)];
  const parsed: Condition[] = texts.map((t, idx) => {
    if (t.includes('|')) throw new RuleError('the "|" aggregation syntax of Sigma v1 is not supported: write a correlation rule', at(['detection', 'condition']));
    try {
      return parseCondition(t);
    } catch (err) {
      if (err instanceof ConditionError) {
        const w = at(Array.isArray(condText) ? ['detection', 'condition', idx] : ['detection', 'condition']);
        throw new RuleError(`condition: ${err.message} at column ${err.column} of "${t}"`, w);
      }
      throw err;
    }
  });
  const condition: Condition = parsed.length === 1 ? parsed[0] : { op: 'or', args: parsed };
  checkRefs(condition, selections, at);
  return {
    ...meta,
    kind: 'detection',
    logsource: { product: str(logsource.product)?.toLowerCase(), category: str(logsource.category)?.toLowerCase(), service: str(logsource.service)?.toLowerCase() } as LogSource,
    selections,
    condition,
  };
}

function checkRefs(c: Condition, selections: Map<string, Selection>, at: (k: (string | number)[]) => Where): void {
  switch (c.op) {
    case 'ref':
      if (!selections.has(c.name)) throw new RuleError(`condition names "${c.name}", which is not a selection`, at(['detection', 'condition']));
      return;
    case 'not':
      return checkRefs(c.arg, selections, at);
    case 'and':
    case 'or':
      return c.args.forEach((a) => checkRefs(a, selections, at));
    default:
      return;
  }
}

type Scalar = string | number | boolean | null;

function selectionOf(value: unknown, path: (string | number)[], at: (k: (string | number)[]) => Where): Selection {
  // an empty selection would match every event (a map with no conditions) or none (a list with no values)
  if (Array.isArray(value) && value.length === 0) throw new RuleError(`selection "${path[1]}" lists nothing to match`, at(path));
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) {
    throw new RuleError(`selection "${path[1]}" has no field to match: it would match every event`, at(path));
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      return { kind: 'and', items: [{ field: '', modifiers: [], values: value as Scalar[] }] };
    }
    return {
      kind: 'or',
      alternatives: value.map((v, i) =>
        v !== null && typeof v === 'object'
          ? selectionOf(v, [...path, i], at)
          : { kind: 'and', items: [{ field: '', modifiers: [], values: [v as Scalar] }] },
      ),
    };
  }
  if (value === null || typeof value !== 'object') {
    return { kind: 'and', items: [{ field: '', modifiers: [], values: [value as Scalar] }] };
  }
  const items: FieldItem[] = [];
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const [field, ...modifiers] = key.split('|');
    for (const m of modifiers) {
      if (REFUSED_MODIFIERS[m]) throw new RuleError(`modifier "${m}" is not supported: ${REFUSED_MODIFIERS[m]}`, at([...path, key]));
      if (!SUPPORTED_MODIFIERS.has(m) && !['minute', 'hour', 'day', 'week', 'month', 'year'].includes(m)) {
        throw new RuleError(`unknown modifier "${m}"`, at([...path, key]));
      }
      if (['minute', 'hour', 'day', 'week', 'month', 'year'].includes(m)) throw new RuleError(`time-part modifier "${m}" is not supported`, at([...path, key]));
    }
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.some((v) => v !== null && typeof v === 'object')) throw new RuleError(`values of "${key}" must be scalars`, at([...path, key]));
    if (values.length === 0) throw new RuleError(`"${key}" lists no value`, at([...path, key]));
    if (modifiers.includes('exists') && (values.length !== 1 || ![true, false, 'true', 'false'].includes(values[0] as never))) {
      throw new RuleError(`"${key}" takes true or false, not ${JSON.stringify(raw)}`, at([...path, key]));
    }
    items.push({ field, modifiers, values: values as Scalar[] });
  }
  return { kind: 'and', items };
}

const COMPARISONS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

function countCondition(v: unknown, at: Where): CountCondition {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null) throw new RuleError('condition must be a mapping such as {gte: 5}', at);
  const out: CountCondition = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'field') out.field = String(x);
    else if (!COMPARISONS.includes(k)) throw new RuleError(`condition: "${k}" is not a comparison (gt, gte, lt, lte, eq, neq) or field`, at);
    else if (typeof x !== 'number') throw new RuleError(`condition: ${k} takes a number, not ${JSON.stringify(x)}`, at);
    else (out as Record<string, number>)[k] = x;
  }
  return out;
}

/**
 * Why no count satisfies the condition, if none does. A count is that of the events (or values, or rules) seen, so
 * it is at least 1: `eq: 0` or `lt: 1` would ask about an absence, which no window of seen events shows.
 */
function neverHolds(c: CountCondition, most = Infinity): string | undefined {
  let lo = Math.max(1, c.gt !== undefined ? Math.floor(c.gt) + 1 : 1, c.gte !== undefined ? Math.ceil(c.gte) : 1);
  let hi = Math.min(c.lt !== undefined ? Math.ceil(c.lt) - 1 : Infinity, c.lte !== undefined ? Math.floor(c.lte) : Infinity);
  if (lo > most) return `it asks for more than the ${most} rules the correlation reads`;
  hi = Math.min(hi, most);
  if (c.eq !== undefined) {
    if (!Number.isInteger(c.eq)) return 'a count is a whole number';
    lo = Math.max(lo, c.eq);
    hi = Math.min(hi, c.eq);
  }
  if (hi < 1) return 'a count starts at 1 (an absence of events is never counted)';
  if (lo > hi) return 'its bounds leave no count between them';
  if (lo === hi && c.neq === lo) return `the only count it allows is ${lo}, which neq excludes`;
  return undefined;
}

/** pySigma's month and year, beside the s, m, h, d of the Sigma specification (and w, which parseDuration reads). */
const LONG_UNITS: Record<string, number> = { M: 2_629_746_000, y: 31_556_952_000 };

function timespanOf(v: unknown, at: Where, what = 'timespan'): number {
  const text = typeof v === 'string' ? v.trim() : '';
  const long = /^(\d+)([My])$/.exec(text);
  const ms = long ? Number(long[1]) * LONG_UNITS[long[2]] : parseDuration(text);
  if (ms === 0) throw new RuleError(`${what} must be longer than 0`, at);
  if (!ms) {
    throw new RuleError(`${what} ${JSON.stringify(v ?? null)} is not a duration: a number and a unit, s, m, h or d (also w, M for 30.44 days, y for 365.25 days, as pySigma reads them), such as 5m`, at);
  }
  return ms;
}

const CORRELATION_TYPES: readonly CorrelationType[] = ['event_count', 'value_count', 'value_sum', 'value_avg', 'temporal', 'temporal_ordered'];

const CORRELATION_KEYS = ['type', 'rules', 'group-by', 'timespan', 'timeframe', 'condition', 'aliases', 'generate'];

function correlationOf(obj: Record<string, unknown>, meta: RuleMeta, at: (k: (string | number)[]) => Where): CorrelationRule {
  const c = obj.correlation as Record<string, unknown>;
  if (typeof c !== 'object' || c === null) throw new RuleError('correlation must be a mapping', at(['correlation']));
  // a misspelt key (group_by) would otherwise change what the rule counts without a word
  for (const key of Object.keys(c)) {
    if (CORRELATION_KEYS.includes(key)) continue;
    const near = CORRELATION_KEYS.find((k) => k.replace(/[-_]/g, '') === key.replace(/[-_]/g, '').toLowerCase());
    throw new RuleError(`correlation.${key} is not a Sigma correlation attribute${near ? ` (did you mean ${near}?)` : ''}`, at(['correlation', key]));
  }
  const type = str(c.type);
  if (type === 'value_percentile' || type === 'value_median') {
    // proposed beside value_sum and value_avg, but no text says what is compared (which percentile, of what)
    throw new RuleError(`correlation type "${type}" is not supported: the Sigma specification does not define what it compares`, at(['correlation', 'type']));
  }
  if (!type || !CORRELATION_TYPES.includes(type as CorrelationType)) {
    throw new RuleError(`correlation type "${type ?? ''}" is not supported (${CORRELATION_TYPES.join(', ')})`, at(['correlation', 'type']));
  }
  const counts = type === 'event_count' || type === 'value_count' || type.startsWith('temporal');
  const rules = strList(c.rules);
  if (rules.length === 0) throw new RuleError('correlation.rules names no rule', at(['correlation']));
  const condition = countCondition(c.condition, at(['correlation', 'condition']));
  // a temporal type counts the rules seen, so at most as many as it reads
  const never = counts ? neverHolds(condition, type.startsWith('temporal') ? rules.length : Infinity) : undefined;
  if (never) throw new RuleError(`condition ${JSON.stringify(c.condition)} can never hold: ${never}`, at(['correlation', 'condition']));
  if (type === 'temporal_ordered' && Object.keys(condition).length && !neverHolds({ ...condition, lt: rules.length })) {
    // an order among some of the rules is not defined by Sigma: loghound wants each of them, in the order listed
    throw new RuleError(`temporal_ordered needs every one of its ${rules.length} rules in order: a condition that asks for fewer is not supported`, at(['correlation', 'condition']));
  }
  const fieldType = FIELD_TYPES.includes(type as CorrelationType);
  if ((type === 'event_count' || fieldType) && Object.keys(condition).filter((k) => k !== 'field').length === 0) {
    throw new RuleError(`a ${type} correlation needs a condition such as {gte: 5}`, at(['correlation']));
  }
  if (fieldType && !condition.field) throw new RuleError(`a ${type} correlation needs condition.field`, at(['correlation', 'condition']));
  if (!fieldType && condition.field !== undefined) {
    throw new RuleError(`condition.field names the field that value_count, value_sum and value_avg read: ${type === 'event_count' ? 'an event_count correlation counts events' : `a ${type} correlation counts rules`}`, at(['correlation', 'condition']));
  }
  for (const g of [c.generate, obj.generate]) {
    if (g !== undefined && typeof g !== 'boolean') throw new RuleError(`generate must be true or false, not ${JSON.stringify(g)}`, at(c.generate === g ? ['correlation', 'generate'] : ['generate']));
  }
  const aliases: Record<string, Record<string, string>> = {};
  for (const [alias, per] of Object.entries((c.aliases ?? {}) as Record<string, unknown>)) {
    aliases[alias] = Object.fromEntries(Object.entries(per as Record<string, unknown>).map(([r, f]) => [r, String(f)]));
  }
  return {
    ...meta,
    kind: 'correlation',
    type: type as CorrelationRule['type'],
    rules,
    groupBy: strList(c['group-by']),
    timespan: timespanOf(c.timespan ?? c.timeframe, at(['correlation', 'timespan'])),
    condition,
    aliases,
    generate: c.generate === true || obj.generate === true,
  };
}

function baselineOf(obj: Record<string, unknown>, meta: RuleMeta, at: (k: (string | number)[]) => Where): BaselineRule {
  const b = obj.baseline as Record<string, unknown>;
  if (typeof b !== 'object' || b === null) throw new RuleError('baseline must be a mapping', at(['baseline']));
  const type = str(b.type);
  if (!type || !['first_seen', 'spike', 'off_hours'].includes(type)) {
    throw new RuleError(`baseline type "${type ?? ''}" is not one of first_seen, spike, off_hours`, at(['baseline', 'type']));
  }
  const rules = strList(b.rules);
  if (rules.length === 0) throw new RuleError('baseline.rules names no rule', at(['baseline']));
  const field = str(b.field);
  if (type === 'first_seen' && !field) throw new RuleError('a first_seen baseline needs a field', at(['baseline']));
  const num = (k: string, dflt: number) => {
    const v = b[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !(v >= 0)) throw new RuleError(`baseline.${k} must be a non-negative number`, at(['baseline', k]));
    return v;
  };
  const metric = str(b.metric);
  if (metric && !/^(count|sum:[\w.@-]+)$/.test(metric)) throw new RuleError('baseline.metric must be count or sum:FIELD', at(['baseline', 'metric']));
  return {
    ...meta,
    kind: 'baseline',
    type: type as BaselineRule['type'],
    rules,
    groupBy: strList(b['group-by']),
    field,
    timespan: b.timespan === undefined ? 60_000 : timespanOf(b.timespan, at(['baseline', 'timespan'])),
    history: b.history === undefined ? 30 * 86_400_000 : timespanOf(b.history, at(['baseline', 'history']), 'history'),
    minHistory: num('min-history', type === 'spike' ? 10 : 5),
    factor: num('factor', 10),
    minCount: num('min-count', 0),
    metric: metric?.startsWith('sum:') ? { sum: metric.slice(4) } : {},
  };
}
