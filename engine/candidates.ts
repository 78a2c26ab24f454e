import { gridAxis } from './grid-axis.js';
import type { MaskTable } from './mask-table.js';
import { ENCODINGS } from './mask-table.js';

/**
 * The part of a query that does not depend on its value range: which masks take part and the
 * ROI of each, with what the first pass needs per grid level (corner offsets and the areas of R⁺
 * and R⁻). Items are grouped by encoding, masks without a CHI last (groupStart), in slot order
 * within a group; results never depend on item order (ties are broken by key).
 */
export class Candidates {
  /** Items [groupStart[e], groupStart[e + 1]) have encoding code e and a CHI; from groupStart[ENCODINGS.length] on, no CHI. */
  readonly groupStart = new Int32Array(ENCODINGS.length + 2);
  /** 1 per item, shared: the weight of a single-mask item. */
  readonly ones: Int32Array;
  /** One geometry when every item has the same mask size and ROI (a constant box or the full mask over masks of one size). */
  readonly uniform: boolean;
  /** Every item's ROI is its whole mask. */
  readonly wholeMasks: boolean;
  private readonly geometries = new Map<number, LevelGeometry>();

  constructor(
    readonly size: number,
    readonly slots: Int32Array,
    /** x0, y0, x1, y1 of item k at 4k..4k+3, clipped to its mask. */
    readonly rects: Int32Array,
    readonly areas: Int32Array,
    /** W·H of each item's mask. */
    readonly pixels: Int32Array,
    /** Mask ids. */
    readonly keys: Float64Array,
    /** W, H at 2k, 2k+1: the size each item was planned for. */
    readonly dims: Int32Array,
    groupEnds: readonly number[],
    /** The table version these describe. */
    readonly version: number,
    /** The index of each item in the slots it was made from. */
    readonly origin: Int32Array,
  ) {
    groupEnds.forEach((end, g) => (this.groupStart[g + 1] = end));
    this.ones = new Int32Array(size).fill(1);
    this.uniform = isUniform(size, rects, dims);
    this.wholeMasks = areas.every((area, k) => area === pixels[k]);
  }

  /** The geometry of every item at a grid level of G×G (computed once per level). */
  geometry(grid: number): LevelGeometry {
    let g = this.geometries.get(grid);
    if (!g) {
      g = levelGeometry(this, grid);
      this.geometries.set(grid, g);
    }
    return g;
  }

  /** Bytes held, for the cache's budget. */
  get bytes(): number {
    let n = this.size * (4 + 16 + 4 + 4 + 8 + 8 + 4 + 4);
    for (const g of this.geometries.values()) n += g.corners.byteLength + g.outer.byteLength + g.inner.byteLength;
    return n;
  }
}

/**
 * Per item at one grid level: 8 corner offsets within a mask's (G + 1)² entries — R⁺'s
 * (i1, j1), (i0, j1), (i1, j0), (i0, j0), then R⁻'s — and the areas of R⁺ and R⁻ (an inverted R⁻
 * is collapsed to an empty rectangle, whose corners cancel). When the candidates are uniform,
 * arrays hold item 0 only.
 */
export interface LevelGeometry {
  corners: Uint16Array;
  outer: Int32Array;
  inner: Int32Array;
}

function isUniform(size: number, rects: Int32Array, dims: Int32Array): boolean {
  for (let k = 1; k < size; k++) {
    if (dims[k * 2] !== dims[0] || dims[k * 2 + 1] !== dims[1]) return false;
    const at = k * 4;
    if (rects[at] !== rects[0] || rects[at + 1] !== rects[1] || rects[at + 2] !== rects[2] || rects[at + 3] !== rects[3]) return false;
  }
  return true;
}

