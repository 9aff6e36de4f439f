/**
 * Forward-only schema migrations. A store records its version in PRAGMA user_version; opening it runs every newer
 * migration in its own transaction, so a store written by an older loghound opens in a newer one.
 * Append new migrations at the end; never edit a released one.
 */
import type Database from 'better-sqlite3';
import { rebuildRollup } from './rollup.js';
import { rebuildCounts, rebuildTotals, VALUE_COUNTS_TABLE, VALUE_TOTALS_TABLE } from './counts.js';
import { eventIndexSql, spanEventsTableSql } from './spans.js';
import { EVENT_INDEXES } from './db.js';

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
  tail_line INTEGER,
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
  {
    version: 2,
    description: 'findings, their evidence, rule watermarks and runs',
    up(db) {
      db.exec(`
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  max_event_id INTEGER,
  new_findings INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  rule_title TEXT NOT NULL,
  rule_kind TEXT NOT NULL,
  level TEXT NOT NULL,
  level_rank INTEGER NOT NULL,
  tags TEXT NOT NULL,
  group_key TEXT NOT NULL,
  group_json TEXT NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  count INTEGER NOT NULL,
  enrichment TEXT,
  details TEXT,
  created_run INTEGER NOT NULL,
  updated_run INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX findings_rule_group ON findings (rule_id, group_key, last_ts);
CREATE INDEX findings_first_ts ON findings (first_ts);
CREATE INDEX findings_created_run ON findings (created_run);
CREATE TABLE finding_events (
  finding_id TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (finding_id, event_id)
) WITHOUT ROWID;
CREATE INDEX finding_events_event ON finding_events (event_id);
CREATE TABLE rule_state (
  rule_id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  watermark INTEGER NOT NULL
) WITHOUT ROWID;
`);
    },
  },
  {
    version: 3,
    description: 'threat feeds and per-IP intel (GeoIP, ASN, feed matches)',
    up(db) {
      db.exec(`
CREATE TABLE feed_state (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  def TEXT,
  enabled INTEGER,
  etag TEXT,
  last_modified TEXT,
  checked_at INTEGER,
  ok_at INTEGER,
  updated_at INTEGER,
  entries INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0,
  status TEXT,
  message TEXT
);
CREATE TABLE feed_range4 (feed_id INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, level INTEGER NOT NULL DEFAULT 0);
CREATE INDEX feed_range4_feed ON feed_range4 (feed_id);
CREATE TABLE feed_range6 (feed_id INTEGER NOT NULL, lo BLOB NOT NULL, hi BLOB NOT NULL, level INTEGER NOT NULL DEFAULT 0);
CREATE INDEX feed_range6_feed ON feed_range6 (feed_id);
CREATE TABLE feed_set (id INTEGER PRIMARY KEY, members TEXT NOT NULL);
CREATE TABLE feed_seg4 (lo INTEGER PRIMARY KEY, hi INTEGER NOT NULL, set_id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE feed_seg6 (lo BLOB PRIMARY KEY, hi BLOB NOT NULL, set_id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE ip_intel (
  ip TEXT PRIMARY KEY,
  scope TEXT,
  country_iso_code TEXT,
  country_name TEXT,
  city_name TEXT,
  lat REAL,
  lon REAL,
  asn INTEGER,
  as_org TEXT,
  feed_count INTEGER NOT NULL DEFAULT 0,
  feeds TEXT,
  threat_context TEXT,
  threat_severity TEXT,
  threat_score INTEGER,
  threat TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ip_intel_listed ON ip_intel (feed_count) WHERE feed_count > 0;
CREATE INDEX ip_intel_country ON ip_intel (country_iso_code);
`);
    },
  },
  {
    version: 4,
    description: 'event counts per hour (the rollup stats reads), filled from the events already stored',
    up(db) {
      db.exec(`
CREATE TABLE event_rollup (
  hour INTEGER NOT NULL,
  dataset TEXT NOT NULL,
  status INTEGER NOT NULL,
  cls INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (hour, dataset, status, cls, outcome)
) WITHOUT ROWID;
`);
      rebuildRollup(db);
    },
  },
  {
    version: 5,
    description: 'a table of event counts per value of some fields (filled by version 6)',
    up(db) {
      db.exec(VALUE_COUNTS_TABLE);
    },
  },
  {
    // version 5 once filled the table itself, without destination.ip, and kept a staleness flag in meta
    version: 6,
    description: 'event counts per value of source.ip, destination.ip, user.name and the HTTP status (stats --top and the enrichment read them), counted from the events already stored',
    up(db) {
      db.exec("DELETE FROM meta WHERE key = 'value_counts'");
      rebuildCounts(db);
    },
  },
  {
    // the first 1 KiB alone took a file rewritten with the same start, or another file with it, for content read before
    version: 7,
    description: 'a fingerprint of the bytes just before where each source resumes, checked before resuming it',
    up(db) {
      db.exec(`
ALTER TABLE sources ADD COLUMN resume_fp TEXT;
ALTER TABLE sources ADD COLUMN resume_fp_at INTEGER;
ALTER TABLE sources ADD COLUMN resume_fp_len INTEGER;
`);
    },
  },
  {
    // findings were committed before hunt printed them: a run killed in between left findings no run printed
    version: 8,
    description: 'when each hunt\'s findings reached its output; a later hunt prints those of a run that never got there',
    up(db) {
      db.exec(`
ALTER TABLE runs ADD COLUMN delivered_at INTEGER;
UPDATE runs SET delivered_at = finished_at;
`);
    },
  },
  {
    // a cron run that began inside the second pass of the repeated autumn hour read its first lines as the first pass
    version: 9,
    description: 'the instant each source\'s last time without a zone was read as, from which a later run goes on reading its zoneless times',
    up(db) {
      db.exec('ALTER TABLE sources ADD COLUMN zoneless_ts INTEGER');
    },
  },
  {
    // rewriting a store that holds events takes minutes and twice its disk space: only empty ones change here, the
    // others when asked (`loghound db compact`)
    version: 10,
    description: 'a new store keeps the parsed columns that repeat part of the raw line as places in it (spans.ts)',
    up(db) {
      if (db.prepare('SELECT 1 FROM events LIMIT 1').get()) return;
      const indexes = eventIndexSql(db);
      const table = spanEventsTableSql(db, 'events');
      db.exec('DROP TABLE events');
      db.exec(table);
      for (const sql of indexes) db.exec(sql);
    },
  },
  {
    // one read of the table, once: at 2M events (500k of them naming a user) 52 MB of index became 9 MB
    version: 11,
    description: 'the user name index holds only the events that name a user',
    up(db) {
      db.exec('DROP INDEX IF EXISTS events_user_name');
      db.exec(EVENT_INDEXES.events_user_name);
    },
  },
  {
    version: 12,
    description: 'how many events have each counted field, one row per field (stats --top reads it instead of summing every value)',
    up(db) {
      db.exec(VALUE_TOTALS_TABLE);
      rebuildTotals(db);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
