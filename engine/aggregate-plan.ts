import { performance } from 'node:perf_hooks';
import type { EngineContext } from './context.js';
import type { AggregateGroups } from './aggregate-groups.js';
import { aggregateGroups } from './aggregate-groups.js';
import { giveFloat64, giveUint8, takeFloat64, takeUint8 } from './buffer-pool.js';
import { loadMasks } from './load-masks.js';
import { RangeCounter, wasmCounter } from './range-counter.js';
import type { Mask } from './mask.js';
import { MaskBounds } from './mask-bounds.js';
import { ENCODINGS } from './mask-table.js';
import type { CompareOp, Plan } from './plan.js';
import { FAILS, PASSES, SKIPPED, compare } from './plan.js';
import type { Rect, RoiSpec } from './roi.js';
import { newRect, readRect } from './roi.js';
import type { QueryStats } from './stats.js';
import { aboveThreshold, compileRange } from './value-range.js';
import type { MaskWhere } from './where.js';

export type AggregateOp = 'INTERSECT' | 'UNION';
export type AggregateMeasure = 'COUNT' | 'ROI_FRACTION' | 'IOU';

/** One member of every group: the image's mask that matches where (the smallest id if several), binarised at its threshold. */
export interface AggregateMember {
  where?: MaskWhere | null;
  /** Overrides the query's threshold for this member. */
  threshold?: number | null;
}

/**
 * Masks grouped by image, each binarised at v > threshold, combined, measured in the ROI. Without
 * members every mask of the image matching where takes part; with members, each group has one
 * mask per member, and images missing a member are skipped.
 */
export interface AggregateSpec {
  op: AggregateOp;
  threshold: number;
  roi: RoiSpec;
  measure: AggregateMeasure;
  minRoiArea?: number;
  where?: MaskWhere | null;
  members?: readonly AggregateMember[] | null;
  /** false: no bounds, every group counted (the scan baseline). */
  useIndex?: boolean;
}

export interface AggregatePlan extends Plan {
  /** Mask ids of the group that is plan item `item`. */
  membersOf(item: number): Float64Array;
}

const pairCounts = new Float64Array(2);

/** Pixels of rect set in every member (intersection) and in any member (union), by the SIMD kernel. */
function intersectAndUnion(members: readonly Mask[], counters: readonly RangeCounter[], rect: Rect): [number, number] {
  if (rect.x1 <= rect.x0 || rect.y1 <= rect.y0) return [0, 0];
  const lo: number[] = [];
  const hi: number[] = [];
  members.forEach((mask, m) => {
    const [l, h] = counters[m].interval(mask.data);
    lo.push(l);
    hi.push(h);
  });
  wasmCounter().intersectUnion(
    members.map((m) => m.data),
    lo,
    hi,
    members[0].width,
    rect.x0,
    rect.y0,
    rect.x1,
    rect.y1,
    pairCounts,
  );
  return [pairCounts[0], pairCounts[1]];
}

/**
 * Bounds of a group's value from its members' CP bounds memberLo/memberHi[from..from + m − 1]
 * (and, after refinement, cell-by-cell bounds cellI = [I lo, I hi, U lo, U hi]) into out:
 * lo, hi, and 1 when the group may turn out skipped (IoU with a possibly empty union). False: the
 * group is skipped (its union is certainly empty).
 */
