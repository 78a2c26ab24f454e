import { asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Mask, MaskEncoding } from '../../engine/mask.js';
import type { Database } from '../client.js';
import { decodeMaskPixels, encodeMaskPixels, type EncodedMask, type MaskShape, type PixelCodec } from '../pixel-codec.js';
import { maskChi, maskPixels, masks, type JsonObject, type MaskRow } from '../schema.js';
import { StoreError, sqlState } from '../errors.js';
import { copyRows, type CopyTable } from '../bulk-copy.js';
import { chunks, forEachChunk, lookupInChunks } from './batching.js';
import { lockChangeLog } from './changes.js';

export interface NewMask {
  imageId: number;
  modelId?: number | null;
  maskType: string;
  source: string;
  /** The pixels, or the pixels already encoded (e.g. in a worker thread) with encodeMaskPixels. */
  mask: Mask | EncodedMask;
  /** The engine's CHI bytes; may be left out and set later with updateMaskChi. */
  chi?: Uint8Array | null;
  metadata?: JsonObject | null;
}

/** What happens when a mask for the same (image, model, mask type) already exists. */
export type MaskConflictPolicy = 'replace' | 'skip' | 'error';

export interface InsertMasksOptions {
  onConflict?: MaskConflictPolicy;
  /** For masks given unencoded. */
  codec?: PixelCodec;
}

/**
 * One per input mask, in input order. `replaced`: the old mask was deleted and this one inserted
 * under a new id. `skipped`: the id is the mask that was kept. Within one batch the last of
 * several masks for a slot wins under `replace`, the first under `skip`.
 */
export interface InsertedMask {
  id: number;
  outcome: 'inserted' | 'replaced' | 'skipped';
}

export interface MaskSlot {
  imageId: number;
  modelId: number | null;
  maskType: string;
}

export class MaskConflictError extends Error {
  override name = 'MaskConflictError';
  constructor(readonly conflicts: MaskSlot[]) {
    const shown = conflicts
      .slice(0, 5)
      .map((c) => `(image ${c.imageId}, model ${c.modelId ?? 'none'}, type '${c.maskType}')`)
      .join(', ');
    super(`${conflicts.length} mask(s) already exist for ${shown}${conflicts.length > 5 ? ', …' : ''}`);
  }
}

/** The startup view of a mask: enough to rebuild the engine's in-memory index without pixels. */
export interface MaskIndexRow {
  id: number;
  imageId: number;
  modelId: number | null;
  maskType: string;
  source: string;
  width: number;
  height: number;
  encoding: MaskEncoding;
  chi: Uint8Array | null;
}

const INSERT_CHUNK_ROWS = 1000;

// Every row goes by COPY, the masks' own with ids drawn from their identity sequence first (COPY
// writes given identity values, as INSERT … OVERRIDING SYSTEM VALUE does, and returns nothing).
const MASKS_COPY: CopyTable = {
  table: 'masks',
  columns: [
    { name: 'id', type: 'int8' },
    { name: 'image_id', type: 'int8' },
    { name: 'model_id', type: 'int8' },
    { name: 'mask_type', type: 'text' },
    { name: 'source', type: 'text' },
    { name: 'width', type: 'int4' },
    { name: 'height', type: 'int4' },
    { name: 'encoding', type: 'text' },
    { name: 'metadata', type: 'jsonb' },
  ],
};
const PIXELS_COPY: CopyTable = {
  table: 'mask_pixels',
  columns: [
    { name: 'mask_id', type: 'int8' },
    { name: 'codec', type: 'text' },
    { name: 'data', type: 'bytea' },
  ],
};
const CHI_COPY: CopyTable = {
  table: 'mask_chi',
  columns: [
    { name: 'mask_id', type: 'int8' },
    { name: 'data', type: 'bytea' },
  ],
};
const INSERT_CHUNK_BYTES = 16 << 20;

