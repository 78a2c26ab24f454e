import type { EngineContext } from './context.js';
import { DEFAULT_BATCH_SIZE, throwIfAborted } from './context.js';
import type { Order, Plan } from './plan.js';
import { giveFloat64, giveInt32, giveUint8, takeFloat64, takeInt32, takeUint8 } from './buffer-pool.js';
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
  // Work in "larger is better" terms: for ASC negate values; the best bound is then lo.
  const best = desc ? plan.hi : plan.lo;
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

  const item = takeInt32(size);
  const score = takeFloat64(size);
  const key = takeFloat64(size);
  const { visitable, weight } = openItems(plan, sign, k, item, score, key);
  // Weight of the items taken off the queue for good: what is left at the end was pruned.
  let settled = 0;
  const heap = takeInt32(visitable);
  for (let j = 0; j < visitable; j++) heap[j] = j;
  const queue = new BestFirstQueue(heap, score, key);
  const refined = takeUint8(visitable).fill(0);
  const canEnter = (j: number): boolean => {
    if (top.length < k) return true;
    const last = top[top.length - 1];
    return beats(score[j], key[j], sign * last.value, keys[last.item]);
  };
  try {
    const step = Math.max(8, Math.min(batchSize, k));
    while (queue.size > 0 && canEnter(queue.peek())) {
      throwIfAborted(ctx);
      const toLoad: number[] = [];
      while (queue.size > 0 && toLoad.length < step && canEnter(queue.peek())) {
        const j = queue.pop();
        const i = item[j];
        if (plan.lo[i] === plan.hi[i] && !plan.maybeSkipped?.[i]) {
          stats.acceptedByIndex += weights[i];
          settled += weights[i];
          insert(i, plan.lo[i]);
        } else if (!refined[j]) {
          refined[j] = 1;
          plan.refine(i);
          score[j] = sign * best[i];
          queue.push(j);
        } else {
          settled += weights[i];
          toLoad.push(i);
        }
      }
      if (toLoad.length === 0) continue;
      const values = await plan.evaluate(toLoad);
      toLoad.forEach((i, n) => insert(i, values[n]));
    }
    stats.prunedByIndex += weight - settled;
  } finally {
    giveInt32(item);
    giveInt32(heap);
    giveFloat64(score);
    giveFloat64(key);
    giveUint8(refined);
  }
  return top;
}

/**
 * The items that can still enter the top k into item, score (sign · best bound) and key; returns
 * how many and their weight. The k-th best guaranteed value (a bounded heap over the opposite
 * bounds) is the cut-off: an item whose best bound is below it can never enter.
 */
function openItems(plan: Plan, sign: number, k: number, item: Int32Array, score: Float64Array, key: Float64Array): { visitable: number; weight: number } {
  const { size, keys, weights, maybeSkipped, stats } = plan;
  const best = sign > 0 ? plan.hi : plan.lo;
  const worst = sign > 0 ? plan.lo : plan.hi;
  const kth = new KthLargest(k);
  // Most values fall below the cut-off so far: one comparison with a local each.
  let cut = -Infinity;
  if (k < size) {
    for (let i = 0; i < size; i++) {
      const v = sign * worst[i];
      if (v > cut && (maybeSkipped === undefined || maybeSkipped[i] === 0)) {
        kth.offer(v);
        cut = kth.value;
      }
    }
  }
  const floor = cut;
  let total = 0;
  let open = 0;
  let visitable = 0;
  for (let i = 0; i < size; i++) {
    const w = weights[i];
    total += w;
    const s = sign * best[i];
    if (s < floor) continue;
    item[visitable] = i;
    score[visitable] = s;
    key[visitable] = keys[i];
    open += w;
    visitable++;
  }
  stats.prunedByIndex += total - open;
  return { visitable, weight: open };
}
