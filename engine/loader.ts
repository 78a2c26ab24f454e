import type { Mask } from './mask.js';

/** Reads masks' pixels by id, a batch at a time; ids it cannot find are absent from the result. */
export interface MaskLoader {
  load(ids: readonly number[]): Promise<ReadonlyMap<number, Mask>>;
}

/** Masks held in memory: for tests and benchmarks. */
export class MemoryMaskLoader implements MaskLoader {
  constructor(private readonly masks: ReadonlyMap<number, Mask>) {}

  async load(ids: readonly number[]): Promise<ReadonlyMap<number, Mask>> {
    const found = new Map<number, Mask>();
    for (const id of ids) {
      const mask = this.masks.get(id);
      if (mask) found.set(id, mask);
    }
    return found;
  }
}
