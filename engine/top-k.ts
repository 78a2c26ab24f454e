import { performance } from 'node:perf_hooks';
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

  const open = new OpenItems(plan, sign, k);
  const { score, key } = open;
  // Weight of the items taken off the queue for good: what is left at the end was pruned.
  let settled = 0;
  const refined = takeUint8(size).fill(0);
  const canEnter = (j: number): boolean => {
    if (top.length < k) return true;
    const last = top[top.length - 1];
    return beats(score[j], key[j], sign * last.value, keys[last.item]);
  };
  try {
    const step = Math.max(8, Math.min(batchSize, k));
    for (let next = open.peek(); next >= 0 && canEnter(next); next = open.peek()) {
      throwIfAborted(ctx);
      const toLoad: number[] = [];
      for (let j = next; j >= 0 && toLoad.length < step && canEnter(j); j = open.peek()) {
        open.queue.pop();
        const i = open.item[j];
        if (plan.lo[i] === plan.hi[i] && !plan.maybeSkipped?.[i]) {
          stats.acceptedByIndex += weights[i];
          settled += weights[i];
          insert(i, plan.lo[i]);
        } else if (!refined[j]) {
          refined[j] = 1;
          const refining = performance.now();
          plan.refine(i);
          stats.refineMs += performance.now() - refining;
          score[j] = sign * best[i];
          open.queue.push(j);
        } else {
          settled += weights[i];
          toLoad.push(i);
        }
      }
      if (toLoad.length === 0) continue;
      const verifying = performance.now();
      const values = await plan.evaluate(toLoad);
      stats.verifyMs += performance.now() - verifying;
      toLoad.forEach((i, n) => insert(i, values[n]));
    }
    stats.prunedByIndex += plan.totalWeight - settled;
  } finally {
    open.release();
    giveUint8(refined);
  }
  return top;
}

/** Above this many open items the queue takes them a chunk at a time (the first of CHUNK, each next one twice the last); below, all at once. */
const CHUNK = 512;
const ALL_AT_ONCE = 32 * CHUNK;

/**
 * The items that can still enter the top k, best first by (score = sign · best bound, key). The
 * k-th best guaranteed value (a bounded heap over the opposite bounds) is the floor: an item whose
 * best bound is below it can never enter. One pass finds the floor and the open items. When they
 * are many (an IoU whose lower bounds are all 0 leaves every group open) while a query visits a
 * few hundred, the queue takes the best CHUNK of those still waiting at a time, found with a
 * bounded heap, so only those pay for a place in it. An entry j (item[j], score[j], key[j]) at
 * the queue's top comes before every waiting item while it is no worse than the worst entry taken
 * last.
 */
class OpenItems {
  readonly item: Int32Array;
  readonly score: Float64Array;
  readonly key: Float64Array;
  readonly queue: BestFirstQueue;
  private readonly floor: number;
  private readonly heap: Int32Array;
  /** Open items, some already queued (taken) and some below the floor: waiting[0..listed). */
  private readonly waiting: Int32Array;
  private listed = 0;
  /** Items of the list not queued yet (an upper bound: some may be below the floor). */
  private waitingCount = 0;
  /** By plan item, once items are taken a chunk at a time. */
  private taken: Uint8Array | null = null;
  private entries = 0;
  private edgeScore = -Infinity;
  private edgeKey = Infinity;
  private chunkItem = new Int32Array(CHUNK);
  private chunkScore = new Float64Array(CHUNK);

  constructor(
    private readonly plan: Plan,
    private readonly sign: number,
    k: number,
  ) {
    const { size, keys, maybeSkipped } = plan;
    this.item = takeInt32(size);
    this.score = takeFloat64(size);
    this.key = takeFloat64(size);
    this.heap = takeInt32(size);
    this.waiting = takeInt32(size);
    const best = sign > 0 ? plan.hi : plan.lo;
    const worst = sign > 0 ? plan.lo : plan.hi;
    // With k ≥ size every item can enter: the floor stays −∞.
    const floor = k < size ? kthBest(worst, size, sign, k, maybeSkipped) : -Infinity;
    const waiting = this.waiting;
    const open = sign > 0 ? listAtLeast(best, size, floor, waiting) : listAtMost(best, size, -floor, waiting);
    this.floor = floor;
    if (open > ALL_AT_ONCE) {
      this.listed = open;
      this.waitingCount = open;
      this.taken = takeUint8(size).fill(0);
      this.queue = new BestFirstQueue(this.heap, this.score, this.key, 0);
      this.take();
      return;
    }
    for (let w = 0; w < open; w++) {
      const i = waiting[w];
      const j = this.entries++;
      this.item[j] = i;
      this.score[j] = sign * best[i];
      this.key[j] = keys[i];
      this.heap[j] = j;
    }
    this.queue = new BestFirstQueue(this.heap, this.score, this.key, this.entries);
  }

  release(): void {
    giveInt32(this.item);
    giveFloat64(this.score);
    giveFloat64(this.key);
    giveInt32(this.heap);
    giveInt32(this.waiting);
    if (this.taken) giveUint8(this.taken);
  }

