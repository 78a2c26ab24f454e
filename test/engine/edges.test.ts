import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidChiError,
  InvalidMaskError,
  InvalidQueryError,
  IndexingLoader,
  LegacyChiError,
  MaskTable,
  MemoryMaskLoader,
  buildChi,
  DEFAULT_CHI_CONFIG,
  chiBytesFor,
  countBytesFor,
  createMask,
  deserializeChi,
  aggregateFilter,
  aggregateTopK,
  filterByCP,
  serializeChi,
  topKByCP,
} from '../../engine/index.js';
import type { Chi, EngineContext, Mask } from '../../engine/index.js';
import { BestFirstQueue, KthLargest } from '../../engine/selection.js';

const grid = (g: number, b: number) => ({ levels: [{ grid: g, bins: b }] });

function contextOf(masks: { id: number; imageId: number; mask: Mask; indexed?: boolean }[], images: { id: number; width: number; height: number; boxes?: Record<string, [number, number, number, number]> }[], g = 4, bins = 8) {
  const index = new MaskTable(grid(g, bins));
  images.forEach((image) => index.putImage(image));
  for (const m of masks) index.putMask({ id: m.id, imageId: m.imageId, width: m.mask.width, height: m.mask.height, encoding: m.mask.encoding }, m.indexed === false ? null : buildChi(m.mask, index.config));
  const built: number[] = [];
  const loader = new IndexingLoader(new MemoryMaskLoader(new Map(masks.map((m) => [m.id, m.mask]))), index, (id) => built.push(id));
  const ctx: EngineContext = { table: index, loader };
  return { ctx, index, built };
}

const u8 = (w: number, h: number, codes: number[]) => createMask(w, h, Uint8Array.from(codes));

async function valuesOf(ctx: EngineContext, spec: Parameters<typeof filterByCP>[1]) {
  const r = await filterByCP(ctx, spec);
  return { keys: Array.from(r.keys), values: await r.values(Array.from(r.keys)), stats: r.stats };
}

