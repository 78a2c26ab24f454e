import { and, asc, desc, eq, gt, gte, lte, ne, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { binaryCopyRows, copyOut, copyRows, type CopyTable } from '../bulk-copy.js';
import { changeLog, tableSnapshotChunks, tableSnapshots, type TableSnapshotRow } from '../schema.js';

/** Bytes per chunk row, but for a longer part: large enough that a row costs little, small enough for PGlite's memory. */
export const SNAPSHOT_CHUNK_BYTES = 8 << 20;

// Chunk rows per COPY when writing, and per SELECT when PGlite reads.
const CHUNKS_PER_STATEMENT = 4;

/** Parallel COPY streams a PostgreSQL read uses: the server's side of a read is most of its cost. */
const READ_STREAMS = 2;

// Any fixed key works; the change log's lock is 7165108863418400001.
const SNAPSHOT_WRITE_LOCK = sql.raw('7165108863418400002');

const CHUNKS_COPY: CopyTable = {
  table: 'table_snapshot_chunks',
  columns: [
    { name: 'snapshot_id', type: 'int8' },
    { name: 'chunk', type: 'int4' },
    { name: 'data', type: 'bytea' },
  ],
};

export interface NewTableSnapshot {
  formatVersion: number;
  chiConfig: string;
  changeSeq: number;
  masks: number;
  /** The snapshot's bytes, as parts in order (engine/table-snapshot.ts). */
  parts: readonly Uint8Array[];
  byteLength: number;
}

/** The newest stored snapshot, if any. */
export async function latestTableSnapshot(db: Database): Promise<TableSnapshotRow | undefined> {
  const [row] = await db.select().from(tableSnapshots).orderBy(desc(tableSnapshots.changeSeq), desc(tableSnapshots.id)).limit(1);
  return row;
}

/**
 * The parts grouped into chunk rows, each part whole in one row (nothing is copied): a part
 * starts a new row when it does not fit in chunkBytes with the row's earlier parts, and one longer
 * than chunkBytes is a row of its own. A snapshot's parts are its frames (and their lengths), so
 * no frame spans rows and a reader decodes each from the row it arrived in, without putting
 * pieces together first.
 */
function chunkParts(parts: readonly Uint8Array[], chunkBytes: number): Uint8Array[][] {
  const chunks: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const part of parts) {
    if (current.length > 0 && bytes + part.length > chunkBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(part);
    bytes += part.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Whether the store has a snapshot of this format and these CHI levels more recent than
 * changeSeq. One beyond the end of the change log (a log emptied by hand since) does not count.
 */
export async function hasNewerTableSnapshot(db: Database, of: Pick<NewTableSnapshot, 'changeSeq' | 'formatVersion' | 'chiConfig'>): Promise<boolean> {
  const [newer] = await db
    .select({ id: tableSnapshots.id })
    .from(tableSnapshots)
    .where(
      and(
        gt(tableSnapshots.changeSeq, of.changeSeq),
        lte(tableSnapshots.changeSeq, sql`(select coalesce(max(${changeLog.seq}), 0) from ${changeLog})`),
        eq(tableSnapshots.formatVersion, of.formatVersion),
        eq(tableSnapshots.chiConfig, of.chiConfig),
      ),
    )
    .limit(1);
  return newer !== undefined;
}

/** saved; or nothing stored because another process is storing one (busy) or the store has a more recent one (newer). */
export type SaveSnapshotOutcome = { outcome: 'saved'; snapshot: TableSnapshotRow } | { outcome: 'busy' | 'newer' };

/**
 * Stores a snapshot and deletes every older one, in one transaction: readers see the old one or
 * the new one, whole. Stores nothing when another process is storing a snapshot right now or the
 * store already has a more recent one (its changeSeq > this one's) of the same format and CHI
 * levels. One of the same changeSeq is replaced: the table may have gained CHIs since.
 */
export async function saveTableSnapshot(db: Database, snapshot: NewTableSnapshot, chunkBytes = SNAPSHOT_CHUNK_BYTES): Promise<SaveSnapshotOutcome> {
  return db.transaction(async (tx): Promise<SaveSnapshotOutcome> => {
    const [{ locked }] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${SNAPSHOT_WRITE_LOCK}) as locked`));
    if (!locked) return { outcome: 'busy' };
    if (await hasNewerTableSnapshot(tx, snapshot)) return { outcome: 'newer' };
    const chunks = chunkParts(snapshot.parts, chunkBytes);
    const [row] = await tx
      .insert(tableSnapshots)
      .values({
        formatVersion: snapshot.formatVersion,
        chiConfig: snapshot.chiConfig,
        changeSeq: snapshot.changeSeq,
        masks: snapshot.masks,
        byteLength: snapshot.byteLength,
        chunkCount: chunks.length,
      })
      .returning();
    for (let first = 0; first < chunks.length; first += CHUNKS_PER_STATEMENT) {
      const rows = chunks.slice(first, first + CHUNKS_PER_STATEMENT).map((pieces, i) => [row.id, first + i, pieces] as const);
      if (!(await copyRows(tx, CHUNKS_COPY, rows))) {
        await tx.insert(tableSnapshotChunks).values(rows.map(([snapshotId, chunk, pieces]) => ({ snapshotId, chunk, data: Buffer.concat(pieces) })));
      }
    }
    await tx.delete(tableSnapshots).where(ne(tableSnapshots.id, row.id));
    return { outcome: 'saved', snapshot: row };
  });
}

/** drizzle's execute gives rows on postgres.js and { rows } on PGlite. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/** A chunk the snapshot's row counts is not there: the snapshot was damaged, or replaced while it was read. */
export class MissingSnapshotChunkError extends Error {
  override name = 'MissingSnapshotChunkError';
}

/**
 * The snapshot's bytes, chunk by chunk in order. PostgreSQL: parallel binary COPY streams, one
 * per connection, each over every READ_STREAMS-th chunk; PGlite: a few chunks per SELECT.
 * Throws MissingSnapshotChunkError when a chunk is not there.
 */
export async function* readTableSnapshot(db: Database, snapshot: TableSnapshotRow): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(snapshot.id)) throw new Error(`snapshot id ${snapshot.id} is not an integer`);
  const streams = Math.max(1, Math.min(READ_STREAMS, snapshot.chunkCount));
  const copies = Array.from({ length: streams }, (_, s) =>
    copyOut(db, `select chunk, data from table_snapshot_chunks where snapshot_id = ${snapshot.id} and chunk % ${streams} = ${s} order by chunk`),
  );
  const sources = copies.every((c) => c !== undefined) ? copies.map((c) => chunkRows(binaryCopyRows(c!))) : [selectedChunks(db, snapshot.id)];
  yield* interleave(sources, snapshot);
}

interface ChunkRow {
  chunk: number;
  data: Uint8Array;
}

async function* chunkRows(rows: AsyncIterable<(Uint8Array | null)[]>): AsyncGenerator<ChunkRow> {
  for await (const [chunk, data] of rows) {
    if (!chunk || !data || chunk.length !== 4) throw new Error('a snapshot chunk row is not (int4, bytea)');
    yield { chunk: new DataView(chunk.buffer, chunk.byteOffset, 4).getInt32(0), data };
  }
}

async function* selectedChunks(db: Database, snapshotId: number): AsyncGenerator<ChunkRow> {
  for (let next = 0; ; ) {
    const rows = await db
      .select({ chunk: tableSnapshotChunks.chunk, data: tableSnapshotChunks.data })
      .from(tableSnapshotChunks)
      .where(and(eq(tableSnapshotChunks.snapshotId, snapshotId), gte(tableSnapshotChunks.chunk, next)))
      .orderBy(asc(tableSnapshotChunks.chunk))
      .limit(CHUNKS_PER_STATEMENT);
    yield* rows;
    if (rows.length < CHUNKS_PER_STATEMENT) return;
    next = rows[rows.length - 1].chunk + 1;
  }
}

/** Chunk k from source k mod n, each source's next row already requested while the current one is used. */
async function* interleave(sources: AsyncGenerator<ChunkRow>[], snapshot: TableSnapshotRow): AsyncGenerator<Uint8Array> {
  const ahead = sources.map((source) => source.next());
  try {
    for (let k = 0; k < snapshot.chunkCount; k++) {
      const s = k % sources.length;
      const next = await ahead[s];
      if (next.done || next.value.chunk !== k) {
        throw new MissingSnapshotChunkError(`chunk ${k} of the ${snapshot.chunkCount} of snapshot ${snapshot.id} is missing`);
      }
      ahead[s] = sources[s].next();
      yield next.value.data;
    }
  } finally {
    // Settles every source: one stopped early cancels its statement.
    await Promise.allSettled(ahead);
    await Promise.allSettled(sources.map((source) => source.return(undefined)));
  }
}
