import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserializeChi, buildChi, createMask } from '../../engine/index.js';
import { getImagesByKeys, upsertImages } from '../../db/repositories/images.js';
import { getMasksByImageIds, loadMaskPixels } from '../../db/repositories/masks.js';
import { getModelsByNames } from '../../db/repositories/models.js';
import { maskChi } from '../../db/schema.js';
import { createMaskEncoder, type MaskEncoder } from '../../ingest/encoder.js';
import { ingestFiles, parseSourceOptions, type IngestSettings } from '../../ingest/ingest.js';
import { filesFromPaths } from '../../ingest/input-files.js';
import { MaskSourceRegistry } from '../../plugins/registry.js';
import { useOpenedStore } from '../db/fresh-store.js';

const CHI = { levels: [{ grid: 4, bins: 8 }] };
const pluginUrl = new URL('./fixtures/text-masks-plugin.ts', import.meta.url).href;

let dir: string;
let registry: MaskSourceRegistry;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'masksearch-ingest-'));
  registry = new MaskSourceRegistry();
  await registry.load(pluginUrl);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

function settings(overrides: Partial<IngestSettings> = {}): IngestSettings {
  const source = registry.get('text-masks')!;
  return { source, sourceOptions: parseSourceOptions(source, {}), onDuplicate: 'error', createImages: true, ...overrides };
}