describe('masks', () => {
  it('reject bad values and shapes with messages naming the problem', () => {
    expect(() => createMask(2, 1, Float32Array.from([0.5, NaN]))).toThrow(/row 0, column 1 is NaN/);
    expect(() => createMask(1, 1, Float32Array.from([Infinity]))).toThrow(InvalidMaskError);
    expect(() => createMask(1, 2, Float32Array.from([0, -0.1]))).toThrow(/row 1, column 0/);
    expect(() => createMask(1, 1, Float32Array.from([1.5]))).toThrow(/\[0, 1\]/);
    expect(() => createMask(2, 2, new Uint8Array(3))).toThrow(/3 values, expected width × height = 2×2 = 4/);
    expect(() => createMask(0, 3, new Uint8Array(0))).toThrow(/positive integers/);
    expect(createMask(1, 1, Float32Array.from([1])).encoding).toBe('f32');
    expect(createMask(1, 1, Uint16Array.from([65535])).encoding).toBe('u16');
  });

  it('accept a float mask exactly when every value v satisfies 0 ≤ v ≤ 1, whatever the value and its position', () => {
    // Any float32 by its bits (NaNs, ±Infinity, −0, subnormals, negatives), placed inside the
    // blocks of four the check reads at once or in the tail after them.
    const anyFloat = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((bits) => new Float32Array(new Int32Array([bits]).buffer)[0]);
    const inside = fc.oneof(fc.constantFrom(0, -0, 1, 2 ** -149), fc.float({ min: 0, max: 1, noNaN: true }));
    fc.assert(
      fc.property(fc.array(inside, { minLength: 1, maxLength: 11 }), fc.nat(), anyFloat, (values, at, odd) => {
        const data = Float32Array.from(values);
        data[at % data.length] = odd;
        const expected = data.findIndex((v) => !(v >= 0 && v <= 1));
        if (expected < 0) expect(createMask(data.length, 1, data).data).toBe(data);
        else expect(() => createMask(data.length, 1, data)).toThrow(`column ${expected} is`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ranges', () => {
  it('treat an 8-bit value exactly as k/255 at both kinds of end', async () => {
    // 153/255 is the double nearest 0.6, the same as the literal 0.6.
    const { ctx } = contextOf([{ id: 1, imageId: 1, mask: u8(2, 1, [153, 154]) }], [{ id: 1, width: 2, height: 1 }]);
    const full = { kind: 'full' as const };
    const at = (range: object) => valuesOf(ctx, { roi: full, range, op: 'GTE', threshold: 0 }).then((r) => r.values[0]);
    expect(await at({ gt: 0.6 })).toBe(1);
    expect(await at({ gte: 0.6 })).toBe(2);
    expect(await at({ lt: 0.6 })).toBe(0);
    expect(await at({ lte: 0.6 })).toBe(1);
        expect(await at({ lt: 0 })).toBe(0);
    expect(await at({ gt: 1 })).toBe(0);
    expect(await at({ gte: -5, lte: 5 })).toBe(2);
    expect(await at({})).toBe(2);
  });

  it('reject both ends of one side and non-finite ends', async () => {
    const { ctx } = contextOf([], []);
    await expect(filterByCP(ctx, { roi: { kind: 'full' }, range: { gt: 0.1, gte: 0.2 }, op: 'GT', threshold: 0 })).rejects.toThrow(InvalidQueryError);
    await expect(filterByCP(ctx, { roi: { kind: 'full' }, range: { gt: 0.6, lt: 0.6 }, op: 'GT', threshold: 0 })).rejects.toMatchObject({ path: ['range'] });
    await expect(filterByCP(ctx, { roi: { kind: 'full' }, range: { lt: NaN }, op: 'GT', threshold: 0 })).rejects.toThrow(/range.lt must be a finite number/);
  });

  it('count values exactly on bin edges in the right bin for f32 and u16', async () => {
    const f32 = createMask(4, 1, Float32Array.from([0, 0.25, 0.5, 1]));
    const u16 = createMask(3, 1, Uint16Array.from([0, 32768, 65535]));
    const { ctx } = contextOf([{ id: 1, imageId: 1, mask: f32 }, { id: 2, imageId: 1, mask: u16 }], [{ id: 1, width: 4, height: 1 }], 1, 4);
    const r = await valuesOf(ctx, { roi: { kind: 'full' }, range: { gte: 0.5 }, op: 'GT', threshold: 0 });
    expect(r.values).toEqual([2, 2]);
    const s = await valuesOf(ctx, { roi: { kind: 'full' }, range: { lt: 0.5 }, op: 'GTE', threshold: 0 });
    expect(s.values).toEqual([2, 1]);
  });
});

describe('ROIs', () => {
  const mask = u8(4, 4, Array.from({ length: 16 }, () => 255));
  const setup = () => contextOf([{ id: 1, imageId: 1, mask }], [{ id: 1, width: 4, height: 4 }]);

  it('clip a box partly outside the mask and count a box wholly outside as area 0', async () => {
    const { ctx } = setup();
    const count = (box: object, normalize?: 'ROI_FRACTION') => valuesOf(ctx, { roi: { kind: 'box', ...(box as { x: number; y: number; width: number; height: number }) }, range: { gt: 0.5 }, normalize, op: 'GTE', threshold: 0 });
    expect((await count({ x: -2, y: 3, width: 4, height: 10 })).values).toEqual([2]);
    expect((await count({ x: 10, y: 0, width: 3, height: 3 })).values).toEqual([0]);
    const skipped = await count({ x: 10, y: 0, width: 3, height: 3 }, 'ROI_FRACTION');
    expect(skipped.keys).toEqual([]);
    expect(skipped.stats.skipped).toBe(1);
    expect((await count({ x: 1, y: 1, width: 0, height: 2 })).values).toEqual([0]);
  });

  it('bound an ROI narrower than a grid cell (inverted inner rectangle) soundly', async () => {
    const big = u8(16, 16, Array.from({ length: 256 }, (_, i) => (i % 3 === 0 ? 255 : 0)));
    const { ctx } = contextOf([{ id: 1, imageId: 1, mask: big }], [{ id: 1, width: 16, height: 16 }], 2, 4);
    const r = await valuesOf(ctx, { roi: { kind: 'box', x: 5, y: 5, width: 1, height: 1 }, range: { gt: 0.5 }, op: 'GTE', threshold: 0 });
    expect(r.values).toEqual([(5 * 16 + 5) % 3 === 0 ? 1 : 0]);
  });

  it('scale a named image box to masks of other sizes, edges rounded outward, and skip images without it', async () => {
    const ones = (w: number, h: number) => u8(w, h, Array.from({ length: w * h }, () => 255));
    const { ctx } = contextOf(
      [
        { id: 1, imageId: 1, mask: ones(100, 100) },
        { id: 2, imageId: 1, mask: ones(50, 50) },
        { id: 3, imageId: 1, mask: ones(30, 30) },
        { id: 4, imageId: 2, mask: ones(10, 10) },
      ],
      [
        { id: 1, width: 100, height: 100, boxes: { object: [10, 10, 20, 20] } },
        { id: 2, width: 10, height: 10 },
      ],
    );
    const r = await valuesOf(ctx, { roi: { kind: 'imageBox', name: 'object' }, range: { gt: 0.5 }, op: 'GTE', threshold: 0 });
    // 30×30: x from ⌊10·30/100⌋ = 3 to ⌈30·30/100⌉ = 9.
    expect(r).toMatchObject({ keys: [1, 2, 3], values: [400, 100, 36] });
    expect(r.stats).toMatchObject({ candidates: 4, skipped: 1 });
    const none = await valuesOf(ctx, { roi: { kind: 'imageBox', name: 'dog' }, range: { gt: 0.5 }, op: 'GTE', threshold: 0 });
    expect(none.keys).toEqual([]);
    expect(none.stats.skipped).toBe(4);
  });

  it('work on a 1×1 mask', async () => {
    const { ctx } = contextOf([{ id: 9, imageId: 1, mask: u8(1, 1, [200]) }], [{ id: 1, width: 1, height: 1 }], 8, 16);
    const r = await topKByCP(ctx, { roi: { kind: 'full' }, range: { gt: 0.5 }, normalize: 'ROI_FRACTION', k: 3, order: 'DESC' });
    expect(r.items).toEqual([{ rank: 1, key: 9, value: 1 }]);
  });
});

describe('CHI', () => {
  it('stores counts in the narrowest integer type that fits the mask', () => {
    expect(countBytesFor(15, 17)).toBe(1);
    expect(countBytesFor(16, 16)).toBe(2);
    expect(countBytesFor(255, 257)).toBe(2);
    expect(countBytesFor(256, 256)).toBe(4);
    expect(buildChi(u8(16, 16, new Array(256).fill(0)), grid(4, 8)).counts[0]).toBeInstanceOf(Uint16Array);
  });

  it('serialises to bytes and back, and rejects corrupt bytes', () => {
    for (const [w, h] of [[3, 5], [224, 224], [300, 300]]) {
      const mask = u8(w, h, Array.from({ length: w * h }, (_, i) => (i * 37) % 256));
      const chi = buildChi(mask, { levels: [{ grid: 1, bins: 256 }, { grid: 8, bins: 16 }, { grid: 5, bins: 2 }] });
      const back = deserializeChi(serializeChi(chi));
      expect(back).toEqual(chi);
      back.counts.forEach((c, i) => expect(c.constructor).toBe(chi.counts[i].constructor));
    }
    const bytes = serializeChi(buildChi(u8(2, 2, [0, 1, 2, 3]), grid(2, 4)));
    expect(() => deserializeChi(bytes.subarray(0, bytes.length - 1))).toThrow(InvalidChiError);
    expect(() => deserializeChi(new Uint8Array(20))).toThrow(/CHI2 header/);
    // A CHI written before multi-level indexes ("CHI1") is recognised as such, to be rebuilt.
    const legacy = new Uint8Array(16 + 7 * 4);
    new DataView(legacy.buffer).setUint32(0, 0x31494843, true);
    expect(() => deserializeChi(legacy)).toThrow(LegacyChiError);
  });

  it('holds the default-size index within 5% of the raw 8-bit mask', () => {
    const chi = buildChi(u8(224, 224, new Array(224 * 224).fill(0)), DEFAULT_CHI_CONFIG);
    expect(serializeChi(chi).byteLength / (224 * 224)).toBeLessThan(0.05);
    expect(chiBytesFor(DEFAULT_CHI_CONFIG, 224, 224) / (224 * 224)).toBeLessThan(0.05);
  });
});

describe('mask index', () => {
  it('keeps answers exact through growth, replacement and removal', async () => {
    const masks = new Map<number, Mask>();
    const index = new MaskTable(grid(4, 8));
    index.putImage({ id: 1, width: 20, height: 20 });
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let id = 1; id <= 600; id++) {
      const w = 1 + Math.floor(rand() * 20);
      const mask = u8(w, 20, Array.from({ length: w * 20 }, () => Math.floor(rand() * 256)));
      masks.set(id, mask);
      index.putMask({ id, imageId: 1, width: w, height: 20 }, id % 5 === 0 ? null : buildChi(mask, index.config));
    }
    for (let id = 1; id <= 600; id += 2) {
      expect(index.removeMask(id)).toBe(true);
      masks.delete(id);
    }
    expect(index.removeMask(1)).toBe(false);
    const replacement = u8(3, 3, new Array(9).fill(255));
    masks.set(2, replacement);
    index.putMask({ id: 2, imageId: 1, width: 3, height: 3 }, buildChi(replacement, index.config));
    expect(index.size).toBe(300);
    // Even ids survive; the multiples of 10 among them were added without a CHI.
    // G4: 5 × 5 corners (with the zero row and column) × 7 bins, 16-bit.
    const indexedBytes = [...masks].filter(([id]) => id % 10 !== 0).length * 25 * 7 * 2;
    expect(index.indexStats()).toEqual({ indexed: 240, bytes: indexedBytes });

    const ctx: EngineContext = { table: index, loader: new MemoryMaskLoader(masks) };
    const r = await valuesOf(ctx, { roi: { kind: 'box', x: 1, y: 2, width: 7, height: 9 }, range: { gt: 0.3, lte: 0.9 }, op: 'GT', threshold: 10 });
    const expected = [...masks.entries()]
      .map(([id, m]) => {
        let n = 0;
        for (let y = 2; y < Math.min(11, m.height); y++) for (let x = 1; x < Math.min(8, m.width); x++) {
          const v = m.data[y * m.width + x] / 255;
          if (v > 0.3 && v <= 0.9) n++;
        }
        return { id, n };
      })
      .filter((e) => e.n > 10)
      .sort((a, b) => a.id - b.id);
    expect(r.keys).toEqual(expected.map((e) => e.id));
    expect(r.values).toEqual(expected.map((e) => e.n));
  });

  it('indexes a mask without a CHI when it is first loaded, and tells the caller', async () => {
    const mask = u8(8, 8, Array.from({ length: 64 }, (_, i) => i * 4));
    const { ctx, index, built } = contextOf([{ id: 5, imageId: 1, mask, indexed: false }], [{ id: 1, width: 8, height: 8 }]);
    expect(index.isIndexed(index.slotOf(5))).toBe(false);
    const first = await valuesOf(ctx, { roi: { kind: 'full' }, range: { gt: 0.5 }, op: 'GT', threshold: 0 });
    expect(first.stats.verified).toBe(1);
    expect(built).toEqual([5]);
    expect(index.isIndexed(index.slotOf(5))).toBe(true);
    const second = await valuesOf(ctx, { roi: { kind: 'full' }, range: { gt: 0.5 }, op: 'GT', threshold: 0 });
    expect(second.values).toEqual(first.values);
  });

  it('rejects a CHI of another configuration or size', () => {
    const index = new MaskTable(grid(4, 8));
    index.putImage({ id: 1, width: 4, height: 4 });
    const other: Chi = buildChi(u8(4, 4, new Array(16).fill(0)), grid(2, 8));
    expect(() => index.putMask({ id: 1, imageId: 1, width: 4, height: 4 }, other)).toThrow(/levels G2B8; the index uses G4B8/);
    expect(() => index.putMask({ id: 1, imageId: 2, width: 4, height: 4 })).toThrow(/image 2 is not in the index/);
  });
});

describe('selection', () => {
  it('finds the k-th largest value and pops items best first, as sorting would', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rand() * 60);
      const values = Float64Array.from({ length: n }, () => Math.floor(rand() * 8) / (rand() < 0.1 ? 1 : 4));
      const sorted = [...values].sort((a, b) => b - a);
      const k = 1 + Math.floor(rand() * n);
      const kth = new KthLargest(k);
      values.forEach((v) => kth.offer(v));
      expect(kth.value).toBe(sorted[k - 1]);
      const keys = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 101);
      const queue = new BestFirstQueue(Int32Array.from({ length: n }, (_, i) => i), values, keys);
      const popped: number[] = [];
      while (queue.size > 0) popped.push(queue.pop());
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b] - values[a] || keys[a] - keys[b]);
      expect(popped).toEqual(expected);
    }
  });
});

