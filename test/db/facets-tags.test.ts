import { beforeAll, describe, expect, it } from 'vitest';
import { readChanges, getLatestChangeSeq } from '../../db/repositories/changes.js';
import { maskFacets } from '../../db/repositories/facets.js';
import { browseImages } from '../../db/repositories/image-browse.js';
import { changeImageTags } from '../../db/repositories/image-tags.js';
import { getImagesByKeys, upsertImages } from '../../db/repositories/images.js';
import { insertMasks } from '../../db/repositories/masks.js';
import { upsertModels } from '../../db/repositories/models.js';
import { blobMask } from './mask-fixtures.js';
import { testDriver, useOpenedStore } from './fresh-store.js';

/**
 * Four images: a (cat, train), b (cat, val), c (dog, val), d (no label, no masks).
 * Masks: saliency of resnet on a, b, c; saliency of vit on a; human attention (no model) on a, c.
 */
describe(`facets, tags and browsing on ${testDriver}`, () => {
  const opened = useOpenedStore();
  const db = () => opened.handle.db;

  beforeAll(async () => {
    const [a, b, c] = await upsertImages(db(), [
      { key: 'a', width: 8, height: 8, label: 'cat', split: 'train', metadata: { prediction: 'cat' }, boxes: { object: [0, 0, 4, 4] } },
      { key: 'b', width: 8, height: 8, label: 'cat', split: 'val', metadata: { prediction: 'dog' }, boxes: { object: [1, 1, 4, 4], head: [0, 0, 2, 2] } },
      { key: 'c', width: 8, height: 8, label: 'dog', split: 'val', metadata: { prediction: 'cat' } },
      { key: 'd', width: 8, height: 8 },
    ]);
    const [resnet, vit] = await upsertModels(db(), [{ name: 'resnet' }, { name: 'vit' }]);
    const mask = (imageId: number, modelId: number | null, maskType: string, source: string, seed: number) => ({ imageId, modelId, maskType, source, mask: blobMask(8, 8, seed) });
    await insertMasks(db(), [
      mask(a, resnet, 'saliency', 'gradcam', 1),
      mask(b, resnet, 'saliency', 'gradcam', 2),
      mask(c, resnet, 'saliency', 'gradcam', 3),
      mask(a, vit, 'saliency', 'gradcam', 4),
      mask(a, null, 'human-attention', 'eyetracking', 5),
      mask(c, null, 'human-attention', 'eyetracking', 6),
    ]);
  });

  it('counts each facet over all masks in one go', async () => {
    const facets = await maskFacets(db(), undefined);
    expect(facets.masks).toBe(6);
    expect(facets.images).toBe(3);
    expect(facets.labels).toEqual([
      { value: 'cat', masks: 4, images: 2 },
      { value: 'dog', masks: 2, images: 1 },
    ]);
    expect(facets.splits).toEqual([
      { value: 'train', masks: 3, images: 1 },
      { value: 'val', masks: 3, images: 2 },
    ]);
    expect(facets.models).toEqual([
      { value: 'resnet', masks: 3, images: 3 },
      { value: null, masks: 2, images: 2 },
      { value: 'vit', masks: 1, images: 1 },
    ]);
    expect(facets.maskTypes).toEqual([
      { value: 'saliency', masks: 4, images: 3 },
      { value: 'human-attention', masks: 2, images: 2 },
    ]);
    expect(facets.sources.map((f) => [f.value, f.masks])).toEqual([
      ['gradcam', 4],
      ['eyetracking', 2],
    ]);
    expect(facets.tags).toEqual([]);
    expect(facets.boxNames).toEqual([
      { value: 'object', masks: 0, images: 2 },
      { value: 'head', masks: 0, images: 1 },
    ]);
    expect(facets.predictions).toEqual({
      images: 3,
      correct: 1,
      confusions: [
        { label: 'cat', prediction: 'dog', images: 1 },
        { label: 'dog', prediction: 'cat', images: 1 },
      ],
    });
  });

  it('counts under a where, mask and image conditions together', async () => {
    const facets = await maskFacets(db(), { maskTypes: ['saliency'], imageSplits: ['val'] });
    expect(facets.masks).toBe(2);
    expect(facets.labels.map((f) => [f.value, f.masks])).toEqual([
      ['cat', 1],
      ['dog', 1],
    ]);
    expect(facets.models).toEqual([{ value: 'resnet', masks: 2, images: 2 }]);
    const none = await maskFacets(db(), { modelNames: [] });
    expect(none.masks).toBe(0);
    expect(none.labels).toEqual([]);
    expect(none.predictions.images).toBe(0);
  });

  it('tags images by key and by filter, sorted and distinct; logs only the images that changed', async () => {
    const before = await getLatestChangeSeq(db());
    expect(await changeImageTags(db(), { keys: ['a', 'b', 'zzz'] }, { add: ['review', 'cats', 'review'], remove: [] })).toBe(2);
    const changes = await readChanges(db(), before);
    expect(changes.map((c) => [c.op, c.maskId])).toEqual([
      ['update', null],
      ['update', null],
    ]);
    // Adding what is there changes nothing and logs nothing.
    const again = await getLatestChangeSeq(db());
    expect(await changeImageTags(db(), { keys: ['a'] }, { add: ['cats'], remove: [] })).toBe(0);
    expect(await readChanges(db(), again)).toEqual([]);

    expect(await changeImageTags(db(), { filter: { modelNames: ['vit'] } }, { add: ['vit-seen'], remove: ['review'] })).toBe(1);
    const rows = await getImagesByKeys(db(), ['a', 'b', 'c']);
    expect(Object.fromEntries(rows.map((r) => [r.key, r.tags]))).toEqual({ a: ['cats', 'vit-seen'], b: ['cats', 'review'], c: [] });
  });

  it('tags by a filter of image conditions only: every image it selects, with masks or not, as browsing lists them', async () => {
    expect(await changeImageTags(db(), { filter: { imageKeys: ['c', 'd'] } }, { add: ['picked'], remove: [] })).toBe(2);
    expect(await changeImageTags(db(), { filter: { imageKeys: ['c', 'd'] } }, { add: [], remove: ['picked'] })).toBe(2);
    const rows = await getImagesByKeys(db(), ['c', 'd']);
    expect(rows.map((r) => r.tags)).toEqual([[], []]);
  });

  it('re-importing an image keeps its tags', async () => {
    await upsertImages(db(), [{ key: 'b', width: 8, height: 8, label: 'cat', split: 'val', metadata: { prediction: 'dog' } }]);
    const [b] = await getImagesByKeys(db(), ['b']);
    expect(b.tags).toEqual(['cats', 'review']);
  });

  it('filters and counts by tag', async () => {
    const facets = await maskFacets(db(), undefined);
    expect(facets.tags).toEqual([
      { value: 'cats', masks: 4, images: 2 },
      { value: 'vit-seen', masks: 3, images: 1 },
      { value: 'review', masks: 1, images: 1 },
    ]);
    const tagged = await maskFacets(db(), { imageTags: ['review', 'nothing'] });
    expect(tagged.images).toBe(1);
    expect(tagged.masks).toBe(1);
  });

  it('browses images by position under a filter; images without masks only when no mask condition is given', async () => {
    const all = await browseImages(db(), undefined, { offset: 0, limit: 10 });
    expect(all.totalCount).toBe(4);
    expect(all.images.map((i) => i.key)).toEqual(['a', 'b', 'c', 'd']);
    const window = await browseImages(db(), undefined, { offset: 1, limit: 2 });
    expect(window.images.map((i) => i.key)).toEqual(['b', 'c']);
    expect(window.totalCount).toBe(4);
    const humans = await browseImages(db(), { maskTypes: ['human-attention'], imageLabels: ['dog'] }, { offset: 0, limit: 10 });
    expect(humans).toMatchObject({ totalCount: 1, images: [{ key: 'c' }] });
    const tagged = await browseImages(db(), { imageTags: ['cats'] }, { offset: 0, limit: 0 });
    expect(tagged).toEqual({ totalCount: 2, images: [] });
  });
});
