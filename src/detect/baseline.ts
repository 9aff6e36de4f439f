/**
 * Baseline rules (loghound extensions): each group is compared with its own history.
 * - first_seen: a value never seen before for its group (a new country for a user, a new source IP for root);
 * - off_hours: an event at an hour of day the group has never been active near (within an hour either side);
 * - spike: a bucket's count (or sum of a field) many times the group's usual bucket (requests per minute per IP,
 *   bytes per IP per hour). Spikes are aggregated in SQL (engine.ts) and judged here by spikeVerdict; the other two
 *   are streamed in time order through BaselineStream.
 * A group with too little history (min-history) gives no verdict: that is the learning period. Events before
 * `newFrom` only teach; events from it on may be reported.
 */
import type { FindingInput, Group } from '../store/findings.js';
import type { BaselineRule } from './model.js';
import { zoneOffsetAt } from '../util/time.js';

/** Evidence ids a baseline finding keeps. */
export const EVIDENCE = 200;

/** A baseline's finding: one group, the window it starts, its evidence in time order. */
export function baselineFinding(
  b: BaselineRule,
  group: Group,
  windowStart: number,
  evidence: { id: number; ts: number }[],
  count: number,
  details: Record<string, unknown>,
): FindingInput {
  return {
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
  };
}

interface GroupState {
  group: Group;
  prior: number;
  seen?: Set<string>;
  hours?: number[];
}

export class BaselineStream {
  private readonly groups = new Map<string, GroupState>();
  constructor(
    private readonly b: BaselineRule,
    private readonly newFrom: number,
    private readonly tz: string,
    private readonly emit: (f: FindingInput) => void,
  ) {}

  /** One event of the group; `group` makes the group's values, called only for a group not seen before. */
  push(key: string, group: () => Group, ts: number, id: number, value?: unknown): void {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { group: group(), prior: 0 }));
    if (this.b.type === 'first_seen') this.firstSeen(g, ts, id, value);
    else this.offHours(g, ts, id);
    g.prior++;
  }

  finish(): void {
    this.groups.clear();
  }

  private firstSeen(g: GroupState, ts: number, id: number, value: unknown): void {
    if (value === undefined || value === null) return;
    const seen = (g.seen ??= new Set());
    const v = String(value);
    if (!seen.has(v) && ts >= this.newFrom && g.prior >= this.b.minHistory) {
      // one finding per (group, value): the id does not depend on time, so it is found once
      this.emit(baselineFinding(this.b, { ...g.group, [this.b.field!]: value as string }, 0, [{ id, ts }], 1, { value, prior_events: g.prior, known_values: [...seen].slice(0, 20) }));
    }
    seen.add(v);
  }

  private offHours(g: GroupState, ts: number, id: number): void {
    const hours = (g.hours ??= new Array<number>(24).fill(0));
    const h = Math.floor((ts + zoneOffsetAt(this.tz, ts)) / 3_600_000) % 24;
    const usual = hours[h] + hours[(h + 23) % 24] + hours[(h + 1) % 24];
    if (ts >= this.newFrom && g.prior >= this.b.minHistory && usual === 0) {
      const active = hours.map((n, i) => (n ? i : -1)).filter((i) => i >= 0);
      this.emit(baselineFinding(this.b, g.group, Math.floor(ts / 3_600_000) * 3_600_000, [{ id, ts }], 1, { hour: h, tz: this.tz, usual_hours: active, prior_events: g.prior }));
    }
    hours[h]++;
  }
}

/**
 * A spike's verdict on one bucket of `value`, given the `n` active buckets of its group's history and their `sum`:
 * the finding's details when it is a spike.
 */
export function spikeVerdict(b: BaselineRule, value: number, n: number, sum: number): Record<string, unknown> | undefined {
  if (n < b.minHistory) return undefined;
  const mean = sum / n;
  if (!(value >= b.minCount && value >= b.factor * mean)) return undefined;
  return { value, baseline_mean: Math.round(mean * 100) / 100, baseline_buckets: n, metric: b.metric.sum ? `sum:${b.metric.sum}` : 'count' };
}