  /** The queue's top entry if it comes before every waiting item (taking more until it does), or −1 when nothing is left. */
  peek(): number {
    for (;;) {
      const { queue } = this;
      if (queue.size > 0) {
        const j = queue.peek();
        const s = this.score[j];
        if (this.waitingCount === 0 || s > this.edgeScore || (s === this.edgeScore && this.key[j] <= this.edgeKey)) return j;
      } else if (this.waitingCount === 0) return -1;
      this.take();
    }
  }

  /**
   * Moves the best CHUNK waiting items into the queue, and drops from the list those taken before
   * and those below the floor. The chunk is a bounded heap whose root is its worst item: a waiting
   * item worse than that root costs two comparisons.
   */
  private take(): void {
    if (this.entries > 0) {
      // A visit that needs another chunk may need many: doubling keeps the passes over the list to a few.
      this.chunkItem = new Int32Array(2 * this.chunkItem.length);
      this.chunkScore = new Float64Array(2 * this.chunkScore.length);
    }
    const { plan, sign, floor, waiting, chunkItem, chunkScore } = this;
    const chunk = chunkItem.length;
    const taken = this.taken!;
    const { keys } = plan;
    const best = sign > 0 ? plan.hi : plan.lo;
    let n = 0;
    let rootScore = Infinity;
    let rootKey = -Infinity;
    let kept = 0;
    for (let w = 0; w < this.listed; w++) {
      const i = waiting[w];
      const s = sign * best[i];
      if (s < floor || taken[i] === 1) continue;
      waiting[kept++] = i;
      if (n === chunk) {
        if (s < rootScore || (s === rootScore && keys[i] > rootKey)) continue;
        siftDownWorst(chunkItem, chunkScore, keys, n, i, s);
      } else siftUpWorst(chunkItem, chunkScore, keys, n++, i, s);
      rootScore = chunkScore[0];
      rootKey = keys[chunkItem[0]];
    }
    for (let c = 0; c < n; c++) {
      const i = chunkItem[c];
      taken[i] = 1;
      const j = this.entries++;
      this.item[j] = i;
      this.score[j] = chunkScore[c];
      this.key[j] = keys[i];
      this.queue.push(j);
    }
    this.listed = kept;
    this.waitingCount = kept - n;
    this.edgeScore = rootScore;
    this.edgeKey = rootKey;
  }
}

/**
 * The k-th largest of sign · values over the items that cannot turn out skipped (−∞ when fewer):
 * a value at or below the k-th largest so far costs one comparison.
 */
function kthBest(values: Float64Array, n: number, sign: number, k: number, maybeSkipped: Uint8Array | undefined): number {
  const kth = new KthLargest(k);
  let floor = -Infinity;
  if (maybeSkipped) {
    for (let i = 0; i < n; i++) {
      const v = sign * values[i];
      if (v > floor && maybeSkipped[i] === 0) {
        kth.offer(v);
        floor = kth.value;
      }
    }
  } else if (sign > 0) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v > floor) {
        kth.offer(v);
        floor = kth.value;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = -values[i];
      if (v > floor) {
        kth.offer(v);
        floor = kth.value;
      }
    }
  }
  return floor;
}

/** Writes the items of values[0..n) that are at least min into out, in order, and returns how many. */
function listAtLeast(values: Float64Array, n: number, min: number, out: Int32Array): number {
  let listed = 0;
  for (let i = 0; i < n; i++) if (values[i] >= min) out[listed++] = i;
  return listed;
}

/** Writes the items of values[0..n) that are at most max into out, in order, and returns how many. */
function listAtMost(values: Float64Array, n: number, max: number, out: Int32Array): number {
  let listed = 0;
  for (let i = 0; i < n; i++) if (values[i] <= max) out[listed++] = i;
  return listed;
}

/** (a, ka) comes after (b, kb) in the queue's order. */
const worse = (a: number, ka: number, b: number, kb: number): boolean => a < b || (a === b && ka > kb);

/** Adds item i (score s) at position n of a heap whose root is its worst item. */
function siftUpWorst(items: Int32Array, scores: Float64Array, keys: Float64Array, n: number, i: number, s: number): void {
  let at = n;
  while (at > 0) {
    const p = (at - 1) >> 1;
    if (!worse(s, keys[i], scores[p], keys[items[p]])) break;
    items[at] = items[p];
    scores[at] = scores[p];
    at = p;
  }
  items[at] = i;
  scores[at] = s;
}

/** Replaces the root (worst item) of a full heap of n by item i (score s). */
function siftDownWorst(items: Int32Array, scores: Float64Array, keys: Float64Array, n: number, i: number, s: number): void {
  const key = keys[i];
  let at = 0;
  for (;;) {
    const l = 2 * at + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && worse(scores[r], keys[items[r]], scores[l], keys[items[l]]) ? r : l;
    if (!worse(scores[c], keys[items[c]], s, key)) break;
    items[at] = items[c];
    scores[at] = scores[c];
    at = c;
  }
  items[at] = i;
  scores[at] = s;
}
