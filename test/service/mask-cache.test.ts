import { describe, expect, it } from 'vitest';
import type { Mask } from '../../engine/mask.js';
import { ENTRY_OVERHEAD_BYTES, MaskCache } from '../../search/mask-cache.js';
import { CachedPixelLoader } from '../../search/pixel-loader.js';

const u8 = (side: number, value = 0): Mask => ({ width: side, height: side, encoding: 'u8', data: new Uint8Array(side * side).fill(value) });

describe('MaskCache', () => {
  it('never holds more bytes than its capacity, counting each entry beside its pixels', () => {
    const capacity = 10 * (100 + ENTRY_OVERHEAD_BYTES);
    const cache = new MaskCache(capacity);
    for (let id = 1; id <= 50; id++) {
      cache.set(id, u8(10));
      expect(cache.byteLength).toBeLessThanOrEqual(capacity);
    }
    expect(cache.size).toBe(10);
    // Tiny masks are bounded too: their pixels alone would let millions in.
    const tiny = new MaskCache(100 * ENTRY_OVERHEAD_BYTES);
    for (let id = 1; id <= 1000; id++) tiny.set(id, u8(1));
    expect(tiny.size).toBeLessThan(100);
  });

  it('counts the whole buffer a view keeps alive', () => {
    const backing = new Uint8Array(10_000);
    const view: Mask = { width: 2, height: 2, encoding: 'u8', data: backing.subarray(0, 4) };
    const cache = new MaskCache(1_000_000);
    cache.set(1, view);
    expect(cache.byteLength).toBe(10_000 + ENTRY_OVERHEAD_BYTES);
  });

  it('evicts the least recently used first, and skips a mask larger than the whole cache', () => {
    const cache = new MaskCache(3 * (100 + ENTRY_OVERHEAD_BYTES));
    for (const id of [1, 2, 3]) cache.set(id, u8(10, id));
    expect(cache.get(1)?.data[0]).toBe(1);
    cache.set(4, u8(10, 4));
    expect(cache.get(2)).toBeUndefined();
    expect([1, 3, 4].map((id) => cache.get(id)?.data[0])).toEqual([1, 3, 4]);
    cache.set(5, u8(100));
    expect(cache.get(5)).toBeUndefined();
    expect(cache.size).toBe(3);
    cache.delete(3);
    expect(cache.byteLength).toBe(2 * (100 + ENTRY_OVERHEAD_BYTES));
  });
});

describe('CachedPixelLoader', () => {
  it('reads cold masks from the source in batches and warm ones from the cache', async () => {
    const reads: number[][] = [];
    const source = async (ids: readonly number[]) => {
      reads.push([...ids]);
      return new Map(ids.filter((id) => id <= 2500).map((id) => [id, u8(4, id & 255)]));
    };
    const loader = new CachedPixelLoader(source, new MaskCache(64 << 20), 1000);
    const ids = Array.from({ length: 2600 }, (_, i) => i + 1);
    const first = await loader.load(ids);
    expect(first.size).toBe(2500);
    expect(reads.map((r) => r.length)).toEqual([1000, 1000, 600]);
    reads.length = 0;
    const again = await loader.load(ids.slice(0, 2500));
    expect(again.size).toBe(2500);
    expect(reads).toEqual([]);
    loader.forget(7);
    await loader.load([7, 8]);
    expect(reads).toEqual([[7]]);
  });
});