describe('ingestFiles', () => {
  const opened = useOpenedStore();
  const encoder = createMaskEncoder({ chi: CHI, workers: 0 });
  afterAll(() => encoder.close());

  const run = async (paths: string[], overrides: Partial<IngestSettings> = {}) => {
    const { files, rejected } = await filesFromPaths(paths, ['.txt']);
    return ingestFiles({ db: opened.handle.db, encoder }, files, settings(overrides), rejected);
  };
  const masksOf = async (key: string) => {
    const [image] = await getImagesByKeys(opened.handle.db, [key]);
    return image ? getMasksByImageIds(opened.handle.db, [image.id]) : [];
  };

  it('stores good files whole, reports each bad one by name and reason, and keeps the good ones', async () => {
    await write('a/good-1.txt', '0 0.5 1\n0.25 0.75 1\n');
    await write('a/good-2.txt', '1 1\n0 0\n');
    const bad = await write('a/bad-value.txt', '0 2\n0 0\n');
    const halfBad = await write('a/half-bad.txt', '--- hb-1\n0 0\n--- hb-2\n0 x\n');
    const summary = await run([join(dir, 'a'), join(dir, 'missing.txt')]);

    expect(summary.files).toBe(5);
    expect(summary.ingestedFiles).toBe(2);
    expect(summary.masks).toEqual({ inserted: 2, replaced: 0, skipped: 0 });
    expect(summary.createdImages).toBe(2);
    const reasons = Object.fromEntries(summary.failures.map((f) => [f.file, f.reason]));
    expect(Object.keys(reasons).sort()).toEqual([bad, halfBad, join(dir, 'missing.txt')].sort());
    expect(reasons[bad]).toMatch(/mask 1 \(image 'bad-value'\): mask value at row 0, column 1 is 2/);
    expect(reasons[halfBad]).toMatch(/mask 'hb-2' has a value that is not a number/);
    expect(reasons[join(dir, 'missing.txt')]).toBe('no such file or folder');

    // Nothing of a failed file, not even the good first mask of half-bad or its image.
    expect(await getImagesByKeys(opened.handle.db, ['hb-1', 'hb-2', 'bad-value'])).toEqual([]);
    const [stored] = await masksOf('good-1');
    expect(stored).toMatchObject({ maskType: 'text', source: 'text-masks', width: 3, height: 2, encoding: 'f32', metadata: { file: 'good-1.txt', rows: 2 } });
    const pixels = (await loadMaskPixels(opened.handle.db, [stored.id])).get(stored.id)!;
    expect([...pixels.data]).toEqual([0, 0.5, 1, 0.25, 0.75, 1]);
    // The CHI stored with the mask is the one the engine builds from its pixels.
    const [chiRow] = await opened.handle.db.select().from(maskChi).where(eq(maskChi.maskId, stored.id));
    expect(deserializeChi(chiRow.data).counts).toEqual(buildChi(createMask(3, 2, pixels.data), CHI).counts);
    const [image] = await getImagesByKeys(opened.handle.db, ['good-2']);
    expect(image).toMatchObject({ width: 2, height: 2 });
  });

  it('applies --on-duplicate: error fails the file, skip keeps the old mask, replace stores the new one', async () => {
    const first = await write('dup/dup-img.txt', '0 0\n');
    expect((await run([first])).ingestedFiles).toBe(1);
    const [original] = await masksOf('dup-img');

    const again = await write('dup2/dup-img.txt', '1 1\n');
    const refused = await run([again]);
    expect(refused.failures[0].reason).toMatch(/already exist/);
    expect((await masksOf('dup-img')).map((m) => m.id)).toEqual([original.id]);

    expect((await run([again], { onDuplicate: 'skip' })).masks).toEqual({ inserted: 0, replaced: 0, skipped: 1 });
    expect((await masksOf('dup-img')).map((m) => m.id)).toEqual([original.id]);

    expect((await run([again], { onDuplicate: 'replace' })).masks).toEqual({ inserted: 0, replaced: 1, skipped: 0 });
    const [replaced] = await masksOf('dup-img');
    expect(replaced.id).not.toBe(original.id);
    expect([...(await loadMaskPixels(opened.handle.db, [replaced.id])).get(replaced.id)!.data]).toEqual([1, 1]);
  });

  it('a slot taken twice in one run goes to the first file; the second fails on its own', async () => {
    const one = await write('twice/one.txt', '--- twin\n0.5\n');
    const two = await write('twice/two.txt', '--- twin\n0.25\n');
    const summary = await run([one, two]);
    expect(summary.ingestedFiles).toBe(1);
    expect(summary.failures).toEqual([{ file: two, reason: expect.stringMatching(/already exist/) }]);
    const [mask] = await masksOf('twin');
    expect(mask.metadata).toMatchObject({ file: 'one.txt' });
  });

  it('refuses unknown images when images may not be created, and aligned masks of another size', async () => {
    await upsertImages(opened.handle.db, [{ key: 'registered', width: 4, height: 3, boxes: { object: [0, 0, 2, 2] } }]);
    const unknown = await write('strict/not-registered.txt', '0\n');
    const misaligned = await write('strict/aligned.txt', '--- registered aligned\n0 0\n0 0\n');
    const summary = await run([unknown, misaligned], { createImages: false });
    expect(summary.failures.map((f) => f.reason)).toEqual([
      expect.stringMatching(/image 'not-registered' is not registered/),
      "the text mask of image 'registered' is 2×2, but the image is 4×3 as registered",
    ]);
    expect(await masksOf('registered')).toEqual([]);
  });

  it('merges boxes a source names into the image, keeping its other boxes, and registers the model', async () => {
    const boxed = await write('boxes/boxed.txt', '--- registered aligned box dog 1 1 2 1\n0 0 0 0\n0 1 1 0\n0 0 0 0\n');
    const summary = await run([boxed], { model: 'cam-net', maskType: 'heat' });
    expect(summary.failures).toEqual([]);
    const [image] = await getImagesByKeys(opened.handle.db, ['registered']);
    expect(image.boxes).toEqual({ object: [0, 0, 2, 2], dog: [1, 1, 2, 1] });
    const [model] = await getModelsByNames(opened.handle.db, ['cam-net']);
    const [mask] = await masksOf('registered');
    expect(mask).toMatchObject({ modelId: model.id, maskType: 'heat' });
  });

  it('takes the image key from --key-regex and fails names that do not match', async () => {
    const matching = await write('regex/cam_photo-7_layer4.txt', '0.5\n');
    const other = await write('regex/unrelated.txt', '0.5\n');
    const summary = await run([matching, other], { keyRegex: /^cam_(.+)_layer\d+/ });
    expect(summary.failures).toEqual([{ file: other, reason: expect.stringMatching(/does not match --key-regex/) }]);
    expect(await masksOf('photo-7')).toHaveLength(1);
  });

  it('a source failing after some masks went to the encoder fails its file, and leaves no encode behind', async () => {
    // An encoder like the worker pool: encodes finish a little later, and closing it rejects those
    // still pending. A file failing part-way must wait for its encodes, or they reject unheard.
    const inline = createMaskEncoder({ chi: CHI, workers: 0 });
    const pending = new Set<(error: Error) => void>();
    const slow: MaskEncoder = {
      concurrency: 4,
      whenStarted: async () => {},
      encode: (width, height, data) =>
        new Promise((resolve, reject) => {
          pending.add(reject);
          setTimeout(() => {
            pending.delete(reject);
            resolve(inline.encode(width, height, data));
          }, 50);
        }),
      close: async () => {
        for (const reject of pending) reject(new Error('Terminating worker thread'));
      },
    };
    const late = await write('late/late-failure.txt', '--- late-1\n0.5\n--- late-2\n0.25\n--- late-3\nx\n');
    const { files } = await filesFromPaths([late], ['.txt']);
    const summary = await ingestFiles({ db: opened.handle.db, encoder: slow }, files, settings());
    await slow.close();
    expect(pending.size).toBe(0);
    expect(summary.failures).toEqual([{ file: late, reason: "mask 'late-3' has a value that is not a number" }]);
    expect(await masksOf('late-1')).toEqual([]);
  });

  it('a later file sees the size of an image an earlier file of the same run creates', async () => {
    const declares = await write('sizes/a-declares.txt', '--- sized-later size 3x2 aligned\n0 0 0\n0 1 0\n');
    const fills = await write('sizes/b-fills.txt', '--- sized-later fill type other\n');
    const { files } = await filesFromPaths([declares, fills], ['.txt']);
    const summary = await ingestFiles({ db: opened.handle.db, encoder }, files, settings());
    expect(summary.failures).toEqual([]);
    expect((await masksOf('sized-later')).map((m) => [m.maskType, m.width, m.height])).toEqual([
      ['text', 3, 2],
      ['other', 3, 2],
    ]);
  });

  it('counts bytes and stored masks only for masks written', async () => {
    const path = await write('bytes/counted.txt', '0.5 0.5\n');
    const { files } = await filesFromPaths([path], ['.txt']);
    expect((await ingestFiles({ db: opened.handle.db, encoder }, files, settings())).bytes.pixels).toBeGreaterThan(0);
    const again = await ingestFiles({ db: opened.handle.db, encoder }, files, settings({ onDuplicate: 'skip' }));
    expect(again.masks).toEqual({ inserted: 0, replaced: 0, skipped: 1 });
    expect(again.bytes).toEqual({ pixels: 0, chi: 0 });
  });

  it('encodes on this thread before the worker threads have started, then in them, with the same result', async () => {
    const pooled = createMaskEncoder({ chi: CHI, workers: 1 });
    const mask = new Float32Array(64 * 48).map((_, i) => (i % 97) / 96);
    try {
      const whileStarting = await pooled.encode(64, 48, mask);
      await pooled.whenStarted();
      expect(await pooled.encode(64, 48, mask)).toEqual(whileStarting);
      expect(whileStarting).toEqual(await encoder.encode(64, 48, mask));
    } finally {
      await pooled.close();
    }
  });

  it('encodes many masks in flight at once in the worker threads, each as on this thread, its buffers reused', async () => {
    const pooled = createMaskEncoder({ chi: CHI, workers: 1 });
    const masks = Array.from({ length: 24 }, (_, k) => {
      const [width, height] = k % 3 === 0 ? [32, 16] : [64, 48];
      return { width, height, data: k % 2 === 0 ? new Float32Array(width * height).map((_, i) => ((i * (k + 1)) % 101) / 100) : new Uint8Array(width * height).map((_, i) => (i * (k + 3)) & 255) };
    });
    try {
      await pooled.whenStarted();
      const expected = await Promise.all(masks.map((m) => encoder.encode(m.width, m.height, m.data)));
      for (let round = 0; round < 3; round++) {
        expect(await Promise.all(masks.map((m) => pooled.encode(m.width, m.height, m.data)))).toEqual(expected);
      }
    } finally {
      await pooled.close();
    }
  });

  it('encodes in worker threads with the same result', async () => {
    const pooled = createMaskEncoder({ chi: CHI, workers: 1 });
    try {
      await pooled.whenStarted();
      const path = await write('workers/pooled.txt', '0.5 0.25\n1 0\n');
      const { files } = await filesFromPaths([path], ['.txt']);
      const summary = await ingestFiles({ db: opened.handle.db, encoder: pooled }, files, settings());
      expect(summary.failures).toEqual([]);
      const [mask] = await masksOf('pooled');
      expect([...(await loadMaskPixels(opened.handle.db, [mask.id])).get(mask.id)!.data]).toEqual([0.5, 0.25, 1, 0]);
    } finally {
      await pooled.close();
    }
  });
});

