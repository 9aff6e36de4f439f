/**
 * Overlapping ranges from many feeds -> non-overlapping segments, each carrying the set of members (feed and
 * list count) that cover it. One binary search then answers "which feeds list this address, and how many" at
 * once. Segments next to each other with the same set are merged.
 *
 * Positions are numbers for IPv4 and bigints for IPv6; the algorithm is the same, so it is written once over
 * `number | bigint` with the successor and predecessor functions passed in.
 */

export type Pos = number | bigint;

export interface SweepInput<P extends Pos> {
  lo: ArrayLike<P>;
  hi: ArrayLike<P>;
  /** member id per range (small non-negative integers) */
  member: ArrayLike<number>;
  n: number;
}

export interface Segments<P extends Pos> {
  lo: P[];
  hi: P[];
  /** index into sets */
  set: number[];
  /** each set: sorted member ids */
  sets: number[][];
}

function orderBy<P extends Pos>(keys: ArrayLike<P>, n: number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n > 0 && typeof keys[0] === 'number') {
    const k = keys as ArrayLike<number>;
    idx.sort((a, b) => k[a] - k[b]);
  } else {
    idx.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  }
  return idx;
}

export interface PosOps<P extends Pos> {
  succ(p: P): P;
  pred(p: P): P;
}

export const V4_OPS: PosOps<number> = { succ: (p) => p + 1, pred: (p) => p - 1 };
export const V6_OPS: PosOps<bigint> = { succ: (p) => p + 1n, pred: (p) => p - 1n };

export function sweep<P extends Pos>(input: SweepInput<P>, ops: PosOps<P>): Segments<P> {
  const { succ, pred } = ops;
  const { lo, hi, member, n } = input;
  const out: Segments<P> = { lo: [], hi: [], set: [], sets: [] };
  if (n === 0) return out;
  const byStart = orderBy(lo, n);
  const byEnd = orderBy(hi, n);
  let maxMember = 0;
  for (let i = 0; i < n; i++) if (member[i] > maxMember) maxMember = member[i];
  const count = new Int32Array(maxMember + 1);
  const active: number[] = [];
  const setIds = new Map<string, number>();
  let setId = -1;
  let changed = false;
  let s = 0;
  let e = 0;
  let pos: P | undefined;

  const enter = (m: number) => {
    if (count[m]++ === 0) {
      let k = active.length;
      active.push(m);
      while (k > 0 && active[k - 1] > m) {
        active[k] = active[k - 1];
        k--;
      }
      active[k] = m;
      changed = true;
    }
  };
  const leave = (m: number) => {
    if (--count[m] === 0) {
      active.splice(active.indexOf(m), 1);
      changed = true;
    }
  };

  while (s < n || e < n) {
    // The next boundary: a start, or the first address after an end.
    const nextStart = s < n ? lo[byStart[s]] : undefined;
    const nextEnd = succ(hi[byEnd[e]]);
    const p = nextStart !== undefined && nextStart <= nextEnd ? nextStart : nextEnd;
    if (pos !== undefined && setId >= 0 && p > pos) {
      const last = out.lo.length - 1;
      const before = pred(p);
      if (last >= 0 && out.set[last] === setId && succ(out.hi[last]) === pos) out.hi[last] = before;
      else {
        out.lo.push(pos);
        out.hi.push(before);
        out.set.push(setId);
      }
    }
    while (e < n && succ(hi[byEnd[e]]) === p) leave(member[byEnd[e++]]);
    while (s < n && lo[byStart[s]] === p) enter(member[byStart[s++]]);
    if (changed) {
      changed = false;
      if (active.length === 0) setId = -1;
      else {
        const key = active.join(',');
        let id = setIds.get(key);
        if (id === undefined) {
          id = out.sets.length;
          out.sets.push(active.slice());
          setIds.set(key, id);
        }
        setId = id;
      }
    }
    pos = p;
  }
  return out;
}