describe('queries', () => {
  it('reject k ≤ 0, a non-integer k and a non-finite threshold', async () => {
    const { ctx } = contextOf([], []);
    const base = { roi: { kind: 'full' as const }, range: {} };
    await expect(topKByCP(ctx, { ...base, k: 0, order: 'DESC' })).rejects.toThrow(InvalidQueryError);
    await expect(topKByCP(ctx, { ...base, k: 1.5, order: 'DESC' })).rejects.toThrow(/k must be an integer between 1 and/);
    await expect(topKByCP(ctx, { ...base, k: 10_001, order: 'DESC' })).rejects.toMatchObject({ path: ['k'] });
    await expect(filterByCP(ctx, { ...base, op: 'GT', threshold: NaN })).rejects.toThrow(/threshold/);
  });

  it('answer an empty candidate set', async () => {
    const { ctx } = contextOf([{ id: 1, imageId: 1, mask: u8(1, 1, [1]) }], [{ id: 1, width: 1, height: 1 }]);
    const r = await topKByCP(ctx, { roi: { kind: 'full' }, range: {}, k: 5, order: 'ASC', where: { ids: [] } });
    expect(r.items).toEqual([]);
    expect(r.stats.candidates).toBe(0);
  });

  it('top-k stops early: most masks are pruned by their bounds', async () => {
    const masks = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, imageId: 1, mask: u8(16, 16, Array.from({ length: 256 }, (_, p) => (p < i ? 255 : 0))) }));
    const { ctx } = contextOf(masks, [{ id: 1, width: 16, height: 16 }], 4, 8);
    const r = await topKByCP(ctx, { roi: { kind: 'full' }, range: { gt: 0.5 }, k: 5, order: 'DESC' });
    expect(r.items.map((i) => i.value)).toEqual([199, 198, 197, 196, 195]);
    expect(r.stats.verified + r.stats.acceptedByIndex).toBeLessThan(40);
    expect(r.stats.prunedByIndex).toBeGreaterThan(160);
  });
});

