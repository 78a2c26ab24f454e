import type { EngineContext } from './context.js';
import { DEFAULT_BATCH_SIZE, throwIfAborted } from './context.js';
import type { Mask } from './mask.js';

/**
 * Loads masks in batches of the context's size. Between batches it checks whether the query was
 * aborted and yields to the event loop: batches served from a cache resolve without leaving it,
 * and a long verification must let other requests in.
 */
export async function loadMasks(ctx: EngineContext, ids: readonly number[]): Promise<Map<number, Mask>> {
  const batch = ctx.batchSize ?? DEFAULT_BATCH_SIZE;
  const found = new Map<number, Mask>();
  for (let start = 0; start < ids.length; start += batch) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(ctx);
    const loaded = await ctx.loader.load(ids.slice(start, start + batch));
    for (const [id, mask] of loaded) found.set(id, mask);
  }
  return found;
}
