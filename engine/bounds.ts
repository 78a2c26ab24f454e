import type { RangeBins } from './bins.js';
import { codeRangeBins, rangeBins } from './bins.js';
import type { MaskEncoding } from './mask.js';
import type { CompiledRange } from './value-range.js';
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

/**
 * For a dimension of the given size: the grid lines, and for every pixel coordinate p in 0..size
 * the largest grid index whose line is <= p and the smallest whose line is >= p.
 */
interface AxisGrid {
  lines: Int32Array;
  atOrBefore: Int32Array;
  atOrAfter: Int32Array;
}

function axisGrid(size: number, grid: number): AxisGrid {
  const lines = Int32Array.from({ length: grid + 1 }, (_, i) => gridLine(i, size, grid));
  const atOrBefore = new Int32Array(size + 1);
  const atOrAfter = new Int32Array(size + 1);
  for (let p = 0; p <= size; p++) {
    atOrBefore[p] = Math.min(grid, Math.floor(((p + 1) * grid - 1) / size));
    atOrAfter[p] = Math.ceil((p * grid) / size);
  }
  return { lines, atOrBefore, atOrAfter };
}

/**
 * CP bounds from CHIs for one range, many masks:
 *   upper = min(C(R⁺, over), C(R⁻, over) + |R| − |R⁻|)
 *   lower = max(C(R⁻, under), C(R⁺, under) − (|R⁺| − |R|), 0)
 * with R⁺ the smallest grid rectangle containing the ROI and R⁻ the largest inside it. The grid
 * geometry of the last (mask size, ROI) is kept, since most masks of a query share both.
 */
export class BoundsCalculator {
  private readonly G: number;
  private readonly B: number;
  private readonly overFirst: number;
  private readonly overEnd: number;
  private readonly underFirst: number;
  private readonly underEnd: number;
  private readonly overEmpty: boolean;
  private readonly underEmpty: boolean;

  // Cache key: mask size and ROI.
  private W = -1;
  private H = -1;
  private x0 = -1;
  private y0 = -1;
  private x1 = -1;
  private y1 = -1;
  // Per corner of R⁺ (0..3) and R⁻ (4..7), in the order (i1, j1), (i0, j1), (i1, j0), (i0, j0):
  // the offset of its cell's counts (−1 where the cumulative count is zero) and its area (bin 0).
  private readonly cornerAt = new Int32Array(8);
  private readonly axes = new Map<number, AxisGrid>();
  private rows: AxisGrid | undefined;
  private cols: AxisGrid | undefined;
  private readonly cornerArea = new Float64Array(8);
  private area = 0;
  private outerArea = 0;
  private innerArea = 0;
  private innerEmpty = true;

  constructor(bins: RangeBins, grid: number, binCount: number) {
    this.G = grid;
    this.B = binCount;
    this.overEmpty = bins.over.first > bins.over.last;
    this.underEmpty = bins.under.first > bins.under.last;
    this.overFirst = bins.over.first;
    this.overEnd = bins.over.last + 1;
    this.underFirst = bins.under.first;
    this.underEnd = bins.under.last + 1;
  }

  /** Writes [lower, upper] for the mask whose counts start at base into out. */
  bounds(counts: CountArray, base: number, W: number, H: number, rect: Rect, out: Float64Array): void {
    if (W !== this.W || H !== this.H || rect.x0 !== this.x0 || rect.y0 !== this.y0 || rect.x1 !== this.x1 || rect.y1 !== this.y1) {
      this.prepare(W, H, rect);
    }
    const area = this.area;
    if (area <= 0) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    const outerOver = this.overEmpty ? 0 : this.run(counts, base, 0, this.overFirst, this.overEnd);
    const outerUnder = this.underEmpty ? 0 : this.run(counts, base, 0, this.underFirst, this.underEnd);
    let innerOver = 0;
    let innerUnder = 0;
    if (!this.innerEmpty) {
      innerOver = this.overEmpty ? 0 : this.run(counts, base, 4, this.overFirst, this.overEnd);
      innerUnder = this.underEmpty ? 0 : this.run(counts, base, 4, this.underFirst, this.underEnd);
    }
    out[0] = Math.max(innerUnder, outerUnder - (this.outerArea - area), 0);
    out[1] = Math.min(outerOver, innerOver + area - this.innerArea);
  }

  /** Pixels of the grid rectangle whose corners start at `corner` with bin in [first, end). */
  private run(counts: CountArray, base: number, corner: number, first: number, end: number): number {
    return this.atLeast(counts, base, corner, first) - this.atLeast(counts, base, corner, end);
  }

