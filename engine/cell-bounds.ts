import type { EdgeTerm, RangeRuns } from './bounds.js';
import { crossTerms, wholeLevelOf } from './bounds.js';
import { gridAxis } from './grid-axis.js';
import type { CountArray } from './chi.js';
import type { LevelPlanes } from './mask-table.js';
import type { Rect } from './roi.js';

/**
 * Per-cell CP bounds of one mask at the refinement level (the finest grid), for one geometry: a
 * cell inside the ROI contributes [under, over]; a cell the ROI cuts, with overlap o of its |c|
 * pixels, contributes [max(0, under − (|c| − o)), min(over, o)]. Their sums bound CP more tightly
 * than the corner formula, and cells whose bounds meet need no counting.
 */
export class CellBounds {
  /** Cells the ROI touches, and the part of the ROI inside each (x0, y0, x1, y1 at 4k). */
  cellCount = 0;
  cellRects = new Int32Array(0);
  private overlap = new Int32Array(0);
  private cellArea = new Int32Array(0);
  private whole: LevelPlanes | null = null;
  private qTerms: EdgeTerm[] = [];
  private rTerms: EdgeTerm[] = [];
  private pixels = 0;
  private level!: LevelPlanes;
  private over = true;
  private under = true;
  /** Over and under bins coincide (the range's ends on bin edges): a cell's under count is its over count. */
  private same = false;
  /** Per touched cell, its top-left corner's offset within a mask's entries (grid 1: 0). */
  private corner = new Int32Array(0);
  private stride = 0;
  private pOF: CountArray | null = null;
  private pOE: CountArray | null = null;
  private pUF: CountArray | null = null;
  private pUE: CountArray | null = null;
  private areaOF = false;
  private areaUF = false;
  reads = 0;

  /** The encoding the range's planes were last resolved for, or −1. */
  private encoding = -1;
  /** prepare's geometry: every touched cell lies wholly inside the ROI (there is an interior and nothing cuts). */
  private allInside = false;
  /** For boundSums, of the geometry last prepared: the mask's pixels, whether some cells lie wholly inside the ROI, and the corners of the rectangle they form. */
  private sumsPixels = 0;
  private interior = false;
  private readonly inner = new Int32Array(4);
  private interiorArea = 0;
  /** The touched cells the ROI cuts (all of them without an interior): corner offset, overlap and area of each. */
  private cutCorner = new Int32Array(0);
  private cutOverlap = new Int32Array(0);
  private cutArea = new Int32Array(0);
  private cutCount = 0;
  /** Plane entries boundSums reads for the geometry last prepared (counted as for every touched cell, as bound reads them). */
  sumsReads = 0;

  /**
   * Prepares bound and boundSums for masks of size W×H, ROI rect, encoding code e, refining at
   * levels[l] (one range and level per instance). With all false only boundSums is prepared, and
   * what bound reads stays as it was unless the encoding changes: the cells wholly inside the ROI
   * are then not visited one by one, so a mask refined once costs its boundary, not all its cells.
   */
  prepare(levels: readonly LevelPlanes[], l: number, runs: RangeRuns, e: number, W: number, H: number, rect: Rect, all = true): void {
    if (e !== this.encoding) this.prepareRange(levels, l, runs, e);
    const G = levels[l].grid;
    const rows = gridAxis(H, G);
    const cols = gridAxis(W, G);
    const i0 = rows.atOrBefore[rect.y0];
    const i1 = rows.atOrAfter[rect.y1];
    const j0 = cols.atOrBefore[rect.x0];
    const j1 = cols.atOrAfter[rect.x1];
    // The cells wholly inside the ROI form one grid rectangle, read by its corners in boundSums.
    const ii0 = rows.atOrAfter[rect.y0];
    const ii1 = rows.atOrBefore[rect.y1];
    const ij0 = cols.atOrAfter[rect.x0];
    const ij1 = cols.atOrBefore[rect.x1];
    const interior = G > 1 && ii1 > ii0 && ij1 > ij0;
    const st = G + 1;
    this.interior = interior;
    if (interior) {
      this.inner[0] = ii1 * st + ij1;
      this.inner[1] = ii0 * st + ij1;
      this.inner[2] = ii1 * st + ij0;
      this.inner[3] = ii0 * st + ij0;
      this.interiorArea = (rows.lines[ii1] - rows.lines[ii0]) * (cols.lines[ij1] - cols.lines[ij0]);
    }
    const max = Math.max(0, (i1 - i0) * (j1 - j0));
    if (this.cutCorner.length < max) {
      this.cutCorner = new Int32Array(max);
      this.cutOverlap = new Int32Array(max);
      this.cutArea = new Int32Array(max);
    }
    if (all && this.overlap.length < max) {
      this.overlap = new Int32Array(max);
      this.cellArea = new Int32Array(max);
      this.cellRects = new Int32Array(max * 4);
      this.corner = new Int32Array(max);
    }
    let n = 0;
    let b = 0;
    let touched = 0;
    for (let i = i0; i < i1; i++) {
      const cy0 = rows.lines[i];
      const cy1 = rows.lines[i + 1];
      const y0 = Math.max(cy0, rect.y0);
      const y1 = Math.min(cy1, rect.y1);
      if (y1 <= y0) continue;
      const interiorRow = interior && i >= ii0 && i < ii1;
      for (let j = j0; j < j1; j++) {
        const inside = interiorRow && j >= ij0 && j < ij1;
        if (inside && !all) {
          // Interior cells are counted (for the reads) but not visited.
          touched += ij1 - j;
          j = ij1 - 1;
          continue;
        }
        const cx0 = cols.lines[j];
        const cx1 = cols.lines[j + 1];
        const x0 = Math.max(cx0, rect.x0);
        const x1 = Math.min(cx1, rect.x1);
        if (x1 <= x0) continue;
        touched++;
        const corner = G === 1 ? 0 : i * st + j;
        const overlap = (x1 - x0) * (y1 - y0);
        const area = (cx1 - cx0) * (cy1 - cy0);
        if (!inside) {
          this.cutCorner[b] = corner;
          this.cutOverlap[b] = overlap;
          this.cutArea[b] = area;
          b++;
        }
        if (all) {
          this.corner[n] = corner;
          this.overlap[n] = overlap;
          this.cellArea[n] = area;
          const at = n * 4;
          this.cellRects[at] = x0;
          this.cellRects[at + 1] = y0;
          this.cellRects[at + 2] = x1;
          this.cellRects[at + 3] = y1;
          n++;
        }
      }
    }
    this.cutCount = b;
    this.sumsReads = this.readsOf(touched);
    this.sumsPixels = W * H;
    if (!all) return;
    this.pixels = W * H;
    this.cellCount = n;
    this.reads = this.readsOf(n);
    this.allInside = interior && b === 0;
  }

