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
 * Filter, refine, then verify: an item whose bounds decide the comparison is accepted or
 * rejected without loading; the rest are refined cell by cell from the finest level, and those
 * still undecided are loaded in batches and counted only until their answer is certain.
 */
export async function runFilter(ctx: EngineContext, plan: Plan, options: FilterOptions): Promise<FilterOutcome> {
  const { op, threshold } = options;
  const useIndex = options.useIndex ?? true;
  const batchSize = ctx.batchSize ?? DEFAULT_BATCH_SIZE;
  const { stats, lo, hi, weights } = plan;
  const known = new Float64Array(plan.size).fill(NaN);
  const passed = new Uint8Array(plan.size);
  const undecided: number[] = [];
  /** 1: decided by the bounds (passed set accordingly), 0: not. */
  const decideByBounds = (i: number): boolean => {
    const loPasses = compare(op, lo[i], threshold);
    // The set of values satisfying op is an interval reaching ±∞, so both ends passing means all do.
    if (loPasses && compare(op, hi[i], threshold) && !plan.maybeSkipped?.[i]) {
      passed[i] = 1;
      stats.acceptedByIndex += weights[i];
      if (lo[i] === hi[i]) known[i] = lo[i];
      return true;
    }
    if (!loPasses && !compare(op, hi[i], threshold)) {
      stats.prunedByIndex += weights[i];
      return true;
    }
    return false;
  };
  for (let i = 0; i < plan.size; i++) {
    if (!useIndex || !decideByBounds(i)) undecided.push(i);
  }
  const toLoad: number[] = [];
  if (useIndex) {
    for (const i of undecided) {
      plan.refine(i);
      if (!decideByBounds(i)) toLoad.push(i);
    }
  } else toLoad.push(...undecided);
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
  let matches = 0;
  for (let i = 0; i < plan.size; i++) matches += passed[i];
  const items = new Int32Array(matches);
  for (let i = 0, m = 0; i < plan.size; i++) if (passed[i]) items[m++] = i;
  const keys = plan.keys;
  items.sort((a, b) => keys[a] - keys[b]);
  return { items, known };
}
