import type { BinRun, RangeBins } from './bins.js';
import { codeRangeBins, rangeBins } from './bins.js';
import type { ChiLevel, CountArray } from './chi.js';
import { gridAxis } from './grid-axis.js';
import type { MaskEncoding } from './mask.js';
import type { LevelPlanes } from './mask-table.js';
import { ENCODINGS } from './mask-table.js';
import type { CompiledRange } from './value-range.js';

/** The over and under bins of one range at every level, per mask encoding (codes matter: see codeRangeBins). */
export class RangeRuns {
  private readonly byEncoding: (RangeBins | undefined)[][];

  constructor(
    readonly range: CompiledRange,
    private readonly levels: readonly ChiLevel[],
  ) {
    this.byEncoding = ENCODINGS.map(() => levels.map(() => undefined));
  }

  /** Runs of level l for masks of encoding code e (an index into ENCODINGS); computed on first use (16-bit codes take a search). */
  at(e: number, l: number): RangeBins {
    return (this.byEncoding[e][l] ??= runsFor(this.range, this.levels[l].bins, ENCODINGS[e]));
  }
}

function runsFor(range: CompiledRange, bins: number, encoding: MaskEncoding): RangeBins {
  return encoding === 'u8' ? codeRangeBins(range, bins, 255) : encoding === 'u16' ? codeRangeBins(range, bins, 65535) : rangeBins(range, bins);
}

const isEmpty = (run: BinRun): boolean => run.first > run.last;

/** A signed whole-mask count of pixels with histogram bin ≥ edge (edge 0: every pixel). */
export interface EdgeTerm {
  edge: number;
  sign: number;
}

/**
 * The cross-level terms of a level: q = whole-mask pixels of the level's partial bins (over but
 * not under) that lie in over bins of the histogram, r = those that lie outside its under bins.
 * Any qualifying pixel of a partial bin is among the first, any other among the second.
 */
export function crossTerms(level: RangeBins, levelBins: number, whole: RangeBins, wholeBins: number): { q: EdgeTerm[]; r: EdgeTerm[] } {
  const q: EdgeTerm[] = [];
  const r: EdgeTerm[] = [];
  const { over, under } = level;
  const bins = (list: EdgeTerm[], lo: number, hi: number, sign: number) => {
    if (lo > hi) return;
    list.push({ edge: lo, sign }, { edge: hi + 1, sign: -sign });
  };
  if (isEmpty(over)) return { q, r };
  const partial: [number, number][] = isEmpty(under)
    ? [[over.first, over.last]]
    : [
        [over.first, under.first - 1],
        [under.last + 1, over.last],
      ];
  // Level bins and histogram bins are powers of two, so each level bin is a run of s histogram bins.
  const s = wholeBins / levelBins;
  for (const [pa, pb] of partial) {
    if (pa > pb) continue;
    const lo = pa * s;
    const hi = (pb + 1) * s - 1;
    if (!isEmpty(whole.over)) bins(q, Math.max(lo, whole.over.first), Math.min(hi, whole.over.last), 1);
    bins(r, lo, hi, 1);
    if (!isEmpty(whole.under)) bins(r, Math.max(lo, whole.under.first), Math.min(hi, whole.under.last), -1);
  }
  return { q, r };
}

/** The whole-mask histogram level: grid 1 with the most bins, or −1. */
export function wholeLevelOf(levels: readonly ChiLevel[]): number {
  let best = -1;
  levels.forEach((l, i) => {
    if (l.grid === 1 && (best < 0 || l.bins > levels[best].bins)) best = i;
  });
  return best;
}

/** The whole-mask histogram's terms for a level's cross-level bounds, resolved to planes. */
interface CrossTerms {
  qPlanes: CountArray[];
  qSigns: Float64Array;
  /** Multiples of the mask's pixel count (edge 0 terms). */
  qPixels: number;
  rPlanes: CountArray[];
  rSigns: Float64Array;
  rPixels: number;
}

function resolveTerms(terms: readonly EdgeTerm[], whole: LevelPlanes): { planes: CountArray[]; signs: Float64Array; pixels: number } {
  const planes: CountArray[] = [];
  const signs: number[] = [];
  let pixels = 0;
  for (const { edge, sign } of terms) {
    if (edge <= 0) pixels += sign;
    else if (edge < whole.bins) {
      planes.push(whole.planes[edge - 1]);
      signs.push(sign);
    }
  }
  return { planes, signs: Float64Array.from(signs), pixels };
}

