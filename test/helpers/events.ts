/** A store with hand-made events, for engine tests that must not depend on parsers. */
import path from 'node:path';
import { openDb, type DB } from '../../src/store/db.js';
import { EventWriter } from '../../src/store/events.js';
import { Sources } from '../../src/store/sources.js';
import type { Fields } from '../../src/model/event.js';
import { tmpDir } from './cli.js';

export interface TestStore {
  db: DB;
  file: string;
  add(ts: number | string, dataset: string, fields: Fields, raw?: string): number;
}

export function testStore(): TestStore {
  const file = path.join(tmpDir(), 'test.db');
  const db = openDb(file);
  const src = new Sources(db).create({ path: 'test.log', dev: null, ino: null, size: null, mtime_ms: 0, compressed: 0, fingerprint: 'x', fp_len: 1 });
  const writer = new EventWriter(db);
  let line = 0;
  return {
    db,
    file,
    add(ts, dataset, fields, raw) {
      line++;
      const t = typeof ts === 'string' ? Date.parse(ts) : ts;
      return writer.write({ ts: t, dataset, sourceId: src.id, line, offset: line * 100, status: 0, flags: 0, raw: raw ?? JSON.stringify(fields), fields });
    },
  };
}

export const T0 = Date.parse('2026-11-14T03:00:00Z');
export const sec = (n: number) => T0 + n * 1000;
