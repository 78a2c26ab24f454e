import type { Chi } from './chi.js';
import { buildChi } from './chi-build.js';
import type { Mask } from './mask.js';
import type { MaskTable } from './mask-table.js';

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

/**
 * Incremental indexing: a loader that, for every mask it loads that has no CHI yet, builds one
 * from the pixels just read and attaches it to the table (and tells onChiBuilt, to persist it).
 * Queries only read; the index grows as a side effect of loading.
 */
export class IndexingLoader implements MaskLoader {
  constructor(
    private readonly inner: MaskLoader,
    private readonly table: MaskTable,
    private readonly onChiBuilt?: (id: number, chi: Chi) => void,
  ) {}

  async load(ids: readonly number[]): Promise<ReadonlyMap<number, Mask>> {
    const loaded = await this.inner.load(ids);
    for (const [id, mask] of loaded) {
      const slot = this.table.slotOf(id);
      if (slot < 0 || this.table.isIndexed(slot)) continue;
      if (this.table.widthAt(slot) !== mask.width || this.table.heightAt(slot) !== mask.height) continue;
      const chi = buildChi(mask, this.table.config);
      if (this.table.setChi(id, chi)) this.onChiBuilt?.(id, chi);
    }
    return loaded;
  }
}
