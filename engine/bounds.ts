import type { BinRun, RangeBins } from './bins.js';
import { codeRangeBins, rangeBins } from './bins.js';
import type { Candidates, LevelGeometry } from './candidates.js';
import type { ChiLevel, CountArray } from './chi.js';
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
  return { q: mergeTerms(q), r: mergeTerms(r) };
}

/** Terms of one edge summed, and those that cancel dropped: each term left is a plane read per mask. */
function mergeTerms(terms: readonly EdgeTerm[]): EdgeTerm[] {
  const byEdge = new Map<number, number>();
  for (const { edge, sign } of terms) byEdge.set(edge, (byEdge.get(edge) ?? 0) + sign);
  return [...byEdge].filter(([, sign]) => sign !== 0).map(([edge, sign]) => ({ edge, sign }));
}

/** The whole-mask histogram level: grid 1 with the most bins, or −1. */
export function wholeLevelOf(levels: readonly ChiLevel[]): number {
  let best = -1;
  levels.forEach((l, i) => {
    if (l.grid === 1 && (best < 0 || l.bins > levels[best].bins)) best = i;
  });
  return best;
}

/** A signed count the first pass adds per mask: one plane read at the mask's entries, or (plane null) an area. */
interface Term {
  plane: CountArray | null;
  sign: number;
}

/** S(edge) − S(end) for a run of bins [edge, end): S(0) is an area, S(≥ B) is 0, any other S a plane. */
function runTerms(level: LevelPlanes, run: BinRun): Term[] {
  if (isEmpty(run)) return [];
  const terms: Term[] = [];
  const add = (edge: number, sign: number) => {
    if (edge <= 0) terms.push({ plane: null, sign });
    else if (edge < level.bins) terms.push({ plane: level.planes[edge - 1], sign });
  };
  add(run.first, 1);
  add(run.last + 1, -1);
  return terms;
}

function edgeTerms(terms: readonly EdgeTerm[], whole: LevelPlanes): Term[] {
  const out: Term[] = [];
  for (const { edge, sign } of terms) {
    if (edge <= 0) out.push({ plane: null, sign });
    else if (edge < whole.bins) out.push({ plane: whole.planes[edge - 1], sign });
  }
  return out;
}

const sameTerms = (a: readonly Term[], b: readonly Term[]): boolean => a.length === b.length && a.every((t, i) => t.plane === b[i].plane && t.sign === b[i].sign);

/** One level's terms for masks of one encoding. */
interface LevelProgram {
  level: LevelPlanes;
  over: Term[];
  under: Term[];
  /** Whole-mask terms of the cross-level bounds (grid levels only), or null. */
  q: Term[] | null;
  r: Term[] | null;
}

/** Per-query buffers of the first pass, reused: the pass is synchronous, so one set serves every query. */
const scratch = {
  length: 0,
  overO: new Float64Array(0),
  underO: new Float64Array(0),
  q: new Float64Array(0),
  r: new Float64Array(0),
};

function scratchFor(n: number): typeof scratch {
  if (scratch.length < n) {
    const length = Math.max(n, scratch.length * 2);
    scratch.length = length;
    scratch.overO = new Float64Array(length);
    scratch.underO = new Float64Array(length);
    scratch.q = new Float64Array(length);
    scratch.r = new Float64Array(length);
  }
  return scratch;
}

/** acc[k] += sign · (P at slot k) for items s..t−1. */
function addPlane(plane: CountArray, sign: number, slots: Int32Array, s: number, t: number, acc: Float64Array): void {
  for (let k = s; k < t; k++) acc[k] += sign * plane[slots[k]];
}

function addPixels(sign: number, pixels: Int32Array, s: number, t: number, acc: Float64Array): void {
  for (let k = s; k < t; k++) acc[k] += sign * pixels[k];
}

/** True when some item of s..t−1 is not settled (lo < hi). */
function anyOpen(lo: Float64Array, hi: Float64Array, s: number, t: number): boolean {
  for (let k = s; k < t; k++) if (lo[k] !== hi[k]) return true;
  return false;
}

