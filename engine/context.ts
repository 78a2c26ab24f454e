import { buildChi } from './chi.js';
import type { Chi } from './chi.js';
import type { MaskLoader } from './loader.js';
import type { Mask } from './mask.js';
import type { MaskIndex } from './mask-index.js';

/** What a query runs against. */
export interface EngineContext {
  index: MaskIndex;
  loader: MaskLoader;
  /** Masks loaded per loader call. */
  batchSize?: number;
  /** Told of each CHI built for a mask that had none, so the caller can persist it. */
  onChiBuilt?: (id: number, chi: Chi) => void;
  /** Aborted when the answer is no longer wanted (the client went away): loading stops before the next batch. */
  signal?: AbortSignal;
}

export const DEFAULT_BATCH_SIZE = 256;

/**
 * Loads masks in batches; a mask without a CHI gets one built from the pixels just loaded.
 * Every executor's verification goes through here, so this is where an aborted query stops
 * (throwing the signal's AbortError) and where a long one lets other work run between batches.
 */
export async function loadMasks(ctx: EngineContext, ids: readonly number[]): Promise<Map<number, Mask>> {
  const batch = ctx.batchSize ?? DEFAULT_BATCH_SIZE;
  const found = new Map<number, Mask>();
  for (let start = 0; start < ids.length; start += batch) {
    // Batches served from the cache resolve without ever leaving the event loop: yield to it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    ctx.signal?.throwIfAborted();
    const loaded = await ctx.loader.load(ids.slice(start, start + batch));
    for (const [id, mask] of loaded) {
      found.set(id, mask);
      const slot = ctx.index.slotOf(id);
      if (slot >= 0 && !ctx.index.isIndexed(slot) && ctx.index.widthAt(slot) === mask.width && ctx.index.heightAt(slot) === mask.height) {
        const chi = buildChi(mask, ctx.index.config);
        ctx.index.setChi(id, chi);
        ctx.onChiBuilt?.(id, chi);
      }
    }
  }
  return found;
}