function groupBounds(
  memberLo: Float64Array,
  memberHi: Float64Array,
  from: number,
  m: number,
  area: number,
  cellI: Float64Array | null,
  measure: AggregateMeasure,
  op: AggregateOp,
  out: Float64Array,
): boolean {
  let sumLo = 0;
  let sumHi = 0;
  let maxLo = 0;
  let minHi = area;
  for (let j = from; j < from + m; j++) {
    const l = memberLo[j];
    const h = memberHi[j];
    sumLo += l;
    sumHi += h;
    if (l > maxLo) maxLo = l;
    if (h < minHi) minHi = h;
  }
  let interLo = Math.max(0, sumLo - (m - 1) * area);
  let interHi = minHi;
  let unionLo = maxLo;
  let unionHi = Math.min(area, sumHi);
  if (cellI) {
    interLo = Math.max(interLo, cellI[0]);
    interHi = Math.min(interHi, cellI[1]);
    unionLo = Math.max(unionLo, cellI[2]);
    unionHi = Math.min(unionHi, cellI[3]);
  }
  out[2] = 0;
  if (measure === 'IOU') {
    if (unionHi === 0) return false;
    if (m === 2) {
      // U = a + b − I with a, b the members' set pixels.
      const aLo = memberLo[from];
      const aHi = memberHi[from];
      const bLo = memberLo[from + 1];
      const bHi = memberHi[from + 1];
      interHi = Math.min(interHi, aHi, bHi);
      unionLo = Math.max(unionLo, aLo + bLo - interHi, aLo, bLo);
      unionHi = Math.min(unionHi, aHi + bHi - interLo);
    }
    out[0] = unionHi > 0 ? Math.max(0, interLo / unionHi) : 0;
    out[1] = unionLo > 0 ? Math.min(1, interHi / unionLo) : 1;
    out[2] = unionLo > 0 ? 0 : 1;
    return true;
  }
  let l = op === 'INTERSECT' ? interLo : unionLo;
  let h = op === 'INTERSECT' ? interHi : unionHi;
  if (measure === 'ROI_FRACTION') {
    l /= area;
    h /= area;
  }
  out[0] = l;
  out[1] = h;
  return true;
}

/**
 * Per-cell bounds of two members (A and B) summed over the cells: intersection [Σ max(0, A + B − |c|),
 * Σ min(A, B)] and union [Σ max(A, B), Σ min(|c|, A + B)], each member's count in its [lo, hi].
 */
function pairCellSums(aLo: Int32Array, aHi: Int32Array, bLo: Int32Array, bHi: Int32Array, rects: Int32Array, cells: number, out: Float64Array): void {
  let interLo = 0;
  let interHi = 0;
  let unionLo = 0;
  let unionHi = 0;
  for (let c = 0; c < cells; c++) {
    const o = (rects[c * 4 + 2] - rects[c * 4]) * (rects[c * 4 + 3] - rects[c * 4 + 1]);
    const al = aLo[c];
    const bl = bLo[c];
    const ah = aHi[c];
    const bh = bHi[c];
    const sLo = al + bl - o;
    const sHi = ah + bh;
    interLo += sLo > 0 ? sLo : 0;
    interHi += ah < bh ? ah : bh;
    unionLo += al > bl ? al : bl;
    unionHi += sHi < o ? sHi : o;
  }
  out[0] = interLo;
  out[1] = interHi;
  out[2] = unionLo;
  out[3] = unionHi;
}

/** pairCellSums for m members: the intersection's lower bound counts what all m must share. */
function groupCellSums(cellLo: readonly Int32Array[], cellHi: readonly Int32Array[], m: number, rects: Int32Array, cells: number, out: Float64Array): void {
  for (let c = 0; c < cells; c++) {
    let sLo = 0;
    let sHi = 0;
    let mxLo = 0;
    let mnHi = Infinity;
    for (let k = 0; k < m; k++) {
      const l = cellLo[k][c];
      const h = cellHi[k][c];
      sLo += l;
      sHi += h;
      if (l > mxLo) mxLo = l;
      if (h < mnHi) mnHi = h;
    }
    const o = (rects[c * 4 + 2] - rects[c * 4]) * (rects[c * 4 + 3] - rects[c * 4 + 1]);
    out[0] += Math.max(0, sLo - (m - 1) * o);
    out[1] += mnHi;
    out[2] += mxLo;
    out[3] += Math.min(o, sHi);
  }
}

