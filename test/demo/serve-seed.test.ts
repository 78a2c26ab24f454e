import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedDemoIntoEmptyStore, startDemoFiles } from '../../cli/commands/demo.js';
import { FIRST_SHARD_IMAGES } from '../../demo/shard.js';
import { listImages } from '../../db/repositories/images.js';
import { loadSourceRegistry } from '../../plugins/config.js';
import { SeedingStatus } from '../../search/seeding-status.js';
import { startService, type RunningService } from '../service/service-fixture.js';

/** What `masksearch serve` does after it is ready: seed the demo into an empty store, through the service. */
describe('seeding the demo from serve', () => {
  let running: RunningService;
  let dir: string;
  const dataset = { images: 60, seed: 5 };
  const never = new Promise<void>(() => {});

  beforeAll(async () => {
    [running, dir] = await Promise.all([
      startService(undefined, undefined, { sources: await loadSourceRegistry() }),
      mkdtemp(join(tmpdir(), 'masksearch-demo-serve-')),
    ]);
  });

  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  afterEach(() => vi.restoreAllMocks());

  const printed = () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    return () => log.mock.calls.map((call) => String(call[0])).join('\n');
  };

  const imageCount = async () => (await listImages(running.service.db, { limit: 1000 })).images.length;

  it('stops between batches when the server is asked to stop, saying how to complete it', async () => {
    const output = printed();
    await seedDemoIntoEmptyStore(running.service, await startDemoFiles(running.service.db, dir, dataset), Promise.resolve());
    expect(output()).toMatch(/seeding the demo stopped before it was complete; `masksearch demo` completes it$/);
    expect(await imageCount()).toBe(0);
  });

  it('seeds a slice of the real photos, then the synthetic demo\'s first shard, then the rest of each (saying it is synthetic); the engine sees it; the status tells how far', async () => {
    // Each line with the masks the engine had indexed when it was printed: what had landed, in which order.
    const lines: { text: string; indexed: number }[] = [];
    vi.spyOn(console, 'log').mockImplementation((text) => void lines.push({ text: String(text), indexed: running.service.table.size }));
    const status = new SeedingStatus();
    await seedDemoIntoEmptyStore(running.service, await startDemoFiles(running.service.db, dir, dataset), never, status);
    const output = lines.map((l) => l.text).join('\n');
    expect(output).toMatch(/^the store is empty: seeding the real-data demo and the synthetic demo dataset \(60 images, seed 5, files in \S+\), a first slice of each, then the rest; .*--no-demo/);
    const line = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l.text));
    const [synthetic, slice, realRest, ready] = [/the demo data is synthetic/, /^real demo, first slice: 12 NUS Scene photos/, /^real demo: 80 NUS Scene photos \(tag nus-scene\), 80 saliency maps of centernet-coco, 80 human-attention maps/, /^demo dataset ready in \d+\.\d s: 60 images, /].map(line);
    expect([synthetic, slice, realRest, ready].every((at) => at >= 0)).toBe(true);
    expect(synthetic < slice && slice < realRest && realRest < ready).toBe(true);
    // The slice came first: nothing of the synthetic demo was in yet.
    expect(lines[slice].indexed).toBe(24);
    // The rest of the photos came after the synthetic first shard: its saliency and segmentation (20 each) were in.
    expect(lines[realRest].indexed).toBeGreaterThanOrEqual(160 + 2 * FIRST_SHARD_IMAGES);
    expect(lines[realRest].indexed).toBeLessThan(160 + 2 * dataset.images);
    expect(await imageCount()).toBe(80 + 60);
    expect(running.service.table.size).toBeGreaterThanOrEqual(160 + 120);
    expect(status.current).toMatchObject({ state: 'done', dataset: 'real photos (NUS Scene) and synthetic demo (60 images)', imagesPlanned: 140, imagesMade: 140 });
    expect(status.current.masksStored).toBe(status.current.masksPlanned);
  });

  it('leaves a store that has images alone', async () => {
    const output = printed();
    const files = await startDemoFiles(running.service.db, dir, { images: 80, seed: 5 });
    expect(files).toBeNull();
    await seedDemoIntoEmptyStore(running.service, files, never);
    expect(output()).toBe('');
    expect(await imageCount()).toBe(80 + 60);
  });
});