/**
 * First-pass CP bounds from the CHI levels:
 *   upper = min(C(R⁺, over), C(R⁻, over) + |R| − |R⁻|)
 *   lower = max(C(R⁻, under), C(R⁺, under) − (|R⁺| − |R|), 0)
 * with R⁺ the smallest grid rectangle containing the ROI and R⁻ the largest inside it, at every
 * level, and across levels: with q and r the qualifying and other pixels of a level's partial bins
 * (over but not under) in the whole mask, bounded from the whole-mask histogram,
 *   CP ≤ upper(R, under) + q and CP ≥ lower(R, over) − r.
 * The tightest of all is kept. The pass is a few tight loops, each streaming one plane over all
 * masks of one encoding (a mask's cells of a plane are contiguous, masks in slot order), with
 * each item's corners and areas precomputed by its Candidates; a level is skipped once every
 * mask is settled (the histogram makes full-mask counts of 8-bit masks exact), and the histogram
 * is not read for other ROIs when a grid level's bins are exact for the range.
 */
export class BoundProgram {
  private readonly use: number[];
  private readonly order: number[];
  private readonly whole: number;
  /** programs[e][u]: level use[order[u]] for encoding code e, made when the encoding is first met. */
  private readonly programs: (LevelProgram[] | undefined)[] = ENCODINGS.map(() => undefined);
  /** gridExact[e]: some grid level's over and under runs coincide for encoding e. */
  private readonly gridExact: boolean[] = ENCODINGS.map(() => false);

  constructor(
    private readonly levels: readonly LevelPlanes[],
    use: readonly number[],
    private readonly runs: RangeRuns,
  ) {
    this.use = [...use];
    this.order = this.use.map((_, u) => u).sort((a, b) => levels[this.use[a]].grid - levels[this.use[b]].grid);
    this.whole = wholeLevelOf(levels);
  }

  private programFor(e: number): LevelProgram[] {
    const made = this.programs[e];
    if (made) return made;
    const { levels, whole, runs } = this;
    const programs = this.order.map((u): LevelProgram => {
      const l = this.use[u];
      const level = levels[l];
      const bins = runs.at(e, l);
      let q: Term[] | null = null;
      let r: Term[] | null = null;
      if (level.grid > 1 && whole >= 0 && whole !== l && !isEmpty(bins.over) && levels[whole].bins % level.bins === 0) {
        const terms = crossTerms(bins, level.bins, runs.at(e, whole), levels[whole].bins);
        q = edgeTerms(terms.q, levels[whole]);
        r = edgeTerms(terms.r, levels[whole]);
      }
      return { level, over: runTerms(level, bins.over), under: runTerms(level, bins.under), q, r };
    });
    this.programs[e] = programs;
    this.gridExact[e] = programs.some((p) => p.level.grid > 1 && sameTerms(p.over, p.under));
    return programs;
  }

  /**
   * The whole-mask histogram runs of encoding e when they count every whole-mask ROI of it
   * exactly (over and under one run of planes), else null.
   */
  private exactWholeRun(e: number): PlaneRun | null {
    const p = this.programFor(e).find((program) => program.level.grid === 1);
    if (!p || !sameTerms(p.over, p.under)) return null;
    return planeRun(p.over);
  }

  /** Each encoding's exact whole-mask run (null where c has no item of it), or null when some item's bounds are not exact. */
  private exactRuns(c: Candidates): (PlaneRun | null)[] | null {
    if (!c.wholeMasks || c.groupStart[ENCODINGS.length] !== c.size) return null;
    const runs = [];
    for (let e = 0; e < ENCODINGS.length; e++) {
      const present = c.groupStart[e] < c.groupStart[e + 1];
      const run = present ? this.exactWholeRun(e) : null;
      if (present && !run) return null;
      runs.push(run);
    }
    return runs;
  }

  /**
   * Every item's bounds from run are exact (lower = upper): whole-mask ROIs, every mask with a
   * CHI, and the histogram's bins exact for the range. run may then be given one array for both.
   */
  exactFor(c: Candidates): boolean {
    return this.exactRuns(c) !== null;
  }