/** n new mask ids, ascending, from the identity sequence (in one statement, not one per mask). */
async function newMaskIds(tx: Database, n: number): Promise<number[]> {
  const result = await tx.execute<{ id: string | number }>(sql`select nextval(pg_get_serial_sequence('masks', 'id')) as id from generate_series(1, ${n})`);
  const rows = Array.isArray(result) ? result : (result as unknown as { rows: { id: string | number }[] }).rows;
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const slotKey = (m: { imageId: number; modelId?: number | null; maskType: string }) =>
  JSON.stringify([m.imageId, m.modelId ?? null, m.maskType]);

/**
 * Inserts masks with their pixels and CHI in one transaction (the change log is written by
 * triggers in the same transaction): either every mask is stored or none. Throws
 * MaskConflictError for an occupied slot under the `error` policy, StoreError for anything the
 * database rejects (e.g. an unknown image id).
 */
export async function insertMasks(
  db: Database,
  newMasks: readonly NewMask[],
  options: InsertMasksOptions = {},
): Promise<InsertedMask[]> {
  if (newMasks.length === 0) return [];
  const onConflict = options.onConflict ?? 'error';
  const codec = options.codec;
  const slotOf = (m: NewMask): MaskSlot => ({ imageId: m.imageId, modelId: m.modelId ?? null, maskType: m.maskType });

  const winnerBySlot = new Map<string, number>();
  const repeated: MaskSlot[] = [];
  newMasks.forEach((m, index) => {
    const key = slotKey(m);
    if (!winnerBySlot.has(key) || onConflict === 'replace') winnerBySlot.set(key, index);
    else if (onConflict === 'error') repeated.push(slotOf(m));
  });
  if (repeated.length > 0) throw new MaskConflictError(repeated);

  // Compress before opening the transaction, so locks are not held through CPU work.
  const pending = [...winnerBySlot].map(([key, index]) => {
    const m = newMasks[index];
    return { key, m, pixels: 'codec' in m.mask ? m.mask : encodeMaskPixels(m.mask, codec) };
  });

  const existing = new Map<string, number>();
  const idBySlot = new Map<string, number>();
  try {
    await db.transaction(async (tx) => {
      await lockChangeLog(tx);
      const occupied = await lookupInChunks(
        pending.map((p) => p.m.imageId),
        (chunk) =>
          tx
            .select({ id: masks.id, imageId: masks.imageId, modelId: masks.modelId, maskType: masks.maskType })
            .from(masks)
            .where(inArray(masks.imageId, chunk)),
      );
      for (const row of occupied) {
        const key = slotKey(row);
        if (winnerBySlot.has(key)) existing.set(key, row.id);
      }
      if (existing.size > 0 && onConflict === 'error') {
        throw new MaskConflictError(pending.filter((p) => existing.has(p.key)).map((p) => slotOf(p.m)));
      }
      if (onConflict === 'replace') {
        await forEachChunk([...existing.values()], (chunk) => tx.delete(masks).where(inArray(masks.id, chunk)));
      }
      const toInsert = onConflict === 'skip' ? pending.filter((p) => !existing.has(p.key)) : pending;
      for (const batch of chunks(toInsert, INSERT_CHUNK_ROWS, INSERT_CHUNK_BYTES, (p) => p.pixels.bytes.byteLength + (p.m.chi?.byteLength ?? 0))) {
        const ids = await newMaskIds(tx, batch.length);
        batch.forEach((p, i) => idBySlot.set(p.key, ids[i]));
        const maskRows = batch.map(({ m }, i) => ({
          id: ids[i],
          imageId: m.imageId,
          modelId: m.modelId ?? null,
          maskType: m.maskType,
          source: m.source,
          width: m.mask.width,
          height: m.mask.height,
          encoding: m.mask.encoding,
          metadata: m.metadata ?? null,
        }));
        const copied = maskRows.map((r) => [r.id, r.imageId, r.modelId, r.maskType, r.source, r.width, r.height, r.encoding, r.metadata === null ? null : JSON.stringify(r.metadata)]);
        if (!(await copyRows(tx, MASKS_COPY, copied))) await tx.insert(masks).overridingSystemValue().values(maskRows);
        const pixelRows = batch.map((p, i) => ({ maskId: ids[i], codec: p.pixels.codec, data: p.pixels.bytes }));
        if (!(await copyRows(tx, PIXELS_COPY, pixelRows.map((r) => [r.maskId, r.codec, r.data])))) await tx.insert(maskPixels).values(pixelRows);
        const chiRows = batch.flatMap((p, i) => (p.m.chi ? [{ maskId: ids[i], data: p.m.chi }] : []));
        if (chiRows.length > 0 && !(await copyRows(tx, CHI_COPY, chiRows.map((r) => [r.maskId, r.data])))) await tx.insert(maskChi).values(chiRows);
      }
    });
  } catch (error) {
    if (error instanceof MaskConflictError) throw error;
    // Repositories serialise on the change-log lock, so only a writer bypassing them can take a
    // slot between our check and our insert.
    if (sqlState(error) === '23505') throw new MaskConflictError(pending.map((p) => slotOf(p.m)));
    throw new StoreError(error);
  }

  return newMasks.map((m, index): InsertedMask => {
    const key = slotKey(m);
    const inserted = idBySlot.get(key);
    if (inserted === undefined) return { id: existing.get(key)!, outcome: 'skipped' };
    if (winnerBySlot.get(key) === index) return { id: inserted, outcome: existing.has(key) ? 'replaced' : 'inserted' };
    return { id: inserted, outcome: onConflict === 'skip' ? 'skipped' : 'replaced' };
  });
}

/** Deletes masks (pixels and CHI cascade; the change log records each). Returns the ids deleted. */
export async function deleteMasks(db: Database, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return db.transaction(async (tx) => {
    await lockChangeLog(tx);
    const rows = await lookupInChunks(ids, (chunk) => tx.delete(masks).where(inArray(masks.id, chunk)).returning({ id: masks.id }));
    return rows.map((r) => r.id);
  });
}

export async function countMasks(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(masks);
  return row.n;
}

export async function getMasksByIds(db: Database, ids: readonly number[]): Promise<MaskRow[]> {
  return lookupInChunks(ids, (chunk) => db.select().from(masks).where(inArray(masks.id, chunk)));
}

/** The masks of the given images, in ascending id order. */
export async function getMasksByImageIds(db: Database, imageIds: readonly number[]): Promise<MaskRow[]> {
  const rows = await lookupInChunks(imageIds, (chunk) => db.select().from(masks).where(inArray(masks.imageId, chunk)));
  return rows.sort((a, b) => a.id - b.id);
}

/** The stored pixel rows of some masks, with the shape each decodes to. */
const selectPixelRows = (db: Database, ids: number[]) =>
  db
    .select({
      id: maskPixels.maskId,
      codec: maskPixels.codec,
      data: maskPixels.data,
      width: masks.width,
      height: masks.height,
      encoding: masks.encoding,
    })
    .from(maskPixels)
    .innerJoin(masks, eq(masks.id, maskPixels.maskId))
    // One array parameter rather than an IN list of one per id: a scan reads its masks 256 at a
    // time, and building and sending 256 parameters per statement took a third of the read's CPU
    // (2,000 masks of 64² on postgres.js: 37 ms with the list, 23 ms with the array).
    .where(sql`${maskPixels.maskId} = any(${sql.param(ids)}::bigint[])`);

/** Decoded pixels by mask id; ids without a stored mask are absent from the map. */
export async function loadMaskPixels(db: Database, ids: readonly number[]): Promise<Map<number, Mask>> {
  const out = new Map<number, Mask>();
  await forEachChunk(ids, async (chunk) => {
    const rows = await selectPixelRows(db, chunk);
    // Decoded chunk by chunk so the encoded bytes of one chunk can be freed before the next.
    for (const row of rows) out.set(row.id, decodeMaskPixels(row.codec, row.data, row));
  });
  return out;
}

/**
 * A mask's pixels as stored: its codec is the row's own, possibly one this build does not know
 * (decodeMaskPixels refuses it then).
 */
export interface StoredPixels extends MaskShape {
  readonly codec: string;
  readonly bytes: Uint8Array;
}

/** Pixels by mask id as stored, not decoded: for decoding elsewhere (a worker thread). */
export async function loadStoredPixels(db: Database, ids: readonly number[]): Promise<Map<number, StoredPixels>> {
  const out = new Map<number, StoredPixels>();
  await forEachChunk(ids, async (chunk) => {
    for (const row of await selectPixelRows(db, chunk)) {
      out.set(row.id, { width: row.width, height: row.height, encoding: row.encoding, codec: row.codec, bytes: row.data });
    }
  });
  return out;
}

const indexRowColumns = {
  id: masks.id,
  imageId: masks.imageId,
  modelId: masks.modelId,
  maskType: masks.maskType,
  source: masks.source,
  width: masks.width,
  height: masks.height,
  encoding: masks.encoding,
  chi: maskChi.data,
};

const selectIndexRows = (db: Database) =>
  db.select(indexRowColumns).from(masks).leftJoin(maskChi, eq(maskChi.maskId, masks.id));

/**
 * Every mask's index row, in ascending id order, in batches (keyset pagination, so each batch
 * is an index range scan however far in). The next batch is requested before the current one is
 * handed out, overlapping the database's work with the caller's.
 */
export async function* streamMaskIndex(
  db: Database,
  options: { batchSize?: number; afterId?: number } = {},
): AsyncGenerator<MaskIndexRow[]> {
  const batchSize = options.batchSize ?? 10_000;
  const fetchAfter = (afterId: number): Promise<MaskIndexRow[]> =>
    selectIndexRows(db).where(gt(masks.id, afterId)).orderBy(asc(masks.id)).limit(batchSize).execute();
  let next: Promise<MaskIndexRow[]> | undefined = fetchAfter(options.afterId ?? 0);
  try {
    while (next) {
      const rows: MaskIndexRow[] = await next;
      next = rows.length === batchSize ? fetchAfter(rows[rows.length - 1].id) : undefined;
      if (rows.length > 0) yield rows;
    }
  } finally {
    // A caller that stops early leaves a prefetch in flight; its outcome no longer matters.
    next?.catch(() => {});
  }
}

/** Index rows of the given masks (e.g. those a change log reports inserted), in ascending id order. */
export async function getMaskIndexRows(db: Database, ids: readonly number[]): Promise<MaskIndexRow[]> {
  const rows = await lookupInChunks(ids, (chunk) => selectIndexRows(db).where(inArray(masks.id, chunk)));
  return rows.sort((a, b) => a.id - b.id);
}

export async function updateMaskChi(db: Database, maskId: number, chi: Uint8Array): Promise<void> {
  await db
    .insert(maskChi)
    .values({ maskId, data: chi })
    .onConflictDoUpdate({ target: maskChi.maskId, set: { data: sql`excluded.data` } });
}
