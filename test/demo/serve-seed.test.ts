import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedDemoIntoEmptyStore } from '../../cli/commands/demo.js';
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
    await seedDemoIntoEmptyStore(running.service, dir, Promise.resolve(), dataset);
    expect(output()).toMatch(/seeding the demo stopped before it was complete; `masksearch demo` completes it$/);
    expect(await imageCount()).toBe(0);
  });

  it('seeds an empty store with the real photos, then the synthetic data (saying it is), and the engine sees it; the status tells how far', async () => {
    const output = printed();
    const status = new SeedingStatus();
    await seedDemoIntoEmptyStore(running.service, dir, never, dataset, status);
    expect(output()).toMatch(/^the store is empty: seeding the real-data demo, then the synthetic demo dataset \(60 images, seed 5, files in \S+\); .*--no-demo/);
    expect(output()).toMatch(/\nreal demo: 80 NUS Scene photos \(tag nus-scene\), 80 saliency maps of centernet-coco, 80 human-attention maps/);
    expect(output()).toContain('the demo data is synthetic');
    expect(output()).toMatch(/\ndemo dataset ready in \d+\.\d s: 60 images, /);
    expect(await imageCount()).toBe(80 + 60);
    expect(running.service.table.size).toBeGreaterThanOrEqual(160 + 120);
    expect(status.current).toMatchObject({ state: 'done', dataset: 'synthetic demo (60 images)', imagesPlanned: 60, imagesMade: 60 });
    expect(status.current.masksStored).toBe(status.current.masksPlanned);
  });

  it('leaves a store that has images alone', async () => {
    const output = printed();
    await seedDemoIntoEmptyStore(running.service, dir, never, { images: 80, seed: 5 });
    expect(output()).toBe('');
    expect(await imageCount()).toBe(80 + 60);
  });
});
