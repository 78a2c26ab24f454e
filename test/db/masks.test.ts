import { count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mask } from '../../engine/mask.js';
import type { Database, DatabaseHandle } from '../../db/client.js';
import { StoreError } from '../../db/errors.js';
import { encodeMaskPixels } from '../../db/pixel-codec.js';
import { getLatestChangeSeq, readChanges } from '../../db/repositories/changes.js';
import { upsertImages } from '../../db/repositories/images.js';
import {
  deleteMasks,
  getMaskIndexRows,
  getMasksByIds,
  getMasksByImageIds,
  insertMasks,
  loadMaskPixels,
  MaskConflictError,
  streamMaskIndex,
  updateMaskChi,
  type MaskIndexRow,
  type NewMask,
} from '../../db/repositories/masks.js';
import { upsertModels } from '../../db/repositories/models.js';
import { changeLog, maskChi, maskPixels, masks } from '../../db/schema.js';
import { createFreshStore, testDriver, type FreshStore } from './fresh-store.js';
import { blobMask, seededRandom } from './mask-fixtures.js';

const tiny = (value = 0): Mask => ({ width: 2, height: 2, encoding: 'u8', data: new Uint8Array(4).fill(value) });
const chiBytes = (seed: number, length = 64) => {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
};

async function rowCounts(db: Database) {
  const n = async (table: typeof masks | typeof maskPixels | typeof maskChi | typeof changeLog) =>
    (await db.select({ n: count() }).from(table))[0].n;
  return { masks: await n(masks), pixels: await n(maskPixels), chi: await n(maskChi), changes: await n(changeLog) };
}