  /**
   * Writes [lower, upper] of CP for every item of c into lo, hi (items without a CHI: [0, area]),
   * divided by the ROI's area when divide (every area is then > 0); returns the plane entries read.
   * Each level divides its own bounds before combining them: division is monotonic, so this equals
   * dividing the combined bounds, without a pass of its own over all items.
   */
  run(c: Candidates, lo: Float64Array, hi: Float64Array, divide = false): number {
    if (lo === hi) return this.runExact(c, lo, divide);
    const n = c.size;
    const { areas } = c;
    // Masks without a CHI keep [0, area]; an encoding's first level starts the others from there.
    for (let k = c.groupStart[ENCODINGS.length]; k < n; k++) {
      lo[k] = 0;
      hi[k] = divide ? 1 : areas[k];
    }
    const buffers = scratchFor(n);
    let entries = 0;
    for (let e = 0; e < ENCODINGS.length; e++) {
      const s = c.groupStart[e];
      const t = c.groupStart[e + 1];
      if (s === t) continue;
      let first = true;
      const programs = this.programFor(e);
      // A grid level whose runs coincide counts exactly the qualifying pixels of R⁺ and R⁻; its
      // bounds then imply the histogram's (C(R⁺) ≤ C(mask), and at least C(mask) − C(R⁺) pixels
      // lie outside R⁺), so the histogram is read only where it is cheaper: whole-mask ROIs.
      const skipWhole = this.gridExact[e] && !c.wholeMasks;
      // A histogram level whose runs coincide counts whole-mask ROIs exactly: nothing is left open.
      let settled = false;
      for (const p of programs) {
        if (skipWhole && p.level.grid === 1) continue;
        if (!first && (settled || !anyOpen(lo, hi, s, t))) break;
        settled = c.wholeMasks && p.level.grid === 1 && sameTerms(p.over, p.under);
        entries += (t - s) * (p.level.grid === 1 ? wholeLevel(p, c, s, t, lo, hi, buffers, first, divide) : gridLevel(p, c, s, t, lo, hi, buffers, first, divide));
        first = false;
      }
    }
    return entries;
  }

  /** run when exactFor(c): each item's count once, into values. */
  private runExact(c: Candidates, values: Float64Array, divide: boolean): number {
    const runs = this.exactRuns(c);
    if (!runs) throw new Error('BoundProgram.run was given one array for lower and upper bounds that are not exact');
    let entries = 0;
    runs.forEach((run, e) => {
      if (run) entries += (c.groupStart[e + 1] - c.groupStart[e]) * wholeCounts(run.plus, run.minus, c, c.groupStart[e], c.groupStart[e + 1], values, divide);
    });
    return entries;
  }
}

/** Whole-mask counts of a run of histogram bins, divided by the mask's pixels when divide; returns the planes read. */
function wholeCounts(plus: CountArray | null, minus: CountArray | null, c: Candidates, s: number, t: number, out: Float64Array, divide: boolean): number {
  const { slots, pixels } = c;
  if (plus && minus && !divide) {
    for (let k = s; k < t; k++) out[k] = plus[slots[k]] - minus[slots[k]];
    return 2;
  }
  if (plus && !divide) {
    for (let k = s; k < t; k++) out[k] = plus[slots[k]];
    return 1;
  }
  for (let k = s; k < t; k++) {
    const count = (plus ? plus[slots[k]] : 0) - (minus ? minus[slots[k]] : 0);
    out[k] = divide ? count / pixels[k] : count;
  }
  return (plus ? 1 : 0) + (minus ? 1 : 0);
}

type Scratch = typeof scratch;

/** Accumulates terms read at each item's slot (plane) or its whole mask's pixels (area) into acc; returns the plane reads. */
function addWhole(terms: readonly Term[], c: Candidates, s: number, t: number, acc: Float64Array): number {
  acc.fill(0, s, t);
  let reads = 0;
  for (const { plane, sign } of terms) {
    if (plane) {
      addPlane(plane, sign, c.slots, s, t, acc);
      reads++;
    } else addPixels(sign, c.pixels, s, t, acc);
  }
  return reads;
}

