/**
 * Running rules over the store. Detection rules are evaluated over the events not evaluated yet (id above the
 * rule's watermark), in one scan per log source that tests every rule of that source at once. Correlations and
 * baselines then recompute their windows over the time range the new matches touch, reaching back far enough
 * that a window straddling the previous run's boundary is still right. Everything commits in one transaction.
 * On a large run the scans and spike baselines go to a second thread (jobs.ts) while this one walks the pass.
 */
import type { Statement } from 'better-sqlite3';
import { eventBounds, type DB } from '../store/db.js';
import { Findings, groupKey, type FindingInput, type Group } from '../store/findings.js';
import { LEVELS, levelRank, type FieldValue, type Level } from '../model/event.js';
import { FIELD_TYPES, type BaselineRule, type CorrelationRule, type Rule, type Skipped } from './model.js';
import { asNumber } from '../query/functions.js';
import { compileDetection, type CompiledDetection, type Sql } from './compile.js';
import { resolveField, type ResolvedField } from './mapping.js';
import { BucketStream, bucketed, CorrelationStream, type Episode } from './correlate.js';
import { exportLists, listId, registerSqlFunctions } from './regex.js';
import { BaselineStream, EVIDENCE, baselineFinding } from './baseline.js';
import { runScan, runSpike, startJobs, type ScanJob, type ScanResult, type SpikeJob, type SpikeResult } from './jobs.js';
import { paceHeap } from '../util/heap.js';
import { bucketOf, bucketSql, datasetSpan, rollupTotal } from '../store/rollup.js';
import { dropEmptyFindings, unfinishedTailIds } from '../store/evidence.js';

/** Single-event rules: matches of one group within this window are one finding. */
export const DEFAULT_WINDOW = 3_600_000;

export interface DetectOptions {
  minLevel?: Level;
  /** zone for off-hours baselines */
  tz: string;
  command?: string;
  /**
   * What feeds or GeoIP say about addresses changed since the last run: rules that read enrichment look at every
   * event again (an address listed today was maybe seen last week), counting from scratch.
   */
  intelChanged?: boolean;
  /**
   * Scans and spike baselines on a second thread, beside the time-ordered pass: true, false, or (unset) when the
   * run evaluates at least THREAD_MIN_EVENTS events of a store file (starting the thread costs about 0.1 s: on the
   * sample incident a hunt evaluates its 1,997 events in 0.04 s on one thread and 0.15 s on two).
   */
  threads?: boolean;
  /**
   * From this many events stored from a spike baseline's first new bucket on, it makes every group's buckets in one
   * pass; below, it picks the groups from the new buckets first (see spike()). Default SPIKE_ONE_PASS_FROM.
   */
  spikeOnePassFrom?: number;
}

const THREAD_MIN_EVENTS = 200_000;
const SPIKE_ONE_PASS_FROM = 200_000;

export interface DetectSummary {
  run: number;
  loaded: number;
  skipped: Skipped[];
  newFindings: string[];
  updatedFindings: number;
  /** findings that grew this run */
  updatedIds: string[];
  eventsEvaluated: number;
  seconds: number;
  /** where the time went: one entry per scan and per correlation pass (hunt -v prints them) */
  steps: { what: string; rules: number; rows: number; seconds: number }[];
}

/** A rule ready to run, or the reason it cannot. */
export interface Plan {
  detections: Map<string, CompiledDetection>;
  correlations: CorrelationRule[];
  baselines: BaselineRule[];
  /** rules that produce findings (others only feed correlations) */
  generating: Set<string>;
  refs: Map<string, Rule>;
  skipped: Skipped[];
  loaded: number;
}

export function plan(rules: Rule[], minLevel?: Level): Plan {
  const skipped: Skipped[] = [];
  const ok = new Map<string, Rule>();
  const named = new Map<string, Rule[]>();
  const skip = (r: Rule, reason: string) => skipped.push({ file: r.where.file, id: r.id, title: r.title, reason, where: r.where });
  for (const r of rules) {
    if (ok.has(r.id)) {
      skip(r, `duplicate rule id ${r.id} (first in ${ok.get(r.id)!.where.file})`);
      continue;
    }
    ok.set(r.id, r);
    if (r.name) named.set(r.name, (named.get(r.name) ?? []).concat(r));
  }
  // References become ids once, here: everything after reads `refs` by id. A rule that cannot name its inputs
  // still makes them inputs (below), so they do not start reporting every match on their own.
  const refs = new Map<string, Rule>(ok);
  const inputsOf = new Map<string, Rule[]>();
  for (const r of [...ok.values()]) {
    if (r.kind === 'detection') continue;
    const found = r.rules.map((ref) => resolveRef(r, ref, ok, named));
    const targets = found.flatMap((x) => x.rule ?? []);
    inputsOf.set(r.id, targets);
    const why = found.find((x) => x.why)?.why ?? strayAlias(r, targets) ?? repeated(r, targets);
    if (why) {
      skip(r, why);
      ok.delete(r.id);
      continue;
    }
    const resolved = { ...r, rules: targets.map((t) => t.id) };
    refs.set(r.id, resolved);
    ok.set(r.id, resolved);
  }
  const detections = new Map<string, CompiledDetection>();
  for (const r of ok.values()) {
    if (r.kind !== 'detection') continue;
    const c = compileDetection(r);
    if (typeof c === 'string') {
      skip(r, c);
      ok.delete(r.id);
    } else detections.set(r.id, c);
  }
  // correlations and baselines need every rule they name, transitively
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of [...ok.values()]) {
      if (r.kind === 'detection') continue;
      for (const ref of r.rules) {
        const target = refs.get(ref)!;
        const why = !ok.has(target.id) ? `refers to "${refName(target)}", which was skipped` : undefined;
        if (why) {
          skip(r, why);
          ok.delete(r.id);
          changed = true;
          break;
        }
      }
    }
  }
  // every field a correlation or baseline groups or counts by must exist in each detection rule it reads
  for (const r of [...ok.values()]) {
    if (r.kind === 'detection') continue;
    const wanted = [...r.groupBy, ...(r.kind === 'correlation' && r.condition.field ? [r.condition.field] : []), ...(r.kind === 'baseline' ? [r.field, r.metric.sum].filter((x): x is string => !!x) : [])];
    for (const ref of r.rules) {
      const c = detections.get(refs.get(ref)!.id);
      if (!c) continue;
      for (const entry of wanted) {
        const f = resolveField(c.mapping, aliasedField(r, c.rule, entry));
        if (typeof f === 'string' && ok.has(r.id)) {
          skip(r, `${f} (needed by "${refName(c.rule)}")`);
          ok.delete(r.id);
        }
      }
    }
  }
  const correlations = order([...ok.values()].filter((r): r is CorrelationRule => r.kind === 'correlation'), refs, (r, why) => {
    skip(r, why);
    ok.delete(r.id);
  });
  const baselines = [...ok.values()].filter((r): r is BaselineRule => r.kind === 'baseline');
  // every rule a correlation or baseline reads is an input, whether or not that correlation could be loaded
  const referenced = new Set<string>();
  const generateRefs = new Set<string>();
  for (const [id, targets] of inputsOf) {
    const r = refs.get(id)!;
    for (const t of targets) {
      referenced.add(t.id);
      if (r.kind === 'correlation' && r.generate) generateRefs.add(t.id);
    }
  }
  const generating = new Set<string>();
  for (const r of ok.values()) {
    if (minLevel && levelRank(r.level) < levelRank(minLevel) && !levelFromListing(r)) continue;
    // Sigma: a rule a correlation reads reports on its own only with `generate: true`. loghound extension: a
    // correlation that names its own level is an alert in its own right even when a chain reads it too.
    if (!referenced.has(r.id) || generateRefs.has(r.id) || (r.kind !== 'detection' && r.levelGiven)) generating.add(r.id);
  }
  return { detections, correlations, baselines, generating, refs, skipped, loaded: ok.size };
}

