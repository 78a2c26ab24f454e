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

/** The first code k in [0, max] for which a predicate monotone in k holds, or max + 1. */
export function firstCodeWhere(max: number, holds: (code: number) => boolean): number {
  let a = 0;
  let b = max + 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (holds(m)) b = m;
    else a = m + 1;
  }
  return a;
}

/**
 * rangeBins for a mask whose values can only be code / max (u8: max 255, u16: max 65535). Only
 * values that can occur matter, so a bin whose occurring values all qualify is an under bin even
 * when the range cuts through the bin's interval: for 8-bit masks (0.5, 1] covers bins 8..15 of 16
 * exactly, since no 8-bit value lies in [0.5, 128/255).
 */
export function codeRangeBins(range: CompiledRange, bins: number, max: number): RangeBins {
  if (range.empty) return { over: EMPTY, under: EMPTY };
  const first = firstCodeWhere(max, (k) => k / max >= range.lo);
  const last = firstCodeWhere(max, (k) => k / max > range.hi) - 1;
  if (first > last) return { over: EMPTY, under: EMPTY };
  const over = { first: binOf(first / max, bins), last: binOf(last / max, bins) };
  // Codes of bin b are [start(b), start(b + 1)); bin is monotone in the code.
  const start = (b: number): number => firstCodeWhere(max, (k) => binOf(k / max, bins) >= b);
  let underFirst = over.first;
  while (underFirst <= over.last && start(underFirst) < first) underFirst++;
  let underLast = over.last;
  while (underLast >= underFirst && start(underLast + 1) - 1 > last) underLast--;
  return { over, under: underFirst <= underLast ? { first: underFirst, last: underLast } : EMPTY };
}