  /** Plane entries read for n touched cells: four corners per cell and plane, and the histogram's terms. */
  private readsOf(n: number): number {
    const planes = (this.pOF ? 1 : 0) + (this.pOE ? 1 : 0) + (this.same ? 0 : (this.pUF ? 1 : 0) + (this.pUE ? 1 : 0));
    return n * 4 * planes + (this.whole ? this.qTerms.length + this.rTerms.length : 0);
  }

  private prepareRange(levels: readonly LevelPlanes[], l: number, runs: RangeRuns, e: number): void {
    const level = levels[l];
    const B = level.bins;
    this.encoding = e;
    this.level = level;
    this.stride = level.grid === 1 ? 0 : level.grid + 1;
    const w = wholeLevelOf(levels);
    this.whole = w >= 0 && w !== l && levels[w].bins % B === 0 ? levels[w] : null;
    if (this.whole) {
      const cross = crossTerms(runs.at(e, l), B, runs.at(e, w), levels[w].bins);
      this.qTerms = cross.q;
      this.rTerms = cross.r;
    }
    const { over, under } = runs.at(e, l);
    this.over = over.first <= over.last;
    this.under = under.first <= under.last;
    this.same = over.first === under.first && over.last === under.last;
    const plane = (edge: number): CountArray | null => (edge > 0 && edge < B ? level.planes[edge - 1] : null);
    this.pOF = plane(over.first);
    this.pOE = plane(over.last + 1);
    this.pUF = plane(under.first);
    this.pUE = plane(under.last + 1);
    this.areaOF = over.first <= 0;
    this.areaUF = under.first <= 0;
  }

  private wholeCount(slot: number, terms: readonly EdgeTerm[], pixels: number): number {
    const whole = this.whole!;
    let n = 0;
    for (const { edge, sign } of terms) {
      if (edge <= 0) n += sign * pixels;
      else if (edge < whole.bins) n += sign * whole.planes[edge - 1][slot];
    }
    return n;
  }

