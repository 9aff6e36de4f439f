/**
 * Correlation windows over one group's occurrences, sorted by time. Windows slide (they are not fixed buckets, so a
 * burst across a bucket edge still counts); overlapping firing windows merge into one episode, which becomes one
 * finding. Pure functions: the engine feeds them rows and stores what they return.
 */
import type { CorrelationType, CountCondition } from './model.js';

export interface Occurrence {
  ts: number;
  /** index of the input rule (temporal types) */
  input: number;
  /** the counted field's value (value_count) */
  value?: unknown;
  evidence: { id: number; ts: number }[];
}

export interface Episode {
  first: number;
  last: number;
  /** when the condition first held: the moment the correlation "fired" */
  fired: number;
  count: number;
  /** distinct values (value_count) or inputs seen (temporal) at the firing */
  distinct?: number;
  members: Occurrence[];
}

export function holds(c: CountCondition, n: number): boolean {
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  if (c.eq !== undefined && n !== c.eq) return false;
  if (c.neq !== undefined && n === c.neq) return false;
  return true;
}

/**
 * Episodes of one group. `occ` must be sorted by ts. A window is every span (t - timespan, t] ending at an
 * occurrence; `measure` says whether that window fires.
 */
export function episodes(
  type: CorrelationType,
  occ: Occurrence[],
  timespan: number,
  cond: CountCondition,
  inputs: number,
): Episode[] {
  const out: Episode[] = [];
  let open: { from: number; to: number; fired: number; distinct?: number } | undefined;
  const close = () => {
    if (!open) return;
    const members = occ.slice(open.from, open.to + 1);
    out.push({
      first: members[0].ts,
      last: members[members.length - 1].ts,
      fired: open.fired,
      count: members.reduce((n, m) => n + Math.max(1, m.evidence.length), 0),
      distinct: open.distinct,
      members,
    });
    open = undefined;
  };
  const fire = (from: number, to: number, distinct?: number) => {
    if (open && from <= open.to + 1) open.to = to;
    else {
      close();
      open = { from, to, fired: occ[to].ts, distinct };
    }
  };

  let j = 0;
  let weight = 0;
  const values = new Map<unknown, number>();
  const perInput = new Array<number>(inputs).fill(0);
  for (let i = 0; i < occ.length; i++) {
    const o = occ[i];
    if (o.value !== undefined) values.set(o.value, (values.get(o.value) ?? 0) + 1);
    perInput[o.input]++;
    weight += Math.max(1, o.evidence.length);
    while (occ[j].ts < o.ts - timespan) {
      const old = occ[j];
      if (old.value !== undefined) {
        const n = values.get(old.value)! - 1;
        if (n === 0) values.delete(old.value);
        else values.set(old.value, n);
      }
      perInput[old.input]--;
      weight -= Math.max(1, old.evidence.length);
      j++;
    }
    switch (type) {
      case 'event_count':
        if (holds(cond, weight)) fire(j, i);
        break;
      case 'value_count':
        if (holds(cond, values.size)) fire(j, i, values.size);
        break;
      case 'temporal': {
        const seen = perInput.filter((n) => n > 0).length;
        const wanted = Object.keys(cond).some((k) => k !== 'field') ? holds(cond, seen) : seen === inputs;
        if (wanted) fire(j, i, seen);
        break;
      }
      case 'temporal_ordered': {
        if (o.input !== inputs - 1) break;
        // the tightest chain ending here: for each earlier input, the latest occurrence before the next link
        let link = i;
        let ok = true;
        for (let want = inputs - 2; want >= 0 && ok; want--) {
          let k = link - 1;
          while (k >= j && occ[k].input !== want) k--;
          if (k < j) ok = false;
          else link = k;
        }
        if (ok) fire(link, i, inputs);
        break;
      }
    }
  }
  close();
  return out;
}