/** Σ sign · plane[slot] + pixels · W·H: a whole-mask count from histogram planes. */
function wholeCount(planes: readonly CountArray[], signs: Float64Array, pixels: number, slot: number, area: number): number {
  let n = pixels * area;
  for (let k = 0; k < planes.length; k++) n += signs[k] * planes[k][slot];
  return n;
}

/** One bin edge of a level for one encoding: a plane, or a constant (edge 0: the rectangle's area; edge ≥ B: 0). */
interface Edge {
  plane: CountArray | null;
  isArea: boolean;
}

/** A used level's edges for one encoding: over first/end, under first/end, whether each run is empty, and the cross terms. */
interface LevelEdges {
  oF: Edge;
  oE: Edge;
  uF: Edge;
  uE: Edge;
  overEmpty: boolean;
  underEmpty: boolean;
  cross: CrossTerms | null;
}

function edgeOf(level: LevelPlanes, edge: number): Edge {
  return { plane: edge > 0 && edge < level.bins ? level.planes[edge - 1] : null, isArea: edge <= 0 };
}

/** The masks of a first pass: item k is the mask at slots[k] with ROI rects[4k..4k+3]; the rest are the table's columns. */
export interface FirstPassItems {
  n: number;
  slots: Int32Array;
  rects: Int32Array;
  widths: Int32Array;
  heights: Int32Array;
  encodings: Uint8Array;
  indexed: Uint8Array;
}

/**
 * First-pass CP bounds from the CHI levels:
 *   upper = min(C(R⁺, over), C(R⁻, over) + |R| − |R⁻|)
 *   lower = max(C(R⁻, under), C(R⁺, under) − (|R⁺| − |R|), 0)
 * with R⁺ the smallest grid rectangle containing the ROI and R⁻ the largest inside it, at every
 * level, and across levels: with q and r the qualifying and other pixels of a level's partial bins
 * (over but not under) in the whole mask, bounded from the whole-mask histogram,
 *   CP ≤ upper(R, under) + q and CP ≥ lower(R, over) − r.
 * The tightest of all is kept. One level at a time over all masks, so each pass streams the few
 * planes of its bin edges; per mask it looks up eight grid indices and reads four corners per
 * plane, and per-image ROIs cost what a constant ROI costs.
 */
export class BoundProgram {
  private readonly use: number[];
  /** edges[u][e]: level use[u] for encoding code e, prepared when an encoding is first met. */
  private readonly edges: LevelEdges[][];
  private readonly prepared = new Uint8Array(ENCODINGS.length);
  private readonly whole: number;
  private readonly order: number[];
  /** Plane entries read per mask, for the stats' bytes of index read. */
  readonly reads: number;

  constructor(
    private readonly levels: readonly LevelPlanes[],
    use: readonly number[],
    private readonly runs: RangeRuns,
  ) {
    this.use = [...use];
    this.order = this.use.map((_, u) => u).sort((a, b) => levels[this.use[a]].grid - levels[this.use[b]].grid);
    this.whole = wholeLevelOf(levels);
    this.edges = this.use.map(() => []);
    this.reads = this.use.reduce((n, l) => n + (levels[l].grid === 1 ? 4 : 32), 0);
  }

  private prepare(e: number): void {
    this.prepared[e] = 1;
    const { levels, whole, runs } = this;
    this.use.forEach((l, u) => {
      const level = levels[l];
      const { over, under } = runs.at(e, l);
      let cross: CrossTerms | null = null;
      if (whole >= 0 && whole !== l && !isEmpty(over) && levels[whole].bins % level.bins === 0) {
        const terms = crossTerms(runs.at(e, l), level.bins, runs.at(e, whole), levels[whole].bins);
        const q = resolveTerms(terms.q, levels[whole]);
        const r = resolveTerms(terms.r, levels[whole]);
        cross = { qPlanes: q.planes, qSigns: q.signs, qPixels: q.pixels, rPlanes: r.planes, rSigns: r.signs, rPixels: r.pixels };
      }
      this.edges[u][e] = {
        oF: edgeOf(level, over.first),
        oE: edgeOf(level, over.last + 1),
        uF: edgeOf(level, under.first),
        uE: edgeOf(level, under.last + 1),
        overEmpty: isEmpty(over),
        underEmpty: isEmpty(under),
        cross,
      };
    });
  }

