import { DEFAULT_MAX_PIXELS } from '../../plugins/kit/index.js';
import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { decode } from 'fast-png';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_NAMES } from '../../demo/classes.js';
import { IMAGE_SIZE, PLANTED_SCENARIOS, planImage } from '../../demo/dataset.js';
import { startGeneration } from '../../demo/generate.js';
import { REAL_DATA_DIR } from '../../demo/real/seed.js';
import { FIRST_SHARD_IMAGES, FOLDERS, type ShardResult } from '../../demo/shard.js';
import segmentation from '../../plugins/segmentation/index.js';
import { readNpy } from '../../plugins/kit/npy.js';

const IMAGES = 120;

/** Every file under a folder, by its path relative to it. */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.set(path.slice(dir.length + 1), await readFile(path));
    }
  }
  return out;
}

async function generate(dir: string, seed: number, workers: number): Promise<ShardResult[]> {
  const generation = await startGeneration({ seed, images: IMAGES, dir, workers });
  generation.makeRest();
  try {
    return await Promise.all(generation.shards);
  } finally {
    await generation.close();
  }
}

interface ImageLine {
  key: string;
  width: number;
  height: number;
  uri: string;
  label: string;
  split: string;
  metadata: Record<string, unknown>;
  boxes: Record<string, [number, number, number, number]>;
}

