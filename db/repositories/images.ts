import { asc, count, gt, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { images, type Box, type ImageRow, type JsonObject } from '../schema.js';
import { chunks, lookupInChunks } from './batching.js';
import { lockChangeLog } from './changes.js';

export interface NewImage {
  key: string;
  uri?: string | null;
  width?: number | null;
  height?: number | null;
  label?: string | null;
  split?: string | null;
  metadata?: JsonObject;
  boxes?: Record<string, Box>;
}

export interface ImageGeometry {
  width: number | null;
  height: number | null;
  boxes: Record<string, Box>;
}

export interface ImagePage {
  images: ImageRow[];
  hasNextPage: boolean;
}

const UPSERT_CHUNK = 1000;

/**
 * Inserts or fully replaces images by key (a field left out is reset, as in a re-import).
 * Returns ids in input order; a key given twice keeps its last record. Triggers log each
 * inserted image and each image whose row changed, in the same transaction.
 */
export async function upsertImages(db: Database, records: readonly NewImage[]): Promise<number[]> {
  if (records.length === 0) return [];
  const latest = new Map(records.map((r) => [r.key, r]));
  const idByKey = new Map<string, number>();
  await db.transaction(async (tx) => {
    await lockChangeLog(tx);
    for (const batch of chunks([...latest.values()], UPSERT_CHUNK)) {
      const rows = await tx
        .insert(images)
        .values(
          batch.map((r) => ({
            key: r.key,
            uri: r.uri ?? null,
            width: r.width ?? null,
            height: r.height ?? null,
            label: r.label ?? null,
            split: r.split ?? null,
            metadata: r.metadata ?? {},
            boxes: r.boxes ?? {},
          })),
        )
        .onConflictDoUpdate({
          target: images.key,
          set: {
            uri: sql`excluded.uri`,
            width: sql`excluded.width`,
            height: sql`excluded.height`,
            label: sql`excluded.label`,
            split: sql`excluded.split`,
            metadata: sql`excluded.metadata`,
            boxes: sql`excluded.boxes`,
          },
        })
        .returning({ id: images.id, key: images.key });
      for (const row of rows) idByKey.set(row.key, row.id);
    }
  });
  return records.map((r) => idByKey.get(r.key)!);
}

/** An image an ingest needs: created with this size if new; its boxes merged into an existing image's. */
export interface ImageRegistration {
  key: string;
  width?: number | null;
  height?: number | null;
  boxes?: Record<string, Box>;
}

/**
 * Creates the images that do not exist and merges boxes into those that do (a box of the same
 * name is replaced; size, labels and metadata of an existing image are left alone). Returns ids
 * by key.
 */
export async function registerImages(db: Database, records: readonly ImageRegistration[]): Promise<Map<string, number>> {
  const idByKey = new Map<string, number>();
  if (records.length === 0) return idByKey;
  const merged = new Map<string, ImageRegistration>();
  for (const r of records) {
    const seen = merged.get(r.key);
    merged.set(r.key, seen ? { ...seen, width: seen.width ?? r.width, height: seen.height ?? r.height, boxes: { ...seen.boxes, ...r.boxes } } : r);
  }
  await db.transaction(async (tx) => {
    await lockChangeLog(tx);
    for (const batch of chunks([...merged.values()], UPSERT_CHUNK)) {
      const rows = await tx
        .insert(images)
        .values(batch.map((r) => ({ key: r.key, width: r.width ?? null, height: r.height ?? null, boxes: r.boxes ?? {} })))
        .onConflictDoUpdate({ target: images.key, set: { boxes: sql`${images.boxes} || excluded.boxes` } })
        .returning({ id: images.id, key: images.key });
      for (const row of rows) idByKey.set(row.key, row.id);
    }
  });
  return idByKey;
}

export async function getImagesByKeys(db: Database, keys: readonly string[]): Promise<ImageRow[]> {
  return lookupInChunks(keys, (chunk) => db.select().from(images).where(inArray(images.key, chunk)));
}

export async function getImagesByIds(db: Database, ids: readonly number[]): Promise<ImageRow[]> {
  return lookupInChunks(ids, (chunk) => db.select().from(images).where(inArray(images.id, chunk)));
}

/**
 * Images named by id or by key, in one statement per LOOKUP_CHUNK names: federation's _entities
 * names images both ways in one request.
 */
export async function getImagesByIdsOrKeys(db: Database, ids: readonly number[], keys: readonly string[]): Promise<ImageRow[]> {
  const names = [...ids.map((id) => ({ id })), ...keys.map((key) => ({ key }))];
  return lookupInChunks(names, (chunk) => {
    const chunkIds = chunk.flatMap((n) => ('id' in n ? [n.id] : []));
    const chunkKeys = chunk.flatMap((n) => ('key' in n ? [n.key] : []));
    const byId = chunkIds.length ? inArray(images.id, chunkIds) : undefined;
    const byKey = chunkKeys.length ? inArray(images.key, chunkKeys) : undefined;
    return db.select().from(images).where(or(byId, byKey));
  });
}

export async function countImages(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(images);
  return row.n;
}

/** Keyset pagination in id order: pass the last id of a page as `afterId` for the next. */
export async function listImages(db: Database, options: { limit: number; afterId?: number }): Promise<ImagePage> {
  const rows = await db
    .select()
    .from(images)
    .where(options.afterId === undefined ? undefined : gt(images.id, options.afterId))
    .orderBy(asc(images.id))
    .limit(options.limit + 1);
  return { images: rows.slice(0, options.limit), hasNextPage: rows.length > options.limit };
}

/** What ROI resolution needs: sizes to scale named boxes from image to mask coordinates. */
export async function getImageGeometry(db: Database, ids: readonly number[]): Promise<Map<number, ImageGeometry>> {
  const rows = await lookupInChunks(ids, (chunk) =>
    db
      .select({ id: images.id, width: images.width, height: images.height, boxes: images.boxes })
      .from(images)
      .where(inArray(images.id, chunk)),
  );
  return new Map(rows.map(({ id, ...geometry }) => [id, geometry]));
}

/** Deletes images and, by cascade, their masks (logged as mask deletes). Returns the deleted ids. */
export async function deleteImages(db: Database, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return db.transaction(async (tx) => {
    await lockChangeLog(tx);
    const rows = await lookupInChunks(ids, (chunk) =>
      tx.delete(images).where(inArray(images.id, chunk)).returning({ id: images.id }),
    );
    return rows.map((r) => r.id);
  });
}
