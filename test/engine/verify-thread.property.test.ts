import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChiConfig, EngineContext, Mask, MaskData } from '../../engine/index.js';
import { DEFAULT_CHI_CONFIG, MaskTable, MemoryMaskLoader, VerifyThread, buildChi, compileRange, createMask, filterByCP } from '../../engine/index.js';
import { chiConfigArb, datasetArb, rangeArb, roiArb } from '../support/arbitraries.js';
import type { Dataset } from '../support/arbitraries.js';
import type { RefMask } from '../support/brute-force.js';
import { bruteFilter, cpValues } from '../support/brute-force.js';
import { emptyByRule } from '../support/engine-fixture.js';

/**
 * A second thread deciding part of a filter's undecided masks (engine/verify-thread.ts) gives the
 * answers one thread gives: brute force, on every encoding, with the table growing under it, and
 * with the thread gone.
 */

const COPIES = 24;

/** The data's masks, each repeated COPIES times under new ids, on SharedArrayBuffers: batches big enough to share. */
function sharedCopies(data: Dataset): RefMask[] {
  const masks: RefMask[] = [];
  for (const m of data.masks) {
    for (let c = 0; c < COPIES; c++) {
      const source = m.mask.data;
      const data = new (source.constructor as new (b: SharedArrayBuffer) => MaskData)(new SharedArrayBuffer(source.byteLength));
      data.set(source as never);
      masks.push({ id: m.id * COPIES + c, imageId: m.imageId, mask: createMask(m.mask.width, m.mask.height, data) });
    }
  }
  return masks;
}

function tableOf(data: Dataset, masks: readonly RefMask[], config: ChiConfig): MaskTable {
  const table = new MaskTable(config);
  for (const image of data.images.values()) table.putImage(image);
  for (const m of masks) table.putMask({ id: m.id, imageId: m.imageId, width: m.mask.width, height: m.mask.height, encoding: m.mask.encoding }, buildChi(m.mask, config));
  return table;
}

const opArb = fc.constantFrom('GT' as const, 'GTE' as const, 'LT' as const, 'LTE' as const);
const thresholdArb = fc.oneof(fc.integer({ min: -1, max: 40 }), fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.constantFrom(0, 0.5, 1));
const normalizeArb = fc.constantFrom('COUNT' as const, 'ROI_FRACTION' as const);

