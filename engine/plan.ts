import type { QueryStats } from './stats.js';

/**
 * The shape every query reduces to: items (masks, or image groups) with a key that breaks ties
 * and orders results, bounds [lo, hi] on each item's value, and a way to get exact values.
 */
export interface Plan {
  readonly size: number;
  /** Mask id or image id; results are ordered by it and ties broken by it, ascending. */
  readonly keys: Float64Array;
  /** Masks per item, for stats. */
  readonly weights: Int32Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** Items that may turn out skipped once loaded (IoU with a possibly empty union): never decided by bounds alone. */
  readonly maybeSkipped?: Uint8Array;
  /** Exact values of the items, in order; NaN for an item that turned out to be skipped. Counts loads in stats. */
  evaluate(items: readonly number[]): Promise<Float64Array>;
  readonly stats: QueryStats;
}

export type CompareOp = 'GT' | 'GTE' | 'LT' | 'LTE';
export type Order = 'ASC' | 'DESC';

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