/**
 * One level's bounds of item k, clamped to [0, area] and divided by area when divide, into lo, hi:
 * as they are when init, else tightening the earlier levels' (already divided) bounds there. The
 * grid loops spell this out inline: called from them it was not inlined, and cost about 0.3 ms per
 * 100,000 items.
 */
function combine(lo: Float64Array, hi: Float64Array, k: number, lower: number, upper: number, area: number, init: boolean, divide: boolean): void {
  let l = lower > 0 ? lower : 0;
  let h = upper < area ? upper : area;
  if (divide) {
    l /= area;
    h /= area;
  }
  if (!init) {
    const l0 = lo[k];
    const h0 = hi[k];
    if (l0 > l) l = l0;
    if (h0 < h) h = h0;
  }
  lo[k] = l;
  hi[k] = h;
}

/** The planes a run of bins reads: plus − minus (either may be absent). */
type PlaneRun = { plus: CountArray | null; minus: CountArray | null };

/** A run's terms as planes added and subtracted (null: nothing), or null when a term is an area. */
function planeRun(terms: readonly Term[]): PlaneRun | null {
  let plus: CountArray | null = null;
  let minus: CountArray | null = null;
  for (const { plane, sign } of terms) {
    if (!plane) return null;
    if (sign > 0) plus = plane;
    else minus = plane;
  }
  return plus || !minus ? { plus, minus } : null;
}

/**
 * The corner formula at grid 1: R⁺ is the whole mask, R⁻ too when the ROI is the whole mask, else
 * empty. init: lo, hi start from [0, area] rather than from an earlier level; divide: see
 * BoundProgram.run. When every term is a plane (the range does not reach bin 0), each mask's counts
 * are read in the same loop.
 */
function wholeLevel(p: LevelProgram, c: Candidates, s: number, t: number, lo: Float64Array, hi: Float64Array, b: Scratch, init: boolean, divide: boolean): number {
  const { areas, pixels, slots } = c;
  const overRun = planeRun(p.over);
  const underRun = planeRun(p.under);
  if (overRun && underRun && sameTerms(p.over, p.under)) return wholeLevelExact(overRun.plus, overRun.minus, c, s, t, lo, hi, init, divide);
  if (overRun && underRun) {
    const oP = overRun.plus;
    const oM = overRun.minus;
    const uP = underRun.plus;
    const uM = underRun.minus;
    for (let k = s; k < t; k++) {
      const slot = slots[k];
      const o = (oP ? oP[slot] : 0) - (oM ? oM[slot] : 0);
      const u = (uP ? uP[slot] : 0) - (uM ? uM[slot] : 0);
      const area = areas[k];
      const px = pixels[k];
      const full = area === px;
      const loU = full ? u : u - (px - area);
      const hiO = full ? o : o < area ? o : area;
      combine(lo, hi, k, loU, hiO, area, init, divide);
    }
    return (oP ? 1 : 0) + (oM ? 1 : 0) + (uP && uP !== oP ? 1 : 0) + (uM && uM !== oM ? 1 : 0);
  }
  const over = b.overO;
  const under = sameTerms(p.over, p.under) ? over : b.underO;
  let reads = addWhole(p.over, c, s, t, over);
  if (under !== over) reads += addWhole(p.under, c, s, t, under);
  for (let k = s; k < t; k++) {
    const area = areas[k];
    const px = pixels[k];
    const full = area === px;
    const loU = full ? under[k] : under[k] - (px - area);
    const hiO = full ? over[k] : over[k] < area ? over[k] : area;
    combine(lo, hi, k, loU, hiO, area, init, divide);
  }
  return reads;
}

/**
 * wholeLevel when over and under are one run of bins (its ends on bin edges): the run's count c
 * of the whole mask gives CP ≤ min(c, |R|) and CP ≥ c − (pixels − |R|), exact for whole-mask ROIs.
 */
