/** Rows of the sources table: what it takes to resume a file and to recognise it after rotation. */
import type { Statement } from 'better-sqlite3';
import type { DB } from './db.js';

export interface SourceRow {
  id: number;
  path: string;
  dev: number | null;
  ino: number | null;
  size: number | null;
  mtime_ms: number | null;
  compressed: number;
  fingerprint: string;
  fp_len: number;
  offset: number;
  lines: number;
  tail_offset: number | null;
  tail_line: number | null;
  tail_event_id: number | null;
  /** SHA-256 of the resume_fp_len bytes ending at resume_fp_at (at or before the resume point); null in stores before version 7 */
  resume_fp: string | null;
  resume_fp_at: number | null;
  resume_fp_len: number | null;
  complete: number;
  format: string | null;
  last_ts: number | null;
  /** the instant the last time without a zone was read as (FoldReader); null in stores before version 9 */
  zoneless_ts: number | null;
  first_ingest: number;
  last_ingest: number;
}

export type NewSource = Pick<SourceRow, 'path' | 'dev' | 'ino' | 'size' | 'mtime_ms' | 'compressed' | 'fingerprint' | 'fp_len'>;

export class Sources {
  private readonly byFp;
  private readonly byInode;
  private readonly small;
  private readonly insertStmt;
  private progressStmt?: Statement;
  private readonly identityStmt;
  private readonly byIdStmt;
  private readonly releaseStmt;
  private zonelessAtStmt?: Statement<[string, number], number | null>;

  constructor(private readonly db: DB) {
    this.byFp = db.prepare<[string], SourceRow>('SELECT * FROM sources WHERE fingerprint = ? ORDER BY id');
    this.byInode = db.prepare<[number, number], SourceRow>('SELECT * FROM sources WHERE dev = ? AND ino = ? ORDER BY id DESC');
    this.small = db.prepare<[number], SourceRow>('SELECT * FROM sources WHERE fp_len < ? ORDER BY id');
    this.byIdStmt = db.prepare<[number], SourceRow>('SELECT * FROM sources WHERE id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO sources (path, dev, ino, size, mtime_ms, compressed, fingerprint, fp_len, first_ingest, last_ingest)
       VALUES (@path, @dev, @ino, @size, @mtime_ms, @compressed, @fingerprint, @fp_len, @now, @now)`,
    );
    this.releaseStmt = db.prepare<[number | null, number | null, number]>('UPDATE sources SET dev = NULL, ino = NULL WHERE dev = ? AND ino = ? AND id <> ?');
    this.identityStmt = db.prepare(
      `UPDATE sources SET path = @path, dev = @dev, ino = @ino, size = @size, mtime_ms = @mtime_ms, compressed = @compressed,
       fingerprint = @fingerprint, fp_len = @fp_len, complete = @complete, format = coalesce(@format, format), last_ingest = @now
       WHERE id = @id`,
    );
  }

  withFingerprint(fp: string): SourceRow[] {
    return this.byFp.all(fp);
  }

  withInode(dev: number, ino: number): SourceRow[] {
    return this.byInode.all(dev, ino);
  }

  /** Sources fingerprinted over fewer bytes than `len` (they were small files when first seen). */
  shorterThan(len: number): SourceRow[] {
    return this.small.all(len);
  }

  get(id: number): SourceRow | undefined {
    return this.byIdStmt.get(id);
  }

  /**
   * Where the zoneless times of the latest other content read under `path` had reached: the file that a new one at
   * that path continues (logrotate's create, copytruncate). Sources read from stdin are not one stream.
   */
  zonelessAt(path: string, except: number): number | null {
    if (path === '-') return null;
    // prepared when first used, as saveProgress is
    this.zonelessAtStmt ??= this.db
      .prepare<[string, number], number | null>('SELECT zoneless_ts FROM sources WHERE path = ? AND id <> ? AND zoneless_ts IS NOT NULL ORDER BY id DESC LIMIT 1')
      .pluck();
    return this.zonelessAtStmt.get(path, except) ?? null;
  }

  create(s: NewSource): SourceRow {
    const info = this.insertStmt.run({ ...s, now: Date.now() });
    const id = Number(info.lastInsertRowid);
    this.claimInode(s, id);
    return this.get(id)!;
  }

  /**
   * A file holds one content at a time: the source now read from this inode takes it from any other (a file
   * truncated and written anew, an inode reused), so that "same inode" points at one source only.
   */
  private claimInode(s: Pick<SourceRow, 'dev' | 'ino'>, id: number): void {
    if (s.dev !== null && s.ino !== null) this.releaseStmt.run(s.dev, s.ino, id);
  }

  /** Called inside the batch transaction: the committed position moves with the events. */
  saveProgress(
    p: Pick<SourceRow, 'id' | 'offset' | 'lines' | 'tail_offset' | 'tail_line' | 'tail_event_id' | 'resume_fp' | 'resume_fp_at' | 'resume_fp_len' | 'last_ts' | 'zoneless_ts'>,
  ): void {
    // prepared when first used: a Sources over a store of an early schema version (tests of migration) only creates rows
    this.progressStmt ??= this.db.prepare(
      `UPDATE sources SET offset = @offset, lines = @lines, tail_offset = @tail_offset, tail_line = @tail_line, tail_event_id = @tail_event_id,
       resume_fp = @resume_fp, resume_fp_at = @resume_fp_at, resume_fp_len = @resume_fp_len, last_ts = @last_ts, zoneless_ts = @zoneless_ts,
       last_ingest = @now WHERE id = @id`,
    );
    this.progressStmt.run({ ...p, now: Date.now() });
  }

  saveIdentity(s: NewSource & { id: number; complete: number; format: string | null }): void {
    this.claimInode(s, s.id);
    this.identityStmt.run({ ...s, now: Date.now() });
  }
}
