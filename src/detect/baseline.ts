/**
 * Baseline rules (loghound extensions), streamed in time order: each group is compared with its own history.
 * - first_seen: a value never seen before for its group (a new country for a user, a new source IP for root);
 * - spike: a bucket's count (or sum of a field) many times the group's usual bucket (requests per minute per IP,
 *   bytes per IP per hour);
 * - off_hours: an event at an hour of day the group has never been active near (within an hour either side).
 * A group with too little history (min-history) gives no verdict: that is the learning period. Events before
 * `newFrom` only teach; events from it on may be reported.
 */
import type { FindingInput, Group } from '../store/findings.js';
import type { BaselineRule } from './model.js';
import { zoneOffsetAt } from '../util/time.js';

/** Evidence ids a baseline finding keeps. */
const EVIDENCE = 200;

type Make = (group: Group, windowStart: number, evidence: { id: number; ts: number }[], count: number, details: Record<string, unknown>) => FindingInput;

interface SpikeState {
  start: number;
  value: number;
  count: number;
  /**
   * The bucket's evidence as flat id, ts pairs: a spike sees every web request, and one object per request would
   * live until its bucket closes, long enough to reach the old generation as garbage.
   */
  evidence: number[];
  /** earlier buckets within the history, as flat start, value pairs from `head` on (no object per bucket either) */
  history: number[];
  head: number;
  sum: number;
}

interface GroupState {
  group: Group;
  prior: number;
  seen?: Set<string>;
  hours?: number[];
  spike?: SpikeState;
}

export class BaselineStream {
  private readonly groups = new Map<string, GroupState>();
  private readonly make: Make;

  constructor(
    private readonly b: BaselineRule,
    private readonly newFrom: number,
    private readonly tz: string,
    private readonly emit: (f: FindingInput) => void,
  ) {
    this.make = (group, windowStart, evidence, count, details) => ({
      ruleId: b.id,
      title: b.title,
      kind: 'baseline',
      level: b.level,
      tags: b.tags,
      group,
      windowStart,
      firstTs: evidence[0].ts,
      lastTs: evidence[evidence.length - 1].ts,
      count,
      mode: 'set',
      evidence,
      details,
    });
  }

  /** One event of the group: flat arguments, since a spike sees every web request and keeps few of them. */
  push(key: string, group: () => Group, ts: number, id: number, value?: unknown): void {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { group: group(), prior: 0 }));
    if (this.b.type === 'first_seen') this.firstSeen(g, ts, id, value);
    else if (this.b.type === 'off_hours') this.offHours(g, ts, id);
    else if (this.spike(g, ts, id, value)) {
      this.groups.delete(key);
      this.groups.set(key, g);
    }
    g.prior++;
  }

  /**
   * Spike groups idle for longer than their history have nothing left to compare with: their last bucket is
   * judged and they are dropped, so memory follows the clients active within one history, not all clients ever seen.
   * first_seen and off_hours groups are kept: what they remember is the point.
   */
  evict(now: number): void {
    if (this.b.type !== 'spike') return;
    // the groups are in the order their latest bucket opened (push moves a group to the end), so the idle ones
    // come first: a sweep stops at the first active group instead of visiting every client of the last day
    for (const [key, g] of this.groups) {
      const s = g.spike!;
      if (s.start + this.b.timespan >= now - this.b.history) break;
      this.closeBucket(g, s);
      this.groups.delete(key);
    }
  }

  finish(): void {
    if (this.b.type === 'spike') for (const g of this.groups.values()) if (g.spike) this.closeBucket(g, g.spike);
    this.groups.clear();
  }

  private firstSeen(g: GroupState, ts: number, id: number, value: unknown): void {
    if (value === undefined || value === null) return;
    const seen = (g.seen ??= new Set());
    const v = String(value);
    if (!seen.has(v) && ts >= this.newFrom && g.prior >= this.b.minHistory) {
      // one finding per (group, value): the id does not depend on time, so it is found once
      this.emit(this.make({ ...g.group, [this.b.field!]: value as string }, 0, [{ id, ts }], 1, { value, prior_events: g.prior, known_values: [...seen].slice(0, 20) }));
    }
    seen.add(v);
  }

  /** True when the event opened a new bucket of a group that had one. */
  private spike(g: GroupState, ts: number, id: number, value: unknown): boolean {
    const start = Math.floor(ts / this.b.timespan) * this.b.timespan;
    let s = g.spike;
    const opened = s !== undefined && s.start !== start;
    if (!s) s = g.spike = { start, value: 0, count: 0, evidence: [], history: [], head: 0, sum: 0 };
    else if (opened) {
      this.closeBucket(g, s);
      const h = s.history;
      h.push(s.start, s.value);
      s.sum += s.value;
      while (s.head < h.length && h[s.head] < start - this.b.history) {
        s.sum -= h[s.head + 1];
        s.head += 2;
      }
      if (s.head > 64 && s.head * 2 > h.length) {
        h.splice(0, s.head);
        s.head = 0;
      }
      s.start = start;
      s.value = 0;
      s.count = 0;
      s.evidence.length = 0;
    }
    s.value += this.b.metric.sum ? Number(value) || 0 : 1;
    s.count++;
    if (s.evidence.length < 2 * EVIDENCE) s.evidence.push(id, ts);
    return opened;
  }

  /** A finished bucket holding new events is compared with the group's active buckets before it. */
  private closeBucket(g: GroupState, s: SpikeState): void {
    if (s.start < Math.floor(this.newFrom / this.b.timespan) * this.b.timespan) return;
    // the history was trimmed to this bucket's reach when the bucket opened
    const n = (s.history.length - s.head) / 2;
    if (n < this.b.minHistory) return;
    const mean = s.sum / n;
    if (s.value >= this.b.minCount && s.value >= this.b.factor * mean) {
      this.emit(
        this.make(g.group, s.start, pairs(s.evidence), s.count, {
          value: s.value,
          baseline_mean: Math.round(mean * 100) / 100,
          baseline_buckets: n,
          metric: this.b.metric.sum ? `sum:${this.b.metric.sum}` : 'count',
        }),
      );
    }
  }

  private offHours(g: GroupState, ts: number, id: number): void {
    const hours = (g.hours ??= new Array<number>(24).fill(0));
    const h = Math.floor((ts + zoneOffsetAt(this.tz, ts)) / 3_600_000) % 24;
    const usual = hours[h] + hours[(h + 23) % 24] + hours[(h + 1) % 24];
    if (ts >= this.newFrom && g.prior >= this.b.minHistory && usual === 0) {
      const active = hours.map((n, i) => (n ? i : -1)).filter((i) => i >= 0);
      this.emit(this.make(g.group, Math.floor(ts / 3_600_000) * 3_600_000, [{ id, ts }], 1, { hour: h, tz: this.tz, usual_hours: active, prior_events: g.prior }));
    }
    hours[h]++;
  }
}

function pairs(flat: number[]): { id: number; ts: number }[] {
  const out: { id: number; ts: number }[] = [];
  for (let k = 0; k < flat.length; k += 2) out.push({ id: flat[k], ts: flat[k + 1] });
  return out;
}
