/**
 * The read-only halves of a hunt: the scan of new events against single-event rules, and a spike baseline's
 * aggregation. Each is a job of plain data (SQL, parameters, numbers) and a function of a connection, so the
 * engine can run it itself or hand it to a second thread with its own connection (jobs-worker.ts) while it walks
 * the time-ordered pass: the machine has two cores and one SQLite connection uses one.
 */
import type { DB } from '../store/db.js';
import { groupKey, type Group } from '../store/findings.js';
import type { FieldValue } from '../model/event.js';
import type { BaselineRule } from './model.js';
import { spikeVerdict } from './baseline.js';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

/** Evidence ids a single rule's bucket keeps per run (the count stays exact). */
const BUCKET_EVIDENCE = 200;

export interface ScanRule {
  id: string;
  /** it reports findings itself (else only its span of matches is wanted) */
  generating: boolean;
  /** its watermark: only events above it make findings */
  lo: number;
  window: number;
  /** row columns: where its group-by values start, and its verdict */
  group: number;
  groupNames: string[];
  /** per group-by field: its column is the JSON array of its values, one group each (mapping.ts ResolvedField.spread) */
  spread: boolean[];
  verdict: number;
}

/** Rows as arrays: [id, ts, then per rule its group-by values and its verdict]. */
export interface ScanJob {
  kind: 'scan';
  what: string;
  sql: string;
  params: unknown[];
  rules: ScanRule[];
  /** ids of unfinished tail events: linked as evidence beyond the cap (see store/evidence.ts) */
  tails?: number[];
}

/** A single-event rule's matches of one group in one window. */
export interface Bucket {
  group: Group;
  start: number;
  first: number;
  last: number;
  count: number;
  evidence: Evidence[];
}

/** An evidence event; `tail`: an unfinished line's event, which a finding links whatever its cap. */
export interface Evidence {
  id: number;
  ts: number;
  tail?: true;
}

export interface ScanResult {
  kind: 'scan';
  rows: number;
  seconds: number;
  /** per rule: the time span of its matches */
  spans: ({ from: number; to: number } | null)[];
  /** per rule: its buckets, evidence in time order */
  buckets: Bucket[][];
}

export function runScan(db: DB, job: ScanJob): ScanResult {
  const t0 = performance.now();
  const spans: ScanResult['spans'] = job.rules.map(() => null);
  const buckets = job.rules.map(() => new Map<string, Bucket>());
  const tails = new Set(job.tails);
  let rows = 0;
  for (const row of db.prepare(job.sql).raw(true).iterate(...job.params) as Iterable<unknown[]>) {
    const id = row[0] as number;
    const ts = row[1] as number;
    rows++;
    job.rules.forEach((a, i) => {
      if (row[a.verdict] !== 1) return;
      const span = spans[i];
      if (!span) spans[i] = { from: ts, to: ts };
      else {
        if (ts < span.from) span.from = ts;
        if (ts > span.to) span.to = ts;
      }
      if (!a.generating || id <= a.lo) return;
      const start = Math.floor(ts / a.window) * a.window;
      const tail = tails.has(id);
      const ev: Evidence = tail ? { id, ts, tail } : { id, ts };
      for (const group of groupsOf(row, a)) {
        const key = `${groupKey(group)}\u0000${start}`;
        const b = buckets[i].get(key);
        if (!b) buckets[i].set(key, { group, start, first: ts, last: ts, count: 1, evidence: [ev] });
        else {
          b.count++;
          if (ts < b.first) b.first = ts;
          if (ts > b.last) b.last = ts;
          if (b.evidence.length < BUCKET_EVIDENCE || tail) b.evidence.push(ev);
        }
      }
    });
  }
  const out = buckets.map((m) => [...m.values()]);
  for (const list of out) for (const b of list) b.evidence.sort((x, y) => x.ts - y.ts || x.id - y.id);
  return { kind: 'scan', rows, seconds: (performance.now() - t0) / 1000, spans, buckets: out };
}