function wholeLevelExact(plus: CountArray | null, minus: CountArray | null, c: Candidates, s: number, t: number, lo: Float64Array, hi: Float64Array, init: boolean, divide: boolean): number {
  const { areas, pixels, slots } = c;
  // The common cases (a first level, counts, a range inside the bins or up to the top) without the tests.
  if (init && !divide && plus && minus) {
    for (let k = s; k < t; k++) {
      const slot = slots[k];
      const count = plus[slot] - minus[slot];
      const area = areas[k];
      const lower = count - (pixels[k] - area);
      lo[k] = lower > 0 ? lower : 0;
      hi[k] = count < area ? count : area;
    }
    return 2;
  }
  if (init && !divide && plus) {
    for (let k = s; k < t; k++) {
      const count = plus[slots[k]];
      const area = areas[k];
      const lower = count - (pixels[k] - area);
      lo[k] = lower > 0 ? lower : 0;
      hi[k] = count < area ? count : area;
    }
    return 1;
  }
  for (let k = s; k < t; k++) {
    const slot = slots[k];
    const count = (plus ? plus[slot] : 0) - (minus ? minus[slot] : 0);
    const area = areas[k];
    combine(lo, hi, k, count - (pixels[k] - area), count, area, init, divide);
  }
  return (plus ? 1 : 0) + (minus ? 1 : 0);
}

/**
 * A run of bins at a grid level as S(first) − S(last + 1): plus is a plane or (null) the ROI's
 * rectangle areas (first = 0), minus a plane or nothing (last + 1 = bins); none: the run is empty.
 */
interface GridRun {
  none: boolean;
  plus: CountArray | null;
  minus: CountArray | null;
}

function gridRun(terms: readonly Term[]): GridRun {
  if (terms.length === 0) return { none: true, plus: null, minus: null };
  return { none: false, plus: terms[0].plane, minus: terms.length > 1 ? terms[1].plane : null };
}

const runReads = (run: GridRun): number => (run.plus ? 8 : 0) + (run.minus ? 8 : 0);

/**
 * One loop over the items: each item's R⁺ and R⁻ sums of the over and under runs read at its
 * corners, combined at once with the bounds so far. When over and under are one run (the range's
 * ends lie on bin edges) the cross-level terms cannot tighten anything and are not read.
 */