  /**
   * Writes each touched cell's bounds into cellLo/cellHi and CP bounds into out[0], out[1]: the
   * cell sums, tightened across levels as in BoundProgram (CP ≤ Σ under upper + q, CP ≥ Σ over lower − r).
   */
  bound(slot: number, cellLo: Int32Array, cellHi: Int32Array, out: Float64Array): void {
    const { pOF, pOE, pUF, pUE, areaOF, areaUF, corner, overlap, cellArea } = this;
    const s = this.stride;
    if (this.same && this.over && s > 0 && this.allInside) {
      // Every cell inside the ROI and the range on bin edges: each cell's count is exact, and so is their sum.
      const base = slot * this.level.cells;
      let sum = 0;
      for (let k = 0; k < this.cellCount; k++) {
        const t = base + corner[k];
        let o = pOF ? pOF[t + s + 1] - pOF[t + 1] - pOF[t + s] + pOF[t] : areaOF ? cellArea[k] : 0;
        if (pOE) o -= pOE[t + s + 1] - pOE[t + 1] - pOE[t + s] + pOE[t];
        cellLo[k] = o;
        cellHi[k] = o;
        sum += o;
      }
      out[0] = sum;
      out[1] = sum;
      return;
    }
    // Grid 1 keeps no zero row and column: its one cell is the entry itself.
    const one = s === 0;
    const base = slot * this.level.cells;
    const over = this.over;
    const under = this.under;
    const same = this.same;
    let lo = 0;
    let hi = 0;
    let overLo = 0;
    let underHi = 0;
    for (let k = 0; k < this.cellCount; k++) {
      const t = base + corner[k];
      const area = cellArea[k];
      let o = 0;
      let u = 0;
      if (over) {
        o = pOF ? (one ? pOF[t] : pOF[t + s + 1] - pOF[t + 1] - pOF[t + s] + pOF[t]) : areaOF ? area : 0;
        if (pOE) o -= one ? pOE[t] : pOE[t + s + 1] - pOE[t + 1] - pOE[t + s] + pOE[t];
      }
      if (same) u = o;
      else if (under) {
        u = pUF ? (one ? pUF[t] : pUF[t + s + 1] - pUF[t + 1] - pUF[t + s] + pUF[t]) : areaUF ? area : 0;
        if (pUE) u -= one ? pUE[t] : pUE[t + s + 1] - pUE[t + 1] - pUE[t + s] + pUE[t];
      }
      const inside = overlap[k];
      const outside = area - inside;
      const l = u - outside > 0 ? u - outside : 0;
      const h = o < inside ? o : inside;
      cellLo[k] = l;
      cellHi[k] = h;
      lo += l;
      hi += h;
      overLo += o - outside > 0 ? o - outside : 0;
      underHi += u < inside ? u : inside;
    }
    if (this.whole && this.over) {
      lo = Math.max(lo, overLo - this.wholeCount(slot, this.rTerms, this.pixels));
      hi = Math.min(hi, underHi + this.wholeCount(slot, this.qTerms, this.pixels));
    }
    out[0] = lo;
    out[1] = hi;
  }

  /**
   * The CP bounds of bound (out[0], out[1]) without the per-cell values, for the geometry last
   * prepared: cells wholly inside the ROI contribute [under, over] each, so together they are the
   * interior rectangle's counts, read once by its corners; only the cells the ROI cuts are
   * bounded one by one.
   */
  boundSums(slot: number, out: Float64Array): void {
    const { pOF, pOE, pUF, pUE, areaOF, areaUF, cutCorner, cutOverlap, cutArea, inner } = this;
    const s = this.stride;
    // Grid 1 keeps no zero row and column: its one cell is the entry itself.
    const one = s === 0;
    const base = slot * this.level.cells;
    const over = this.over;
    const under = this.under;
    const same = this.same;
    let oIn = 0;
    let uIn = 0;
    if (this.interior) {
      const ia = base + inner[0];
      const ib = base + inner[1];
      const ic = base + inner[2];
      const id = base + inner[3];
      const innerArea = this.interiorArea;
      if (over) {
        oIn = pOF ? pOF[ia] - pOF[ib] - pOF[ic] + pOF[id] : areaOF ? innerArea : 0;
        if (pOE) oIn -= pOE[ia] - pOE[ib] - pOE[ic] + pOE[id];
      }
      if (same) uIn = oIn;
      else if (under) {
        uIn = pUF ? pUF[ia] - pUF[ib] - pUF[ic] + pUF[id] : areaUF ? innerArea : 0;
        if (pUE) uIn -= pUE[ia] - pUE[ib] - pUE[ic] + pUE[id];
      }
    }
    let lo = uIn;
    let hi = oIn;
    let overLo = oIn;
    let underHi = uIn;
    for (let m = 0; m < this.cutCount; m++) {
      const t = base + cutCorner[m];
      const area = cutArea[m];
      let o = 0;
      let u = 0;
      if (over) {
        o = pOF ? (one ? pOF[t] : pOF[t + s + 1] - pOF[t + 1] - pOF[t + s] + pOF[t]) : areaOF ? area : 0;
        if (pOE) o -= one ? pOE[t] : pOE[t + s + 1] - pOE[t + 1] - pOE[t + s] + pOE[t];
      }
      if (same) u = o;
      else if (under) {
        u = pUF ? (one ? pUF[t] : pUF[t + s + 1] - pUF[t + 1] - pUF[t + s] + pUF[t]) : areaUF ? area : 0;
        if (pUE) u -= one ? pUE[t] : pUE[t + s + 1] - pUE[t + 1] - pUE[t + s] + pUE[t];
      }
      const inside = cutOverlap[m];
      const outside = area - inside;
      lo += u - outside > 0 ? u - outside : 0;
      hi += o < inside ? o : inside;
      overLo += o - outside > 0 ? o - outside : 0;
      underHi += u < inside ? u : inside;
    }
    if (this.whole && this.over) {
      lo = Math.max(lo, overLo - this.wholeCount(slot, this.rTerms, this.sumsPixels));
      hi = Math.min(hi, underHi + this.wholeCount(slot, this.qTerms, this.sumsPixels));
    }
    out[0] = lo;
    out[1] = hi;
  }
}
