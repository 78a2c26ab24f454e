import DataLoader from 'dataloader';
import type { MaskLoader } from '../engine/loader.js';
import type { Mask } from '../engine/mask.js';
import type { MaskCache } from './mask-cache.js';

/** Reads decoded masks by id from storage; ids not stored are absent. */
export type PixelSource = (ids: readonly number[]) => Promise<ReadonlyMap<number, Mask>>;

/**
 * The engine's view of stored pixels: a bounded cache of decoded masks in front of batched reads.
 * Loads requested in the same tick by concurrent queries or resolvers share one read.
 */
export class CachedPixelLoader implements MaskLoader {
  private readonly reads: DataLoader<number, Mask | null>;

  constructor(
    source: PixelSource,
    private readonly cache: MaskCache,
    maxBatchSize = 1000,
  ) {
    this.reads = new DataLoader(
      async (ids) => {
        const found = await source(ids);
        return ids.map((id) => found.get(id) ?? null);
      },
      { cache: false, maxBatchSize },
    );
  }

  async load(ids: readonly number[]): Promise<ReadonlyMap<number, Mask>> {
    const found = new Map<number, Mask>();
    const missing: number[] = [];
    for (const id of ids) {
      const cached = this.cache.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const loaded = await this.reads.loadMany(missing);
      loaded.forEach((mask, i) => {
        if (mask instanceof Error) throw mask;
        if (mask) {
          found.set(missing[i], mask);
          this.cache.set(missing[i], mask);
        }
      });
    }
    return found;
  }

  /** Drops a mask that was deleted or replaced. */
  forget(id: number): void {
    this.cache.delete(id);
  }
}