describe('files from disk', () => {
  it('read into the memory of files handed back, each read giving exactly its own bytes', async () => {
    const a = await write('reads/a.txt', 'a'.repeat(5000));
    const b = await write('reads/b.txt', 'b'.repeat(3000));
    const c = await write('reads/c.txt', 'c'.repeat(9000));
    const { files } = await filesFromPaths([join(dir, 'reads')], ['.txt']);
    const [fa, fb, fc] = files;
    const first = await fa.read();
    expect(Buffer.from(first).toString()).toBe('a'.repeat(5000));
    fa.release!(first);
    // b fits the buffer a handed back; c does not, and gets one of its own.
    const second = await fb.read();
    expect(second.buffer).toBe(first.buffer);
    expect(Buffer.from(second).toString()).toBe('b'.repeat(3000));
    const third = await fc.read();
    expect(third.buffer).not.toBe(first.buffer);
    expect(Buffer.from(third).toString()).toBe('c'.repeat(9000));
    expect([a, b, c]).toEqual(files.map((f) => f.name));
  });
});

describe('parseSourceOptions', () => {
  it('applies defaults and names a bad or unknown option', () => {
    const source = registry.get('text-masks')!;
    expect(parseSourceOptions(source, undefined)).toEqual({ scale: 1 });
    expect(() => parseSourceOptions(source, { scale: -1 })).toThrow(/source 'text-masks': option 'scale': /);
    expect(() => parseSourceOptions(source, { scael: 2 })).toThrow(/source 'text-masks': options: Unrecognized key: "scael"/);
  });
});
