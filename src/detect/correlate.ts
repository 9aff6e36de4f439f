/**
 * Correlation windows, streamed: occurrences arrive in time order and each group keeps only what its window
 * holds, so memory follows the number of groups active within one timespan, not the number of matches. Windows
 * slide (they are not fixed buckets, so a burst across a bucket edge still counts); overlapping firing windows
 * merge into one episode, which becomes one finding.
 */
import type { CorrelationType, CountCondition } from './model.js';
import type { Group } from '../store/findings.js';

/** Evidence ids an episode keeps (the count stays exact beyond it). */
export const EPISODE_EVIDENCE = 1000;

export interface Occurrence {
  ts: number;
  /** index of the input rule (temporal types) */
  input: number;
  /** the counted field's value (value_count) */
  value?: unknown;
  /** the field's value as a number (value_sum, value_avg); undefined when it is not one, as SQL's SUM skips NULL */
  amount?: number;
  /** how many events it stands for (1 for an event; an episode's count for a chained correlation) */
  weight: number;
  /** the event's id; a chained episode carries its evidence instead (one array per occurrence would be garbage) */
  id?: number;
  evidence?: { id: number; ts: number }[];
}

export interface Episode {
  group: Group;
  first: number;
  last: number;
  /** when the condition first held: the moment the correlation "fired" */
  fired: number;
  count: number;
  /** distinct values (value_count) or inputs seen (temporal) at the firing */
  distinct?: number;
  /** the sum or average at the firing (value_sum, value_avg) */
  aggregate?: number;
  evidence: { id: number; ts: number }[];
}

export function holds(c: CountCondition, n: number): boolean {
  if (Number.isNaN(n)) return false;
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  if (c.eq !== undefined && n !== c.eq) return false;
  if (c.neq !== undefined && n === c.neq) return false;
  return true;
}

/** What a window or bucket holds, as the correlation type measures it. */
interface Tally {
  weight: number;
  values: Map<unknown, number>;
  perInput: number[];
  /** the sum of the numeric amounts, and how many there were */
  sum: number;
  amounts: number;
}

function measure(type: CorrelationType, t: Tally): number {
  switch (type) {
    case 'event_count':
      return t.weight;
    case 'value_count':
      return t.values.size;
    case 'value_sum':
      return t.sum;
    case 'value_avg':
      // a window whose events carry no number has no average: NaN holds no condition
      return t.amounts ? t.sum / t.amounts : NaN;
    default:
      return t.perInput.filter((n) => n > 0).length;
  }
}

function tally(t: Tally, o: Occurrence, sign: 1 | -1): void {
  t.weight += sign * o.weight;
  t.perInput[o.input] += sign;
  if (o.value !== undefined) {
    const n = (t.values.get(o.value) ?? 0) + sign;
    if (n === 0) t.values.delete(o.value);
    else t.values.set(o.value, n);
  }
  if (o.amount !== undefined) {
    t.sum += sign * o.amount;
    t.amounts += sign;
  }
}

interface OpenEpisode extends Omit<Episode, 'group'> {
  /** sequence numbers of the first and last member occurrence */
  start: number;
  end: number;
  /**
   * the chained episodes taken in, by their evidence list: an ordered chain meets a long episode twice (at its firing
   * and at its end), and its events count once
   */
  chained: Set<unknown>;
}

/** One group's sliding window. Occurrences carry sequence numbers; the window is occ[head..]. */
class GroupWindow implements Tally {
  occ: Occurrence[] = [];
  head = 0;
  /** sequence number of occ[0] */
  base = 0;
  weight = 0;
  values = new Map<unknown, number>();
  perInput: number[];
  sum = 0;
  amounts = 0;
  ep: OpenEpisode | undefined;
  lastTs = 0;

  constructor(
    readonly group: Group,
    inputs: number,
  ) {
    this.perInput = new Array<number>(inputs).fill(0);
  }

  at(seq: number): Occurrence {
    return this.occ[seq - this.base];
  }
}

export class CorrelationStream {
  private readonly groups = new Map<string, GroupWindow>();