/**
 * The rule one entry of a correlation's or baseline's `rules` names: an id, else a `name`. Sigma makes a name unique
 * per correlation, so files written apart may share one ("failed_login"): the rule of the referring rule's own file
 * wins, and a name that several other files have is refused rather than resolved to whichever loaded last.
 */
function resolveRef(owner: CorrelationRule | BaselineRule, ref: string, ids: Map<string, Rule>, named: Map<string, Rule[]>): { rule?: Rule; why?: string } {
  const all = named.get(ref) ?? [];
  const own = all.filter((t) => t.where.file === owner.where.file);
  const candidates = ids.has(ref) ? [ids.get(ref)!] : own.length ? own : all;
  if (candidates.length === 0) return { why: `refers to "${ref}", which is not loaded (no rule has that id or name)` };
  if (candidates.length > 1) {
    const where = candidates.map((t) => `${t.where.file}:${t.where.line}`).join(', ');
    return { why: `refers to "${ref}", a name that ${candidates.length} rules have (${where}): refer to one by its id` };
  }
  const rule = candidates[0];
  if (rule.id === owner.id) return { why: 'refers to itself' };
  if (owner.kind === 'correlation' && rule.kind === 'baseline') return { rule, why: `refers to "${ref}", a baseline: a correlation reads detection rules and correlations` };
  if (owner.kind === 'baseline' && rule.kind !== 'detection') return { rule, why: `refers to "${ref}", a ${rule.kind}: a baseline reads detection rules only` };
  // a chained episode carries a count, not the events' values: there would be nothing to count or add up
  if (owner.kind === 'correlation' && FIELD_TYPES.includes(owner.type) && rule.kind === 'correlation') {
    return { rule, why: `refers to "${ref}", a correlation: ${owner.type} reads a field of events, so it reads detection rules only` };
  }
  return { rule };
}

/** An alias for a rule the correlation does not read: a typo that would leave the alias's own name as the field. */
function strayAlias(r: CorrelationRule | BaselineRule, targets: Rule[]): string | undefined {
  if (r.kind !== 'correlation') return undefined;
  for (const [alias, per] of Object.entries(r.aliases)) {
    const key = Object.keys(per).find((k) => !targets.some((t) => t.name === k || t.id === k));
    if (key !== undefined) return `aliases.${alias} names "${key}", which is not one of the correlation's rules`;
  }
  return undefined;
}

/**
 * A temporal correlation whose rules name one rule twice ([a, b, a]) would never fire: each event of that rule is
 * one occurrence, so it can stand for only one of the places the rule is listed.
 */
function repeated(r: CorrelationRule | BaselineRule, targets: Rule[]): string | undefined {
  if (r.kind !== 'correlation' || !r.type.startsWith('temporal')) return undefined;
  const twice = targets.find((t, i) => targets.findIndex((u) => u.id === t.id) !== i);
  return twice && `names "${refName(twice)}" twice: in a ${r.type} correlation each rule is one of the things that must happen`;
}

/** The field a group-by entry reads in one input rule: the correlation's alias for that rule (by name or id), else the entry. */
function aliasedField(owner: CorrelationRule | BaselineRule, target: Rule, entry: string): string {
  if (owner.kind !== 'correlation') return entry;
  const per = owner.aliases[entry];
  return (target.name !== undefined ? per?.[target.name] : undefined) ?? per?.[target.id] ?? entry;
}

/** How a skip reason names a referenced rule: as the rules that refer to it most often do. */
function refName(r: Rule): string {
  return r.name ?? r.id;
}

/**
 * A rule grouped on a listed address reports at the listing's severity, whatever its own level: --min-level cannot
 * skip it (a C2 listing is critical under a medium rule), and judges each of its findings instead.
 */
function levelFromListing(r: Rule): boolean {
  return r.kind === 'detection' && (r.custom.groupBy?.includes(LISTED_ADDRESS) ?? false);
}
const LISTED_ADDRESS = 'threat.indicator.ip';

/** Correlations in dependency order (inputs first); cycles are skipped. */
function order(list: CorrelationRule[], refs: Map<string, Rule>, skip: (r: Rule, why: string) => void): CorrelationRule[] {
  const out: CorrelationRule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (r: CorrelationRule): boolean => {
    if (state.get(r.id) === 'done') return true;
    if (state.get(r.id) === 'visiting') return false;
    state.set(r.id, 'visiting');
    for (const ref of r.rules) {
      const t = refs.get(ref);
      if (t?.kind === 'correlation' && !visit(t)) {
        skip(r, 'correlations refer to each other in a cycle');
        return false;
      }
    }
    state.set(r.id, 'done');
    out.push(r);
    return true;
  };
  list.forEach(visit);
  return out.filter((r) => state.get(r.id) === 'done');
}