/** The plan's items: groups that can be measured. Their first bounds go into the plan's lo, hi and maybeSkipped. */
interface GroupItems {
  size: number;
  keys: Float64Array;
  weights: Int32Array;
  totalWeight: number;
  itemGroup: Int32Array;
}

/** Where a plan's first bounds go, item by item. */
interface ItemBounds {
  lo: Float64Array;
  hi: Float64Array;
  maybeSkipped: Uint8Array;
}

/**
 * IoU of two members (people vs a model), the common case, bounded in one loop. Groups are
 * skipped only when their union is certainly empty (both masks empty), so items are the groups
 * themselves and keys, weights and item → group come from the groups, shared; only after a skip
 * are they copied.
 */
function pairIouItems(groups: AggregateGroups, memberLo: Float64Array, memberHi: Float64Array, bounds: ItemBounds, stats: QueryStats): GroupItems {
  const { start, areas, imageIds } = groups;
  const { lo, hi, maybeSkipped } = bounds;
  const n = groups.count;
  let keys: Float64Array | null = null;
  let itemGroup: Int32Array | null = null;
  let size = 0;
  for (let g = 0; g < n; g++) {
    const from = start[g];
    const A = areas[g];
    const l0 = memberLo[from];
    const h0 = memberHi[from];
    const l1 = memberLo[from + 1];
    const h1 = memberHi[from + 1];
    const sumLo = l0 + l1;
    const sumHi = h0 + h1;
    const unionHi0 = sumHi < A ? sumHi : A;
    if (unionHi0 === 0) {
      // A certainly empty union: the group is skipped, and items no longer line up with groups.
      if (!keys) {
        keys = imageIds.slice(0, n);
        itemGroup = groups.groupOrder().slice(0, n);
      }
      continue;
    }
    const interLo = sumLo > A ? sumLo - A : 0;
    const minHi = h0 < h1 ? h0 : h1;
    const interHi = minHi < A ? minHi : A;
    const maxLo = l0 > l1 ? l0 : l1;
    const unionLo = maxLo > sumLo - interHi ? maxLo : sumLo - interHi;
    const unionHi = unionHi0 < sumHi - interLo ? unionHi0 : sumHi - interLo;
    const iouLo = unionHi > 0 ? interLo / unionHi : 0;
    const iouHi = unionLo > 0 ? interHi / unionLo : 1;
    lo[size] = iouLo > 0 ? iouLo : 0;
    hi[size] = iouHi < 1 ? iouHi : 1;
    maybeSkipped[size] = unionLo > 0 ? 0 : 1;
    if (keys && itemGroup) {
      keys[size] = imageIds[g];
      itemGroup[size] = g;
    }
    size++;
  }
  stats.skipped += 2 * (n - size);
  // Every group has two members: the counts serve as weights whether or not some were skipped.
  return { size, keys: keys ?? imageIds, weights: groups.memberCounts(), totalWeight: 2 * size, itemGroup: itemGroup ?? groups.groupOrder() };
}

/** Groups of any size and measure, bounded by groupBounds. */
function groupItems(
  groups: AggregateGroups,
  memberLo: Float64Array,
  memberHi: Float64Array,
  measure: AggregateMeasure,
  op: AggregateOp,
  bounds: ItemBounds,
  stats: QueryStats,
): GroupItems {
  const { start, areas, imageIds } = groups;
  const { lo, hi, maybeSkipped } = bounds;
  const n = groups.count;
  const keys = new Float64Array(n);
  const weights = new Int32Array(n);
  const itemGroup = new Int32Array(n);
  const out = new Float64Array(3);
  let size = 0;
  let totalWeight = 0;
  for (let g = 0; g < n; g++) {
    const from = start[g];
    const m = start[g + 1] - from;
    if (!groupBounds(memberLo, memberHi, from, m, areas[g], null, measure, op, out)) {
      stats.skipped += m;
      continue;
    }
    keys[size] = imageIds[g];
    weights[size] = m;
    totalWeight += m;
    lo[size] = out[0];
    hi[size] = out[1];
    maybeSkipped[size] = out[2];
    itemGroup[size] = g;
    size++;
  }
  return { size, keys, weights, totalWeight, itemGroup };
}