describe(`masks on ${testDriver}`, () => {
  let store: FreshStore;
  let handle: DatabaseHandle;
  let db: Database;
  let imageIds: number[];
  let modelA: number;
  let modelB: number;

  beforeAll(async () => {
    store = await createFreshStore();
    handle = await store.open();
    db = handle.db;
    imageIds = await upsertImages(db, Array.from({ length: 40 }, (_, i) => ({ key: `img-${i}` })));
    [modelA, modelB] = await upsertModels(db, [{ name: 'model-a' }, { name: 'model-b' }]);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it('inserts masks with pixels and CHI, and loads the pixels back exactly', async () => {
    const random = seededRandom(5);
    const u16: Mask = { width: 5, height: 3, encoding: 'u16', data: Uint16Array.from({ length: 15 }, () => Math.floor(random() * 65536)) };
    const f32: Mask = { width: 3, height: 5, encoding: 'f32', data: Float32Array.from({ length: 15 }, () => random()) };
    const u8 = blobMask(224, 224, 3);
    const results = await insertMasks(db, [
      { imageId: imageIds[0], modelId: modelA, maskType: 'saliency', source: 'gradcam', mask: u8, chi: chiBytes(1), metadata: { layer: 'conv5' } },
      { imageId: imageIds[0], modelId: null, maskType: 'human-attention', source: 'eyetrack', mask: u16 },
      { imageId: imageIds[1], modelId: modelB, maskType: 'saliency', source: 'gradcam', mask: f32, chi: chiBytes(2) },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['inserted', 'inserted', 'inserted']);
    const ids = results.map((r) => r.id);

    const loaded = await loadMaskPixels(db, [...ids, 987_654]);
    expect([...loaded.keys()].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    [u8, u16, f32].forEach((mask, i) => {
      const back = loaded.get(ids[i])!;
      expect(back).toMatchObject({ width: mask.width, height: mask.height, encoding: mask.encoding });
      expect(back.data).toEqual(mask.data);
    });

    const ofImages = await getMasksByImageIds(db, [imageIds[1], imageIds[0]]);
    expect(ofImages.map((r) => r.id)).toEqual([...ids].sort((a, b) => a - b));

    const rows = await getMasksByIds(db, ids);
    const first = rows.find((r) => r.id === ids[0])!;
    expect(first).toMatchObject({ imageId: imageIds[0], modelId: modelA, maskType: 'saliency', source: 'gradcam', width: 224, height: 224, encoding: 'u8', metadata: { layer: 'conv5' } });
    expect(first.createdAt).toBeInstanceOf(Date);
  });

  it('stores masks encoded beforehand, each row keeping its codec', async () => {
    const a = blobMask(30, 20, 7);
    const b = blobMask(20, 30, 8);
    const [raw, packed] = await insertMasks(db, [
      { imageId: imageIds[37], maskType: 'pre-encoded', source: 's', mask: encodeMaskPixels(a, 'raw') },
      { imageId: imageIds[38], maskType: 'pre-encoded', source: 's', mask: encodeMaskPixels(b, 'delta-deflate') },
    ]);
    const codecs = await db.select({ id: maskPixels.maskId, codec: maskPixels.codec }).from(maskPixels).where(inArray(maskPixels.maskId, [raw.id, packed.id]));
    expect(new Map(codecs.map((r) => [r.id, r.codec]))).toEqual(new Map([[raw.id, 'raw'], [packed.id, 'delta-deflate']]));
    const loaded = await loadMaskPixels(db, [raw.id, packed.id]);
    expect(loaded.get(raw.id)).toEqual(a);
    expect(loaded.get(packed.id)).toEqual(b);
  });

  it('treats a missing model as one slot per image and mask type', async () => {
    const imageId = imageIds[2];
    await insertMasks(db, [
      { imageId, modelId: null, maskType: 'human-attention', source: 'eyetrack', mask: tiny() },
      { imageId, modelId: modelA, maskType: 'human-attention', source: 'eyetrack', mask: tiny() },
    ]);
    const before = await rowCounts(db);
    await expect(
      insertMasks(db, [{ imageId, modelId: null, maskType: 'human-attention', source: 'eyetrack', mask: tiny(1) }]),
    ).rejects.toThrow(MaskConflictError);
    expect(await rowCounts(db)).toEqual(before);
  });

  it('rejects the same slot twice within one batch under the error policy', async () => {
    const slot = { imageId: imageIds[3], modelId: modelA, maskType: 'saliency', source: 's' };
    const error = await insertMasks(db, [{ ...slot, mask: tiny() }, { ...slot, mask: tiny(1) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaskConflictError);
    expect((error as MaskConflictError).conflicts).toEqual([{ imageId: imageIds[3], modelId: modelA, maskType: 'saliency' }]);
  });

  it('skips or replaces existing masks when asked to', async () => {
    const imageId = imageIds[4];
    const slot = { imageId, modelId: modelB, maskType: 'saliency', source: 'gradcam' };
    const [original] = await insertMasks(db, [{ ...slot, mask: tiny(10), chi: chiBytes(3) }]);

    const skipped = await insertMasks(
      db,
      [
        { ...slot, mask: tiny(20) },
        { ...slot, modelId: modelA, mask: tiny(30) },
        { ...slot, modelId: modelA, mask: tiny(31) },
      ],
      { onConflict: 'skip' },
    );
    expect(skipped[0]).toEqual({ id: original.id, outcome: 'skipped' });
    expect(skipped[1].outcome).toBe('inserted');
    expect(skipped[2]).toEqual({ id: skipped[1].id, outcome: 'skipped' });
    expect((await loadMaskPixels(db, [original.id])).get(original.id)!.data[0]).toBe(10);
    expect((await loadMaskPixels(db, [skipped[1].id])).get(skipped[1].id)!.data[0]).toBe(30);

    const seq = await getLatestChangeSeq(db);
    const replaced = await insertMasks(db, [{ ...slot, mask: tiny(40) }, { ...slot, mask: tiny(41) }], { onConflict: 'replace' });
    expect(replaced.map((r) => r.outcome)).toEqual(['replaced', 'replaced']);
    expect(replaced[0].id).toBe(replaced[1].id);
    expect(replaced[0].id).not.toBe(original.id);
    const pixels = await loadMaskPixels(db, [original.id, replaced[0].id]);
    expect(pixels.has(original.id)).toBe(false);
    expect(pixels.get(replaced[0].id)!.data[0]).toBe(41);
    expect(await db.select().from(maskChi).where(eq(maskChi.maskId, original.id))).toEqual([]);
    const changes = await readChanges(db, seq);
    expect(changes.map((c) => [c.op, c.maskId])).toEqual([
      ['delete', original.id],
      ['insert', replaced[0].id],
    ]);
  });

  it('writes nothing when a batch fails part-way', async () => {
    const before = await rowCounts(db);
    // More masks than one INSERT statement carries, so the failure comes after statements that succeeded.
    const batch: NewMask[] = Array.from({ length: 1500 }, (_, i) => ({
      imageId: imageIds[i % imageIds.length],
      modelId: null,
      maskType: `bulk-${Math.floor(i / imageIds.length)}`,
      source: 'bulk',
      mask: tiny(i % 256),
      chi: chiBytes(i, 8),
    }));
    batch[1400] = { ...batch[1400], imageId: 99_999_999 };
    const error = await insertMasks(db, batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: '23503', message: expect.stringContaining('99999999') });
    expect(await rowCounts(db)).toEqual(before);
  });

  it('deletes masks with their pixels and CHI, logging each', async () => {
    const inserted = await insertMasks(db, [
      { imageId: imageIds[5], maskType: 'doomed', source: 's', mask: tiny(), chi: chiBytes(9) },
      { imageId: imageIds[6], maskType: 'doomed', source: 's', mask: tiny() },
    ]);
    const ids = inserted.map((r) => r.id);
    const seq = await getLatestChangeSeq(db);
    expect((await deleteMasks(db, [...ids, 55_555_555])).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(await getMasksByIds(db, ids)).toEqual([]);
    expect((await loadMaskPixels(db, ids)).size).toBe(0);
    expect(await db.select().from(maskChi).where(eq(maskChi.maskId, ids[0]))).toEqual([]);
    expect((await readChanges(db, seq)).map((c) => [c.op, c.maskId])).toEqual(ids.map((id) => ['delete', id]));
    expect(await deleteMasks(db, [])).toEqual([]);
  });

  it('streams every mask with its CHI in ascending id order, in batches', async () => {
    await insertMasks(
      db,
      imageIds.slice(10, 35).map((imageId, i) => ({
        imageId,
        modelId: i % 2 ? modelA : null,
        maskType: 'stream',
        source: 'stream-src',
        mask: { width: 3 + i, height: 2, encoding: 'u8' as const, data: new Uint8Array((3 + i) * 2) },
        chi: i % 5 === 0 ? null : chiBytes(100 + i, 2000),
      })),
    );
    const all = await db.select().from(masks);
    const chiById = new Map((await db.select().from(maskChi)).map((r) => [r.maskId, r.data]));

    const batches: MaskIndexRow[][] = [];
    for await (const batch of streamMaskIndex(db, { batchSize: 7 })) batches.push(batch);
    expect(batches.slice(0, -1).every((b) => b.length === 7)).toBe(true);
    const streamed = batches.flat();
    expect(streamed.map((r) => r.id)).toEqual(all.map((r) => r.id).sort((a, b) => a - b));
    for (const row of streamed) {
      const stored = all.find((m) => m.id === row.id)!;
      expect(row).toEqual({
        id: stored.id,
        imageId: stored.imageId,
        modelId: stored.modelId,
        maskType: stored.maskType,
        source: stored.source,
        width: stored.width,
        height: stored.height,
        encoding: stored.encoding,
        chi: chiById.get(stored.id) ?? null,
      });
      if (row.chi) expect(Object.getPrototypeOf(row.chi)).toBe(Uint8Array.prototype);
    }

    const middle = streamed[Math.floor(streamed.length / 2)].id;
    const rest: number[] = [];
    for await (const batch of streamMaskIndex(db, { afterId: middle, batchSize: 1000 })) rest.push(...batch.map((r) => r.id));
    expect(rest).toEqual(streamed.filter((r) => r.id > middle).map((r) => r.id));

    const some = [streamed[4].id, streamed[1].id, 77_777_777];
    expect(await getMaskIndexRows(db, some)).toEqual([streamed[1], streamed[4]]);

    // Stopping early leaves a prefetched batch behind; it must not surface as an error.
    for await (const batch of streamMaskIndex(db, { batchSize: 3 })) {
      expect(batch).toHaveLength(3);
      break;
    }
  });

  it('sets and replaces a mask CHI', async () => {
    const [{ id }] = await insertMasks(db, [{ imageId: imageIds[36], maskType: 'late-chi', source: 's', mask: tiny() }]);
    const chiOf = async () => (await db.select().from(maskChi).where(eq(maskChi.maskId, id)))[0]?.data;
    expect(await chiOf()).toBeUndefined();
    await updateMaskChi(db, id, chiBytes(1, 10));
    expect(await chiOf()).toEqual(chiBytes(1, 10));
    await updateMaskChi(db, id, chiBytes(2, 12));
    expect(await chiOf()).toEqual(chiBytes(2, 12));
  });
});