export function detect(db: DB, rules: Rule[], opts: DetectOptions, extraSkipped: Skipped[] = []): DetectSummary {
  const started = performance.now();
  registerSqlFunctions(db);
  const p = plan(rules, opts.minLevel);
  const findings = new Findings(db);
  const hi = (db.prepare('SELECT coalesce(max(id), 0) AS m FROM events').get() as { m: number }).m;
  const summary: DetectSummary = {
    run: 0,
    loaded: p.loaded,
    skipped: [...extraSkipped, ...p.skipped],
    newFindings: [],
    updatedFindings: 0,
    updatedIds: [],
    eventsEvaluated: 0,
    seconds: 0,
    steps: [],
  };

  db.transaction(() => {
    const run = findings.startRun(opts.command ?? 'hunt');
    summary.run = run;
    const ctx = new Run(db, p, findings, run, hi, opts, summary);
    ctx.execute();
    findings.finishRun(run, hi, summary.newFindings.length);
  }).immediate();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Input rules per flag column of the streaming pass (bits of a 32-bit integer, as JavaScript's & reads it). */
const MASK_BITS = 30;

/** Rows between evictions of idle groups in the streaming pass. */
const EVICT_EVERY = 20_000;

/** A correlation or baseline fed by the streaming pass. */
interface Unit {
  rule: CorrelationRule | BaselineRule;
  from: number;
  to: number;
  /** per input rule id: its input index and how to read its group and value from a row */
  inputs: Map<string, { input: number; group: { col: number; name: string }[]; value?: number }>;
  push(input: number, ts: number, id: number, key: string, group: () => Group, value: unknown): void;
  /** occurrences of chained correlations, merged into the stream by time */
  chained: { ts: number; input: number; key: string; group: Group; weight: number; evidence: { id: number; ts: number }[] }[];
  feedChained(o: Unit['chained'][number]): void;
  evict(now: number): void;
  finish(): void;
}

/** A spike baseline's aggregation, and how to make findings of what it returns. */
interface Spike {
  want: Want;
  rule: BaselineRule;
  names: ResolvedField[];
  inputs: number;
  job: SpikeJob;
}

/** A correlation or baseline to run over [from, to]: findings go to `out`, or, for a chained one, episodes to `onEpisode`. */
interface Want {
  r: CorrelationRule | BaselineRule;
  from: number;
  to: number;
  /** where the new matches start: episodes that end before it (by more than the timespan) are not reported */
  newFrom: number;
  out: (f: FindingInput, overlap?: { from: number; to: number }) => void;
  onEpisode?: (ep: Episode) => void;
}

class Run {
  /** watermark per rule id: events above it are new to that rule */
  private readonly lo = new Map<string, number>();
  /** per detection rule: the time span of its new matches (what correlations must look at again) */
  private readonly newSpan = new Map<string, { from: number; to: number }>();
  /** rules evaluated again from the first event: their counts are recomputed, not added to */
  private readonly recount = new Set<string>();
  /** the first and last time of the stored events */
  private span: [number, number] | undefined;
  /** findings this run created */
  private readonly created = new Set<string>();
  /** events of unfinished last lines, which ingest may replace (see store/evidence.ts) */
  private tails: number[] = [];
  private severityOf: Statement<[string], string | null> | undefined;

  constructor(
    private readonly db: DB,
    private readonly p: Plan,
    private readonly findings: Findings,
    private readonly run: number,
    private readonly hi: number,
    private readonly opts: DetectOptions,
    private readonly summary: DetectSummary,
  ) {}

  execute(): void {
    const all = [...this.p.detections.values()].map((c) => c.rule as Rule).concat(this.p.correlations, this.p.baselines);
    for (const r of all) {
      const state = this.findings.ruleState(r.id);
      if (state && state.hash !== r.hash) this.findings.forgetRule(r.id);
      this.lo.set(r.id, state && state.hash === r.hash ? state.watermark : 0);
      const compiled = this.p.detections.get(r.id);
      if (this.opts.intelChanged && compiled?.match.sql.includes('ip_intel') && this.lo.get(r.id)! > 0) {
        this.lo.set(r.id, 0);
        this.recount.add(r.id);
      }
    }
    this.tails = unfinishedTailIds(this.db);
    const lowest = Math.min(this.hi, ...[...this.lo.values()]);
    this.summary.eventsEvaluated = this.hi - lowest;
    const scans = this.matchNewEvents();
    const second = this.secondThread();
    // a correlation that reads a rule reporting on its own needs that rule's span of new matches, from its scan
    const first = !second || scans.some((j) => j.rules.some((a) => this.feedsWindows(a.id)));
    if (first) for (const j of scans) this.applyScan(j, runScan(this.db, j));
    this.windows(second, first ? [] : scans);
    for (const r of all) this.findings.setRuleState(r.id, r.hash, this.hi);
    dropEmptyFindings(this.db);
  }

  private record(f: FindingInput, existingFrom?: number, existingTo?: number): void {
    const key = groupKey(f.group);
    const existing = existingFrom !== undefined ? this.findings.overlap(f.ruleId, key, existingFrom, existingTo!) : undefined;
    const res = this.findings.upsert(f, this.run, existing);
    if (res.created) {
      this.summary.newFindings.push(res.id);
      this.created.add(res.id);
    } else if (res.changed && !this.created.has(res.id)) {
      // a finding this run made and then joined another episode to is still just new
      this.summary.updatedFindings++;
      this.summary.updatedIds.push(res.id);
    }
  }

  /** The store file, when scans and spikes should run on a second thread. */
  private secondThread(): string | undefined {
    const want = this.opts.threads ?? this.summary.eventsEvaluated >= THREAD_MIN_EVENTS;
    return want && !this.db.memory && this.db.name ? this.db.name : undefined;
  }

  private feedsWindows(ruleId: string): boolean {
    return [...this.p.correlations, ...this.p.baselines].some((r) => this.p.generating.has(r.id) && this.dependsOn(r, ruleId));
  }

  /** The lowest watermark among the rule itself (if it generates) and everything that consumes it. */
  private needFrom(ruleId: string): number | undefined {
    let from: number | undefined;
    if (this.p.generating.has(ruleId)) from = this.lo.get(ruleId);
    for (const c of [...this.p.correlations, ...this.p.baselines]) {
      if (this.dependsOn(c, ruleId)) from = Math.min(from ?? Infinity, this.lo.get(c.id) ?? 0);
    }
    return from;
  }

  private dependsOn(r: Rule, ruleId: string): boolean {
    if (r.kind === 'detection') return r.id === ruleId;
    return r.rules.some((ref) => this.p.refs.get(ref)!.id === ruleId || this.dependsOn(this.p.refs.get(ref)!, ruleId));
  }

  /**
   * One scan per watermark tests every rule on the new events (rules of every log source at once: each scan reads
   * the whole table, and a log source with no new events costs as much to scan as one with many).
   */
  private matchNewEvents(): ScanJob[] {
    const batches = new Map<number, CompiledDetection[]>();
    const spanOnly = new Map<number, CompiledDetection[]>();
    for (const c of this.p.detections.values()) {
      const from = this.needFrom(c.rule.id);
      if (from === undefined || from >= this.hi) continue;
      // A rule that only feeds correlations is not evaluated here (it often matches most events: every request,
      // every login): its new span is that of the new events of its log source, which is all the correlation
      // needs to know where to look again.
      const into = this.p.generating.has(c.rule.id) ? batches : spanOnly;
      into.set(from, (into.get(from) ?? []).concat(c));
    }
    for (const [from, rules] of spanOnly) this.sourceSpans(from, groupByScope(rules));
    return [...batches].flatMap(([from, rules]) => this.scanJobs(from, rules));
  }

  /**
   * The time span of the new events of each log source (rules grouped by it). When every event is new (a first
   * run, a rule evaluated again from the start), the hourly rollup gives it, widened to whole hours and without the
   * log source's own filter (`process.name: sshd`): a correlation then looks at a little more than it must, where
   * otherwise one read of the whole table (49 s at 10M when the table is not in the page cache) would be spent on
   * it. Later runs read only the new events.
   */
  private sourceSpans(from: number, sources: CompiledDetection[][]): void {
    const t0 = performance.now();
    let spans: ({ from: number; to: number } | undefined)[];
    if (from === 0) spans = sources.map(([c]) => datasetSpan(this.db, c.mapping.datasets));
    else {
      const cols = sources.map(([{ scope }]) => `min(CASE WHEN ${scope.sql} THEN e.ts END), max(CASE WHEN ${scope.sql} THEN e.ts END)`);
      const params = sources.flatMap(([{ scope }]) => [...scope.params, ...scope.params]);
      const row = this.db
        .prepare(`SELECT ${cols.join(', ')} FROM events e WHERE e.id > ? AND e.id <= ?`)
        .raw(true)
        .get(...params, from, this.hi) as (number | null)[];
      spans = sources.map((_, i) => (row[2 * i] === null ? undefined : { from: row[2 * i]!, to: row[2 * i + 1]! }));
    }
    sources.forEach((rules, i) => {
      const span = spans[i];
      if (span) for (const c of rules) this.newSpan.set(c.rule.id, { ...span });
    });
    const what = `time span of new events${from === 0 ? ' (hourly rollup)' : ''}: ${sources.map(([c]) => sourceName(c)).join(', ')}`;
    this.summary.steps.push({ what, rules: sources.flat().length, rows: 0, seconds: (performance.now() - t0) / 1000 });
  }

  /** An expression too deep or too large for one statement: one scan per log source, then per rule, instead. */
  private scanJobs(from: number, rules: CompiledDetection[]): ScanJob[] {
    const job = this.scanJob(from, rules);
    try {
      this.db.prepare(job.sql);
      return [job];
    } catch (err) {
      if (rules.length === 1) throw err;
      const bySource = groupByScope(rules);
      return (bySource.length > 1 ? bySource : rules.map((r) => [r])).flatMap((part) => this.scanJobs(from, part));
    }
  }

  /**
   * The new events against rules of one or more log sources: single-event rules aggregate their findings on the
   * way, and every rule notes the time span of its new matches for the correlations that read it.
   */
  private scanJob(from: number, rules: CompiledDetection[]): ScanJob {
    const cols: string[] = ['e.id', 'e.ts'];
    const params: unknown[] = [];
    const specs = rules.map((c) => {
      const group = cols.length;
      // a spread field is read as its JSON array of values even when it holds one: a single value of free text (a
      // feed's context "[x] odd") is then never taken for an array
      c.groupBy.forEach((g) => cols.push(g.spread ? g.each!.column : g.sql));
      const verdict = ruleSql(c);
      cols.push(`CASE WHEN ${verdict.sql} THEN 1 ELSE 0 END`);
      params.push(...verdict.params);
      const id = c.rule.id;
      const spread = c.groupBy.map((g) => g.spread === true);
      return { id, generating: this.p.generating.has(id), lo: this.lo.get(id) ?? 0, window: c.rule.custom.window ?? DEFAULT_WINDOW, group, groupNames: c.groupBy.map((g) => g.name), spread, verdict: cols.length - 1 };
    });
    // per log source: its scope, then its rules behind their shared prefilter
    const any = balancedOr(
      groupByScope(rules).map((part) => {
        const pre = prefiltered(part);
        return { sql: `(${part[0].scope.sql}) AND (${pre.sql})`, params: [...part[0].scope.params, ...pre.params] };
      }),
    );
    return {
      kind: 'scan',
      what: `scan ${[...new Set(rules.map(sourceName))].join(', ')}`,
      sql: `SELECT ${cols.join(', ')} FROM events e WHERE e.id > ? AND e.id <= ? AND (${any.sql})`,
      params: [...params, from, this.hi, ...any.params],
      rules: specs,
      tails: this.tails,
    };
  }

  /** A scan's spans of matches for the correlations, and its buckets as findings. */
  private applyScan(job: ScanJob, res: ScanResult, where = ''): void {
    this.summary.steps.push({ what: job.what + where, rules: job.rules.length, rows: res.rows, seconds: res.seconds });
    job.rules.forEach((a, i) => {
      const s = res.spans[i];
      const span = this.newSpan.get(a.id);
      if (s && !span) this.newSpan.set(a.id, s);
      else if (s && span) {
        span.from = Math.min(span.from, s.from);
        span.to = Math.max(span.to, s.to);
      }
      const c = this.p.detections.get(a.id)!;
      for (const b of res.buckets[i]) {
        const level = this.levelOf(c.rule.level, b.group);
        if (this.opts.minLevel && levelRank(level) < levelRank(this.opts.minLevel)) continue;
        this.record({
          ruleId: a.id,
          title: c.rule.title,
          kind: 'detection',
          level,
          tags: c.rule.tags,
          group: b.group,
          windowStart: b.start,
          firstTs: b.first,
          lastTs: b.last,
          count: b.count,
          mode: this.recount.has(a.id) ? 'set' : 'add',
          evidence: b.evidence,
        });
      }
    });
  }

  /**
   * A finding grouped on a listed address is about that listing: its level is the listing's severity (README: a
   * Tor exit alone is an informational note, a Feodo C2 critical), not the rule's one fixed level.
   */
  private levelOf(ruleLevel: Level, group: Group): Level {
    const ip = group[LISTED_ADDRESS];
    if (typeof ip !== 'string') return ruleLevel;
    this.severityOf ??= this.db.prepare<[string], string | null>('SELECT threat_severity FROM ip_intel WHERE ip = ?').pluck();
    const severity = this.severityOf.get(ip);
    return severity && (LEVELS as readonly string[]).includes(severity) ? (severity as Level) : ruleLevel;
  }

  /** Time span of the new matches among a rule's inputs (transitively), or undefined when there are none. */
  private newRange(r: CorrelationRule | BaselineRule): { from: number; to: number } | undefined {
    let from = Infinity;
    let to = -Infinity;
    const visit = (ref: string) => {
      const t = this.p.refs.get(ref)!;
      if (t.kind === 'detection') {
        const span = this.newSpan.get(t.id);
        if (span) {
          from = Math.min(from, span.from);
          to = Math.max(to, span.to);
        }
      } else t.rules.forEach(visit);
    };
    r.rules.forEach(visit);
    return from <= to ? { from, to } : undefined;
  }

  private readonly ends = new Map<number, number | undefined>();

  /** The time of the latest event among the first `id` (the data's end when that id was the highest). */
  private dataEnd(id: number): number | undefined {
    if (!this.ends.has(id)) this.ends.set(id, (this.db.prepare('SELECT max(ts) AS t FROM events WHERE id <= ?').get(id) as { t: number | null }).t ?? undefined);
    return this.ends.get(id);
  }

  /** How far back a rule's inputs can reach: its timespan (a baseline: its history) plus those of the correlations it chains. */
  private reach(r: Rule): number {
    if (r.kind === 'detection') return 0;
    const own = r.kind === 'baseline' ? r.history + r.timespan : r.timespan;
    return own + Math.max(0, ...r.rules.map((ref) => this.reach(this.p.refs.get(ref)!)));
  }

  /**
   * Correlations and baselines: every one with new matches among its inputs is fed, in one pass in time order over
   * the span they need, the events its rules match. Chains (a correlation reading a correlation) get their inner
   * episodes computed first and merged in by time. Spike baselines are aggregated in SQL apart; on a second thread
   * (`second`, the store file) they and the scans given run beside the pass.
   */
  private windows(second: string | undefined, scans: ScanJob[]): void {
    const wants: Want[] = [];
    const spikes: Spike[] = [];
    // findings are written after the pass: the connection cannot write while the pass's query is open
    const found: [FindingInput, { from: number; to: number } | undefined][] = [];
    for (const r of [...this.p.correlations, ...this.p.baselines]) {
      if (!this.p.generating.has(r.id)) continue;
      const range = this.newRange(r);
      if (!range) continue;
      const reach = this.reach(r);
      // a bucketed correlation left the bucket open at the data's end unjudged: start again from it
      if (r.kind === 'correlation' && bucketed(r.type, r.condition) && (this.lo.get(r.id) ?? 0) > 0) {
        const end = this.dataEnd(this.lo.get(r.id)!);
        if (end !== undefined) range.from = Math.min(range.from, bucketOf(end, r.timespan));
      }
      // reach back to the start of any episode the new matches may extend, so its count is recomputed whole
      const prior = this.db.prepare('SELECT min(first_ts) AS f FROM findings WHERE rule_id = ? AND last_ts >= ?').get(r.id, range.from - reach) as { f: number | null };
      const from = passStart(r, Math.min(range.from - reach, r.kind === 'correlation' ? (prior.f ?? Infinity) : Infinity));
      const want: Want = { r, from, to: range.to + (r.kind === 'correlation' ? reach : r.timespan), newFrom: range.from, out: (f, ep) => found.push([f, ep]) };
      if (r.kind === 'baseline' && r.type === 'spike') spikes.push(...this.spike(want));
      else wants.push(want);
    }
    const remote = second ? [...scans, ...spikes.map((x) => x.job)] : [];
    const running = remote.length ? startJobs(second!, exportLists(), remote) : undefined;
    const spiked = running ? [] : spikes.map((x) => runSpike(this.db, x.job));
    this.pass(this.build(wants));
    if (running) {
      const results = running.wait();
      scans.forEach((j, i) => this.applyScan(j, results[i] as ScanResult, ' (second thread)'));
      spiked.push(...(results.slice(scans.length) as SpikeResult[]));
    }
    const passed = found.splice(0);
    spikes.forEach((x, i) => {
      for (const h of spiked[i].hits) x.want.out(baselineFinding(x.rule, groupOf(x.names, h.values), h.start, h.evidence, h.count, h.details));
      const what = `spike: ${x.rule.title}${running ? ' (second thread)' : ''}`.slice(0, 160);
      this.summary.steps.push({ what, rules: x.inputs, rows: spiked[i].candidates, seconds: spiked[i].seconds });
    });
    for (const [f, ep] of [...found, ...passed]) this.record(f, ep?.from, ep?.to);
  }

  /**
   * A spike baseline, judged in SQL rather than in the time-ordered pass: the count (or sum) per group and bucket,
   * then each bucket's history (how many active buckets the group had that started within the history before it,
   * and their sum) as a window over them. Spikes read every web request; in the pass that was 2M of 2.7M rows at
   * 2M lines, each turned into JavaScript values and kept in per-client state; here SQLite aggregates them and
   * JavaScript sees only buckets big enough to be spikes. Each input rule's matches count once per rule, as in the
   * pass; correlations are not inputs of a baseline. A summed value counts when it is a number or a decimal text.
   */
  private spike(want: Want): Spike[] {
    const { r, from, to, newFrom } = want;
    if (r.kind !== 'baseline') return [];
    const inputs = r.rules.map((ref) => this.p.refs.get(ref)!).filter((t) => t.kind === 'detection');
    if (inputs.length === 0) return [];
    const whole = this.holdsAll(from, to) ? '+' : '';
    const range = `${whole}e.ts >= ? AND ${whole}e.ts <= ? AND e.id <= ?`;
    // per input rule: its matches with the group's values and the summed value, as g0.., ts, id, m
    const selects = inputs.map((t) => {
      const c = this.p.detections.get(t.id)!;
      const groups = r.groupBy.map((g) => this.fieldFor(r, c, g));
      const m = r.metric.sum ? this.fieldFor(r, c, r.metric.sum).sql : 'NULL';
      const test = ruleSql(c);
      return {
        names: groups,
        sql: `SELECT ${groups.map((f, k) => `${f.sql} AS g${k}`).join(', ')}, e.ts AS ts, e.id AS id, ${m} AS m FROM events e WHERE ${range} AND (${test.sql}) AND ${groups.map((f) => `${f.sql} IS NOT NULL`).join(' AND ')}`,
        params: [from, to, this.hi, ...test.params],
      };
    });
    const matches = selects.map((x) => x.sql).join(' UNION ALL ');
    const matchParams = selects.flatMap((x) => x.params);
    const g = r.groupBy.map((_, k) => `g${k}`).join(', ');
    const value = r.metric.sum
      ? `sum(CASE typeof(m) WHEN 'integer' THEN m WHEN 'real' THEN m WHEN 'text' THEN (CASE WHEN trim(m) GLOB '[0-9]*' AND NOT trim(m) GLOB '*[^0-9.]*' THEN CAST(m AS REAL) ELSE 0 END) ELSE 0 END)`
      : 'count(*)';
    const bucket = bucketSql('ts', r.timespan);
    const newStart = bucketOf(newFrom, r.timespan);
    const buckets = (where: string) => `SELECT ${g}, ${bucket} AS start, count(*) AS n, ${value} AS v FROM (${matches})${where} GROUP BY start, ${g}`;
    // Only the groups with a new bucket big enough to be a spike can be reported ("hot"): the history window runs
    // over theirs alone (at 2M requests 2.0 s in all instead of 2.6 s). When few events are stored from the first
    // new bucket on (a cron run), those buckets alone pick the groups, through the time index, and only their
    // buckets are made, through the index on the group's field if it has one: an added hour at 2M took 40 ms
    // instead of 0.9 s. With many (a first run, or old logs arriving late) that would be an index walk per group,
    // slower than one pass (8.4 s against 3.8 s for every client of 2M requests). The hourly rollup counts them.
    const recent = rollupTotal(this.db, newStart);
    const few = recent < (this.opts.spikeOnePassFrom ?? SPIKE_ONE_PASS_FROM);
    const head = few
      ? `WITH hot AS (SELECT ${g} FROM (${matches}) WHERE ts >= ? GROUP BY ${bucket}, ${g} HAVING ${value} >= ?), b AS (${buckets(` WHERE (${g}) IN (SELECT ${g} FROM hot)`)})`
      : `WITH b AS MATERIALIZED (${buckets('')}), hot AS (SELECT ${g} FROM b WHERE start >= ? AND v >= ?)`;
    const job: SpikeJob = {
      kind: 'spike',
      rule: r,
      sql:
        `${head}, h AS (SELECT *, count(*) OVER w AS hn, sum(v) OVER w AS hsum FROM b WHERE (${g}) IN (SELECT ${g} FROM hot)` +
        ` WINDOW w AS (PARTITION BY ${g} ORDER BY start RANGE BETWEEN ${Math.trunc(r.history)} PRECEDING AND 1 PRECEDING))` +
        ' SELECT * FROM h WHERE start >= ? AND hn >= ? AND v >= ?',
      params: [...matchParams, newStart, r.minCount, ...(few ? matchParams : []), newStart, r.minHistory, r.minCount],
      evidenceSql: `SELECT id, ts FROM (${matches}) WHERE ts >= ? AND ts < ? AND ${r.groupBy.map((_, k) => `g${k} = ?`).join(' AND ')} ORDER BY ts, id LIMIT ${EVIDENCE}`,
      matchParams,
    };
    return [{ want, rule: r, names: selects[0].names, inputs: inputs.length, job }];
  }

  /**
   * Units for these rules. The episodes of the correlations they chain come first, computed over each window
   * (they are few), those of all the rules in one pass.
   */
  private build(wants: Want[]): Unit[] {
    const inner: Want[] = [];
    const episodes = wants.map(({ r, from, to }) =>
      r.rules.map((ref) => {
        const t = this.p.refs.get(ref)!;
        if (t.kind !== 'correlation') return undefined;
        const eps: Episode[] = [];
        const start = passStart(t, from - t.timespan);
        inner.push({ r: t, from: start, to, newFrom: start, out: () => undefined, onEpisode: (ep) => eps.push(ep) });
        return eps;
      }),
    );
    if (inner.length) this.pass(this.build(inner));
    return wants.map((w, k) => this.unit(w, episodes[k]));
  }

  /** A stream for one correlation or baseline over [from, to]; findings (or, for chains, episodes) go to `out`. */
  private unit({ r, from, to, newFrom, out, onEpisode }: Want, episodes: (Episode[] | undefined)[]): Unit {
    const inputs: Unit['inputs'] = new Map();
    const chained: Unit['chained'] = [];
    r.rules.forEach((ref, input) => {
      const t = this.p.refs.get(ref)!;
      if (t.kind === 'detection') inputs.set(t.id, { input, group: [], value: undefined });
      else if (t.kind === 'correlation') {
        for (const ep of episodes[input]!) {
          const names = r.groupBy.map((g) => (r.kind === 'correlation' && r.aliases[g] ? g : this.keyOf(t, aliasedField(r, t, g))));
          const values = r.groupBy.map((g) => ep.group[this.keyOf(t, aliasedField(r, t, g))]);
          if (values.some((v) => v === undefined || v === null)) continue;
          const group = groupOf(names.map((name) => ({ name })), values as FieldValue[]);
          const o = { input, key: streamKey(values), group, weight: ep.count, evidence: ep.evidence };
          chained.push({ ts: ep.fired, ...o });
          // in an ordered chain a long episode also counts from its end ("a brute force, then a success" after an
          // hour of failures); the chain keeps the latest link, so the two never both count
          if (r.kind === 'correlation' && r.type === 'temporal_ordered' && ep.last > ep.fired) chained.push({ ts: ep.last, ...o });
        }
      }
    });
    chained.sort((a, b) => a.ts - b.ts);
    if (r.kind === 'correlation') {
      const report = (ep: Episode) => {
        if (onEpisode) return onEpisode(ep);
        if (ep.last < newFrom - r.timespan) return;
        out(
          {
            ruleId: r.id,
            title: r.title,
            kind: 'correlation',
            level: r.level,
            tags: r.tags,
            group: ep.group,
            windowStart: ep.first,
            firstTs: ep.first,
            lastTs: ep.last,
            count: ep.count,
            mode: 'set',
            evidence: ep.evidence,
            details: ep.aggregate === undefined ? undefined : { [r.type === 'value_sum' ? 'sum' : 'average']: ep.aggregate, field: r.condition.field },
          },
          { from: ep.first - r.timespan, to: ep.last + r.timespan },
        );
      };
      const sums = r.type === 'value_sum' || r.type === 'value_avg';
      const stream = bucketed(r.type, r.condition)
        ? new BucketStream(r.type, r.timespan, r.condition, r.rules.length, report)
        : new CorrelationStream(r.type, r.timespan, r.condition, r.rules.length, report);
      return {
        rule: r,
        from,
        to,
        inputs,
        chained,
        push: (input, ts, id, key, group, value) =>
          stream.push(key, group, sums ? { ts, input, amount: numberOf(value), weight: 1, id } : { ts, input, value, weight: 1, id }),
        feedChained: (o) => stream.push(o.key, () => o.group, { ts: o.ts, input: o.input, weight: o.weight, evidence: o.evidence }),
        evict: (now) => stream.evict(now),
        finish: () => (stream instanceof BucketStream ? stream.finish(this.dataEnd(this.hi)) : stream.finish()),
      };
    }
    const stream = new BaselineStream(r, newFrom, this.opts.tz, (f) => out(f));
    return {
      rule: r,
      from,
      to,
      inputs,
      chained,
      push: (_input, ts, id, key, group, value) => stream.push(key, group, ts, id, value),
      feedChained: () => undefined,
      evict: () => undefined,
      finish: () => stream.finish(),
    };
  }

  /**
   * One pass in time order over the span the units need: one SELECT tests every input rule of every unit (the ts
   * index gives the order, so nothing is sorted), and each matching row goes to the units reading that rule.
   */
  private pass(units: Unit[]): void {
    if (units.length === 0) return;
    const rules = new Map<string, CompiledDetection>();
    for (const u of units) for (const id of u.inputs.keys()) rules.set(id, this.p.detections.get(id)!);
    const list = [...rules.values()];
    const cols: string[] = ['e.id', 'e.ts'];
    const params: unknown[] = [];
    // per field SQL: its column number and the input rules that read it
    const colOf = new Map<string, { at: number; readers: Set<CompiledDetection> }>();
    const column = (f: ResolvedField, c: CompiledDetection) => {
      const col = colOf.get(f.sql) ?? { at: colOf.size, readers: new Set<CompiledDetection>() };
      colOf.set(f.sql, col);
      col.readers.add(c);
      return col.at;
    };
    for (const u of units) {
      for (const [id, spec] of u.inputs) {
        const c = rules.get(id)!;
        spec.group = u.rule.groupBy.map((g) => {
          const f = this.fieldFor(u.rule, c, g);
          return { col: column(f, c), name: this.groupName(u.rule, f, g) };
        });
        const v = this.valueName(u.rule);
        spec.value = v ? column(this.fieldFor(u.rule, c, v), c) : undefined;
      }
    }
    for (const [sql, { at, readers }] of colOf) {
      if (/^e\.\w+$/.test(sql)) {
        cols.push(`${sql} AS f${at}`);
        continue;
      }
      // A lookup (a GeoIP subquery, a JSON path) costs about a microsecond a row: only on the rows of the rules
      // that read it. Over every event of the pass it took 3 of the 23 s at 2M for one login baseline's country.
      const when = balancedOr([...readers].map(ruleSql));
      cols.push(`CASE WHEN ${when.sql} THEN ${sql} END AS f${at}`);
      params.push(...when.params);
    }
    // Which input rules a row matches, as bits of a few integer columns: computed once per row in a subquery that
    // the outer WHERE filters on (LIMIT -1 keeps SQLite from flattening it, which would evaluate every rule twice,
    // once to filter and once to report), and read as one value per 30 rules instead of one per rule.
    // rows as arrays: [id, ts, f0.., m0..]; every rule's consumers and flag looked up once, not per row
    const F = 2;
    const masks: string[] = [];
    const flags: { col: number; bit: number }[] = [];
    for (let i = 0; i < list.length; i += MASK_BITS) {
      const name = `m${masks.length}`;
      const chunk = list.slice(i, i + MASK_BITS);
      chunk.forEach((_, j) => flags.push({ col: F + colOf.size + masks.length, bit: 2 ** j }));
      // a log source's scope is tested once and its rules only on its rows: at 2M events, 11 rules of 4 sources
      // took 2.4 s of SQL instead of 2.8 s
      const terms = groupByScope(chunk).map((part) => {
        params.push(...part[0].scope.params);
        const bits = part.map((c) => {
          params.push(...c.match.params);
          return `(CASE WHEN ${c.match.sql} THEN ${2 ** chunk.indexOf(c)} ELSE 0 END)`;
        });
        return `(CASE WHEN ${part[0].scope.sql} THEN ${bits.join(' + ')} ELSE 0 END)`;
      });
      cols.push(`${terms.join(' + ')} AS ${name}`);
      masks.push(name);
    }
    const from = Math.min(...units.map((u) => u.from));
    const to = Math.max(...units.map((u) => u.to));
    const matched = masks.map((m) => `${m} != 0`).join(' OR ');
    // a range that holds every event is read in storage order and its matches sorted: the passes at 2M took 15 to
    // 30% less than walking the time index, which reads the table row by row out of its storage order
    const sql = this.holdsAll(from, to)
      ? `SELECT * FROM (SELECT ${cols.join(', ')} FROM events e WHERE +e.ts >= ? AND +e.ts <= ? AND e.id <= ? LIMIT -1) WHERE ${matched} ORDER BY ts, id`
      : `SELECT * FROM (SELECT ${cols.join(', ')} FROM events e WHERE e.ts >= ? AND e.ts <= ? AND e.id <= ? ORDER BY e.ts, e.id LIMIT -1) WHERE ${matched}`;
    // per consumer, one array for a row's group values and one thunk that copies them into a new group's key
    // object (streams call it at once, only for a group they have not seen): nothing allocated per row for them
    const consumers = list.map((c) =>
      units.flatMap((u) => {
        const spec = u.inputs.get(c.rule.id);
        if (!spec) return [];
        const values: FieldValue[] = new Array<FieldValue>(spec.group.length);
        return [{ u, spec, values, group: () => groupOf(spec.group, values) }];
      }),
    );
    const withChains = units.map((u, k) => ({ u, k })).filter(({ u }) => u.chained.length > 0);
    const chained = units.map(() => 0);
    let rows = 0;
    const t0 = performance.now();
    for (const row of this.db.prepare(sql).raw(true).iterate(...params, from, to, this.hi) as Iterable<unknown[]>) {
      const id = row[0] as number;
      const ts = row[1] as number;
      for (const { u, k } of withChains) {
        while (chained[k] < u.chained.length && u.chained[chained[k]].ts <= ts) u.feedChained(u.chained[chained[k]++]);
      }
      for (let i = 0; i < list.length; i++) {
        if (((row[flags[i].col] as number) & flags[i].bit) === 0) continue;
        for (const { u, spec, values, group } of consumers[i]) {
          if (ts < u.from || ts > u.to) continue;
          let k = 0;
          for (; k < spec.group.length; k++) {
            const v = row[F + spec.group[k].col] as FieldValue | null;
            // an event without the group's fields cannot be correlated with anything
            if (v === null || v === undefined) break;
            values[k] = v;
          }
          if (k < spec.group.length) continue;
          const value = spec.value === undefined ? undefined : (row[F + spec.value] ?? undefined);
          u.push(spec.input, ts, id, streamKey(values), group, value);
        }
      }
      if (++rows % EVICT_EVERY === 0) {
        for (const u of units) u.evict(ts);
        paceHeap();
      }
    }
    units.forEach((u, k) => {
      while (chained[k] < u.chained.length) u.feedChained(u.chained[chained[k]++]);
      u.finish();
    });
    this.summary.steps.push({ what: `windows: ${units.map((u) => u.rule.title).join('; ')}`.slice(0, 160), rules: list.length, rows, seconds: (performance.now() - t0) / 1000 });
  }

  /**
   * Whether [from, to] holds every stored event (a first run, a rule evaluated again from the start): such a range
   * is read in storage order, 15% and more faster than through the time index.
   */
  private holdsAll(from: number, to: number): boolean {
    this.span ??= eventBounds(this.db, 'ts') as [number, number];
    return from <= this.span[0] && to >= this.span[1];
  }

  private valueName(owner: CorrelationRule | BaselineRule): string | undefined {
    return owner.kind === 'correlation' ? owner.condition.field : owner.field ?? owner.metric.sum;
  }

  /** The name under which a rule's occurrences carry the value of one of its group-by entries. */
  private keyOf(r: Rule, entry: string): string {
    if (r.kind === 'detection') {
      const f = resolveField(this.p.detections.get(r.id)!.mapping, entry);
      return typeof f === 'string' ? entry : f.name;
    }
    if (r.kind === 'correlation' && r.aliases[entry]) return entry;
    const first = this.p.refs.get(r.rules[0])!;
    return this.keyOf(first, aliasedField(r, first, entry));
  }

  /** Group names are ECS names when the group-by entry maps to one; aliases keep their own name. */
  private groupName(owner: CorrelationRule | BaselineRule, f: ResolvedField, entry: string): string {
    return owner.kind === 'correlation' && owner.aliases[entry] ? entry : f.name;
  }

  private fieldFor(owner: CorrelationRule | BaselineRule, c: CompiledDetection, entry: string): ResolvedField {
    const f = resolveField(c.mapping, aliasedField(owner, c.rule, entry));
    if (typeof f === 'string') throw new Error(`${owner.title}: ${f}`);
    return f;
  }
}

/**
 * The rules of one scan ORed, with the rules that have necessary literals behind one shared prefilter: per field,
 * one regex over every rule's literals. Most rows of a log are benign, fail the prefilter, and never reach the
 * rules' own expressions. A row that passes meets each rule's own literals before that rule's expression: one
 * rule's common literal ("execve") would otherwise send every row that has it through all the rules.
 */
function prefiltered(rules: CompiledDetection[]): Sql {
  const gated = rules.filter((c) => c.needs);
  const rest = rules.filter((c) => !c.needs);
  if (gated.length < 2) return balancedOr(rules.map((c) => c.match));
  const byField = new Map<string, Set<string>>();
  for (const c of gated) {
    for (const [f, lits] of c.needs!) {
      const set = byField.get(f) ?? new Set<string>();
      for (const l of lits) set.add(l);
      byField.set(f, set);
    }
  }
  const gate = needsSql(byField);
  const inner = balancedOr(
    gated.map((c) => {
      const own = needsSql(c.needs!);
      return { sql: `(${own.sql}) AND (${c.match.sql})`, params: [...own.params, ...c.match.params] };
    }),
  );
  const parts = [{ sql: `(${gate.sql}) AND (${inner.sql})`, params: [...gate.params, ...inner.params] }, ...rest.map((c) => c.match)];
  return balancedOr(parts);
}

/**
 * Any field holding any of its literals; they go in as Sigma "contains" values, so a literal * or ? is escaped.
 * One call for all the fields: the web prefilter tests four fields of every request, and each call from SQLite
 * into JavaScript costs more than the regex does on a short value.
 */
function needsSql(needs: Map<string, Iterable<string>>): Sql {
  const pairs = [...needs].map(([f, lits]) => ({ f, id: listId('contains', [...lits].map((l) => l.replace(/[*?\\]/g, '\\$&'))) }));
  return { sql: `sigma_any_of(${pairs.map((p) => `?, ${p.f}`).join(', ')})`, params: pairs.map((p) => p.id) };
}

/**
 * Where a pass for `r` may start. A bucketed correlation judges whole buckets: a pass that began inside one (the
 * new events of a second host's log reach back one timespan from their own first time) would count only the
 * bucket's later part, judge that as the whole bucket, and report an `eq` or `lt` that the bucket does not hold.
 */
function passStart(r: CorrelationRule | BaselineRule, from: number): number {
  return r.kind === 'correlation' && bucketed(r.type, r.condition) ? bucketOf(from, r.timespan) : from;
}

/** Identifies a group within one stream: the group-by values in the rule's order. */
function streamKey(values: unknown[]): string {
  return values.length === 1 ? String(values[0]) : values.join('\u0001');
}

function groupOf(names: { name: string }[], values: FieldValue[]): Group {
  const group: Group = {};
  names.forEach((n, k) => (group[n.name] = values[k]));
  return group;
}

/** OR of many expressions as a balanced tree: SQLite limits expression depth, not width. */
function balancedOr(xs: Sql[]): Sql {
  if (xs.length === 1) return xs[0];
  const mid = xs.length >> 1;
  const a = balancedOr(xs.slice(0, mid));
  const b = balancedOr(xs.slice(mid));
  return { sql: `(${a.sql}) OR (${b.sql})`, params: [...a.params, ...b.params] };
}

/** A rule's own test: its log source and its condition. */
function ruleSql(c: CompiledDetection): Sql {
  return { sql: `(${c.scope.sql}) AND (${c.match.sql})`, params: [...c.scope.params, ...c.match.params] };
}

/** Rules by log source (the same scope SQL and parameters), in first-seen order. */
function groupByScope(rules: CompiledDetection[]): CompiledDetection[][] {
  const by = new Map<string, CompiledDetection[]>();
  for (const c of rules) {
    const key = `${c.scope.sql}\u0000${JSON.stringify(c.scope.params)}`;
    by.set(key, (by.get(key) ?? []).concat(c));
  }
  return [...by.values()];
}

/** A log source as `hunt -v` names it: its mapping file (zeek:dns for one of a file's list). */
function sourceName(c: CompiledDetection): string {
  return c.mapping.file.replace(/\.yml(?=$|:)/, '');
}

/** A field's value as a number for value_sum and value_avg (logs often quote numbers); undefined when it is none. */
function numberOf(v: unknown): number | undefined {
  const n = asNumber(v);
  return n === null ? undefined : Number(n);
}
