import type { EngineContext } from './context.js';
import { DEFAULT_BATCH_SIZE, throwIfAborted } from './context.js';
import type { Order, Plan } from './plan.js';
import { BestFirstQueue, KthLargest } from './selection.js';

export interface TopKOptions {
  k: number;
  order: Order;
  /** false: load and count every candidate, then rank (the scan baseline). */
  useIndex?: boolean;
}

export interface RankedItem {
  item: number;
  value: number;
}

/**
 * The k best items by exact value (DESC: largest first; ASC: smallest first), ties by key
 * ascending. The k-th best guaranteed value (a bounded heap over the opposite bounds) prunes every
 * item whose best bound falls below it; the rest wait in a queue, best bound first. A popped item
 * is refined from the finest level and queued again with its tighter bound; a refined one is
 * loaded. The visit stops when the next best bound cannot beat the k-th exact value.
 */
export async function runTopK(ctx: EngineContext, plan: Plan, options: TopKOptions): Promise<RankedItem[]> {
  const { k, order } = options;
  const useIndex = options.useIndex ?? true;
  const batchSize = ctx.batchSize ?? DEFAULT_BATCH_SIZE;
  const { keys, weights, stats, size } = plan;
  const desc = order === 'DESC';
  // Work in "larger is better" terms: for ASC negate values and swap the bounds.
  const best = desc ? plan.hi : plan.lo;
  const worst = desc ? plan.lo : plan.hi;
  const sign = desc ? 1 : -1;
  const beats = (va: number, ka: number, vb: number, kb: number): boolean => va > vb || (va === vb && ka < kb);

  const top: RankedItem[] = [];
  const insert = (item: number, value: number): void => {
    if (Number.isNaN(value)) {
      stats.skipped += weights[item];
      return;
    }
    const s = sign * value;
    let at = top.length;
    while (at > 0 && beats(s, keys[item], sign * top[at - 1].value, keys[top[at - 1].item])) at--;
    if (at < k) {
      top.splice(at, 0, { item, value });
      if (top.length > k) top.pop();
    }
  };

  if (!useIndex) {
    for (let start = 0; start < size; start += batchSize) {
      throwIfAborted(ctx);
      const batch = Array.from({ length: Math.min(batchSize, size - start) }, (_, j) => start + j);
      const values = await plan.evaluate(batch);
      batch.forEach((item, j) => insert(item, values[j]));
    }
    return top;
  }

  // The k-th best guaranteed value: an item whose best bound is below it can never enter.
  const kth = new KthLargest(k);
  if (k < size) {
    // An item that may turn out skipped guarantees nothing.
    for (let i = 0; i < size; i++) if (!plan.maybeSkipped?.[i]) kth.offer(sign * worst[i]);
  }
  const floor = k < size ? kth.value : -Infinity;
  const bestScore = new Float64Array(size);
  const visit = new Int32Array(size);
  let visitable = 0;
  for (let i = 0; i < size; i++) {
    bestScore[i] = sign * best[i];
    if (bestScore[i] >= floor) visit[visitable++] = i;
    else stats.prunedByIndex += weights[i];
  }
  const queue = new BestFirstQueue(visit.subarray(0, visitable), bestScore, keys);
  const refined = new Uint8Array(size);

  const canEnter = (item: number): boolean => {
    if (top.length < k) return true;
    const last = top[top.length - 1];
    return beats(bestScore[item], keys[item], sign * last.value, keys[last.item]);
  };
  const step = Math.max(8, Math.min(batchSize, k));
  while (queue.size > 0 && canEnter(queue.peek())) {
    throwIfAborted(ctx);
    const toLoad: number[] = [];
    while (queue.size > 0 && toLoad.length < step && canEnter(queue.peek())) {
      const item = queue.pop();
      if (plan.lo[item] === plan.hi[item] && !plan.maybeSkipped?.[item]) {
        stats.acceptedByIndex += weights[item];
        insert(item, plan.lo[item]);
      } else if (!refined[item]) {
        refined[item] = 1;
        plan.refine(item);
        bestScore[item] = sign * best[item];
        queue.push(item);
      } else toLoad.push(item);
    }
    if (toLoad.length === 0) continue;
    const values = await plan.evaluate(toLoad);
    toLoad.forEach((item, j) => insert(item, values[j]));
  }
  for (const item of queue.remaining()) stats.prunedByIndex += weights[item];
  return top;
}
