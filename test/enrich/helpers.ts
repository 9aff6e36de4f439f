/** Shared by the enrichment tests: a throwaway store, events with addresses, and a local HTTP server. */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDb, type DB } from '../../src/store/db.js';
import { EventWriter, type EventRow } from '../../src/store/events.js';
import type { Fields } from '../../src/model/event.js';
import { FIXTURES, tmpDir } from '../helpers/cli.js';

export const FEEDS = path.join(FIXTURES, 'feeds');
export const GEO = path.join(FIXTURES, 'geoip');

export function tempStore(): { db: DB; file: string; dir: string } {
  const dir = tmpDir('loghound-enrich-');
  const file = path.join(dir, 'store.db');
  return { db: openDb(file), file, dir };
}

let line = 0;

/** Events carrying only what enrichment reads: source.ip and destination.ip, written the way ingest writes them. */
export function insertEvents(db: DB, rows: { src?: string; dst?: string }[]): void {
  db.prepare(
    `INSERT INTO sources (id, path, fingerprint, fp_len, first_ingest, last_ingest) VALUES (1, 'test.log', 'fp', 0, 0, 0)
     ON CONFLICT (id) DO NOTHING`,
  ).run();
  const writer = new EventWriter(db);
  const events: EventRow[] = rows.map((r) => {
    const fields: Fields = {};
    if (r.src !== undefined) fields['source.ip'] = r.src;
    if (r.dst !== undefined) fields['destination.ip'] = r.dst;
    return { ts: Date.UTC(2026, 0, 1), dataset: 'test', sourceId: 1, line: ++line, offset: 0, status: 0, flags: 0, raw: 'x', fields };
  });
  db.transaction(() => writer.writeAll(events))();
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
