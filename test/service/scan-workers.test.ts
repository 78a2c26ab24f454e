import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMasks, loadMaskPixels, loadStoredPixels, type StoredPixels } from '../../db/repositories/masks.js';
import { PIXEL_CODECS } from '../../db/pixel-codec.js';
import { compileRange, filterByCP, topKByCP, type EngineContext, type Mask, type MaskData, type QueryStats, type ScanCounter } from '../../engine/index.js';
import { INLINE_DECODE_BYTES, INLINE_DECODE_BYTES_WHILE_STARTING, PixelWorkers } from '../../search/pixel-workers.js';
import { StoreScanCounter, WorkerScanCounter } from '../../search/scan-workers.js';
import { testDriver } from '../db/fresh-store.js';
import { blobMask, seededRandom } from '../db/mask-fixtures.js';
import { aggregateValues, bruteFilter, bruteTopK, cpValues, type CpCase, type RefImage, type RefMask } from '../support/brute-force.js';
import { seedStore, startService, type RunningService, type Seeded } from './service-fixture.js';

/** The same values as blobMask's, spread over the codes of another encoding (low bits and fractions at random). */
function inEncoding(mask: Mask, encoding: 'u16' | 'f32', seed: number): Mask {
  const random = seededRandom(seed);
  const data: MaskData =
    encoding === 'u16'
      ? Uint16Array.from(mask.data, (v) => Math.min(65535, v * 257 + Math.floor(random() * 257)))
      : Float32Array.from(mask.data, (v) => Math.min(1, (v + random()) / 256));
  return { width: mask.width, height: mask.height, encoding, data };
}

const comparable = (stats: QueryStats) => ({ candidates: stats.candidates, skipped: stats.skipped, verified: stats.verified, pixelsCounted: stats.pixelsCounted });

const CASES: (CpCase & { where?: { maskTypes: string[] } })[] = [
  { roi: { kind: 'full' }, range: { gt: 0.5 }, normalize: 'COUNT' },
  { roi: { kind: 'full' }, range: { gte: 0.2, lt: 0.6 }, normalize: 'ROI_FRACTION' },
  { roi: { kind: 'box', x: 3, y: 2, width: 11, height: 40 }, range: { lte: 0.3 }, normalize: 'COUNT' },
  { roi: { kind: 'box', x: 30, y: 30, width: 5, height: 5 }, range: { gt: 0.1 }, normalize: 'COUNT', minRoiArea: 1 },
  { roi: { kind: 'imageBox', name: 'object' }, range: { gt: 0.4, lte: 0.9 }, normalize: 'ROI_FRACTION' },
  { roi: { kind: 'imageBox', name: 'object' }, range: { gte: 1 }, normalize: 'COUNT' },
  { roi: { kind: 'full' }, range: { gte: 128 / 255 }, normalize: 'COUNT', where: { maskTypes: ['u16-raw', 'f32-shuffle-lz4', 'saliency'] } },
];

/** Scans a stored mask, an id never stored and a mask planned at another size than stored: only the first is counted, the third is loaded. */
async function expectGoneAndResizedUncounted(counter: ScanCounter, masks: RefMask[], images: Map<number, RefImage>) {
  const [a, b] = masks;
  const job = {
    ids: Float64Array.of(a.id, 987_654, b.id),
    rects: Int32Array.of(0, 0, a.mask.width, a.mask.height, 0, 0, 1, 1, 0, 0, 1, 1),
    dims: Int32Array.of(a.mask.width, a.mask.height, 1, 1, b.mask.width + 1, b.mask.height),
    range: compileRange({ gt: 0.5 }),
  };
  const { counts, loaded } = await counter.countWhole(job);
  expect(counts[0]).toBe(cpValues([a], images, { roi: { kind: 'full' }, range: { gt: 0.5 }, normalize: 'COUNT' })[0].value);
  expect([...counts.subarray(1)]).toEqual([NaN, NaN]);
  expect(loaded).toBe(2);
  return job;
}

