/**
 * Baseline rules (loghound extensions): each group is compared with its own history.
 * - first_seen: a value never seen before for its group (a new country for a user, a new source IP for root);
 * - spike: a bucket's count (or sum of a field) many times the group's usual bucket (requests per minute per IP,
 *   bytes per IP per hour);
 * - off_hours: an event at an hour of day the group has never been active near (within an hour either side).
 * A group with too little history (min-history) gives no verdict: that is the learning period.
 */
import type { FindingInput, Group } from '../store/findings.js';
import type { BaselineRule } from './model.js';
import { zoneOffsetAt } from '../util/time.js';
import { groupKey } from '../store/findings.js';

export interface BaselineOcc {
  ts: number;
  group: Group;
  value?: unknown;
  evidence: { id: number; ts: number }[];
}

type Fetch = (from: number, to: number) => BaselineOcc[];

export function baselineFindings(b: BaselineRule, range: { from: number; to: number }, fetch: Fetch, tz: string): FindingInput[] {
  const groups = new Map<string, BaselineOcc[]>();
  for (const o of fetch(range.from - b.history, range.to + b.timespan)) {
    const key = groupKey(o.group);
    const list = groups.get(key) ?? [];
    list.push(o);
    groups.set(key, list);
  }
  const out: FindingInput[] = [];
  const base = (group: Group, windowStart: number, evidence: { id: number; ts: number }[], details: Record<string, unknown>): FindingInput => ({
    ruleId: b.id,
    title: b.title,
    kind: 'baseline',
    level: b.level,
    tags: b.tags,
    group,
    windowStart,
    firstTs: evidence[0].ts,
    lastTs: evidence[evidence.length - 1].ts,
    count: evidence.length,
    mode: 'set',
    evidence,
    details,
  });
  for (const occ of groups.values()) {
    occ.sort((x, y) => x.ts - y.ts);
    if (b.type === 'first_seen') out.push(...firstSeen(b, occ, range, base));
    else if (b.type === 'spike') out.push(...spike(b, occ, range, base));
    else out.push(...offHours(b, occ, range, tz, base));
  }
  return out;
}

type Make = (group: Group, windowStart: number, evidence: { id: number; ts: number }[], details: Record<string, unknown>) => FindingInput;

function firstSeen(b: BaselineRule, occ: BaselineOcc[], range: { from: number }, make: Make): FindingInput[] {
  const out: FindingInput[] = [];
  const seen = new Set<string>();
  let prior = 0;
  for (const o of occ) {
    if (o.value === undefined || o.value === null) continue;
    const v = String(o.value);
    if (!seen.has(v) && o.ts >= range.from && prior >= b.minHistory) {
      // one finding per (group, value): the id does not depend on time, so it is found once
      out.push(make({ ...o.group, [b.field!]: o.value as string }, 0, o.evidence, { value: o.value, prior_events: prior, known_values: [...seen].slice(0, 20) }));
    }
    seen.add(v);
    prior++;
  }
  return out;
}

function spike(b: BaselineRule, occ: BaselineOcc[], range: { from: number }, make: Make): FindingInput[] {
  const buckets = new Map<number, { value: number; evidence: { id: number; ts: number }[] }>();
  for (const o of occ) {
    const start = Math.floor(o.ts / b.timespan) * b.timespan;
    const bucket = buckets.get(start) ?? { value: 0, evidence: [] };
    bucket.value += b.metric.sum ? Number(o.value) || 0 : o.evidence.length;
    bucket.evidence.push(...o.evidence);
    buckets.set(start, bucket);
  }
  const starts = [...buckets.keys()].sort((x, y) => x - y);
  const out: FindingInput[] = [];
  const firstNew = Math.floor(range.from / b.timespan) * b.timespan;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i];
    if (start < firstNew) continue;
    let sum = 0;
    let n = 0;
    for (let k = i - 1; k >= 0 && starts[k] >= start - b.history; k--) {
      sum += buckets.get(starts[k])!.value;
      n++;
    }
    if (n < b.minHistory) continue;
    const mean = sum / n;
    const bucket = buckets.get(start)!;
    if (bucket.value >= b.minCount && bucket.value >= b.factor * mean) {
      out.push(make(occ[0].group, start, bucket.evidence, { value: bucket.value, baseline_mean: Math.round(mean * 100) / 100, baseline_buckets: n, metric: b.metric.sum ? `sum:${b.metric.sum}` : 'count' }));
    }
  }
  return out;
}

function hourOf(ts: number, tz: string): number {
  return Math.floor((ts + zoneOffsetAt(tz, ts)) / 3_600_000) % 24;
}

function offHours(b: BaselineRule, occ: BaselineOcc[], range: { from: number }, tz: string, make: Make): FindingInput[] {
  const hours = new Array<number>(24).fill(0);
  let prior = 0;
  const out: FindingInput[] = [];
  for (const o of occ) {
    const h = hourOf(o.ts, tz);
    const usual = hours[h] + hours[(h + 23) % 24] + hours[(h + 1) % 24];
    if (o.ts >= range.from && prior >= b.minHistory && usual === 0) {
      const active = hours.map((n, i) => (n ? i : -1)).filter((i) => i >= 0);
      out.push(make(o.group, Math.floor(o.ts / 3_600_000) * 3_600_000, o.evidence, { hour: h, tz, usual_hours: active, prior_events: prior }));
    }
    hours[h]++;
    prior++;
  }
  return out;
}
