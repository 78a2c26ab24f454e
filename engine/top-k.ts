import type { Order, Plan } from './plan.js';
import { BestFirstQueue, kthLargest } from './selection.js';

export interface TopKOptions {
  k: number;
  order: Order;
  /** false: load and count every candidate, then sort (the scan baseline). */
  useIndex?: boolean;
}

export interface RankedItem {
  item: number;
  value: number;
}

/**
 * The k best items by exact value (DESC: largest first; ASC: smallest first), ties by key
 * ascending. Items are visited best bound first; the visit stops when the next bound cannot beat
 * the k-th exact value, and items whose bound cannot beat the k-th best opposite bound are never
 * visited.
 */
export async function runTopK(plan: Plan, options: TopKOptions, batchSize: number): Promise<RankedItem[]> {
  const { k, order } = options;
  const useIndex = options.useIndex ?? true;
  const { keys, weights, stats, size } = plan;
  const desc = order === 'DESC';
  // Work in "larger is better" terms: for ASC negate values and swap the bounds.
  const best = desc ? plan.hi : plan.lo;
  const worst = desc ? plan.lo : plan.hi;
  const score = (v: number): number => (desc ? v : -v);
  const beats = (va: number, ka: number, vb: number, kb: number): boolean => va > vb || (va === vb && ka < kb);

  const top: RankedItem[] = [];
  const insert = (item: number, value: number): void => {
    if (Number.isNaN(value)) {
      stats.skipped += weights[item];
      return;
    }
    const s = score(value);
    let at = top.length;
    while (at > 0 && beats(s, keys[item], score(top[at - 1].value), keys[top[at - 1].item])) at--;
    if (at < k) {
      top.splice(at, 0, { item, value });
      if (top.length > k) top.pop();
    }
  };

  if (!useIndex) {
    const all = Array.from({ length: size }, (_, i) => i);
    for (let start = 0; start < size; start += batchSize) {
      const batch = all.slice(start, start + batchSize);
      const values = await plan.evaluate(batch);
      batch.forEach((item, j) => insert(item, values[j]));
    }
    return top;
  }

  // The k-th best guaranteed value: an item whose best bound is below it can never enter.
  let floor = -Infinity;
  if (k < size) {
    // An item that may turn out skipped guarantees nothing.
    const guaranteed = new Float64Array(size);
    for (let i = 0; i < size; i++) guaranteed[i] = plan.maybeSkipped?.[i] ? -Infinity : score(worst[i]);
    floor = kthLargest(guaranteed, k);
  }
  const bestScore = new Float64Array(size);
  const visit = new Int32Array(size);
  let visitable = 0;
  for (let i = 0; i < size; i++) {
    bestScore[i] = score(best[i]);
    if (bestScore[i] >= floor) visit[visitable++] = i;
    else stats.prunedByIndex += weights[i];
  }
  const queue = new BestFirstQueue(visit.subarray(0, visitable), bestScore, keys);

  const canEnter = (item: number): boolean => {
    if (top.length < k) return true;
    const last = top[top.length - 1];
    return beats(score(best[item]), keys[item], score(last.value), keys[last.item]);
  };
  const step = Math.max(16, Math.min(batchSize, k));
  while (queue.size > 0 && canEnter(queue.peek())) {
    const toLoad: number[] = [];
    while (queue.size > 0 && toLoad.length < step && canEnter(queue.peek())) {
      const item = queue.pop();
      if (plan.lo[item] === plan.hi[item] && !plan.maybeSkipped?.[item]) {
        stats.acceptedByIndex += weights[item];
        insert(item, plan.lo[item]);
      } else {
        toLoad.push(item);
      }
    }
    if (toLoad.length === 0) continue;
    const values = await plan.evaluate(toLoad);
    toLoad.forEach((item, j) => insert(item, values[j]));
  }
  for (const item of queue.remaining()) stats.prunedByIndex += weights[item];
  return top;
}
