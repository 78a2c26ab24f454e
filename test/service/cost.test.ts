import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterByCP, MaskTable, MemoryMaskLoader, topKByCP, type Mask } from '../../engine/index.js';
import { loadSourceRegistry } from '../../plugins/config.js';
import { seedStore, startService, type RunningService } from './service-fixture.js';

describe('query cost is bounded before anything runs', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startService(async (store) => void (await seedStore(store, 30, 2)), undefined, { sources: await loadSourceRegistry(), ingestWorkers: 0 });
  });
  afterAll(() => running?.stop());

  const rejected = async (query: string) => {
    const res = await running.gql(query);
    expect(res.data ?? null, query.slice(0, 60)).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/^query complexity \d+ exceeds the limit of 200000$/);
  };
  const accepted = async (query: string) => expect((await running.gql(query)).errors, query.slice(0, 60)).toBeUndefined();

  it('multiplies by first and k, so a large page of pixel work is refused', async () => {
    await rejected('{ masks(first: 10000) { nodes { histogram(bins: 256) } } }');
    await accepted('{ masks(first: 1000) { nodes { histogram(bins: 256) } } }');
    await rejected('{ topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: 10000) { items { nodes { mask { cp(roi: { full: true }, range: { gt: 0.1 }) } } } } }');
    await accepted('{ topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: 25) { items { nodes { mask { cp(roi: { full: true }, range: { gt: 0.1 }) } } } } }');
  });

  it('counts full scans (useIndex: false) by the store, and every alias', async () => {
    const scan = (n: number) => `s${n}: topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: 5, useIndex: false) { items { nodes { value } } }`;
    await accepted(`{ ${scan(0)} }`);
    await rejected(`{ ${Array.from({ length: 11 }, (_, i) => scan(i)).join(' ')} }`);
    const indexed = (n: number) => `s${n}: topKByCP(roi: { full: true }, range: { gt: 0.5 }, k: 5) { items { nodes { value } } }`;
    // Sixty indexed top-k at 4 fields each stay inside the breadth limit (300) and the cost.
    await accepted(`{ ${Array.from({ length: 60 }, (_, i) => indexed(i)).join(' ')} }`);
  });

  it('refuses client regexes that can backtrack exponentially, naming the argument', async () => {
    for (const keyRegex of ['(a+)+$', '(\\\\w+\\\\s?)*$', '(x|xx)*y', '(.)\\\\1']) {
      const res = await running.upload(`mutation ($files: [Upload!]!) { ingestMasks(source: "gradcam", files: $files, options: { keyRegex: "${keyRegex}" }) { ingestedFiles } }`, {}, [{ name: 'a.npy', bytes: new Uint8Array(8) }]);
      expect(res.errors?.[0]?.extensions?.code, keyRegex).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.extensions?.argumentPath).toBe('options.keyRegex');
    }
  });

  it('stops a full scan once the client has gone', async () => {
    const seen: string[] = [];
    const controller = new AbortController();
    // Scans on this thread, whose statements onQuery sees; the worker threads' scans stop as
    // their clients go too (scan-workers.test.ts).
    const scanning = await startService(
      async (store) => void (await seedStore(store, 400, 4)),
      (sql) => {
        if (!/from "mask_pixels"/.test(sql)) return;
        seen.push(sql);
        controller.abort();
      },
      { pixelWorkers: 0 },
    );
    try {
      const outcome = await scanning
        .fetch({
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer test-operator-token' },
          body: JSON.stringify({ query: '{ filterByCP(roi: { full: true }, range: { gt: 0.5 }, op: GT, threshold: 0, useIndex: false) { totalCount } }' }),
          signal: controller.signal,
        })
        .then((r) => r.json(), (error: unknown) => error);
      expect(outcome).toBeInstanceOf(Error);
      // Let the server's execution reach its next batch, where it stops.
      await new Promise((resolve) => setTimeout(resolve, 500));
      // 720 masks at 64 per batch of a scan: twelve pixel loads if it ran on.
      expect(seen.length).toBe(1);
      expect(scanning.service.table.size).toBeGreaterThan(512);
    } finally {
      await scanning.stop();
    }
  });
});

describe('the engine stops between batches when its signal aborts', () => {
  const mask = (id: number): Mask => ({ width: 2, height: 2, encoding: 'u8', data: Uint8Array.of(id % 256, 0, 255, 128) });
  const masks = new Map(Array.from({ length: 50 }, (_, i) => [i + 1, mask(i + 1)] as const));
  const setup = () => {
    const index = new MaskTable({ levels: [{ grid: 2, bins: 4 }] });
    index.putImage({ id: 1, width: 2, height: 2, boxes: {} });
    for (const id of masks.keys()) index.putMask({ id, imageId: 1, width: 2, height: 2, encoding: 'u8' }, null);
    const controller = new AbortController();
    const inner = new MemoryMaskLoader(masks);
    const batches: number[][] = [];
    const loader = { load: (ids: readonly number[]) => (batches.push([...ids]), controller.abort(), inner.load(ids)) };
    return { ctx: { table: index, loader, batchSize: 10, signal: controller.signal }, batches };
  };

  it.each([
    ['filter', (ctx: ReturnType<typeof setup>['ctx']) => filterByCP(ctx, { roi: { kind: 'full' }, range: { gt: 0.4 }, normalize: 'COUNT', op: 'GT', threshold: 0, useIndex: false })],
    ['top-k', (ctx: ReturnType<typeof setup>['ctx']) => topKByCP(ctx, { roi: { kind: 'full' }, range: { gt: 0.4 }, normalize: 'COUNT', k: 3, order: 'DESC', useIndex: false })],
  ])('%s', async (_, run) => {
    const { ctx, batches } = setup();
    await expect(run(ctx)).rejects.toMatchObject({ name: 'QueryAbortedError' });
    expect(batches).toHaveLength(1);
  });
});