function levelGeometry(c: Candidates, G: number): LevelGeometry {
  const n = c.uniform ? Math.min(1, c.size) : c.size;
  const corners = new Uint16Array(n * 8);
  const outer = new Int32Array(n);
  const inner = new Int32Array(n);
  const { rects, dims } = c;
  const stride = G + 1;
  let W = -1;
  let H = -1;
  let rows = gridAxis(1, G);
  let cols = rows;
  for (let k = 0; k < n; k++) {
    if (dims[k * 2] !== W || dims[k * 2 + 1] !== H) {
      W = dims[k * 2];
      H = dims[k * 2 + 1];
      rows = gridAxis(H, G);
      cols = gridAxis(W, G);
    }
    const x0 = rects[k * 4];
    const y0 = rects[k * 4 + 1];
    const x1 = rects[k * 4 + 2];
    const y1 = rects[k * 4 + 3];
    const rl = rows.lines;
    const cl = cols.lines;
    const oi0 = rows.atOrBefore[y0];
    const oi1 = rows.atOrAfter[y1];
    const oj0 = cols.atOrBefore[x0];
    const oj1 = cols.atOrAfter[x1];
    const ii0 = rows.atOrAfter[y0];
    const ij0 = cols.atOrAfter[x0];
    const ii1 = Math.max(ii0, rows.atOrBefore[y1]);
    const ij1 = Math.max(ij0, cols.atOrBefore[x1]);
    outer[k] = (rl[oi1] - rl[oi0]) * (cl[oj1] - cl[oj0]);
    inner[k] = (rl[ii1] - rl[ii0]) * (cl[ij1] - cl[ij0]);
    const at = k * 8;
    corners[at] = oi1 * stride + oj1;
    corners[at + 1] = oi0 * stride + oj1;
    corners[at + 2] = oi1 * stride + oj0;
    corners[at + 3] = oi0 * stride + oj0;
    corners[at + 4] = ii1 * stride + ij1;
    corners[at + 5] = ii0 * stride + ij1;
    corners[at + 6] = ii1 * stride + ij0;
    corners[at + 7] = ii0 * stride + ij0;
  }
  return { corners, outer, inner };
}

/**
 * Candidates from slots and their ROI rects (4 per slot, clipped to each mask): items are
 * regrouped by encoding, masks without a CHI last.
 */
export function candidatesOf(table: MaskTable, slots: Int32Array, rects: Int32Array, n = slots.length): Candidates {
  const { ids, widths, heights, encodings, indexed } = table.columns();
  const groups = ENCODINGS.length + 1;
  const groupOf = (slot: number): number => (indexed[slot] ? encodings[slot] : ENCODINGS.length);
  const ends = new Array<number>(groups).fill(0);
  for (let k = 0; k < n; k++) ends[groupOf(slots[k])]++;
  for (let g = 1; g < groups; g++) ends[g] += ends[g - 1];
  const fill = [0, ...ends.slice(0, groups - 1)];
  const outSlots = new Int32Array(n);
  const outRects = new Int32Array(n * 4);
  const areas = new Int32Array(n);
  const pixels = new Int32Array(n);
  const keys = new Float64Array(n);
  const dims = new Int32Array(n * 2);
  const origin = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const slot = slots[k];
    const i = fill[groupOf(slot)]++;
    outSlots[i] = slot;
    origin[i] = k;
    const x0 = rects[k * 4];
    const y0 = rects[k * 4 + 1];
    const x1 = rects[k * 4 + 2];
    const y1 = rects[k * 4 + 3];
    outRects[i * 4] = x0;
    outRects[i * 4 + 1] = y0;
    outRects[i * 4 + 2] = x1;
    outRects[i * 4 + 3] = y1;
    areas[i] = (x1 - x0) * (y1 - y0);
    pixels[i] = widths[slot] * heights[slot];
    keys[i] = ids[slot];
    dims[i * 2] = widths[slot];
    dims[i * 2 + 1] = heights[slot];
  }
  return new Candidates(n, outSlots, outRects, areas, pixels, keys, dims, ends, table.version, origin);
}
