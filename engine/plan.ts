import type { QueryStats } from './stats.js';

export type CompareOp = 'GT' | 'GTE' | 'LT' | 'LTE';
export type Order = 'ASC' | 'DESC';

/** Outcome codes of Plan.decide. */
export const FAILS = 0;
export const PASSES = 1;
export const SKIPPED = 2;

/**
 * The shape every query reduces to: items (masks, or image groups) with a key that breaks ties
 * and orders results, bounds [lo, hi] on each item's value, a way to tighten them without
 * loading (refine), and ways to get exact values or decisions by loading pixels.
 */
export interface Plan {
  readonly size: number;
  /** Mask id or image id; results are ordered by it and ties broken by it, ascending. */
  readonly keys: Float64Array;
  /** Masks per item, for stats. */
  readonly weights: Int32Array;
  /** The sum of weights: the masks of all items. */
  readonly totalWeight: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** Items that may turn out skipped once loaded (IoU with a possibly empty union): never decided by bounds alone. */
  readonly maybeSkipped?: Uint8Array;
  /** Tightens lo/hi of the item from the finest level; once per item, later calls do nothing. */
  refine(item: number): void;
  /** Exact values of the items, in order; NaN for an item that turned out to be skipped. */
  evaluate(items: readonly number[]): Promise<Float64Array>;
  /**
   * Whether each item's value compares op to threshold (FAILS, PASSES or SKIPPED), counting only as
   * far as needed; values[k] is the exact value where it was counted whole, else NaN.
   */
  decide(items: readonly number[], op: CompareOp, threshold: number): Promise<{ outcome: Uint8Array; values: Float64Array }>;
  readonly stats: QueryStats;
  /** Called once the plan will not be used again: its buffers may be reused. */
  release?(): void;
}

export function compare(op: CompareOp, value: number, threshold: number): boolean {
  switch (op) {
    case 'GT':
      return value > threshold;
    case 'GTE':
      return value >= threshold;
    case 'LT':
      return value < threshold;
    case 'LTE':
      return value <= threshold;
  }
}
