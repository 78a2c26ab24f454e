import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSourceRegistry } from '../../plugins/config.js';
import { encodeRleString } from '../../plugins/segmentation/coco-rle.js';
import type { MaskSourceRegistry } from '../../plugins/registry.js';
import { seededRandom } from '../db/mask-fixtures.js';
import type { RunningService } from '../service/service-fixture.js';
import { startService } from '../service/service-fixture.js';
import { decodeWithSource, expectQueriesMatchBruteForce, ingestThroughGraphQL } from './e2e-support.js';

let registry: MaskSourceRegistry;
let running: RunningService;
beforeAll(async () => {
  registry = await loadSourceRegistry();
  running = await startService(undefined, undefined, { sources: registry, ingestWorkers: 0 });
});
afterAll(() => running?.stop());

const W = 30;
const H = 22;

/** A COCO file: per image a polygon cat, an RLE dog on some, and a crowd of birds as compressed RLE on one. */
function cocoFile(random: () => number): unknown {
  const images = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, file_name: `photos/coco-${i}.jpg`, width: W, height: H }));
  const annotations: unknown[] = [];
  let id = 1;
  for (const image of images) {
    const x = 2 + random() * 10;
    const y = 2 + random() * 8;
    annotations.push({ id: id++, image_id: image.id, category_id: 1, segmentation: [[x, y, x + 8 + random() * 10, y + 1, x + 4, y + 6 + random() * 8]] });
    if (image.id % 2 === 0) {
      // Column-major runs: skip a few columns, then alternating runs down the columns.
      const counts = [H * 3 + 4];
      let left = W * H - counts[0];
      while (left > 0) {
        const run = Math.min(left, 1 + Math.floor(random() * 12));
        counts.push(run);
        left -= run;
      }
      annotations.push({ id: id++, image_id: image.id, category_id: 2, segmentation: { counts, size: [H, W] }, iscrowd: 1 });
    }
  }
  // Birds: a block of columns 20–24, rows 5–14, as a compressed RLE string.
  const birds = [20 * H + 5];
  for (let c = 20; c < 25; c++) birds.push(10, c < 24 ? H - 10 : W * H - (24 * H + 15));
  annotations.push({ id: id++, image_id: 3, category_id: 3, segmentation: { counts: encodeRleString(birds), size: [H, W] }, iscrowd: 1 });
  return { images, annotations, categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }, { id: 3, name: 'bird' }] };
}

/** A label PNG (palette): class 1 and 2 rectangles on background 0, a void border of 255. */
function labelPng(random: () => number): Uint8Array {
  const indices = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (x === 0 || y === 0) indices[y * W + x] = 255;
  const paint = (cls: number) => {
    const x0 = 1 + Math.floor(random() * (W - 10));
    const y0 = 1 + Math.floor(random() * (H - 8));
    for (let y = y0; y < y0 + 6; y++) for (let x = x0; x < x0 + 8; x++) indices[y * W + x] = cls;
  };
  paint(1);
  paint(2);
  const palette = Array.from({ length: 256 }, (_, i) => [i, 255 - i, (i * 7) % 256]);
  return encode({ width: W, height: H, data: indices, depth: 8, channels: 1, palette });
}

describe('segmentation: COCO and label PNGs over GraphQL, queries equal brute force, class boxes become image boxes', () => {
  const random = seededRandom(23);
  const files = [
    { name: 'instances.json', bytes: new TextEncoder().encode(JSON.stringify(cocoFile(random))) },
    ...Array.from({ length: 4 }, (_, i) => ({ name: `voc-${i}.png`, bytes: labelPng(random) })),
    { name: 'bad.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
  ];
  const options = { classes: ['background', 'cat', 'dog'] };

  it('stores per-class masks and reports the corrupt PNG', async () => {
    const summary = await ingestThroughGraphQL(running, 'segmentation', files, { sourceOptions: options });
    expect(summary).toMatchObject({ files: 6, ingestedFiles: 5, createdImages: 10 });
    expect(summary.failures).toEqual([{ file: 'bad.png', reason: expect.stringMatching(/is not a readable PNG/) }]);
    const expected = await decodeWithSource(registry.get('segmentation')!, files.slice(0, 5), options);
    expect(summary.insertedMasks).toBe(expected.length);
  });

  it('registers each class box as a named box of its image, in the mask frame', async () => {
    const boxesOf = async (key: string) => {
      const res = await running.gql<{ image: { width: number; height: number; boxes: { name: string }[] } }>('query ($key: String!) { image(key: $key) { width height boxes { name } } }', { key });
      expect(res.data!.image).toMatchObject({ width: W, height: H });
      return res.data!.image.boxes.map((b) => b.name).sort();
    };
    // coco-1 is COCO image 2 (a cat and a crowd of dogs), coco-2 image 3 (a cat and the birds).
    expect(await boxesOf('coco-1')).toEqual(['cat', 'dog']);
    expect(await boxesOf('coco-2')).toEqual(['bird', 'cat']);
    expect(await boxesOf('voc-0')).toEqual(['cat', 'dog']);
  });

  it('answers queries exactly, with the class boxes as ROIs', async () => {
    const expected = await decodeWithSource(registry.get('segmentation')!, files.slice(0, 5), options);
    await expectQueriesMatchBruteForce(running, expected, { sources: ['segmentation'] }, { boxNames: ['cat', 'dog'], cases: 25, seed: 31 });
  });
});
