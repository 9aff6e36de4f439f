/**
 * Forward-only schema migrations. A store records its version in PRAGMA user_version; opening it runs every newer
 * migration in its own transaction, so a store written by an older loghound opens in a newer one.
 * Append new migrations at the end; never edit a released one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}


export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'sources and events',
    up(db) {
      db.exec(`
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  dev INTEGER,
  ino INTEGER,
  size INTEGER,
  mtime_ms INTEGER,
  compressed INTEGER NOT NULL DEFAULT 0,
  fingerprint TEXT NOT NULL,
  fp_len INTEGER NOT NULL,
  offset INTEGER NOT NULL DEFAULT 0,
  lines INTEGER NOT NULL DEFAULT 0,
  tail_offset INTEGER,
  tail_event_id INTEGER,
  complete INTEGER NOT NULL DEFAULT 0,
  format TEXT,
  last_ts INTEGER,
  first_ingest INTEGER NOT NULL,
  last_ingest INTEGER NOT NULL
);
CREATE INDEX sources_fingerprint ON sources (fingerprint);
CREATE INDEX sources_inode ON sources (dev, ino);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  dataset TEXT NOT NULL,
  source_id INTEGER NOT NULL,
  line INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  flags INTEGER NOT NULL DEFAULT 0,
  raw TEXT NOT NULL,
  event_category TEXT, event_type TEXT, event_action TEXT, event_outcome TEXT,
  source_ip TEXT, source_port INTEGER, destination_ip TEXT, destination_port INTEGER,
  user_name TEXT, user_target_name TEXT, host_name TEXT, process_name TEXT, process_pid INTEGER,
  http_request_method TEXT, http_request_referrer TEXT, http_version TEXT,
  url_original TEXT, url_path TEXT, url_query TEXT,
  http_response_status_code INTEGER, http_response_body_bytes INTEGER, user_agent_original TEXT,
  network_transport TEXT, network_bytes INTEGER, message TEXT,
  extra TEXT
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_source_ip ON events (source_ip, ts);
CREATE INDEX events_user_name ON events (user_name, ts);
`);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