describe('CP scans counted in worker threads', () => {
  let running: RunningService;
  let seeded: Seeded;
  /** Every mask as stored: the seed's u8 masks and copies in u16 and f32 under each codec. */
  let masks: RefMask[];
  let workers: PixelWorkers;
  let counter: WorkerScanCounter;
  const readStored = (ids: readonly number[]) => loadStoredPixels(running.store.db, ids);

  beforeAll(async () => {
    running = await startService(
      async (store) => {
        seeded = await seedStore(store, 24, 5);
        masks = [...seeded.masks];
        const saliency = seeded.masks.filter((m) => m.maskType === 'saliency');
        for (const codec of PIXEL_CODECS) {
          const copies = saliency.slice(0, 8).flatMap((m, i) =>
            (['u16', 'f32'] as const).map((encoding) => ({ imageId: m.imageId, maskType: `${encoding}-${codec}`, mask: inEncoding(m.mask, encoding, m.id * 10 + i) })),
          );
          const inserted = await insertMasks(store.db, copies.map((c) => ({ ...c, source: 'test' })), { codec });
          copies.forEach((c, i) => masks.push({ id: inserted[i].id, imageId: c.imageId, mask: c.mask }));
        }
      },
      undefined,
      { pixelWorkers: 1 },
    );
    workers = new PixelWorkers(1);
    counter = new WorkerScanCounter(readStored, workers, { masks: 5 });
  });
  afterAll(async () => {
    await counter?.close();
    await workers?.close();
    await running?.stop();
  });

  const inThread = (): EngineContext => ({ ...running.service.engineContext(false), scanCounter: undefined });
  const inWorkers = (): EngineContext => ({ ...running.service.engineContext(false), scanCounter: counter });

  it('gives exactly the in-thread top-k, values and stats, and the brute-force answer', async () => {
    for (const q of CASES) {
      for (const order of ['ASC', 'DESC'] as const) {
        const spec = { ...q, k: 7, order, useIndex: false };
        const [here, there] = [await topKByCP(inThread(), spec), await topKByCP(inWorkers(), spec)];
        expect(there.items, JSON.stringify(spec)).toEqual(here.items);
        expect(comparable(there.stats)).toEqual(comparable(here.stats));
        if (!q.where) expect(there.items.map((r) => ({ id: r.key, value: r.value }))).toEqual(bruteTopK(cpValues(masks, seeded.images, q), 7, order));
      }
    }
  });

  it('gives exactly the in-thread filter matches and their values, and the brute-force answer', async () => {
    for (const q of CASES) {
      const spec = { ...q, op: 'GT' as const, threshold: q.normalize === 'COUNT' ? 20 : 0.25, useIndex: false };
      const [here, there] = [await filterByCP(inThread(), spec), await filterByCP(inWorkers(), spec)];
      expect([...there.keys], JSON.stringify(spec)).toEqual([...here.keys]);
      expect(await there.values([...there.keys])).toEqual(await here.values([...here.keys]));
      expect(comparable(there.stats)).toEqual(comparable(here.stats));
      if (!q.where) expect([...there.keys]).toEqual(bruteFilter(cpValues(masks, seeded.images, q), 'GT', spec.threshold).map((v) => v.id));
    }
  });

  it('answers through GraphQL as the brute force does, with the service’s own scan workers', async () => {
    const res = await running.gql<{ topKByCP: { items: { nodes: { value: number; mask: { id: string } }[] }; stats: { verified: number; usedIndex: boolean } } }>(
      '{ topKByCP(roi: { imageBox: "object" }, range: { gt: 0.4, lte: 0.9 }, normalize: ROI_FRACTION, k: 10, order: DESC, useIndex: false) { items { nodes { value } } stats { verified usedIndex } } }',
    );
    expect(res.errors).toBeUndefined();
    const values = cpValues(masks, seeded.images, { roi: { kind: 'imageBox', name: 'object' }, range: { gt: 0.4, lte: 0.9 }, normalize: 'ROI_FRACTION' });
    expect(res.data!.topKByCP.items.nodes.map((n) => n.value)).toEqual(bruteTopK(values, 10, 'DESC').map((e) => e.value));
    // Every mask with an object box was loaded and counted.
    expect(res.data!.topKByCP.stats).toEqual({ verified: values.length, usedIndex: false });
  });

  it('leaves uncounted a mask that is gone or stored at another size, counting the second as loaded', async () => {
    await expectGoneAndResizedUncounted(counter, masks, seeded.images);
  });

  it('stops between pieces once the signal aborts, and keeps its thread for the next scan', async () => {
    const controller = new AbortController();
    const reads: number[][] = [];
    const own = new PixelWorkers(1);
    const aborting = new WorkerScanCounter(
      async (ids) => {
        // The client goes while the second piece is read, the first one being counted.
        if (reads.push([...ids]) === 2) controller.abort();
        return readStored(ids);
      },
      own,
      { masks: 4 },
    );
    try {
      const spec = { roi: { kind: 'full' } as const, range: { gt: 0.5 }, normalize: 'COUNT' as const, k: 3, order: 'DESC' as const, useIndex: false };
      const ctx = { ...running.service.engineContext(false), scanCounter: aborting, signal: controller.signal };
      await expect(topKByCP(ctx, spec)).rejects.toMatchObject({ name: 'QueryAbortedError' });
      expect(reads).toHaveLength(2);
      expect(own.threads).toBe(1);
      const again = await topKByCP({ ...ctx, signal: undefined }, spec);
      expect(again.items).toEqual((await topKByCP(inThread(), spec)).items);
    } finally {
      await aborting.close();
      await own.close();
    }
  });

  it('answers a cheap query while a worker counts a long scan', async () => {
    // Big masks, so that one piece keeps the worker busy far longer than a small query takes.
    const imageIds = [...seeded.images.keys()].slice(0, 6);
    const big = await insertMasks(
      running.store.db,
      imageIds.map((imageId, i) => ({
        imageId,
        maskType: 'big',
        source: 'test',
        mask: inEncoding(blobMask(1024, 1024, 40 + i), 'f32', i),
      })),
    );
    await running.service.catchUp();
    let inWorker!: () => void;
    const dispatched = new Promise<void>((resolve) => (inWorker = resolve));
    let armed = false;
    const slow = new WorkerScanCounter(
      async (ids) => {
        const stored = await readStored(ids);
        // Runs once the scan has handed the piece to the worker, after this read's continuations.
        if (armed) setImmediate(inWorker);
        return stored;
      },
      workers,
      { masks: big.length, pixels: 2 ** 30 },
    );
    try {
      const ctx = { ...running.service.engineContext(false), scanCounter: slow };
      const spec = { roi: { kind: 'full' } as const, range: { gt: 0.5 }, normalize: 'COUNT' as const, k: 3, order: 'DESC' as const, where: { maskTypes: ['big'] }, useIndex: false };
      // The first scan starts the thread; the second is the one measured.
      await topKByCP(ctx, { ...spec, where: { maskTypes: ['saliency'] } });
      const cheap = '{ topKByCP(where: { maskTypes: ["saliency"] }, roi: { full: true }, range: { gt: 0.5 }, k: 3) { items { nodes { value } } } }';
      expect((await running.gql(cheap)).errors).toBeUndefined();
      let scanDone = false;
      armed = true;
      const scan = topKByCP(ctx, spec).finally(() => (scanDone = true));
      await dispatched;
      const answer = await running.gql(cheap);
      expect(answer.errors).toBeUndefined();
      expect(scanDone).toBe(false);
      const result = await scan;
      expect(result.stats.verified).toBe(big.length);
      expect(result.items).toEqual((await topKByCP(inThread(), spec)).items);
    } finally {
      await slow.close();
    }
  });

  it('answers an aggregation scan of masks too large to decode inline as the brute force does', async () => {
    const imageIds = [...seeded.images.keys()].slice(0, 6);
    const pairs = imageIds.flatMap((imageId, i) => (['big-a', 'big-b'] as const).map((maskType, j) => ({ imageId, maskType, mask: inEncoding(blobMask(512, 512, 80 + i * 2 + j), 'f32', i) })));
    const inserted = await insertMasks(running.store.db, pairs.map((p) => ({ ...p, source: 'test' })));
    await running.service.catchUp();
    const refs = pairs.map((p, i) => ({ id: inserted[i].id, imageId: p.imageId, mask: p.mask }));
    const res = await running.gql<{ aggregateMasks: { groups: { edges: { node: { value: number; image: { id: string } } }[] }; stats: { verified: number } } }>(
      '{ aggregateMasks(where: { maskTypes: ["big-a", "big-b"] }, op: INTERSECT, threshold: 0.5, roi: { full: true }, measure: IOU, k: 4, order: DESC, useIndex: false) { groups { edges { node { value } } } stats { verified } } }',
    );
    expect(res.errors).toBeUndefined();
    const expected = bruteTopK(aggregateValues(refs, seeded.images, { op: 'INTERSECT', threshold: 0.5, roi: { kind: 'full' }, measure: 'IOU' }), 4, 'DESC');
    expect(res.data!.aggregateMasks.groups.edges.map((e) => e.node.value)).toEqual(expected.map((e) => e.value));
    expect(res.data!.aggregateMasks.stats.verified).toBe(refs.length);
  });

  /** Every mask stored, the big ones too. */
  const allIds = () => Array.from({ length: running.service.table.size }, (_, slot) => running.service.table.idAt(slot));

  it('decodes loads as the store reads them, large ones in the workers (on this thread while they start)', async () => {
    const ids = allIds();
    const stored = await readStored(ids);
    const small = await readStored(ids.slice(0, 3));
    const bytesOf = (load: Map<number, { width: number; height: number; encoding: 'u8' | 'u16' | 'f32' }>) =>
      [...load.values()].reduce((sum, p) => sum + p.width * p.height * { u8: 1, u16: 2, f32: 4 }[p.encoding], 0);
    expect(bytesOf(stored)).toBeGreaterThan(INLINE_DECODE_BYTES_WHILE_STARTING);
    // A load too large for this thread's share, but decoded here while the threads start.
    const medium = new Map<number, StoredPixels>();
    for (const [id, pixels] of stored) {
      if (bytesOf(medium) > INLINE_DECODE_BYTES) break;
      if (bytesOf(new Map([...medium, [id, pixels]])) <= INLINE_DECODE_BYTES_WHILE_STARTING) medium.set(id, pixels);
    }
    expect(bytesOf(medium)).toBeGreaterThan(INLINE_DECODE_BYTES);
    const reference = await loadMaskPixels(running.store.db, ids);
    const expectDecoded = (decoded: Map<number, Mask>, load: Map<number, unknown>) => {
      expect([...decoded.keys()]).toEqual([...load.keys()]);
      for (const [id, mask] of decoded) {
        const expected = reference.get(id)!;
        // Byte by byte: toEqual walks a million-value array far too slowly.
        expect({ ...mask, data: mask.data.constructor.name }).toEqual({ ...expected, data: expected.data.constructor.name });
        expect(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.byteLength).equals(Buffer.from(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength))).toBe(true);
      }
    };
    // A medium load alone does not start the threads.
    const unstarted = new PixelWorkers(1);
    try {
      expectDecoded(await unstarted.decode(medium), medium);
      expect(unstarted.threads).toBe(0);
    } finally {
      await unstarted.close();
    }
    // Threads starting: the medium load is decoded here before the first thread has loaded its
    // entry, the large one waits for the threads.
    const fresh = new PixelWorkers(1);
    try {
      const settled: string[] = [];
      const starting = fresh.whenStarted().then(() => settled.push('started'));
      const decoding = [medium, stored].map((load, i) => fresh.decode(load).then((decoded) => (settled.push(i === 0 ? 'medium' : 'large'), decoded)));
      await starting;
      const [mediumDecoded, largeDecoded] = await Promise.all(decoding);
      expect(settled).toEqual(['medium', 'started', 'large']);
      expectDecoded(mediumDecoded, medium);
      expectDecoded(largeDecoded, stored);
    } finally {
      await fresh.close();
    }
    await workers.whenStarted();
    for (const load of [stored, medium, small]) expectDecoded(await workers.decode(load), load);
  });

  it('lets a scan under way finish when closed, then refuses scans and holds no thread', async () => {
    const own = new PixelWorkers(1);
    const closing = new WorkerScanCounter(readStored, own, { masks: 3 });
    const spec = { roi: { kind: 'full' } as const, range: { gt: 0.3 }, normalize: 'COUNT' as const, k: 5, order: 'ASC' as const, useIndex: false };
    const ctx = { ...running.service.engineContext(false), scanCounter: closing };
    const scan = topKByCP(ctx, spec);
    await new Promise((resolve) => setImmediate(resolve));
    const closed = closing.close().then(() => own.close());
    expect((await scan).items).toEqual((await topKByCP(inThread(), spec)).items);
    await closed;
    expect(own.threads).toBe(0);
    await expect(topKByCP(ctx, spec)).rejects.toThrow('the scan counter is closed');
    await expect(own.decode(await readStored(allIds()))).rejects.toThrow('the pixel workers are closed');
  });
});