  /**
   * Writes [lower, upper] of CP for items 0..n−1 into lo, hi: item k is the mask at slots[k] with
   * ROI rects[4k..4k+3] (x0, y0, x1, y1); sizes, encodings and whether a mask has a CHI come from
   * the table's columns (without one, [0, area]).
   */
  runAll(items: FirstPassItems, lo: Float64Array, hi: Float64Array): void {
    const { n, slots, rects, encodings } = items;
    for (let k = 0; k < n; k++) {
      lo[k] = 0;
      hi[k] = (rects[k * 4 + 2] - rects[k * 4]) * (rects[k * 4 + 3] - rects[k * 4 + 1]);
      const e = encodings[slots[k]];
      if (!this.prepared[e]) this.prepare(e);
    }
    // Coarse levels first: a mask they settle skips the finer ones.
    for (const u of this.order) {
      const level = this.levels[this.use[u]];
      if (level.grid === 1) this.wholeLevel(this.edges[u], items, lo, hi);
      else this.gridLevel(level, this.edges[u], items, lo, hi);
    }
  }

  private gridLevel(level: LevelPlanes, byEncoding: LevelEdges[], items: FirstPassItems, lo: Float64Array, hi: Float64Array): void {
    const { n, slots, rects, widths, heights, encodings, indexed } = items;
    const G = level.grid;
    const stride = G + 1;
    const cells = level.cells;
    let W = -1;
    let H = -1;
    let rows = gridAxis(1, G);
    let cols = rows;
    // The geometry of the last mask (size and ROI) and what follows from it, reused while masks share it.
    let gx0 = -1;
    let gy0 = -1;
    let gx1 = -1;
    let gy1 = -1;
    let outerArea = 0;
    let innerArea = 0;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let a2 = 0;
    let b2 = 0;
    let c2 = 0;
    let d2 = 0;
    // The planes of the current encoding's bin edges, hoisted out of the per-mask work.
    let enc = -1;
    let ed = byEncoding[0];
    let pOF: CountArray | null = null;
    let pOE: CountArray | null = null;
    let pUF: CountArray | null = null;
    let pUE: CountArray | null = null;
    for (let k = 0; k < n; k++) {
      const slot = slots[k];
      // Settled by an earlier level (the histogram makes full-mask counts of 8-bit masks exact).
      if (indexed[slot] === 0 || lo[k] === hi[k]) continue;
      const x0 = rects[k * 4];
      const y0 = rects[k * 4 + 1];
      const x1 = rects[k * 4 + 2];
      const y1 = rects[k * 4 + 3];
      const area = (x1 - x0) * (y1 - y0);
      if (area <= 0) continue;
      if (encodings[slot] !== enc) {
        enc = encodings[slot];
        ed = byEncoding[enc];
        pOF = ed.oF.plane;
        pOE = ed.oE.plane;
        pUF = ed.uF.plane;
        pUE = ed.uE.plane;
      }
      if (widths[slot] !== W || heights[slot] !== H || x0 !== gx0 || y0 !== gy0 || x1 !== gx1 || y1 !== gy1) {
        if (widths[slot] !== W || heights[slot] !== H) {
          W = widths[slot];
          H = heights[slot];
          rows = gridAxis(H, G);
          cols = gridAxis(W, G);
        }
        gx0 = x0;
        gy0 = y0;
        gx1 = x1;
        gy1 = y1;
        const rl = rows.lines;
        const cl = cols.lines;
        const oi0 = rows.atOrBefore[y0];
        const oi1 = rows.atOrAfter[y1];
        const oj0 = cols.atOrBefore[x0];
        const oj1 = cols.atOrAfter[x1];
        const ii0 = rows.atOrAfter[y0];
        const ij0 = cols.atOrAfter[x0];
        // An inverted inner rectangle collapses to an empty one: its corners then cancel.
        const ii1 = Math.max(ii0, rows.atOrBefore[y1]);
        const ij1 = Math.max(ij0, cols.atOrBefore[x1]);
        outerArea = (rl[oi1] - rl[oi0]) * (cl[oj1] - cl[oj0]);
        innerArea = (rl[ii1] - rl[ii0]) * (cl[ij1] - cl[ij0]);
        a = oi1 * stride + oj1;
        b = oi0 * stride + oj1;
        c = oi1 * stride + oj0;
        d = oi0 * stride + oj0;
        a2 = ii1 * stride + ij1;
        b2 = ii0 * stride + ij1;
        c2 = ii1 * stride + ij0;
        d2 = ii0 * stride + ij0;
      }
      const base = slot * cells;
      let overO = 0;
      let overI = 0;
      let underO = 0;
      let underI = 0;
      if (!ed.overEmpty) {
        overO = pOF ? pOF[base + a] - pOF[base + b] - pOF[base + c] + pOF[base + d] : ed.oF.isArea ? outerArea : 0;
        overI = pOF ? pOF[base + a2] - pOF[base + b2] - pOF[base + c2] + pOF[base + d2] : ed.oF.isArea ? innerArea : 0;
        if (pOE) {
          overO -= pOE[base + a] - pOE[base + b] - pOE[base + c] + pOE[base + d];
          overI -= pOE[base + a2] - pOE[base + b2] - pOE[base + c2] + pOE[base + d2];
        }
      }
      if (!ed.underEmpty) {
        underO = pUF ? pUF[base + a] - pUF[base + b] - pUF[base + c] + pUF[base + d] : ed.uF.isArea ? outerArea : 0;
        underI = pUF ? pUF[base + a2] - pUF[base + b2] - pUF[base + c2] + pUF[base + d2] : ed.uF.isArea ? innerArea : 0;
        if (pUE) {
          underO -= pUE[base + a] - pUE[base + b] - pUE[base + c] + pUE[base + d];
          underI -= pUE[base + a2] - pUE[base + b2] - pUE[base + c2] + pUE[base + d2];
        }
      }
      const slackOuter = outerArea - area;
      const slackInner = area - innerArea;
      let lower = lo[k];
      let upper = hi[k];
      const loU = underI > underO - slackOuter ? underI : underO - slackOuter;
      const hiO = overO < overI + slackInner ? overO : overI + slackInner;
      if (loU > lower) lower = loU;
      if (hiO < upper) upper = hiO;
      const cross = ed.cross;
      if (cross) {
        const pixels = W * H;
        const loO = (overI > overO - slackOuter ? overI : overO - slackOuter) - wholeCount(cross.rPlanes, cross.rSigns, cross.rPixels, slot, pixels);
        const hiU = (underO < underI + slackInner ? underO : underI + slackInner) + wholeCount(cross.qPlanes, cross.qSigns, cross.qPixels, slot, pixels);
        if (loO > lower) lower = loO;
        if (hiU < upper) upper = hiU;
      }
      lo[k] = lower;
      hi[k] = upper;
    }
  }