function gridLevel(p: LevelProgram, c: Candidates, s: number, t: number, lo: Float64Array, hi: Float64Array, b: Scratch, init: boolean, divide: boolean): number {
  const { level } = p;
  const { cells } = level;
  const g = c.geometry(level.grid);
  const { corners, outer, inner } = g;
  const { areas, slots, uniform } = c;
  const same = sameTerms(p.over, p.under);
  const over = gridRun(p.over);
  const under = same ? over : gridRun(p.under);
  const oNone = over.none;
  const oPlus = over.plus;
  const oMinus = over.minus;
  const uNone = under.none;
  const uPlus = under.plus;
  const uMinus = under.minus;
  let reads = runReads(over) + (same ? 0 : runReads(under));
  const cross = !same && p.q !== null && p.r !== null;
  if (p.q && p.r && cross) {
    reads += addWhole(p.q, c, s, t, b.q);
    reads += addWhole(p.r, c, s, t, b.r);
  }
  if (init && same && !uniform && oPlus) {
    gridLevelOneRun(oPlus, oMinus, cells, c, g, s, t, lo, hi, divide);
    return reads;
  }
  const { q, r } = b;
  for (let k = s; k < t; k++) {
    const base = slots[k] * cells;
    const at = uniform ? 0 : k * 8;
    const i = uniform ? 0 : k;
    const a0 = base + corners[at];
    const a1 = base + corners[at + 1];
    const a2 = base + corners[at + 2];
    const a3 = base + corners[at + 3];
    const a4 = base + corners[at + 4];
    const a5 = base + corners[at + 5];
    const a6 = base + corners[at + 6];
    const a7 = base + corners[at + 7];
    const outerArea = outer[i];
    const innerArea = inner[i];
    let oO = 0;
    let oI = 0;
    if (!oNone) {
      if (oPlus) {
        oO = oPlus[a0] - oPlus[a1] - oPlus[a2] + oPlus[a3];
        oI = oPlus[a4] - oPlus[a5] - oPlus[a6] + oPlus[a7];
      } else {
        oO = outerArea;
        oI = innerArea;
      }
      if (oMinus) {
        oO -= oMinus[a0] - oMinus[a1] - oMinus[a2] + oMinus[a3];
        oI -= oMinus[a4] - oMinus[a5] - oMinus[a6] + oMinus[a7];
      }
    }
    let uO = oO;
    let uI = oI;
    if (!same) {
      uO = 0;
      uI = 0;
      if (!uNone) {
        if (uPlus) {
          uO = uPlus[a0] - uPlus[a1] - uPlus[a2] + uPlus[a3];
          uI = uPlus[a4] - uPlus[a5] - uPlus[a6] + uPlus[a7];
        } else {
          uO = outerArea;
          uI = innerArea;
        }
        if (uMinus) {
          uO -= uMinus[a0] - uMinus[a1] - uMinus[a2] + uMinus[a3];
          uI -= uMinus[a4] - uMinus[a5] - uMinus[a6] + uMinus[a7];
        }
      }
    }
    const area = areas[k];
    const slackOuter = outerArea - area;
    const slackInner = area - innerArea;
    let lower = uI > uO - slackOuter ? uI : uO - slackOuter;
    let upper = oO < oI + slackInner ? oO : oI + slackInner;
    if (cross) {
      const loO = (oI > oO - slackOuter ? oI : oO - slackOuter) - r[k];
      const hiU = (uO < uI + slackInner ? uO : uI + slackInner) + q[k];
      if (loO > lower) lower = loO;
      if (hiU < upper) upper = hiU;
    }
    if (lower < 0) lower = 0;
    if (upper > area) upper = area;
    if (divide) {
      lower /= area;
      upper /= area;
    }
    if (!init) {
      const l0 = lo[k];
      const h0 = hi[k];
      if (l0 > lower) lower = l0;
      if (h0 < upper) upper = h0;
    }
    lo[k] = lower;
    hi[k] = upper;
  }
  return reads;
}

/**
 * gridLevel's most common case without its tests: a first level, per-item ROIs (image boxes), and
 * one run of bins from a plane (over = under: the range's ends on bin edges), so CP ≥ C(R⁻) and
 * CP ≥ C(R⁺) − (|R⁺| − |R|), CP ≤ C(R⁺) and CP ≤ C(R⁻) + (|R| − |R⁻|).
 */
function gridLevelOneRun(plus: CountArray, minus: CountArray | null, cells: number, c: Candidates, g: LevelGeometry, s: number, t: number, lo: Float64Array, hi: Float64Array, divide: boolean): void {
  const { corners, outer, inner } = g;
  const { areas, slots } = c;
  for (let k = s; k < t; k++) {
    const base = slots[k] * cells;
    const at = k * 8;
    const a0 = base + corners[at];
    const a1 = base + corners[at + 1];
    const a2 = base + corners[at + 2];
    const a3 = base + corners[at + 3];
    const a4 = base + corners[at + 4];
    const a5 = base + corners[at + 5];
    const a6 = base + corners[at + 6];
    const a7 = base + corners[at + 7];
    let cO = plus[a0] - plus[a1] - plus[a2] + plus[a3];
    let cI = plus[a4] - plus[a5] - plus[a6] + plus[a7];
    if (minus) {
      cO -= minus[a0] - minus[a1] - minus[a2] + minus[a3];
      cI -= minus[a4] - minus[a5] - minus[a6] + minus[a7];
    }
    const area = areas[k];
    const fromOuter = cO - (outer[k] - area);
    const fromInner = cI + (area - inner[k]);
    let l = cI > fromOuter ? cI : fromOuter;
    let h = cO < fromInner ? cO : fromInner;
    if (l < 0) l = 0;
    if (h > area) h = area;
    if (divide) {
      l /= area;
      h /= area;
    }
    lo[k] = l;
    hi[k] = h;
  }
}
