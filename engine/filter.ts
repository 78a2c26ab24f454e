import type { CompareOp, Plan } from './plan.js';
import { compare } from './plan.js';

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
  /** Exact value per plan item where known (verified, or bounds equal), else NaN. */
  known: Float64Array;
}

/**
 * Filter-then-verify: an item whose bounds decide the comparison is accepted or rejected
 * without loading; the rest are loaded in batches and compared exactly.
 */
export async function runFilter(plan: Plan, options: FilterOptions, batchSize: number): Promise<FilterOutcome> {
  const { op, threshold } = options;
  const useIndex = options.useIndex ?? true;
  const { stats, lo, hi, weights } = plan;
  const known = new Float64Array(plan.size).fill(NaN);
  const passed = new Uint8Array(plan.size);
  const undecided: number[] = [];
  for (let i = 0; i < plan.size; i++) {
    if (!useIndex) undecided.push(i);
    else if (compare(op, lo[i], threshold) && compare(op, hi[i], threshold) && !plan.maybeSkipped?.[i]) {
      // The set of values satisfying op is an interval reaching ±∞, so both ends passing means all do.
      passed[i] = 1;
      stats.acceptedByIndex += weights[i];
      if (lo[i] === hi[i]) known[i] = lo[i];
    } else if (!compare(op, lo[i], threshold) && !compare(op, hi[i], threshold)) {
      stats.prunedByIndex += weights[i];
    } else {
      undecided.push(i);
    }
  }
  for (let start = 0; start < undecided.length; start += batchSize) {
    const batch = undecided.slice(start, start + batchSize);
    const values = await plan.evaluate(batch);
    batch.forEach((item, k) => {
      const v = values[k];
      if (Number.isNaN(v)) {
        stats.skipped += weights[item];
        return;
      }
      known[item] = v;
      if (compare(op, v, threshold)) passed[item] = 1;
    });
  }
  const items: number[] = [];
  for (let i = 0; i < plan.size; i++) if (passed[i]) items.push(i);
  items.sort((a, b) => plan.keys[a] - plan.keys[b]);
  return { items: Int32Array.from(items), known };
}
