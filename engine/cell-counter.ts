import type { Mask } from './mask.js';
import type { MaskBounds } from './mask-bounds.js';
import { ENCODINGS } from './mask-table.js';
import type { CompareOp } from './plan.js';
import { compare } from './plan.js';
import type { RangeCounter } from './range-counter.js';
import { wasmCounter } from './range-counter.js';
import type { Rect } from './roi.js';
import type { QueryStats } from './stats.js';

/**
 * Counts one mask's CP in rect: cells the index settles contribute their bound, the others are
 * counted pixel by pixel; with a decision to reach, counting stops once the answer is certain.
 */
export class CellCounter {
  private cellLo = new Int32Array(0);
  private cellHi = new Int32Array(0);
  private readonly out = new Float64Array(2);
  /** Rows of cells (cells sharing their rows, in order): band b holds cells bandStart[b] to bandStart[b + 1] − 1. */
  private bandStart = new Int32Array(0);
  private bandGap = new Float64Array(0);
  private bandOrder = new Int32Array(0);

  constructor(
    private readonly bounds: MaskBounds,
    private readonly counter: RangeCounter,
    private readonly stats: QueryStats,
  ) {}

  /**
   * The exact CP of mask (at table slot, or −1 when it has no usable CHI) in rect; with op given,
   * returns NaN as soon as the comparison of CP / scale to threshold is decided, its outcome in
   * this.passed.
   */
  count(mask: Mask, slot: number, indexed: boolean, rect: Rect, scale: number, op?: CompareOp, threshold = 0): number {
    this.passed = false;
    if (!indexed) {
      const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
      this.stats.pixelsCounted += Math.max(0, area);
      const cp = this.counter.count(mask, rect);
      if (op) this.passed = compare(op, cp / scale, threshold);
      return cp;
    }
    const e = ENCODINGS.indexOf(mask.encoding);
    this.bounds.prepareCells(mask.width, mask.height, e, rect);
    const cells = this.bounds.cells;
    const n = cells.cellCount;
    if (this.cellLo.length < n) {
      this.cellLo = new Int32Array(n);
      this.cellHi = new Int32Array(n);
    }
    this.bounds.refine(slot, this.cellLo, this.cellHi, this.out);
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < n; k++) {
      lo += this.cellLo[k];
      hi += this.cellHi[k];
    }
    const [ilo, ihi] = this.counter.interval(mask.data);
    const kernel = wasmCounter();
    const c = cells.cellRects;
    const bands = this.bandsByGap(n);
    let loaded = false;
    for (let b = 0; b < bands; b++) {
      const band = this.bandOrder[b];
      const end = this.bandStart[band + 1];
      for (let k = this.bandStart[band]; k < end; k++) {
        const l = this.cellLo[k];
        const h = this.cellHi[k];
        if (l === h) continue;
        if (op) {
          const fromLo = compare(op, Math.max(lo, this.out[0]) / scale, threshold);
          if (fromLo === compare(op, Math.min(hi, this.out[1]) / scale, threshold)) {
            this.passed = fromLo;
            this.stats.earlyStopped++;
            return NaN;
          }
        }
        // Rows go into the kernel's memory as the cells counted need them.
        if (!loaded) {
          kernel.begin(mask.data, mask.width);
          loaded = true;
        }
        const exact = ilo > ihi ? 0 : kernel.countRows(c[k * 4], c[k * 4 + 1], c[k * 4 + 2], c[k * 4 + 3], ilo, ihi);
        this.stats.pixelsCounted += (c[k * 4 + 2] - c[k * 4]) * (c[k * 4 + 3] - c[k * 4 + 1]);
        lo += exact - l;
        hi += exact - h;
      }
    }
    if (op) this.passed = compare(op, lo / scale, threshold);
    return lo;
  }

  passed = false;

  /**
   * Orders the rows of cells by how much their cells' bounds leave open, widest first, and returns
   * how many rows there are: the kernel copies whole pixel rows in, so a decision that stops early
   * should have counted the rows that narrow the bounds most.
   */
  private bandsByGap(n: number): number {
    if (this.bandStart.length < n + 1) {
      this.bandStart = new Int32Array(n + 1);
      this.bandGap = new Float64Array(n);
      this.bandOrder = new Int32Array(n);
    }
    const rects = this.bounds.cells.cellRects;
    let bands = 0;
    for (let k = 0; k < n; k++) {
      if (k === 0 || rects[k * 4 + 1] !== rects[k * 4 - 3]) {
        this.bandStart[bands] = k;
        this.bandGap[bands] = 0;
        bands++;
      }
      this.bandGap[bands - 1] += this.cellHi[k] - this.cellLo[k];
    }
    this.bandStart[bands] = n;
    for (let b = 0; b < bands; b++) {
      const k = this.bandStart[b];
      this.bandGap[b] /= rects[k * 4 + 3] - rects[k * 4 + 1];
    }
    for (let b = 0; b < bands; b++) {
      let at = b;
      while (at > 0 && this.bandGap[this.bandOrder[at - 1]] < this.bandGap[b]) {
        this.bandOrder[at] = this.bandOrder[at - 1];
        at--;
      }
      this.bandOrder[at] = b;
    }
    return bands;
  }
}
