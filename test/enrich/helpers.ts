/** Shared by the enrichment tests: a throwaway store, events with addresses, and a local HTTP server. */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDb, type DB } from '../../src/store/db.js';
import { FIXTURES, tmpDir } from '../helpers/cli.js';

export const FEEDS = path.join(FIXTURES, 'feeds');
export const GEO = path.join(FIXTURES, 'geoip');

export function tempStore(): { db: DB; file: string; dir: string } {
  const dir = tmpDir('loghound-enrich-');
  const file = path.join(dir, 'store.db');
  return { db: openDb(file), file, dir };
}

let line = 0;

/** Events carrying only what enrichment reads: source.ip and destination.ip. */
export function insertEvents(db: DB, rows: { src?: string; dst?: string }[]): void {
  db.prepare(
    `INSERT INTO sources (id, path, fingerprint, fp_len, first_ingest, last_ingest) VALUES (1, 'test.log', 'fp', 0, 0, 0)
     ON CONFLICT (id) DO NOTHING`,
  ).run();
  const ins = db.prepare(
    `INSERT INTO events (ts, dataset, source_id, line, offset, raw, source_ip, destination_ip) VALUES (?, 'test', 1, ?, 0, 'x', ?, ?)`,
  );
  db.transaction(() => {
    for (const r of rows) ins.run(Date.UTC(2026, 0, 1), ++line, r.src ?? null, r.dst ?? null);
  })();
}

export interface Served {
  url: string;
  requests: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Served> {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ ...req.headers, ':method': req.method, ':path': req.url });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
