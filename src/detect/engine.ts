/**
 * Running rules over the store. Detection rules are evaluated over the events not evaluated yet (id above the
 * rule's watermark), in one scan per log source that tests every rule of that source at once. Correlations and
 * baselines then recompute their windows over the time range the new matches touch, reaching back far enough
 * that a window straddling the previous run's boundary is still right. Everything commits in one transaction.
 */
import type { DB } from '../store/db.js';
import { Findings, groupKey, type FindingInput, type Group } from '../store/findings.js';
import { levelRank, type FieldValue, type Level } from '../model/event.js';
import type { BaselineRule, CorrelationRule, Rule, Skipped } from './model.js';
import { compileDetection, type CompiledDetection, type Sql } from './compile.js';
import { resolveField, type ResolvedField } from './mapping.js';
import { episodes, type Episode, type Occurrence } from './correlate.js';
import { registerSqlFunctions } from './regex.js';
import { baselineFindings } from './baseline.js';

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
}

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
}

interface Match {
  id: number;
  ts: number;
  /** the values of the rule's needed fields (see Run.needed): its own group-by first */
  values: FieldValue[];
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
  const refs = new Map<string, Rule>();
  const ok = new Map<string, Rule>();
  const skip = (r: Rule, reason: string) => skipped.push({ file: r.where.file, id: r.id, title: r.title, reason, where: r.where });
  for (const r of rules) {
    if (ok.has(r.id)) {
      skip(r, `duplicate rule id ${r.id} (first in ${ok.get(r.id)!.where.file})`);
      continue;
    }
    ok.set(r.id, r);
    refs.set(r.id, r);
    if (r.name) refs.set(r.name, r);
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
        const target = refs.get(ref);
        const why = !target ? `refers to "${ref}", which is not loaded` : !ok.has(target.id) ? `refers to "${ref}", which was skipped` : target === r ? 'refers to itself' : undefined;
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
        const name = r.kind === 'correlation' ? (r.aliases[entry]?.[c.rule.name ?? c.rule.id] ?? entry) : entry;
        const f = resolveField(c.mapping, name);
        if (typeof f === 'string' && ok.has(r.id)) {
          skip(r, `${f} (needed by "${ref}")`);
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
  const referenced = new Set<string>();
  const generateRefs = new Set<string>();
  for (const r of [...correlations, ...baselines]) {
    for (const ref of r.rules) {
      const t = refs.get(ref)!;
      referenced.add(t.id);
      if (r.kind === 'correlation' && r.generate) generateRefs.add(t.id);
    }
  }
  const generating = new Set<string>();
  for (const r of ok.values()) {
    if (minLevel && levelRank(r.level) < levelRank(minLevel)) continue;
    // Sigma: a rule a correlation reads reports on its own only with `generate: true`. loghound extension: a
    // correlation that names its own level is an alert in its own right even when a chain reads it too.
    if (!referenced.has(r.id) || generateRefs.has(r.id) || (r.kind !== 'detection' && r.levelGiven)) generating.add(r.id);
  }
  return { detections, correlations, baselines, generating, refs, skipped, loaded: ok.size };
}

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

class Run {
  /** watermark per rule id: events above it are new to that rule */
  private readonly lo = new Map<string, number>();
  private readonly newMatches = new Map<string, Match[]>();
  /** per detection rule: the id above which this run's scan found its matches (older events are queried) */
  private readonly scannedFrom = new Map<string, number>();
  private readonly neededCache = new Map<string, ResolvedField[]>();
  /** rules evaluated again from the first event: their counts are recomputed, not added to */
  private readonly recount = new Set<string>();

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
    const lowest = Math.min(this.hi, ...[...this.lo.values()]);
    this.summary.eventsEvaluated = this.hi - lowest;
    this.matchNewEvents();
    for (const c of this.p.detections.values()) if (this.p.generating.has(c.rule.id)) this.singleFindings(c);
    for (const c of this.p.correlations) this.correlationFindings(c);
    for (const b of this.p.baselines) {
      const range = this.newRange(b.rules, b.id);
      if (!range) continue;
      const occs = (from: number, to: number) => this.occurrencesByInput(b, b.rules, from, to);
      for (const f of baselineFindings(b, range, occs, this.opts.tz)) this.record(f);
    }
    for (const r of all) this.findings.setRuleState(r.id, r.hash, this.hi);
  }

  private record(f: FindingInput, existingFrom?: number, existingTo?: number): void {
    const key = groupKey(f.group);
    const existing = existingFrom !== undefined ? this.findings.overlap(f.ruleId, key, existingFrom, existingTo!) : undefined;
    const res = this.findings.upsert(f, this.run, existing);
    if (res.created) this.summary.newFindings.push(res.id);
    else if (res.changed) {
      this.summary.updatedFindings++;
      this.summary.updatedIds.push(res.id);
    }
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

  /** One scan per log source (and watermark) tests every rule of that source on the new events. */
  private matchNewEvents(): void {
    const batches = new Map<string, { from: number; rules: CompiledDetection[] }>();
    for (const c of this.p.detections.values()) {
      const from = this.needFrom(c.rule.id);
      if (from === undefined || from >= this.hi) continue;
      const key = `${from}\u0000${c.scope.sql}\u0000${JSON.stringify(c.scope.params)}`;
      const b = batches.get(key) ?? { from, rules: [] };
      b.rules.push(c);
      batches.set(key, b);
    }
    for (const { from, rules } of batches.values()) {
      try {
        this.scan(from, rules);
      } catch (err) {
        // an expression too deep or too large for one statement: one scan per rule instead
        if (rules.length === 1) throw err;
        for (const r of rules) this.scan(from, [r]);
      }
    }
  }

  /**
   * The fields a detection rule's matches must carry: its own group-by, and what every correlation and baseline
   * reading it groups or counts by. The scan fetches them all, so correlations reuse the scan's matches instead of
   * evaluating the rule again.
   */
  private needed(c: CompiledDetection): ResolvedField[] {
    let fields = this.neededCache.get(c.rule.id);
    if (fields) return fields;
    fields = [...c.groupBy];
    const seen = new Set(fields.map((f) => f.sql));
    const add = (f: ResolvedField) => {
      if (!seen.has(f.sql)) {
        seen.add(f.sql);
        fields!.push(f);
      }
    };
    for (const owner of [...this.p.correlations, ...this.p.baselines]) {
      if (!owner.rules.some((ref) => this.p.refs.get(ref)!.id === c.rule.id)) continue;
      for (const g of owner.groupBy) add(this.fieldFor(owner, c, g));
      const v = this.valueName(owner);
      if (v) add(this.fieldFor(owner, c, v));
    }
    this.neededCache.set(c.rule.id, fields);
    return fields;
  }

  private valueName(owner: CorrelationRule | BaselineRule): string | undefined {
    return owner.kind === 'correlation' ? owner.condition.field : owner.field ?? owner.metric.sum;
  }

  private scan(from: number, rules: CompiledDetection[]): void {
    const cols: string[] = ['e.id', 'e.ts'];
    const params: unknown[] = [];
    rules.forEach((c, i) => {
      this.scannedFrom.set(c.rule.id, from);
      this.needed(c).forEach((g, k) => cols.push(`${g.sql} AS g${i}_${k}`));
      cols.push(`CASE WHEN ${c.match.sql} THEN 1 ELSE 0 END AS r${i}`);
      params.push(...c.match.params);
    });
    const scope = rules[0].scope;
    const any = balancedOr(rules.map((c) => c.match));
    const sql = `SELECT ${cols.join(', ')} FROM events e WHERE e.id > ? AND e.id <= ? AND (${scope.sql}) AND (${any.sql})`;
    const stmt = this.db.prepare(sql);
    for (const c of rules) if (!this.newMatches.has(c.rule.id)) this.newMatches.set(c.rule.id, []);
    for (const row of stmt.iterate(...params, from, this.hi, ...scope.params, ...any.params) as Iterable<Record<string, unknown>>) {
      rules.forEach((c, i) => {
        if (row[`r${i}`] !== 1) return;
        this.newMatches.get(c.rule.id)!.push({
          id: row.id as number,
          ts: row.ts as number,
          values: this.needed(c).map((_, k) => (row[`g${i}_${k}`] ?? null) as FieldValue),
        });
      });
    }
  }

  private singleFindings(c: CompiledDetection): void {
    const lo = this.lo.get(c.rule.id) ?? 0;
    const window = c.rule.custom.window ?? DEFAULT_WINDOW;
    const buckets = new Map<string, { group: Group; start: number; matches: Match[] }>();
    for (const m of this.newMatches.get(c.rule.id) ?? []) {
      if (m.id <= lo) continue;
      const group: Group = {};
      c.groupBy.forEach((g, k) => {
        if (m.values[k] !== null) group[g.name] = m.values[k];
      });
      const start = Math.floor(m.ts / window) * window;
      const key = `${groupKey(group)}\u0000${start}`;
      const b = buckets.get(key) ?? { group, start, matches: [] };
      b.matches.push(m);
      buckets.set(key, b);
    }
    for (const b of buckets.values()) {
      b.matches.sort((x, y) => x.ts - y.ts || x.id - y.id);
      this.record({
        ruleId: c.rule.id,
        title: c.rule.title,
        kind: 'detection',
        level: c.rule.level,
        tags: c.rule.tags,
        group: b.group,
        windowStart: b.start,
        firstTs: b.matches[0].ts,
        lastTs: b.matches[b.matches.length - 1].ts,
        count: b.matches.length,
        mode: this.recount.has(c.rule.id) ? 'set' : 'add',
        evidence: b.matches.map((m) => ({ id: m.id, ts: m.ts })),
      });
    }
  }

  /** Time span of the new matches among a rule's inputs (transitively), or undefined when there are none. */
  private newRange(inputs: string[], ownerId: string): { from: number; to: number } | undefined {
    const lo = this.lo.get(ownerId) ?? 0;
    let from = Infinity;
    let to = -Infinity;
    const visit = (ref: string) => {
      const r = this.p.refs.get(ref)!;
      if (r.kind === 'detection') {
        for (const m of this.newMatches.get(r.id) ?? []) {
          if (m.id <= lo) continue;
          if (m.ts < from) from = m.ts;
          if (m.ts > to) to = m.ts;
        }
      } else r.rules.forEach(visit);
    };
    inputs.forEach(visit);
    return from <= to ? { from, to } : undefined;
  }

  private correlationFindings(c: CorrelationRule): void {
    if (!this.p.generating.has(c.id)) return;
    const range = this.newRange(c.rules, c.id);
    if (!range) return;
    const reach = this.reach(c);
    // reach back to the start of any episode the new matches may extend, so its count is recomputed whole
    const prior = this.db
      .prepare('SELECT min(first_ts) AS f FROM findings WHERE rule_id = ? AND last_ts >= ?')
      .get(c.id, range.from - reach) as { f: number | null };
    const from = Math.min(range.from - reach, prior.f ?? Infinity);
    const to = range.to + reach;
    for (const ep of this.episodesOf(c, from, to)) {
      this.record(
        {
          ruleId: c.id,
          title: c.title,
          kind: 'correlation',
          level: c.level,
          tags: c.tags,
          group: ep.group,
          windowStart: ep.first,
          firstTs: ep.first,
          lastTs: ep.last,
          count: ep.count,
          mode: 'set',
          evidence: ep.members.flatMap((m) => m.evidence),
        },
        ep.first - c.timespan,
        ep.last + c.timespan,
      );
    }
  }

  /** How far back a correlation's inputs can reach: its timespan plus those of the correlations it chains. */
  private reach(r: Rule): number {
    if (r.kind === 'detection') return 0;
    return r.timespan + Math.max(0, ...r.rules.map((ref) => this.reach(this.p.refs.get(ref)!)));
  }

  /** Episodes of a correlation in [from, to], each with its group in ECS names. */
  episodesOf(c: CorrelationRule, from: number, to: number): (Episode & { group: Group })[] {
    const byGroup = new Map<string, { group: Group; occ: Occurrence[] }>();
    c.rules.forEach((ref, input) => {
      const r = this.p.refs.get(ref)!;
      for (const o of this.occurrences(c, r, from, to)) {
        const key = groupKey(o.group);
        const g = byGroup.get(key) ?? { group: o.group, occ: [] };
        g.occ.push({ ts: o.ts, input, value: o.value, evidence: o.evidence });
        byGroup.set(key, g);
      }
    });
    const out: (Episode & { group: Group })[] = [];
    for (const { group, occ } of byGroup.values()) {
      occ.sort((a, b) => a.ts - b.ts || a.input - b.input);
      for (const ep of episodes(c.type, occ, c.timespan, c.condition, c.rules.length)) out.push({ ...ep, group });
    }
    return out;
  }

  /** Occurrences of an input rule for a correlation: matched events, or the episodes of a chained correlation. */
  private occurrences(
    owner: CorrelationRule | BaselineRule,
    r: Rule,
    from: number,
    to: number,
  ): { ts: number; group: Group; value?: unknown; evidence: { id: number; ts: number }[] }[] {
    const groupFields = owner.groupBy;
    if (r.kind === 'correlation') {
      const out: { ts: number; group: Group; evidence: { id: number; ts: number }[] }[] = [];
      for (const ep of this.episodesOf(r, from - r.timespan, to)) {
        const group: Group = {};
        let complete = true;
        for (const g of groupFields) {
          const v = ep.group[this.keyOf(r, this.aliasFor(owner, r, g))];
          if (v === undefined || v === null) complete = false;
          else group[owner.kind === 'correlation' && owner.aliases[g] ? g : this.keyOf(r, this.aliasFor(owner, r, g))] = v;
        }
        if (!complete) continue;
        const evidence = ep.members.flatMap((m) => m.evidence);
        out.push({ ts: ep.fired, group, evidence });
        // In an ordered chain a long episode also counts from its end ("a brute force, then a success" after an
        // hour of failures). The chain keeps the latest link, so the two never both count.
        if (owner.kind === 'correlation' && owner.type === 'temporal_ordered' && ep.last > ep.fired) out.push({ ts: ep.last, group, evidence });
      }
      return out;
    }
    if (r.kind !== 'detection') return [];
    const c = this.p.detections.get(r.id)!;
    const fields = groupFields.map((g) => this.fieldFor(owner, c, g));
    const valueName = this.valueName(owner);
    const value = valueName ? this.fieldFor(owner, c, valueName) : undefined;
    const out: { ts: number; group: Group; value?: unknown; evidence: { id: number; ts: number }[] }[] = [];
    const take = (id: number, ts: number, get: (f: ResolvedField, k: number) => FieldValue | undefined) => {
      const group: Group = {};
      for (let k = 0; k < fields.length; k++) {
        const v = get(fields[k], k);
        // an event without the group's fields cannot be correlated with anything
        if (v === null || v === undefined) return;
        group[this.groupName(owner, fields[k], groupFields[k])] = v;
      }
      const v = value ? get(value, -1) : undefined;
      out.push({ ts, group, value: v === null ? undefined : v, evidence: [{ id, ts }] });
    };
    // the scan's matches cover the newest events; only older ones in the window need the rule evaluated again
    const scanned = this.scannedFrom.get(c.rule.id) ?? this.hi;
    if (scanned > 0) {
      const cols = ['e.id', 'e.ts', ...fields.map((f, k) => `${f.sql} AS g${k}`)];
      if (value) cols.push(`${value.sql} AS v`);
      const sql = `SELECT ${cols.join(', ')} FROM events e WHERE e.ts >= ? AND e.ts <= ? AND e.id <= ? AND (${c.scope.sql}) AND (${c.match.sql})`;
      for (const row of this.db.prepare(sql).iterate(from, to, scanned, ...c.scope.params, ...c.match.params) as Iterable<Record<string, unknown>>) {
        take(row.id as number, row.ts as number, (_f, k) => (k < 0 ? row.v : row[`g${k}`]) as FieldValue | undefined);
      }
    }
    const needed = this.needed(c);
    const at = new Map(needed.map((f, k) => [f.sql, k]));
    for (const m of this.newMatches.get(c.rule.id) ?? []) {
      if (m.ts >= from && m.ts <= to) take(m.id, m.ts, (f) => m.values[at.get(f.sql)!]);
    }
    out.sort((a, b) => a.ts - b.ts);
    return out;
  }

  /** The name under which a rule's occurrences carry the value of one of its group-by entries. */
  private keyOf(r: Rule, entry: string): string {
    if (r.kind === 'detection') {
      const f = resolveField(this.p.detections.get(r.id)!.mapping, entry);
      return typeof f === 'string' ? entry : f.name;
    }
    if (r.kind === 'correlation' && r.aliases[entry]) return entry;
    const first = this.p.refs.get(r.rules[0])!;
    return this.keyOf(first, this.aliasFor(r, first, entry));
  }

  occurrencesByInput(owner: BaselineRule, refs: string[], from: number, to: number) {
    return refs.flatMap((ref) => this.occurrences(owner, this.p.refs.get(ref)!, from, to));
  }

  /** Group names are ECS names when the group-by entry maps to one; aliases keep their own name. */
  private groupName(owner: CorrelationRule | BaselineRule, f: ResolvedField, entry: string): string {
    return owner.kind === 'correlation' && owner.aliases[entry] ? entry : f.name;
  }

  private aliasFor(owner: CorrelationRule | BaselineRule, r: Rule, entry: string): string {
    if (owner.kind !== 'correlation') return entry;
    return owner.aliases[entry]?.[r.name ?? r.id] ?? entry;
  }

  private fieldFor(owner: CorrelationRule | BaselineRule, c: CompiledDetection, entry: string): ResolvedField {
    const name = owner.kind === 'correlation' ? (owner.aliases[entry]?.[c.rule.name ?? c.rule.id] ?? entry) : entry;
    const f = resolveField(c.mapping, name);
    if (typeof f === 'string') throw new Error(`${owner.title}: ${f}`);
    return f;
  }
}

/** OR of many expressions as a balanced tree: SQLite limits expression depth, not width. */
function balancedOr(xs: Sql[]): Sql {
  if (xs.length === 1) return xs[0];
  const mid = xs.length >> 1;
  const a = balancedOr(xs.slice(0, mid));
  const b = balancedOr(xs.slice(mid));
  return { sql: `(${a.sql}) OR (${b.sql})`, params: [...a.params, ...b.params] };
}
