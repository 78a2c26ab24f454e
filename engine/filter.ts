import { performance } from 'node:perf_hooks';
import type { EngineContext } from './context.js';
import { DEFAULT_BATCH_SIZE, throwIfAborted } from './context.js';
import type { CompareOp, Plan } from './plan.js';
import { PASSES, SKIPPED, compare } from './plan.js';

export interface FilterOptions {
  op: CompareOp;
  threshold: number;
  /** false: decide nothing from bounds, load and count every candidate (the scan baseline). */
  useIndex?: boolean;
}

/** Matches ordered by key; values known so far, the rest computed on request. */
export interface FilterOutcome {
  /** Plan item of each match, ascending by key. */
  items: Int32Array;
  /** Exact value per plan item where known (counted whole, or bounds equal), else NaN. */
  known: Float64Array;
}

/**
 * Decides the items (all, or those listed) whose bounds settle op threshold: passes where both
 * ends pass (an item that may turn out skipped never does), fails where neither does. Returns
 * the undecided items and the weights accepted and pruned.
 */
function decideByBounds(
  plan: Plan,
  op: CompareOp,
  threshold: number,
  items: Int32Array | null,
  passed: Uint8Array,
  known: Float64Array,
): { undecided: Int32Array; accepted: number; pruned: number } {
  const { lo, hi, weights } = plan;
  const maybeSkipped = plan.maybeSkipped ?? null;
  const n = items ? items.length : plan.size;
  const undecided = new Int32Array(n);
  let open = 0;
  let accepted = 0;
  let pruned = 0;
  for (let u = 0; u < n; u++) {
    const i = items ? items[u] : u;
    const loPasses = compare(op, lo[i], threshold);
    // The set of values satisfying op is an interval reaching ±∞, so both ends passing means all do.
    const hiPasses = compare(op, hi[i], threshold);
    if (loPasses && hiPasses && (maybeSkipped === null || maybeSkipped[i] === 0)) {
      passed[i] = 1;
      accepted += weights[i];
      if (lo[i] === hi[i]) known[i] = lo[i];
    } else if (!loPasses && !hiPasses) pruned += weights[i];
    else undecided[open++] = i;
  }
  return { undecided: undecided.subarray(0, open), accepted, pruned };
}

/**
 * Filter, refine, then verify: an item whose bounds decide the comparison is accepted or
 * rejected without loading; the rest are refined cell by cell from the finest level, and those
 * still undecided are loaded in batches and counted only until their answer is certain.
 */
export async function runFilter(ctx: EngineContext, plan: Plan, options: FilterOptions): Promise<FilterOutcome> {
  const { op, threshold } = options;
  const useIndex = options.useIndex ?? true;
  const batchSize = ctx.batchSize ?? DEFAULT_BATCH_SIZE;
  const { stats, weights } = plan;
  const known = new Float64Array(plan.size).fill(NaN);
  const passed = new Uint8Array(plan.size);
  let toLoad: number[];
  if (useIndex) {
    const first = decideByBounds(plan, op, threshold, null, passed, known);
    const refining = performance.now();
    for (let u = 0; u < first.undecided.length; u++) plan.refine(first.undecided[u]);
    stats.refineMs += performance.now() - refining;
    const second = decideByBounds(plan, op, threshold, first.undecided, passed, known);
    stats.acceptedByIndex += first.accepted + second.accepted;
    stats.prunedByIndex += first.pruned + second.pruned;
    toLoad = Array.from(second.undecided);
  } else toLoad = Array.from({ length: plan.size }, (_, i) => i);
  const verifying = performance.now();
  for (let start = 0; start < toLoad.length; start += batchSize) {
    throwIfAborted(ctx);
    const batch = toLoad.slice(start, start + batchSize);
    if (useIndex) {
      const { outcome, values } = await plan.decide(batch, op, threshold);
      batch.forEach((item, k) => {
        if (outcome[k] === SKIPPED) stats.skipped += weights[item];
        else {
          if (outcome[k] === PASSES) passed[item] = 1;
          known[item] = values[k];
        }
      });
    } else {
      const values = await plan.evaluate(batch);
      batch.forEach((item, k) => {
        const v = values[k];
        if (Number.isNaN(v)) stats.skipped += weights[item];
        else {
          known[item] = v;
          if (compare(op, v, threshold)) passed[item] = 1;
        }
      });
    }
  }
  stats.verifyMs += performance.now() - verifying;
  let matches = 0;
  for (let i = 0; i < plan.size; i++) matches += passed[i];
  const items = new Int32Array(matches);
  for (let i = 0, m = 0; i < plan.size; i++) if (passed[i]) items[m++] = i;
  const keys = plan.keys;
  // Items follow the candidates' order, which is key order when the candidates (masks, or images
  // for an aggregation) were added in key order, the usual case.
  if (!ascendingBy(items, keys)) items.sort((a, b) => keys[a] - keys[b]);
  return { items, known };
}

/** Whether items are in ascending order of their keys: one pass, against a sort's O(n log n) comparisons. */
function ascendingBy(items: Int32Array, keys: ArrayLike<number>): boolean {
  for (let m = 1; m < items.length; m++) if (keys[items[m - 1]] > keys[items[m]]) return false;
  return true;
}
