import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  getImageGeometry,
  getImagesByIds,
  getImagesByKeys,
  listImages,
  upsertImages,
} from '../../db/repositories/images.js';
import { getModelsByIds, getModelsByNames, listModels, upsertModels } from '../../db/repositories/models.js';
import { images } from '../../db/schema.js';
import { testDriver, useOpenedStore } from './fresh-store.js';

describe(`images and models on ${testDriver}`, () => {
  const opened = useOpenedStore();

  it('upserts images by key, returning ids in input order', async () => {
    const ids = await upsertImages(opened.handle.db, [
      { key: 'cat-1', width: 640, height: 480, label: 'cat', split: 'val', boxes: { object: [10, 20, 300, 200] }, metadata: { source: { camera: 'a' }, tags: ['x'] } },
      { key: 'dog-1', uri: 'file:///d.jpg' },
    ]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);

    const again = await upsertImages(opened.handle.db, [{ key: 'new-1' }, { key: 'cat-1', label: 'kitten', width: 640, height: 480 }]);
    expect(again[1]).toBe(ids[0]);

    const [cat] = await getImagesByKeys(opened.handle.db, ['cat-1']);
    // An upsert is a full replacement: fields not given are reset.
    expect(cat).toMatchObject({ id: ids[0], key: 'cat-1', label: 'kitten', split: null, boxes: {}, metadata: {} });
  });

  it('keeps the last record for a key given twice in one batch', async () => {
    const ids = await upsertImages(opened.handle.db, [
      { key: 'twice', label: 'first' },
      { key: 'twice', label: 'second' },
    ]);
    expect(ids[0]).toBe(ids[1]);
    const [row] = await getImagesByKeys(opened.handle.db, ['twice']);
    expect(row.label).toBe('second');
  });

  it('stores metadata and boxes as jsonb objects that SQL can query', async () => {
    await upsertImages(opened.handle.db, [
      { key: 'meta-1', metadata: { camera: 'nikon', exposure: { iso: 200 } }, boxes: { object: [1, 2, 3, 4], head: [5, 6, 7, 8] } },
    ]);
    const [row] = await getImagesByKeys(opened.handle.db, ['meta-1']);
    expect(row.metadata).toEqual({ camera: 'nikon', exposure: { iso: 200 } });
    expect(row.boxes).toEqual({ object: [1, 2, 3, 4], head: [5, 6, 7, 8] });
    const matched = await opened.handle.db
      .select({ key: images.key })
      .from(images)
      .where(sql`${images.metadata} -> 'exposure' ->> 'iso' = '200' and jsonb_typeof(${images.boxes} -> 'head') = 'array'`);
    expect(matched).toEqual([{ key: 'meta-1' }]);
  });

  it('gets images by ids and keys, ignoring unknown ones', async () => {
    const [id] = await upsertImages(opened.handle.db, [{ key: 'lookup' }]);
    expect((await getImagesByIds(opened.handle.db, [id, 999_999])).map((r) => r.key)).toEqual(['lookup']);
    expect(await getImagesByKeys(opened.handle.db, ['no-such-key'])).toEqual([]);
    expect(await getImagesByKeys(opened.handle.db, [])).toEqual([]);
  });

  it('lists images in id order, a page at a time', async () => {
    await upsertImages(opened.handle.db, Array.from({ length: 25 }, (_, i) => ({ key: `page-${i}` })));
    const seen: number[] = [];
    let afterId: number | undefined;
    let pages = 0;
    for (;;) {
      const page = await listImages(opened.handle.db, { limit: 10, afterId });
      pages++;
      seen.push(...page.images.map((r) => r.id));
      if (!page.hasNextPage) break;
      afterId = page.images[page.images.length - 1].id;
    }
    const all = await opened.handle.db.select({ id: images.id }).from(images);
    expect(seen).toEqual(all.map((r) => r.id).sort((a, b) => a - b));
    expect(pages).toBe(Math.ceil(all.length / 10));
  });

  it('returns sizes and boxes for a set of image ids', async () => {
    const [a, b] = await upsertImages(opened.handle.db, [
      { key: 'geo-a', width: 224, height: 224, boxes: { object: [0, 0, 50, 60] } },
      { key: 'geo-b' },
    ]);
    const geometry = await getImageGeometry(opened.handle.db, [a, b, a, 123_456]);
    expect(geometry.size).toBe(2);
    expect(geometry.get(a)).toEqual({ width: 224, height: 224, boxes: { object: [0, 0, 50, 60] } });
    expect(geometry.get(b)).toEqual({ width: null, height: null, boxes: {} });
  });

  it('upserts models by name and gets them by name or id', async () => {
    const [resnet, vit] = await upsertModels(opened.handle.db, [
      { name: 'resnet50', kind: 'classifier', metadata: { layers: 50 } },
      { name: 'vit-b16' },
    ]);
    const [again] = await upsertModels(opened.handle.db, [{ name: 'resnet50', kind: 'cnn' }]);
    expect(again).toBe(resnet);
    const byName = await getModelsByNames(opened.handle.db, ['resnet50', 'vit-b16', 'unknown']);
    expect(byName.sort((x, y) => x.id - y.id)).toEqual([
      { id: resnet, name: 'resnet50', kind: 'cnn', metadata: null },
      { id: vit, name: 'vit-b16', kind: null, metadata: null },
    ]);
    expect((await getModelsByIds(opened.handle.db, [vit])).map((m) => m.name)).toEqual(['vit-b16']);
    expect((await listModels(opened.handle.db)).map((m) => m.id)).toEqual([resnet, vit]);
  });
});
