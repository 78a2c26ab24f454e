import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listImages } from '../../db/repositories/images.js';
import { getMasksByImageIds } from '../../db/repositories/masks.js';
import { listModels } from '../../db/repositories/models.js';
import { REAL_DATA_DIR, REAL_MODEL, REAL_TAG } from '../../demo/real/seed.js';
import { runOnStore } from '../cli/cli-process.js';
import { createFreshStore, type FreshStore } from '../db/fresh-store.js';

const keysOf = (names: string[], extension: string) => names.filter((n) => n.endsWith(extension)).map((n) => n.slice(0, -extension.length)).sort();

describe('the committed real-demo data', () => {
  it('holds one photo, one 8-bit model map of its size and one fixation recording per image of the list', async () => {
    const records = (await readFile(join(REAL_DATA_DIR, 'images.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { key: string; width: number; height: number; boxes: Record<string, number[]> });
    const keys = records.map((r) => r.key).sort();
    expect(keys.length).toBe(80);
    expect(keysOf(await readdir(join(REAL_DATA_DIR, 'photos')), '.jpg')).toEqual(keys);
    expect(keysOf(await readdir(join(REAL_DATA_DIR, 'saliency')), '.png')).toEqual(keys);
    const fixations = JSON.parse(await readFile(join(REAL_DATA_DIR, 'fixations.json'), 'utf8')) as { image: string; subjects: unknown[][] }[];
    expect(fixations.map((f) => f.image.replace(/\.jpg$/, '')).sort()).toEqual(keys);
    expect(fixations.every((f) => f.subjects.length === 12 && f.subjects.every((s) => s.length > 0))).toBe(true);
    for (const record of records) {
      expect(Object.keys(record.boxes)).toContain('object');
      const map = decode(await readFile(join(REAL_DATA_DIR, 'saliency', `${record.key}.png`)));
      expect([map.width, map.height, map.channels, map.depth]).toEqual([record.width, record.height, 1, 8]);
    }
  });
});

/** `masksearch demo --real` as a user runs it, on a store of its own. */
describe('masksearch demo --real', () => {
  let fresh: FreshStore;
  let files: string;

  beforeAll(async () => {
    [fresh, files] = await Promise.all([createFreshStore(), mkdtemp(join(tmpdir(), 'masksearch-real-demo-'))]);
  });

  afterAll(async () => {
    await fresh?.cleanup();
    if (files) await rm(files, { recursive: true, force: true });
  });

  async function stored() {
    const handle = await fresh.open();
    try {
      const { images } = await listImages(handle.db, { limit: 1000 });
      const masks = await getMasksByImageIds(handle.db, images.map((i) => i.id));
      const models = await listModels(handle.db);
      return { images, masks, models };
    } finally {
      await handle.close();
    }
  }

  it('seeds the photos, the detector maps and the human attention through the built-in sources; running it again adds nothing', async () => {
    const result = await runOnStore(fresh, ['demo', '--real', '--files', files]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/real demo: 80 NUS Scene photos \(tag nus-scene\), 80 saliency maps of centernet-coco, 80 human-attention maps from the fixations of 12 observers/);

    const { images, masks, models } = await stored();
    expect(images).toHaveLength(80);
    expect(images.every((i) => i.tags.includes(REAL_TAG) && i.width === 256 && i.height === 256 && 'object' in i.boxes)).toBe(true);
    // The photos are PNG files the service renders overlays from.
    for (const image of images.slice(0, 5)) await access(image.uri!);
    const photo = decode(await readFile(images[0].uri!));
    expect([photo.width, photo.height, photo.channels, photo.depth]).toEqual([256, 256, 3, 8]);
    const model = models.find((m) => m.name === REAL_MODEL.name)!;
    expect(model.kind).toBe('detector');
    const count = (type: string, source: string) => masks.filter((m) => m.maskType === type && m.source === source).length;
    expect(count('saliency', 'gradcam')).toBe(80);
    expect(masks.filter((m) => m.maskType === 'saliency').every((m) => m.modelId === model.id && m.encoding === 'u8')).toBe(true);
    expect(count('human-attention', 'eyetracking')).toBe(80);

    const again = await runOnStore(fresh, ['demo', '--real', '--files', files]);
    expect(again.code).toBe(0);
    expect((await stored()).masks).toHaveLength(160);
  });
});
