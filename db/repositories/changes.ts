import { asc, gt, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { maskChanges, type MaskChangeRow } from '../schema.js';

/**
 * Changes with seq > afterSeq, oldest first. Seq order is commit order (see the change-log
 * migration), so a reader that resumes from the last seq it saw misses nothing.
 */
export async function readMaskChanges(db: Database, afterSeq: number, limit = 10_000): Promise<MaskChangeRow[]> {
  return db.select().from(maskChanges).where(gt(maskChanges.seq, afterSeq)).orderBy(asc(maskChanges.seq)).limit(limit);
}

/**
 * The seq to resume from after loading a snapshot: read it before streaming the masks, and apply
 * the changes after it once streamed (some will already be in the snapshot; applying an insert
 * or delete twice must be harmless to the reader).
 */
export async function getLatestChangeSeq(db: Database): Promise<number> {
  const [row] = await db.select({ seq: sql<number>`coalesce(max(${maskChanges.seq}), 0)`.mapWith(Number) }).from(maskChanges);
  return row.seq;
}

/** Holds the change-log lock until commit (see migrations/0001_change_log.sql for why). */
export async function lockChangeLog(tx: Database): Promise<void> {
  await tx.execute(sql`select masksearch_lock_change_log()`);
}
