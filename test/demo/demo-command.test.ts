import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listImages, upsertImages } from '../../db/repositories/images.js';
import { getMasksByImageIds } from '../../db/repositories/masks.js';
import { listModels } from '../../db/repositories/models.js';
import { planImage } from '../../demo/dataset.js';
import { runOnStore, startServer } from '../cli/cli-process.js';
import { createFreshStore, testDriver, type FreshStore } from '../db/fresh-store.js';

/** `masksearch demo` as a user runs it, on a store of its own. */
describe('masksearch demo', () => {
  let fresh: FreshStore;
  let files: string;

  beforeAll(async () => {
    [fresh, files] = await Promise.all([createFreshStore(), mkdtemp(join(tmpdir(), 'masksearch-demo-cli-'))]);
  });

  afterAll(async () => {
    await fresh?.cleanup();
    if (files) await rm(files, { recursive: true, force: true });
  });

  // The files go to a folder of the test's: with DATABASE_URL the default would be ./.masksearch/demo.
  const demo = (...args: string[]) => runOnStore(fresh, ['demo', '--files', files, ...args]);

  /** What the store holds, opened per check: on PGlite the CLI cannot run while this process holds the store. */
  async function stored(): Promise<{ images: number; masks: Record<string, number>; models: string[] }> {
    const handle = await fresh.open();
    try {
      const { images } = await listImages(handle.db, { limit: 10_000 });
      const masks: Record<string, number> = {};
      for (const mask of await getMasksByImageIds(handle.db, images.map((i) => i.id))) {
        const type = mask.maskType.startsWith('segmentation:') ? 'segmentation' : mask.maskType;
        masks[type] = (masks[type] ?? 0) + 1;
      }
      return { images: images.length, masks, models: (await listModels(handle.db)).map((m) => `${m.name} (${m.kind})`) };
    } finally {
      await handle.close();
    }
  }

  const watched = (images: number, seed: number) => Array.from({ length: images }, (_, i) => planImage(seed, i)).filter((p) => p.humanAttention).length;

  it('seeds a fresh store, saying that the data is synthetic', async () => {
    const result = await demo('--images', '150', '--seed', '3');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('with the demo dataset: 150 images, seed 3');
    expect(result.stdout).toContain('the demo data is synthetic');
    expect(result.stdout).toMatch(/\ndemo dataset ready in \d+\.\d s: 150 images, [\d,]+ masks stored — saliency 150, segmentation 150, human-attention \d+; planted: /);
    expect(await stored()).toEqual({
      images: 150,
      masks: { saliency: 150, segmentation: 150, 'human-attention': watched(150, 3) },
      models: ['demo-classifier (classifier)'],
    });
    await access(join(files, 'images', 'demo-00150.png'));
  });

  it('does nothing when run again', async () => {
    const result = await demo('--images', '150', '--seed', '3');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ already holds the demo dataset \(150 images, seed 3\); nothing to do\n$/);
    expect((await stored()).images).toBe(150);
  });

  it('completes a smaller seeding without duplicating what is there', async () => {
    const result = await demo('--images', '180', '--seed', '3');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('completing ');
    expect(result.stdout).toMatch(/ingested 30 saliency masks through the gradcam source, model demo-classifier \(150 were already there\)/);
    expect(await stored()).toEqual({
      images: 180,
      masks: { saliency: 180, segmentation: 180, 'human-attention': watched(180, 3) },
      models: ['demo-classifier (classifier)'],
    });
  });

  it('refuses to mix in the demo of another seed', async () => {
    const result = await demo('--images', '20', '--seed', '4');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^masksearch: the store holds an image demo-\d{5} that is not the one the demo makes with seed 4 \(was it seeded with another --seed\?\)/);
    expect((await stored()).images).toBe(180);
  });

  it.runIf(testDriver === 'pglite')('says so when a server holds the embedded store', async () => {
    const held = await createFreshStore();
    // An image first: a server started on an empty store would seed the demo itself.
    const handle = await held.open();
    await upsertImages(handle.db, [{ key: 'mine', width: 8, height: 8 }]);
    await handle.close();
    const server = await startServer(held);
    try {
      const result = await runOnStore(held, ['demo', '--files', files, '--images', '10']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `masksearch: the store in ${held.options.dataDir} is in use by a MaskSearch server (pid ${server.child.pid}, ${server.url}); ` +
          'the demo writes into the store directly, so stop the server and run masksearch demo again (a server started on an empty store seeds the demo itself)\n',
      );
    } finally {
      await server.stop();
      await held.cleanup();
    }
  });
});