/**
 * The groups a matching row belongs to: one, unless a spread field holds several values (an event whose source
 * and destination are both listed is evidence for a finding about each).
 */
function groupsOf(row: unknown[], a: ScanRule): Group[] {
  let groups: Group[] = [{}];
  a.groupNames.forEach((name, k) => {
    const v = row[a.group + k] as FieldValue | null;
    if (v === null || v === undefined) return;
    if (a.spread[k]) {
      const values = JSON.parse(v as string) as FieldValue[];
      groups = groups.flatMap((g) => values.map((x) => ({ ...g, [name]: x })));
    } else for (const g of groups) g[name] = v;
  });
  return groups;
}

/**
 * A spike baseline's buckets that may be spikes (`sql`: group values, start, count, value, history count and sum),
 * and the statement that reads a bucket's evidence (`evidenceSql`, after `matchParams`: start, end, group values).
 */
export interface SpikeJob {
  kind: 'spike';
  rule: BaselineRule;
  sql: string;
  params: unknown[];
  evidenceSql: string;
  matchParams: unknown[];
}

export interface SpikeResult {
  kind: 'spike';
  candidates: number;
  seconds: number;
  hits: { values: FieldValue[]; start: number; count: number; details: Record<string, unknown>; evidence: { id: number; ts: number }[] }[];
}

export function runSpike(db: DB, job: SpikeJob): SpikeResult {
  const t0 = performance.now();
  const r = job.rule;
  const candidates = db.prepare(job.sql).raw(true).all(...job.params) as unknown[][];
  const evidence = db.prepare(job.evidenceSql);
  const hits: SpikeResult['hits'] = [];
  for (const row of candidates) {
    const values = row.slice(0, r.groupBy.length) as FieldValue[];
    const [start, count, v, hn, hsum] = row.slice(r.groupBy.length) as number[];
    const details = spikeVerdict(r, v, hn, hsum ?? 0);
    if (!details) continue;
    const ev = evidence.all(...job.matchParams, start, start + r.timespan, ...values) as { id: number; ts: number }[];
    hits.push({ values, start, count, details, evidence: ev });
  }
  return { kind: 'spike', candidates: candidates.length, seconds: (performance.now() - t0) / 1000, hits };
}

export type Job = ScanJob | SpikeJob;
export type JobResult = ScanResult | SpikeResult;

export function runJob(db: DB, job: Job): JobResult {
  return job.kind === 'scan' ? runScan(db, job) : runSpike(db, job);
}

/** Jobs running on a second thread; `wait` blocks until they are done and gives their results in order. */
export interface Running {
  wait(): JobResult[];
}

/**
 * Runs jobs on a worker thread with its own read-only connection to the store file. The engine's code is
 * synchronous (it holds a write transaction), so the results come back through a port read synchronously once a
 * shared flag says they are there. The worker's connection sees the store as last committed: the events it reads
 * are not written by a hunt, and the findings this transaction writes are not read by the jobs.
 */
export function startJobs(file: string, lists: string[], jobs: Job[]): Running {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const entry = new URL('./jobs-worker.js', import.meta.url);
  // a worker whose entry cannot load reports through an error event that a blocked thread never sees
  if (!fs.existsSync(fileURLToPath(entry))) throw new Error(`missing ${fileURLToPath(entry)}`);
  new Worker(entry, { workerData: { file, lists, jobs, port: port2, signal }, transferList: [port2] }).unref();
  return {
    wait() {
      // the worker sets the flag whatever happens to its jobs (its imports are inside its own try)
      while (Atomics.load(signal, 0) === 0) Atomics.wait(signal, 0, 0);
      const got = receiveMessageOnPort(port1)?.message as { results?: JobResult[]; error?: string } | undefined;
      port1.close();
      if (!got?.results) throw new Error(`the hunt's second thread failed: ${got?.error ?? 'it stopped without an answer'}`);
      return got.results;
    },
  };
}