describe('a verification thread', () => {
  let thread: VerifyThread;
  beforeAll(async () => {
    thread = await VerifyThread.start();
  });
  afterAll(async () => {
    await thread?.close();
  });

  it('filters as brute force does, for every op, threshold, ROI, range and encoding', async () => {
    // Counts the masks the thread decided, so that the property is known to have exercised it.
    let taken = 0;
    const share = thread.share.bind(thread);
    thread.share = (...args) => {
      const answers = share(...args);
      taken += answers?.done.reduce((n, d) => n + d, 0) ?? 0;
      return answers;
    };
    await fc.assert(
      fc.asyncProperty(datasetArb(6), chiConfigArb, roiArb, rangeArb, normalizeArb, opArb, thresholdArb, async (data, config, roi, range, normalize, op, threshold) => {
        if (emptyByRule(range)) return;
        const masks = sharedCopies(data);
        const table = tableOf(data, masks, config);
        table.sharePlanes();
        const ctx: EngineContext = { table, loader: new MemoryMaskLoader(new Map(masks.map((m) => [m.id, m.mask]))), verifyThread: thread };
        const spec = { roi, range, normalize, op, threshold };
        const result = await filterByCP(ctx, spec);
        const expected = bruteFilter(cpValues(masks, data.images, spec), op, threshold);
        expect(Array.from(result.keys)).toEqual(expected.map((e) => e.id));
        expect(await result.values(Array.from(result.keys))).toEqual(expected.map((e) => e.value));
      }),
      { numRuns: 400, seed: 11 },
    );
    thread.share = share;
    // How many depends on how fast the other core picks jobs up (434 on a quiet machine, 23 beside another test file).
    expect(taken).toBeGreaterThan(0);
    console.log(`the verification thread decided ${taken} masks over the property's cases`);
  });

  it('takes part of a batch, and its answers and counts are those of this thread', () => {
    const rng = fc.sample(fc.integer({ min: 0, max: 255 }), { numRuns: 64 * 64, seed: 3 });
    const table = new MaskTable(DEFAULT_CHI_CONFIG);
    table.putImage({ id: 1, width: 64, height: 64 });
    const masks: Mask[] = [];
    for (let id = 1; id <= 400; id++) {
      const data = new Uint8Array(new SharedArrayBuffer(64 * 64));
      data.forEach((_, i) => (data[i] = (rng[(i * 7 + id * 131) % rng.length] * id) % 256));
      const mask = createMask(64, 64, data);
      masks.push(mask);
      table.putMask({ id, imageId: 1, width: 64, height: 64, encoding: 'u8' }, buildChi(mask, DEFAULT_CHI_CONFIG));
    }
    table.sharePlanes();
    const rect = { x0: 3, y0: 5, x1: 61, y1: 50 };
    const range = compileRange({ gt: 0.3, lte: 0.8 });
    const items = masks.map((mask, slot) => ({ slot, mask, rect, scale: 1 }));
    const here = new Set<number>();
    // This thread is made slow on purpose, so that the other one surely takes some of the masks.
    const answers = thread.share(table, range, 'GT', 1200, items, (k) => {
      here.add(k);
      for (const until = performance.now() + 0.2; performance.now() < until; );
    });
    expect(answers).not.toBeNull();
    const done = answers!.done.reduce((n, d) => n + d, 0);
    expect(done).toBeGreaterThan(0);
    expect(done + here.size).toBe(items.length);
    for (let k = 0; k < items.length; k++) {
      if (!answers!.done[k]) continue;
      expect(here.has(k)).toBe(false);
      let count = 0;
      const d = masks[k].data;
      for (let y = rect.y0; y < rect.y1; y++) for (let x = rect.x0; x < rect.x1; x++) count += d[y * 64 + x] / 255 > 0.3 && d[y * 64 + x] / 255 <= 0.8 ? 1 : 0;
      expect(answers!.passed[k]).toBe(count > 1200 ? 1 : 0);
      if (!Number.isNaN(answers!.values[k])) expect(answers!.values[k]).toBe(count);
    }
  });

  it('follows the table as it grows (new planes) and as masks get wider counts', async () => {
    const config = DEFAULT_CHI_CONFIG;
    const data: Dataset = { images: new Map([[1, { id: 1, width: 300, height: 300, boxes: {} }]]), masks: [], indexed: new Set() };
    const table = new MaskTable(config);
    table.putImage({ id: 1, width: 300, height: 300 });
    table.sharePlanes();
    const all: RefMask[] = [];
    const loader = new Map<number, Mask>();
    const ctx: EngineContext = { table, loader: new MemoryMaskLoader(loader), verifyThread: thread };
    const add = (id: number, size: number) => {
      const data = new Uint8Array(new SharedArrayBuffer(size * size));
      data.forEach((_, i) => (data[i] = (i * 31 + id * 17) % 256));
      const mask = createMask(size, size, data);
      all.push({ id, imageId: 1, mask });
      loader.set(id, mask);
      table.putMask({ id, imageId: 1, width: size, height: size, encoding: 'u8' }, buildChi(mask, config));
    };
    const spec = { roi: { kind: 'box' as const, x: 10, y: 10, width: 120, height: 90 }, range: { gt: 0.5 }, normalize: 'COUNT' as const, op: 'GT' as const, threshold: 5000 };
    for (const [from, to, size] of [
      [1, 40, 224],
      [41, 200, 224],
      // 300 × 300 > 65,535 pixels: the planes widen to 32-bit counts.
      [201, 260, 300],
    ]) {
      for (let id = from; id <= to; id++) add(id, size);
      const result = await filterByCP(ctx, spec);
      expect(Array.from(result.keys)).toEqual(bruteFilter(cpValues(all, data.images, spec), spec.op, spec.threshold).map((e) => e.id));
    }
  });

  it('once closed, leaves every mask to the query\'s own thread, with the same answers', async () => {
    const gone = await VerifyThread.start();
    await gone.close();
    expect(gone.alive).toBe(false);
    const data: Dataset = { images: new Map([[1, { id: 1, width: 64, height: 64, boxes: {} }]]), masks: [], indexed: new Set() };
    const masks: RefMask[] = [];
    for (let id = 1; id <= 100; id++) {
      const d = new Uint16Array(new SharedArrayBuffer(64 * 64 * 2));
      d.forEach((_, i) => (d[i] = (i * 997 + id * 7919) % 65536));
      masks.push({ id, imageId: 1, mask: createMask(64, 64, d) });
    }
    const table = tableOf(data, masks, DEFAULT_CHI_CONFIG);
    table.sharePlanes();
    const ctx: EngineContext = { table, loader: new MemoryMaskLoader(new Map(masks.map((m) => [m.id, m.mask]))), verifyThread: gone };
    const spec = { roi: { kind: 'full' as const }, range: { gte: 0.25, lt: 0.75 }, normalize: 'COUNT' as const, op: 'GTE' as const, threshold: 2048 };
    const result = await filterByCP(ctx, spec);
    expect(Array.from(result.keys)).toEqual(bruteFilter(cpValues(masks, data.images, spec), spec.op, spec.threshold).map((e) => e.id));
  });
});
