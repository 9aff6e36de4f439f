/**
 * The second thread of a hunt: runs the jobs it is given on its own read-only connection (see jobs.ts). Whatever
 * happens, it sets the shared flag the engine is blocked on; so its own modules load inside the try.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { Job, JobResult } from './jobs.js';

const { file, lists, jobs, port, signal } = workerData as { file: string; lists: string[]; jobs: Job[]; port: MessagePort; signal: Int32Array };
let message: { results?: JobResult[]; error?: string };
try {
  const [{ openDb }, { importLists, registerSqlFunctions }, { runJob }] = await Promise.all([
    import('../store/db.js'),
    import('./regex.js'),
    import('./jobs.js'),
  ]);
  importLists(lists);
  const db = openDb(file, { readonly: true });
  // scans read in storage order and the spike's sort spills to temporary files: a small cache does as well
  db.pragma('cache_size = -16384');
  registerSqlFunctions(db);
  try {
    message = { results: jobs.map((j) => runJob(db, j)) };
  } finally {
    db.close();
  }
} catch (err) {
  message = { error: err instanceof Error ? err.message : String(err) };
}
port.postMessage(message);
Atomics.store(signal, 0, 1);
Atomics.notify(signal, 0);
