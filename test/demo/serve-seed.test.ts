import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedDemoIntoEmptyStore } from '../../cli/commands/demo.js';
import { listImages } from '../../db/repositories/images.js';
import { loadSourceRegistry } from '../../plugins/config.js';
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

  it('seeds an empty store, saying that the data is synthetic, and the engine sees it', async () => {
    const output = printed();
    await seedDemoIntoEmptyStore(running.service, dir, never, dataset);
    expect(output()).toMatch(/^the store is empty: seeding the demo dataset \(60 images, seed 5, files in \S+\); .*--no-demo/);
    expect(output()).toContain('the demo data is synthetic');
    expect(output()).toMatch(/\ndemo dataset ready in \d+\.\d s: 60 images, /);
    expect(await imageCount()).toBe(60);
    expect(running.service.table.size).toBeGreaterThanOrEqual(120);
  });

  it('leaves a store that has images alone', async () => {
    const output = printed();
    await seedDemoIntoEmptyStore(running.service, dir, never, { images: 80, seed: 5 });
    expect(output()).toBe('');
    expect(await imageCount()).toBe(60);
  });
});