describe('the demo generator', () => {
  let root: string;
  const dirs = { a: '', b: '', other: '' };
  let shards: ShardResult[];
  let records: ImageLine[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'masksearch-demo-gen-'));
    Object.assign(dirs, { a: join(root, 'a'), b: join(root, 'b'), other: join(root, 'other') });
    // In worker threads and on this thread: where a shard is made must not matter.
    [shards] = await Promise.all([generate(dirs.a, 1, 2), generate(dirs.b, 1, 0), generate(dirs.other, 2, 0)]);
    const lists = await Promise.all(shards.map((s) => readFile(s.files.imageList, 'utf8')));
    records = lists.flatMap((text) => text.trim().split('\n').map((line) => JSON.parse(line) as ImageLine));
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('writes the same bytes for the same seed, and other bytes for another', async () => {
    const [a, b, other] = await Promise.all([filesUnder(dirs.a), filesUnder(dirs.b), filesUnder(dirs.other)]);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    // 120 pictures; two shards (the small first one, then 100), each with an image list, a saliency batch and its keys, a COCO file, a fixation file.
    expect(shards.map((s) => s.images)).toEqual([FIRST_SHARD_IMAGES, IMAGES - FIRST_SHARD_IMAGES]);
    expect(a.size).toBe(IMAGES + 2 * 5);
    // Image lists name their pictures by absolute path, which is all that differs between folders.
    const comparable = (path: string, dir: string, content: Buffer) =>
      path.startsWith(FOLDERS.imageLists) ? Buffer.from(content.toString().replaceAll(dir, 'DIR')) : content;
    const unequal = [...a].filter(([path, bytes]) => !comparable(path, dirs.a, bytes).equals(comparable(path, dirs.b, b.get(path)!)));
    expect(unequal.map(([path]) => path)).toEqual([]);
    const differing = [...a].filter(([path, bytes]) => !path.startsWith(FOLDERS.imageLists) && !bytes.equals(other.get(path) ?? Buffer.alloc(0)));
    expect(differing.length).toBeGreaterThan(IMAGES);
  });

  it('makes the shards after the first only once makeRest is called, in threads and on this thread', async () => {
    for (const workers of [1, 0]) {
      const generation = await startGeneration({ seed: 3, images: FIRST_SHARD_IMAGES + 5, dir: join(root, `held-${workers}`), workers });
      try {
        const made: number[] = [];
        generation.shards.forEach((shard, i) => void shard.then(() => made.push(i)));
        await generation.shards[0];
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(made).toEqual([0]);
        generation.makeRest();
        expect((await Promise.all(generation.shards)).map((s) => s.images)).toEqual([FIRST_SHARD_IMAGES, 5]);
      } finally {
        await generation.close();
      }
    }
  });

  it.runIf(process.platform === 'linux')('makes the first shard at the thread\'s priority, the rest at a lower one, never lowering this thread', async () => {
    // The niceness of each of this process's threads, from /proc (field 19 of a thread's stat).
    const niceness = async () => {
      const threads = await readdir('/proc/self/task');
      const stats = await Promise.all(threads.map((t) => readFile(`/proc/self/task/${t}/stat`, 'utf8')));
      return stats.map((stat) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    };
    const generation = await startGeneration({ seed: 4, images: FIRST_SHARD_IMAGES + 5, dir: join(root, 'niceness'), workers: 1 });
    try {
      await generation.shards[0];
      expect(await niceness()).not.toContain(10);
      generation.makeRest();
      await generation.shards[1];
      expect(await niceness()).toContain(10);
      expect(os.getPriority()).toBe(0);
    } finally {
      await generation.close();
    }
  });

  it("writes the real demo's photos as PNG files of the JPEGs' pixels, in threads and on this thread alike", async () => {
    const keys = ['nus-001', 'nus-004'];
    const written: Buffer[][] = [];
    for (const workers of [1, 0]) {
      const generation = await startGeneration({ seed: 3, images: 1, dir: join(root, `photos-${workers}`), workers });
      try {
        const files = await generation.writePhotos({ dir: join(root, `photos-${workers}`, 'real'), keys });
        expect([...files.keys()]).toEqual(keys);
        written.push(await Promise.all(keys.map((key) => readFile(files.get(key)!))));
      } finally {
        await generation.close();
      }
    }
    expect(written[0]).toEqual(written[1]);
    const jpegPixels = jpeg.decode(await readFile(join(REAL_DATA_DIR, 'photos', 'nus-004.jpg')), { useTArray: true, formatAsRGBA: false });
    const png = decode(written[0][1]);
    expect([png.width, png.height, png.channels]).toEqual([jpegPixels.width, jpegPixels.height, 3]);
    expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(jpegPixels.data))).toBe(true);
  });

  it('plans image i from (seed, i) alone', () => {
    expect(planImage(1, 57)).toEqual(planImage(1, 57));
    expect(records[57].label).toBe(planImage(1, 57).label);
    expect(planImage(2, 57)).not.toEqual(planImage(1, 57));
  });

  it('lists every image with the fields of the contract', async () => {
    expect(records.map((r) => r.key)).toEqual(Array.from({ length: IMAGES }, (_, i) => `demo-${String(i + 1).padStart(5, '0')}`));
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(['boxes', 'height', 'key', 'label', 'metadata', 'split', 'uri', 'width']);
      expect([r.width, r.height]).toEqual([IMAGE_SIZE, IMAGE_SIZE]);
      expect(CLASS_NAMES).toContain(r.label);
      expect(['train', 'val', 'test']).toContain(r.split);
      expect(isAbsolute(r.uri)).toBe(true);
      expect(r.metadata).toEqual({
        synthetic: true,
        prediction: expect.toBeOneOf([...CLASS_NAMES]),
        correct: r.metadata.prediction === r.label,
        scenario: expect.toBeOneOf(['normal', ...PLANTED_SCENARIOS]),
        attacked: r.metadata.scenario === 'dispersed',
      });
      const [x, y, w, h] = r.boxes.object;
      expect(Object.keys(r.boxes)).toEqual(['object']);
      expect(x >= 0 && y >= 0 && w > 10 && h > 10 && x + w <= IMAGE_SIZE && y + h <= IMAGE_SIZE).toBe(true);
    }
    const picture = decode(await readFile(records[0].uri));
    expect([picture.width, picture.height, picture.channels, picture.depth]).toEqual([IMAGE_SIZE, IMAGE_SIZE, 3, 8]);
  });

  it("gives the segmentation source masks whose box is each image's object box", async () => {
    const boxes = new Map<string, unknown>();
    const types = new Map<string, string>();
    for (const shard of shards) {
      const bytes = await readFile(shard.files.segmentation);
      const file = { name: 'coco.json', extension: '.json', key: 'coco', bytes, sidecar: async () => null };
      for (const record of segmentation.read(file, segmentation.options.parse({}), { maxPixels: DEFAULT_MAX_PIXELS, imageSize: async () => null }) as Iterable<any>) {
        if (record.kind === 'image') boxes.set(record.key, Object.values(record.boxes)[0]);
        else types.set(record.imageKey, record.maskType);
      }
    }
    for (const r of records) {
      expect(types.get(r.key)).toBe(`segmentation:${r.label}`);
      expect(boxes.get(r.key)).toEqual(r.boxes.object);
    }
  });

  it('writes saliency as Grad-CAM-like 8-bit maps, one batch per shard with its keys', async () => {
    const npy = readNpy(await readFile(shards[0].files.saliency));
    expect([npy.dtype, npy.shape]).toEqual(['uint8', [FIRST_SHARD_IMAGES, IMAGE_SIZE, IMAGE_SIZE]]);
    const keys = (await readFile(shards[0].files.saliency.replace(/\.npy$/, '.keys.txt'), 'utf8')).trim().split('\n');
    expect(keys).toEqual(records.slice(0, FIRST_SHARD_IMAGES).map((r) => r.key));
  });

  it('gives human attention to a subset, never to a background-focus or dispersed case', () => {
    const watched = shards.reduce((n, s) => n + s.watched, 0);
    expect(watched / IMAGES).toBeGreaterThan(0.15);
    expect(watched / IMAGES).toBeLessThan(0.35);
    for (let i = 0; i < 2000; i++) {
      const plan = planImage(1, i);
      if (plan.scenario === 'human-disagrees') expect(plan.humanAttention).toBe(true);
      if (plan.scenario === 'background-focus' || plan.scenario === 'dispersed') expect(plan.humanAttention).toBe(false);
    }
  });
});
