import { asc, gt, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { changeLog, type ChangeRow } from '../schema.js';

/**
 * Changes with seq > afterSeq, oldest first: mask inserts and deletes (maskId set) and image
 * inserts and updates (imageId set). Seq order is commit order (see the change-log migrations),
 * so a reader that resumes from the last seq it saw misses nothing.
 */
export async function readChanges(db: Database, afterSeq: number, limit = 10_000): Promise<ChangeRow[]> {
  return db.select().from(changeLog).where(gt(changeLog.seq, afterSeq)).orderBy(asc(changeLog.seq)).limit(limit);
}

/**
 * The seq to resume from after loading a snapshot: read it before reading images and streaming
 * the masks, and apply the changes after it once loaded (some will already be in the snapshot;
 * applying a change twice must be harmless to the reader).
 */
export async function getLatestChangeSeq(db: Database): Promise<number> {
  const [row] = await db.select({ seq: sql<number>`coalesce(max(${changeLog.seq}), 0)`.mapWith(Number) }).from(changeLog);
  return row.seq;
}

/** Holds the change-log lock until commit (see migrations/0001_change_log.sql for why). */
export async function lockChangeLog(tx: Database): Promise<void> {
  await tx.execute(sql`select masksearch_lock_change_log()`);
}
