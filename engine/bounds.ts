import type { BinRun, RangeBins } from './bins.js';
import type { Chi, CountArray } from './chi.js';
import { gridLine } from './chi.js';
import type { Rect } from './roi.js';

/** Where a mask's CHI counts live: an array, the offset of its first entry, its geometry. */
export interface ChiView {
  counts: CountArray;
  base: number;
  width: number;
  height: number;
  grid: number;
  bins: number;
}

export const chiView = (chi: Chi): ChiView => ({ ...chi, base: 0 });

/** Pixels with row < row_i, column < col_j and bin >= b. */
function cumulative(v: ChiView, i: number, j: number, b: number): number {
  if (i === 0 || j === 0 || b >= v.bins) return 0;
  if (b === 0) return gridLine(i, v.height, v.grid) * gridLine(j, v.width, v.grid);
  return v.counts[v.base + ((i - 1) * v.grid + (j - 1)) * (v.bins - 1) + (b - 1)];
}

/** Pixels in grid rectangle rows [i0, i1) × columns [j0, j1) whose bin lies in the run. */
function gridRectCount(v: ChiView, i0: number, i1: number, j0: number, j1: number, run: BinRun): number {
  if (run.first > run.last || i0 >= i1 || j0 >= j1) return 0;
  return atLeast(v, i0, i1, j0, j1, run.first) - atLeast(v, i0, i1, j0, j1, run.last + 1);
}

/** Pixels in grid rectangle rows [i0, i1) × columns [j0, j1) with bin >= b. */
const atLeast = (v: ChiView, i0: number, i1: number, j0: number, j1: number, b: number): number =>
  cumulative(v, i1, j1, b) - cumulative(v, i0, j1, b) - cumulative(v, i1, j0, b) + cumulative(v, i0, j0, b);

/** Largest grid index i with line_i <= p. */
const lineAtOrBefore = (p: number, size: number, grid: number): number =>
  Math.min(grid, Math.floor(((p + 1) * grid - 1) / size));
/** Smallest grid index i with line_i >= p (p <= size). */
const lineAtOrAfter = (p: number, size: number, grid: number): number => Math.ceil((p * grid) / size);

/**
 * Writes [lower, upper] bounds of CP(mask, rect, range) into out, from the CHI alone:
 *   upper = min(C(R⁺, over), C(R⁻, over) + |R| − |R⁻|)
 *   lower = max(C(R⁻, under), C(R⁺, under) − (|R⁺| − |R|), 0)
 * with R⁺ the smallest grid rectangle containing rect and R⁻ the largest inside it.
 */
export function chiBounds(v: ChiView, rect: Rect, bins: RangeBins, out: Float64Array): void {
  const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
  if (area <= 0) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const { width: W, height: H, grid: G } = v;
  const oi0 = lineAtOrBefore(rect.y0, H, G);
  const oi1 = lineAtOrAfter(rect.y1, H, G);
  const oj0 = lineAtOrBefore(rect.x0, W, G);
  const oj1 = lineAtOrAfter(rect.x1, W, G);
  const ii0 = lineAtOrAfter(rect.y0, H, G);
  const ii1 = lineAtOrBefore(rect.y1, H, G);
  const ij0 = lineAtOrAfter(rect.x0, W, G);
  const ij1 = lineAtOrBefore(rect.x1, W, G);
  const outerArea = (gridLine(oi1, H, G) - gridLine(oi0, H, G)) * (gridLine(oj1, W, G) - gridLine(oj0, W, G));
  const innerEmpty = ii0 >= ii1 || ij0 >= ij1;
  const innerArea = innerEmpty ? 0 : (gridLine(ii1, H, G) - gridLine(ii0, H, G)) * (gridLine(ij1, W, G) - gridLine(ij0, W, G));

  const outerOver = gridRectCount(v, oi0, oi1, oj0, oj1, bins.over);
  const innerOver = innerEmpty ? 0 : gridRectCount(v, ii0, ii1, ij0, ij1, bins.over);
  const outerUnder = gridRectCount(v, oi0, oi1, oj0, oj1, bins.under);
  const innerUnder = innerEmpty ? 0 : gridRectCount(v, ii0, ii1, ij0, ij1, bins.under);

  out[0] = Math.max(innerUnder, outerUnder - (outerArea - area), 0);
  out[1] = Math.min(outerOver, innerOver + area - innerArea);
}