  /** Pixels of the grid rectangle with bin >= b, from its four cumulative corners. */
  private atLeast(counts: CountArray, base: number, corner: number, b: number): number {
    if (b >= this.B) return 0;
    const at = this.cornerAt;
    if (b === 0) {
      const a = this.cornerArea;
      return a[corner] - a[corner + 1] - a[corner + 2] + a[corner + 3];
    }
    const k = base + b - 1;
    const c0 = at[corner] < 0 ? 0 : counts[k + at[corner]];
    const c1 = at[corner + 1] < 0 ? 0 : counts[k + at[corner + 1]];
    const c2 = at[corner + 2] < 0 ? 0 : counts[k + at[corner + 2]];
    const c3 = at[corner + 3] < 0 ? 0 : counts[k + at[corner + 3]];
    return c0 - c1 - c2 + c3;
  }

  private axis(size: number): AxisGrid {
    let axis = this.axes.get(size);
    if (!axis) {
      axis = axisGrid(size, this.G);
      this.axes.set(size, axis);
    }
    return axis;
  }

  private prepare(W: number, H: number, rect: Rect): void {
    if (W !== this.W || !this.cols) this.cols = this.axis(W);
    if (H !== this.H || !this.rows) this.rows = this.axis(H);
    const rows = this.rows;
    const cols = this.cols;
    this.W = W;
    this.H = H;
    this.x0 = rect.x0;
    this.y0 = rect.y0;
    this.x1 = rect.x1;
    this.y1 = rect.y1;
    this.area = Math.max(0, rect.x1 - rect.x0) * Math.max(0, rect.y1 - rect.y0);
    if (this.area <= 0) return;
    const oi0 = rows.atOrBefore[rect.y0];
    const oi1 = rows.atOrAfter[rect.y1];
    const oj0 = cols.atOrBefore[rect.x0];
    const oj1 = cols.atOrAfter[rect.x1];
    const ii0 = rows.atOrAfter[rect.y0];
    const ii1 = rows.atOrBefore[rect.y1];
    const ij0 = cols.atOrAfter[rect.x0];
    const ij1 = cols.atOrBefore[rect.x1];
    this.outerArea = (rows.lines[oi1] - rows.lines[oi0]) * (cols.lines[oj1] - cols.lines[oj0]);
    this.innerEmpty = ii0 >= ii1 || ij0 >= ij1;
    this.innerArea = this.innerEmpty ? 0 : (rows.lines[ii1] - rows.lines[ii0]) * (cols.lines[ij1] - cols.lines[ij0]);
    this.setCorners(0, oi0, oi1, oj0, oj1);
    if (!this.innerEmpty) this.setCorners(4, ii0, ii1, ij0, ij1);
  }

  private setCorners(first: number, i0: number, i1: number, j0: number, j1: number): void {
    this.setCorner(first, i1, j1);
    this.setCorner(first + 1, i0, j1);
    this.setCorner(first + 2, i1, j0);
    this.setCorner(first + 3, i0, j0);
  }

  private setCorner(k: number, i: number, j: number): void {
    const zero = i === 0 || j === 0;
    this.cornerAt[k] = zero ? -1 : ((i - 1) * this.G + (j - 1)) * (this.B - 1);
    this.cornerArea[k] = zero ? 0 : this.rows!.lines[i] * this.cols!.lines[j];
  }
}

/** Writes [lower, upper] bounds of CP(mask, rect, range) into out, from the CHI alone. */
export function chiBounds(v: ChiView, rect: Rect, bins: RangeBins, out: Float64Array): void {
  new BoundsCalculator(bins, v.grid, v.bins).bounds(v.counts, v.base, v.width, v.height, rect, out);
}

/**
 * Bounds calculators for one range, one per mask encoding: 8- and 16-bit masks get bins computed
 * from the values they can hold, which is tighter when the range cuts through a bin.
 */
export class RangeBoundsByEncoding {
  private readonly calculators = new Map<MaskEncoding, BoundsCalculator>();

  constructor(
    private readonly range: CompiledRange,
    private readonly grid: number,
    private readonly bins: number,
  ) {}

  for(encoding: MaskEncoding): BoundsCalculator {
    let calculator = this.calculators.get(encoding);
    if (!calculator) {
      const runs =
        encoding === 'u8' ? codeRangeBins(this.range, this.bins, 255) : encoding === 'u16' ? codeRangeBins(this.range, this.bins, 65535) : rangeBins(this.range, this.bins);
      calculator = new BoundsCalculator(runs, this.grid, this.bins);
      this.calculators.set(encoding, calculator);
    }
    return calculator;
  }
}
