import type { CompiledRange } from './value-range.js';
import { nextDown } from './value-range.js';

/** bin(v) = min(B − 1, ⌊v·B⌋); B is a power of two, so v·B is exact. */
export const binOf = (v: number, bins: number): number => Math.min(bins - 1, Math.floor(v * bins));

/** A run of bins [first, last]; empty when first > last. */
export interface BinRun {
  readonly first: number;
  readonly last: number;
}

/**
 * over: the bins any qualifying value can fall in; under: the bins every one of whose values
 * qualifies. Bin b holds the doubles in [b/B, (b+1)/B), the last bin also holds 1.
 */
export interface RangeBins {
  readonly over: BinRun;
  readonly under: BinRun;
}

const EMPTY: BinRun = { first: 1, last: 0 };

export function rangeBins(range: CompiledRange, bins: number): RangeBins {
  if (range.empty) return { over: EMPTY, under: EMPTY };
  // lo and hi are themselves qualifying values in [0, 1], and bins are intervals, so the over
  // bins run from bin(lo) to bin(hi).
  const over = { first: binOf(range.lo, bins), last: binOf(range.hi, bins) };
  let first = -1;
  let last = -1;
  for (let b = 0; b < bins; b++) {
    const min = b / bins;
    const max = b === bins - 1 ? 1 : nextDown((b + 1) / bins);
    if (min >= range.lo && max <= range.hi) {
      if (first < 0) first = b;
      last = b;
    }
  }
  return { over, under: first < 0 ? EMPTY : { first, last } };
}