export function planAggregate(ctx: EngineContext, spec: AggregateSpec, stats: QueryStats): AggregatePlan {
  const { table } = ctx;
  const selectors = spec.members && spec.members.length > 0 ? spec.members : null;
  const thresholds = selectors ? selectors.map((m) => m.threshold ?? spec.threshold) : [spec.threshold];
  const ranges = thresholds.map((t) => compileRange(aboveThreshold(t)));
  const bounds = ranges.map((range) => new MaskBounds(table, range, stats));
  const counters = ranges.map((range) => new RangeCounter(range));
  const useIndex = spec.useIndex ?? true;
  const { measure, op } = spec;
  const entry = aggregateGroups(table, {
    where: spec.where,
    memberWheres: selectors?.map((m) => m.where),
    roi: spec.roi,
    dropEmptyRoi: measure !== 'COUNT',
    minRoiArea: spec.minRoiArea,
  });
  const groups = entry.value;
  stats.candidates += entry.matched;
  stats.skipped += entry.skipped;
  stats.groups = groups.formed;
  const { start, memberIds, memberSlots, selector, rects, areas, dims } = groups;
  const version = table.version;
  const t0 = performance.now();

  // Every member's bounds in one first pass per selector, then the groups' bounds.
  const total = memberSlots.length;
  // Exact member bounds (whole-mask ROIs) are one array: half the bytes written.
  const exact = useIndex && groups.bySelector.every((c, s) => bounds[s].exact(c));
  const memberLo = takeFloat64(total);
  const memberHi = exact ? memberLo : takeFloat64(total);
  groups.bySelector.forEach((c, s) => {
    const to = groups.memberOf[s];
    if (!useIndex) {
      for (let i = 0; i < c.size; i++) {
        memberLo[to ? to[i] : i] = 0;
        memberHi[to ? to[i] : i] = c.areas[i];
      }
      return;
    }
    if (!to) {
      bounds[s].first(c, memberLo, memberHi);
      return;
    }
    const lo = takeFloat64(c.size);
    const hi = exact ? lo : takeFloat64(c.size);
    bounds[s].first(c, lo, hi);
    for (let i = 0; i < c.size; i++) {
      memberLo[to[i]] = lo[i];
      memberHi[to[i]] = hi[i];
    }
    giveFloat64(lo);
    if (hi !== lo) giveFloat64(hi);
  });
  const n = groups.count;
  const lo = takeFloat64(n);
  const hi = takeFloat64(n);
  const maybeSkipped = takeUint8(n);
  const itemBounds = { lo, hi, maybeSkipped };
  const { size, keys, weights, totalWeight, itemGroup } =
    measure === 'IOU' && groups.members === 2
      ? pairIouItems(groups, memberLo, memberHi, itemBounds, stats)
      : groupItems(groups, memberLo, memberHi, measure, op, itemBounds, stats);
  const out = new Float64Array(3);
  giveFloat64(memberLo);
  if (memberHi !== memberLo) giveFloat64(memberHi);
  stats.boundMs += performance.now() - t0;

  const membersOf = (item: number): Float64Array => {
    const g = itemGroup[item];
    return memberIds.subarray(start[g], start[g + 1]);
  };
  const refined = takeUint8(size).fill(0);
  const r = newRect();
  const cellLo: Int32Array[] = [];
  const cellHi: Int32Array[] = [];
  let refLo = new Float64Array(2);
  let refHi = new Float64Array(2);
  const bound = new Float64Array(2);
  const cellSums = new Float64Array(4);
  const refineGroup = (item: number): void => {
    const g = itemGroup[item];
    const from = start[g];
    const m = start[g + 1] - from;
    readRect(rects, g, r);
    const W = dims[g * 2];
    const H = dims[g * 2 + 1];
    if (refLo.length < m) {
      refLo = new Float64Array(m);
      refHi = new Float64Array(m);
    }
    let cells = 0;
    for (let k = 0; k < m; k++) {
      const slot = table.version === version ? memberSlots[from + k] : table.slotOf(memberIds[from + k]);
      if (slot < 0 || !table.isIndexed(slot) || table.widthAt(slot) !== W || table.heightAt(slot) !== H) return;
      const b = bounds[selector[from + k]];
      b.prepareCells(W, H, ENCODINGS.indexOf(table.encodingAt(slot)), r);
      cells = b.cells.cellCount;
      if (cellLo.length <= k) {
        cellLo.push(new Int32Array(cells));
        cellHi.push(new Int32Array(cells));
      }
      if (cellLo[k].length < cells) {
        cellLo[k] = new Int32Array(cells);
        cellHi[k] = new Int32Array(cells);
      }
      b.refine(slot, cellLo[k], cellHi[k], bound);
      refLo[k] = bound[0];
      refHi[k] = bound[1];
    }
    // Cells are the same for every member (same size and ROI): combine them cell by cell.
    const rc = bounds[selector[from]].cells.cellRects;
    cellSums.fill(0);
    if (m === 2) pairCellSums(cellLo[0], cellHi[0], cellLo[1], cellHi[1], rc, cells, cellSums);
    else groupCellSums(cellLo, cellHi, m, rc, cells, cellSums);
    if (groupBounds(refLo, refHi, 0, m, areas[g], cellSums, measure, op, out)) {
      lo[item] = Math.max(lo[item], out[0]);
      hi[item] = Math.min(hi[item], out[1]);
      if (out[2] === 0) maybeSkipped[item] = 0;
    }
    stats.refined += m;
  };

  const exactValues = async (items: readonly number[]): Promise<Float64Array> => {
    const ids = items.flatMap((item) => Array.from(membersOf(item)));
    const masks = await loadMasks(ctx, ids);
    stats.verified += masks.size;
    const values = new Float64Array(items.length);
    items.forEach((item, k) => {
      const g = itemGroup[item];
      const from = start[g];
      const group = Array.from(membersOf(item), (id) => masks.get(id));
      readRect(rects, g, r);
      const w = dims[g * 2];
      const h = dims[g * 2 + 1];
      // A member deleted or resized since planning leaves the group unanswerable.
      if (!group.every((mask): mask is Mask => mask !== undefined && mask.width === w && mask.height === h)) {
        values[k] = NaN;
        return;
      }
      const [intersection, union] = intersectAndUnion(
        group,
        group.map((_, j) => counters[selector[from + j]]),
        r,
      );
      stats.pixelsCounted += group.length * areas[g];
      if (measure === 'IOU') values[k] = union === 0 ? NaN : intersection / union;
      else {
        const count = op === 'INTERSECT' ? intersection : union;
        values[k] = measure === 'ROI_FRACTION' ? count / areas[g] : count;
      }
    });
    return values;
  };

  return {
    size,
    keys: keys.subarray(0, size),
    weights: weights.subarray(0, size),
    totalWeight,
    lo: lo.subarray(0, size),
    hi: hi.subarray(0, size),
    maybeSkipped: maybeSkipped.subarray(0, size),
    membersOf,
    stats,
    release() {
      giveFloat64(lo);
      giveFloat64(hi);
      giveUint8(maybeSkipped);
      giveUint8(refined);
    },
    refine(item) {
      if (refined[item]) return;
      refined[item] = 1;
      refineGroup(item);
    },
    evaluate: exactValues,
    async decide(items: readonly number[], op: CompareOp, threshold: number) {
      const values = await exactValues(items);
      const outcome = new Uint8Array(items.length);
      values.forEach((v, k) => (outcome[k] = Number.isNaN(v) ? SKIPPED : compare(op, v, threshold) ? PASSES : FAILS));
      return { outcome, values };
    },
  };
}