describe('IoU of pairs', () => {
  it('skips the images whose two masks are both empty, and keeps every other image with its own key and members', async () => {
    // Images 1 and 3: both masks empty (no union); 2 and 4: overlapping masks, IoU 1/3 and 1.
    const masks = [
      { id: 11, imageId: 1, mask: u8(2, 2, [0, 0, 0, 0]) },
      { id: 12, imageId: 1, mask: u8(2, 2, [0, 0, 0, 0]) },
      { id: 21, imageId: 2, mask: u8(2, 2, [255, 255, 0, 0]) },
      { id: 22, imageId: 2, mask: u8(2, 2, [0, 255, 255, 0]) },
      { id: 31, imageId: 3, mask: u8(2, 2, [0, 0, 0, 0]) },
      { id: 32, imageId: 3, mask: u8(2, 2, [0, 0, 0, 0]) },
      { id: 41, imageId: 4, mask: u8(2, 2, [255, 0, 0, 0]) },
      { id: 42, imageId: 4, mask: u8(2, 2, [255, 0, 0, 0]) },
    ];
    const images = [1, 2, 3, 4].map((id) => ({ id, width: 2, height: 2 }));
    const { ctx } = contextOf(masks, images, 2, 8);
    const spec = { op: 'INTERSECT' as const, threshold: 0.5, roi: { kind: 'full' as const }, measure: 'IOU' as const };
    const ranked = await aggregateTopK(ctx, { ...spec, k: 10, order: 'ASC' });
    expect(ranked.items).toEqual([
      { rank: 1, key: 2, value: 1 / 3 },
      { rank: 2, key: 4, value: 1 },
    ]);
    expect(ranked.members(2).sort()).toEqual([21, 22]);
    expect(ranked.members(4).sort()).toEqual([41, 42]);
    expect(ranked.stats.skipped).toBe(4);
    const filtered = await aggregateFilter(ctx, { ...spec, having: { op: 'GT', threshold: 0.5 } });
    expect(Array.from(filtered.keys)).toEqual([4]);
    expect(await filtered.values([4, 2])).toEqual([1, null]);
    expect(filtered.members(4).sort()).toEqual([41, 42]);
  });
});