  constructor(
    private readonly type: CorrelationType,
    private readonly timespan: number,
    private readonly cond: CountCondition,
    private readonly inputs: number,
    private readonly onEpisode: (ep: Episode) => void,
  ) {}

  /** `group` is called only for a group not seen before: most occurrences belong to a known one. */
  push(key: string, group: () => Group, o: Occurrence): void {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new GroupWindow(group(), this.inputs)));
    g.occ.push(o);
    g.lastTs = o.ts;
    tally(g, o, 1);
    // slide: occurrences older than the timespan leave the window
    while (g.occ[g.head].ts < o.ts - this.timespan) tally(g, g.occ[g.head++], -1);
    const i = g.base + g.occ.length - 1;
    const j = g.base + g.head;
    switch (this.type) {
      case 'event_count':
        if (holds(this.cond, g.weight)) this.fire(g, j, i);
        break;
      case 'value_count':
        if (holds(this.cond, g.values.size)) this.fire(g, j, i, g.values.size);
        break;
      case 'value_sum':
      case 'value_avg': {
        const n = measure(this.type, g);
        if (holds(this.cond, n)) this.fire(g, j, i, undefined, n);
        break;
      }
      case 'temporal': {
        const seen = g.perInput.filter((n) => n > 0).length;
        const wanted = Object.keys(this.cond).some((k) => k !== 'field') ? holds(this.cond, seen) : seen === this.inputs;
        if (wanted) this.fire(g, j, i, seen);
        break;
      }
      case 'temporal_ordered': {
        if (o.input !== this.inputs - 1) break;
        // the tightest chain ending here: for each earlier input, the latest occurrence before the next link
        let link = i;
        for (let want = this.inputs - 2; want >= 0; want--) {
          let k = link - 1;
          while (k >= j && g.at(k).input !== want) k--;
          if (k < j) return this.compact(g);
          link = k;
        }
        this.fire(g, link, i, this.inputs);
        break;
      }
    }
    this.compact(g);
  }

  /** Groups whose window emptied before `now` are done: their open episode is final. */
  evict(now: number): void {
    for (const [key, g] of this.groups) {
      if (g.lastTs < now - this.timespan) {
        this.close(g);
        this.groups.delete(key);
      }
    }
  }

  finish(): void {
    for (const g of this.groups.values()) this.close(g);
    this.groups.clear();
  }

  private fire(g: GroupWindow, from: number, to: number, distinct?: number, aggregate?: number): void {
    // the firing window continues the open episode when it shares members with it, or starts right after it and
    // within one timespan of its end: the same rule that closes an idle group (evict). Sequence numbers alone
    // would join two bursts a month apart when nothing of the group came in between.
    if (g.ep && from <= g.ep.end + 1 && g.at(from).ts - g.ep.last <= this.timespan) {
      // an episode reports the largest sum it reached; an average, the one it fired with
      if (this.type === 'value_sum' && aggregate! > g.ep.aggregate!) g.ep.aggregate = aggregate;
      this.include(g, g.ep.end + 1, to);
      return;
    }
    this.close(g);
    g.ep = { start: from, end: from - 1, first: g.at(from).ts, last: g.at(from).ts, fired: g.at(to).ts, count: 0, distinct, aggregate, evidence: [], chained: new Set() };
    this.include(g, from, to);
  }

  private include(g: GroupWindow, from: number, to: number): void {
    const ep = g.ep!;
    for (let s = from; s <= to; s++) {
      const o = g.at(s);
      ep.last = o.ts;
      if (o.evidence && ep.chained.has(o.evidence)) continue;
      ep.count += o.weight;
      if (o.evidence) {
        ep.chained.add(o.evidence);
        // a chained episode's occurrence stands at its firing; its events began earlier
        for (const e of o.evidence) {
          ep.first = Math.min(ep.first, e.ts);
          if (ep.evidence.length < EPISODE_EVIDENCE) ep.evidence.push(e);
        }
      } else if (o.id !== undefined && ep.evidence.length < EPISODE_EVIDENCE) ep.evidence.push({ id: o.id, ts: o.ts });
    }
    ep.end = to;
  }

  private close(g: GroupWindow): void {
    if (!g.ep) return;
    const { start: _s, end: _e, chained: _c, ...ep } = g.ep;
    g.ep = undefined;
    this.onEpisode({ group: g.group, ...ep });
  }

  /** Drops occurrences that left the window: an open episode only ever takes in members from the window on. */
  private compact(g: GroupWindow): void {
    const keepFrom = g.head;
    if (keepFrom > 256 && keepFrom > g.occ.length / 2) {
      g.occ = g.occ.slice(keepFrom);
      g.head -= keepFrom;
      g.base += keepFrom;
    }
  }
}