describe.runIf(testDriver === 'postgres')('CP scans read from PostgreSQL and counted in a worker thread of their own', () => {
  let running: RunningService;
  let seeded: Seeded;
  let workers: PixelWorkers;
  let counter: StoreScanCounter;

  beforeAll(async () => {
    running = await startService(async (store) => void (seeded = await seedStore(store, 24, 6)), undefined, { pixelWorkers: 1 });
    workers = new PixelWorkers(1, { databaseUrl: running.store.url });
    // Pieces of 5 masks: a scan of the seed takes many reads.
    counter = new StoreScanCounter(workers, { masks: 5 });
  });
  afterAll(async () => {
    await counter?.close();
    await workers?.close();
    await running?.stop();
  });

  const inThread = (): EngineContext => ({ ...running.service.engineContext(false), scanCounter: undefined });
  const inWorker = (signal?: AbortSignal): EngineContext => ({ ...running.service.engineContext(false), scanCounter: counter, signal });

  it('gives exactly the in-thread top-k and filter matches, values and stats, and the brute-force answer', async () => {
    for (const q of CASES.filter((c) => !c.where)) {
      for (const order of ['ASC', 'DESC'] as const) {
        const spec = { ...q, k: 7, order, useIndex: false };
        const [here, there] = [await topKByCP(inThread(), spec), await topKByCP(inWorker(), spec)];
        expect(there.items, JSON.stringify(spec)).toEqual(here.items);
        expect(comparable(there.stats)).toEqual(comparable(here.stats));
        expect(there.items.map((r) => ({ id: r.key, value: r.value }))).toEqual(bruteTopK(cpValues(seeded.masks, seeded.images, q), 7, order));
      }
      const filter = { ...q, op: 'GT' as const, threshold: q.normalize === 'COUNT' ? 20 : 0.25, useIndex: false };
      const [here, there] = [await filterByCP(inThread(), filter), await filterByCP(inWorker(), filter)];
      expect([...there.keys]).toEqual(bruteFilter(cpValues(seeded.masks, seeded.images, q), 'GT', filter.threshold).map((v) => v.id));
      expect(await there.values([...there.keys])).toEqual(await here.values([...here.keys]));
      expect(comparable(there.stats)).toEqual(comparable(here.stats));
    }
  });

  it('is what the service scans with on PostgreSQL: a GraphQL scan answers as the brute force does', async () => {
    const q = { roi: { kind: 'imageBox', name: 'object' }, range: { gt: 0.4, lte: 0.9 }, normalize: 'ROI_FRACTION' } as const;
    const res = await running.gql<{ topKByCP: { items: { nodes: { value: number }[] }; stats: { verified: number; usedIndex: boolean } } }>(
      '{ topKByCP(roi: { imageBox: "object" }, range: { gt: 0.4, lte: 0.9 }, normalize: ROI_FRACTION, k: 10, order: DESC, useIndex: false) { items { nodes { value } } stats { verified usedIndex } } }',
    );
    expect(res.errors).toBeUndefined();
    const values = cpValues(seeded.masks, seeded.images, q);
    expect(res.data!.topKByCP.items.nodes.map((n) => n.value)).toEqual(bruteTopK(values, 10, 'DESC').map((e) => e.value));
    expect(res.data!.topKByCP.stats).toEqual({ verified: values.length, usedIndex: false });
  });

  it('leaves uncounted a mask that is gone or stored at another size, counting the second as loaded', async () => {
    const job = await expectGoneAndResizedUncounted(counter, seeded.masks, seeded.images);
    // The job's arrays are copied to the worker, not taken from the caller.
    expect(job.ids.length).toBe(3);
  });

  it('answers a client that went during a scan’s read with nothing, and the next scan exactly', async () => {
    // A service of its own, with the default workers: 720 masks, three pieces of 256 to read.
    let seeded400!: Seeded;
    const scanning = await startService(async (store) => void (seeded400 = await seedStore(store, 400, 4)));
    // One connection holds the lock, the other watches.
    const sql = postgres(scanning.fresh.options.databaseUrl!, { max: 2, onnotice: () => {} });
    const lock = await sql.reserve();
    const blockedReads = async () => {
      const [{ blocked }] = await sql`select count(*)::int as blocked from pg_stat_activity
        where datname = current_database() and application_name = 'masksearch' and wait_event_type = 'Lock' and query like '%mask_pixels%'`;
      return blocked as number;
    };
    const scan = '{ filterByCP(roi: { full: true }, range: { gt: 0.5 }, op: GT, threshold: 0, useIndex: false) { totalCount } }';
    try {
      // With the table locked the scan's first read waits, so the client goes while the worker reads.
      await lock`begin`;
      await lock`lock table mask_pixels in access exclusive mode`;
      const controller = new AbortController();
      const request = scanning
        .fetch({
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer test-operator-token' },
          body: JSON.stringify({ query: scan }),
          signal: controller.signal,
        })
        .then((r) => r.json(), (error: unknown) => error);
      while ((await blockedReads()) === 0);
      controller.abort();
      expect(await request).toBeInstanceOf(Error);
      await lock`commit`;
      const again = await scanning.gql<{ filterByCP: { totalCount: number } }>(scan);
      expect(again.errors).toBeUndefined();
      const expected = bruteFilter(cpValues(seeded400.masks, seeded400.images, { roi: { kind: 'full' }, range: { gt: 0.5 }, normalize: 'COUNT' }), 'GT', 0);
      expect(again.data!.filterByCP.totalCount).toBe(expected.length);
    } finally {
      lock.release();
      await sql.end();
      await scanning.stop();
    }
  });

  it('stops in the worker once the signal aborts, and scans again on the same thread', async () => {
    const spec = { roi: { kind: 'full' } as const, range: { gt: 0.5 }, normalize: 'COUNT' as const, k: 3, order: 'DESC' as const, useIndex: false };
    const controller = new AbortController();
    let handedOver = 0;
    const abortOnHandOver: ScanCounter = {
      countWhole(job, signal) {
        const scan = counter.countWhole(job, signal);
        handedOver++;
        // Raised once the job is the worker's, before it can have read its first piece: it stops there.
        controller.abort();
        return scan;
      },
    };
    const ctx = { ...running.service.engineContext(false), scanCounter: abortOnHandOver, signal: controller.signal };
    await expect(topKByCP(ctx, spec)).rejects.toMatchObject({ name: 'QueryAbortedError' });
    expect(handedOver).toBe(1);
    expect(workers.threads).toBe(1);
    expect((await topKByCP(inWorker(), spec)).items).toEqual((await topKByCP(inThread(), spec)).items);
  });
});