  /** The corner formula at grid 1: R⁺ is the whole mask, R⁻ too when the ROI is the whole mask, else empty. */
  private wholeLevel(byEncoding: LevelEdges[], items: FirstPassItems, lo: Float64Array, hi: Float64Array): void {
    const { n, slots, rects, widths, heights, encodings, indexed } = items;
    for (let k = 0; k < n; k++) {
      const slot = slots[k];
      if (indexed[slot] === 0) continue;
      const W = widths[slot];
      const H = heights[slot];
      const area = (rects[k * 4 + 2] - rects[k * 4]) * (rects[k * 4 + 3] - rects[k * 4 + 1]);
      if (area <= 0) continue;
      const ed = byEncoding[encodings[slot]];
      const pixels = W * H;
      const over = ed.overEmpty ? 0 : (ed.oF.plane ? ed.oF.plane[slot] : ed.oF.isArea ? pixels : 0) - (ed.oE.plane ? ed.oE.plane[slot] : 0);
      const under = ed.underEmpty ? 0 : (ed.uF.plane ? ed.uF.plane[slot] : ed.uF.isArea ? pixels : 0) - (ed.uE.plane ? ed.uE.plane[slot] : 0);
      const full = area === pixels;
      const loU = full ? under : under - (pixels - area);
      const hiO = full ? over : Math.min(over, area);
      if (loU > lo[k]) lo[k] = loU;
      if (hiO < hi[k]) hi[k] = hiO;
    }
  }
}