/** Whether a condition bounds the count from above (lt, lte, eq, neq): a growing sliding window cannot judge it. */
export function bucketed(type: CorrelationType, c: CountCondition): boolean {
  return type !== 'temporal_ordered' && (c.lt !== undefined || c.lte !== undefined || c.eq !== undefined || c.neq !== undefined);
}

/** One group's events in one bucket of a bucketed correlation. */
class Bucket implements Tally {
  weight = 0;
  values = new Map<unknown, number>();
  perInput: number[];
  sum = 0;
  amounts = 0;
  first: number;
  last: number;
  evidence: { id: number; ts: number }[] = [];

  constructor(
    readonly group: Group,
    readonly index: number,
    ts: number,
    inputs: number,
  ) {
    this.perInput = new Array<number>(inputs).fill(0);
    this.first = this.last = ts;
  }
}

/**
 * A correlation whose condition bounds the count from above ("fewer than 3 in 5 minutes", "exactly 2"): the count
 * of a sliding window passes through every value below the final one, so each group's events are counted in fixed
 * buckets of one timespan, aligned to the epoch in UTC, as pySigma's backends count them (Splunk's `bin _time`, ES|QL's
 * `date_trunc`), and a bucket is judged once complete: when a later event of the group arrives, when the group is
 * idle, or at the end of the pass for a bucket that ends at or before `end` (the latest event of the store). A bucket
 * still open at the end of the data is judged by a later hunt.
 */
export class BucketStream {
  private readonly groups = new Map<string, Bucket>();

  constructor(
    private readonly type: CorrelationType,
    private readonly timespan: number,
    private readonly cond: CountCondition,
    private readonly inputs: number,
    private readonly onEpisode: (ep: Episode) => void,
  ) {}

  push(key: string, group: () => Group, o: Occurrence): void {
    const index = Math.floor(o.ts / this.timespan);
    let b = this.groups.get(key);
    if (b && b.index !== index) {
      this.judge(b);
      b = new Bucket(b.group, index, o.ts, this.inputs);
      this.groups.set(key, b);
    } else if (!b) this.groups.set(key, (b = new Bucket(group(), index, o.ts, this.inputs)));
    tally(b, o, 1);
    b.last = o.ts;
    const add = o.evidence ?? (o.id !== undefined ? [{ id: o.id, ts: o.ts }] : []);
    for (const e of add) {
      if (b.evidence.length >= EPISODE_EVIDENCE) break;
      b.evidence.push(e);
      b.first = Math.min(b.first, e.ts);
    }
  }

  /** Buckets that ended before `now` are complete. */
  evict(now: number): void {
    for (const [key, b] of this.groups) {
      if ((b.index + 1) * this.timespan <= now) {
        this.judge(b);
        this.groups.delete(key);
      }
    }
  }

  finish(end = Infinity): void {
    for (const b of this.groups.values()) if ((b.index + 1) * this.timespan - 1 <= end) this.judge(b);
    this.groups.clear();
  }

  private judge(b: Bucket): void {
    const n = measure(this.type, b);
    if (!holds(this.cond, n)) return;
    const aggregated = this.type === 'value_sum' || this.type === 'value_avg';
    this.onEpisode({
      group: b.group,
      first: b.first,
      last: b.last,
      fired: b.last,
      count: b.weight,
      distinct: this.type === 'event_count' || aggregated ? undefined : n,
      aggregate: aggregated ? n : undefined,
      evidence: b.evidence,
    });
  }
}
