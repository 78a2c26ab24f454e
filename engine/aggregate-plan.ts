import { performance } from 'node:perf_hooks';
import type { EngineContext } from './context.js';
import { roiResolver } from './cp-plan.js';
import { loadMasks } from './load-masks.js';
import { RangeCounter, wasmCounter } from './range-counter.js';
import type { Mask } from './mask.js';
import { MaskBounds } from './mask-bounds.js';
import type { MaskTable } from './mask-table.js';
import { ENCODINGS } from './mask-table.js';
import type { CompareOp, Plan } from './plan.js';
import { FAILS, PASSES, SKIPPED, compare } from './plan.js';
import type { Rect, RoiSpec } from './roi.js';
import { newRect, readRect, writeRect } from './roi.js';
import type { QueryStats } from './stats.js';
import { aboveThreshold, compileRange } from './value-range.js';
import type { MaskWhere } from './where.js';
import { selectSlots } from './where.js';

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

/** Slots common to two ascending slot lists. */
function intersectSlots(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let n = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      out[n++] = a[i];
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out.slice(0, n);
}

/** Group members as slots: start[g]..start[g + 1] in members, one group per image slot with any. */
interface Groups {
  start: Int32Array;
  members: Int32Array;
  /** The member index (selector) of each grouped slot; 0 without selectors. */
  selector: Int32Array;
  imageSlots: Int32Array;
  count: number;
  /** Masks of images skipped for lacking a member. */
  incompleteMasks: number;
}

function groupAll(table: MaskTable, slots: Int32Array): Groups {
  // Counting sort over image slots: no per-group allocation.
  const imageSlots = table.imageSlotCount;
  const { imageSlots: imageOf } = table.columns();
  const end = new Int32Array(imageSlots + 1);
  for (let k = 0; k < slots.length; k++) end[imageOf[slots[k]] + 1]++;
  let count = 0;
  for (let i = 1; i <= imageSlots; i++) {
    if (end[i] > 0) count++;
    end[i] += end[i - 1];
  }
  const grouped = new Int32Array(slots.length);
  const fill = end.slice(0, imageSlots);
  for (let k = 0; k < slots.length; k++) grouped[fill[imageOf[slots[k]]]++] = slots[k];
  const start = new Int32Array(count + 1);
  const images = new Int32Array(count);
  for (let i = 0, g = 0; i < imageSlots; i++) {
    if (end[i + 1] === end[i]) continue;
    images[g] = i;
    start[++g] = end[i + 1];
  }
  return { start, members: grouped, selector: new Int32Array(slots.length), imageSlots: images, count, incompleteMasks: 0 };
}

function groupBySelectors(table: MaskTable, base: Int32Array, members: readonly AggregateMember[]): Groups {
  const n = members.length;
  const imageSlots = table.imageSlotCount;
  const chosen = new Int32Array(imageSlots * n).fill(-1);
  const present = new Int32Array(imageSlots);
  members.forEach((member, m) => {
    const slots = member.where ? intersectSlots(base, selectSlots(table, member.where)) : base;
    for (const slot of slots) {
      const at = table.imageSlotAt(slot) * n + m;
      const old = chosen[at];
      if (old < 0) present[table.imageSlotAt(slot)]++;
      if (old < 0 || table.idAt(slot) < table.idAt(old)) chosen[at] = slot;
    }
  });
  const start: number[] = [0];
  const grouped: number[] = [];
  const selector: number[] = [];
  const images: number[] = [];
  let incompleteMasks = 0;
  for (let i = 0; i < imageSlots; i++) {
    if (present[i] === 0) continue;
    if (present[i] < n) {
      incompleteMasks += present[i];
      continue;
    }
    for (let m = 0; m < n; m++) {
      grouped.push(chosen[i * n + m]);
      selector.push(m);
    }
    images.push(i);
    start.push(grouped.length);
  }
  return {
    start: Int32Array.from(start),
    members: Int32Array.from(grouped),
    selector: Int32Array.from(selector),
    imageSlots: Int32Array.from(images),
    count: images.length,
    incompleteMasks,
  };
}

/** Bounds on IoU = I / U from bounds on I and U and, for two members, on their set pixel counts a and b (U = a + b − I). */
function iouBounds(iLo: number, iHi: number, uLo: number, uHi: number, pair: Float64Array | null, out: Float64Array): void {
  if (pair) {
    const aLo = pair[0];
    const aHi = pair[1];
    const bLo = pair[2];
    const bHi = pair[3];
    iHi = Math.min(iHi, aHi, bHi);
    uLo = Math.max(uLo, aLo + bLo - iHi, aLo, bLo);
    uHi = Math.min(uHi, aHi + bHi - iLo);
  }
  out[0] = uHi > 0 ? Math.max(0, iLo / uHi) : 0;
  out[1] = uLo > 0 ? Math.min(1, iHi / uLo) : 1;
}

export function planAggregate(ctx: EngineContext, spec: AggregateSpec, stats: QueryStats): AggregatePlan {
  const { table } = ctx;
  const selectors = spec.members && spec.members.length > 0 ? spec.members : null;
  const thresholds = selectors ? selectors.map((m) => m.threshold ?? spec.threshold) : [spec.threshold];
  const ranges = thresholds.map((t) => compileRange(aboveThreshold(t)));
  const bounds = ranges.map((range) => new MaskBounds(table, range, stats));
  const counters = ranges.map((range) => new RangeCounter(range));
  const resolve = roiResolver(table, spec.roi);
  const minArea = spec.minRoiArea ?? 0;
  const base = selectSlots(table, spec.where);
  const groups = selectors ? groupBySelectors(table, base, selectors) : groupAll(table, base);
  stats.candidates += selectors ? groups.members.length + groups.incompleteMasks : base.length;
  stats.skipped += groups.incompleteMasks;
  stats.groups = groups.count;
  const version = table.version;
  const cols = table.columns();
  const useIndex = spec.useIndex ?? true;

  const n = groups.count;
  const keys = new Float64Array(n);
  const weights = new Int32Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const maybeSkipped = new Uint8Array(n);
  const rects = new Int32Array(n * 4);
  const areas = new Int32Array(n);
  const dims = new Int32Array(n * 2);
  const itemGroup = new Int32Array(n);
  const memberIds = new Float64Array(groups.members.length);
  const groupOf = new Int32Array(groups.members.length);
  for (let g = 0; g < n; g++) groupOf.fill(g, groups.start[g], groups.start[g + 1]);
  for (let k = 0; k < memberIds.length; k++) memberIds[k] = cols.ids[groups.members[k]];
  const rect = newRect();
  const bound = new Float64Array(2);
  const iou = new Float64Array(2);
  const pairBounds = new Float64Array(4);
  const t0 = performance.now();
  let size = 0;

  /** Group bounds from member bounds memberLo/memberHi (m members, ROI area) into lo[at], hi[at]; false: skip. */
  const combine = (memberLo: Float64Array, memberHi: Float64Array, m: number, area: number, cellI: number[] | null, at: number): boolean => {
    let sumLo = 0;
    let sumHi = 0;
    let maxLo = 0;
    let minHi = area;
    for (let j = 0; j < m; j++) {
      sumLo += memberLo[j];
      sumHi += memberHi[j];
      maxLo = Math.max(maxLo, memberLo[j]);
      minHi = Math.min(minHi, memberHi[j]);
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
    if (spec.measure === 'IOU') {
      if (unionHi === 0) return false;
      if (m === 2) pairBounds.set([memberLo[0], memberHi[0], memberLo[1], memberHi[1]]);
      iouBounds(interLo, interHi, unionLo, unionHi, m === 2 ? pairBounds : null, iou);
      lo[at] = iou[0];
      hi[at] = iou[1];
      maybeSkipped[at] = unionLo > 0 ? 0 : 1;
    } else {
      let l = spec.op === 'INTERSECT' ? interLo : unionLo;
      let h = spec.op === 'INTERSECT' ? interHi : unionHi;
      if (spec.measure === 'ROI_FRACTION') {
        l /= area;
        h /= area;
      }
      lo[at] = l;
      hi[at] = h;
    }
    return true;
  };

  // First the groups' ROIs, then every member's bounds in one pass per selector, then the groups' bounds.
  const memberRects = new Int32Array(groups.members.length * 4);
  const groupOk = new Uint8Array(n);
  for (let g = 0; g < n; g++) {
    const from = groups.start[g];
    const to = groups.start[g + 1];
    const first = groups.members[from];
    const width = cols.widths[first];
    const height = cols.heights[first];
    let sameSize = true;
    for (let k = from; k < to; k++) sameSize &&= cols.widths[groups.members[k]] === width && cols.heights[groups.members[k]] === height;
    // Pixel-wise aggregation needs one grid: an image whose masks differ in size is skipped.
    if (!sameSize || !resolve(first, rect)) continue;
    const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
    if ((spec.measure !== 'COUNT' && area === 0) || area < minArea) continue;
    groupOk[g] = 1;
    for (let k = from; k < to; k++) {
      memberRects[k * 4] = rect.x0;
      memberRects[k * 4 + 1] = rect.y0;
      memberRects[k * 4 + 2] = rect.x1;
      memberRects[k * 4 + 3] = rect.y1;
    }
  }
  const allLo = new Float64Array(groups.members.length);
  const allHi = new Float64Array(groups.members.length);
  const total = groups.members.length;
  const picked = new Int32Array(total);
  const pickedSlots = new Int32Array(total);
  const pickedRects = new Int32Array(total * 4);
  const pickedLo = new Float64Array(total);
  const pickedHi = new Float64Array(total);
  for (let selector = 0; selector < bounds.length; selector++) {
    let count = 0;
    for (let k = 0; k < total; k++) {
      if (groups.selector[k] !== selector || !groupOk[groupOf[k]]) continue;
      picked[count] = k;
      pickedSlots[count] = groups.members[k];
      for (let c = 0; c < 4; c++) pickedRects[count * 4 + c] = memberRects[k * 4 + c];
      count++;
    }
    if (useIndex) bounds[selector].first(count, pickedSlots, pickedRects, pickedLo, pickedHi);
    for (let j = 0; j < count; j++) {
      const k = picked[j];
      allLo[k] = useIndex ? pickedLo[j] : 0;
      allHi[k] = useIndex ? pickedHi[j] : (pickedRects[j * 4 + 2] - pickedRects[j * 4]) * (pickedRects[j * 4 + 3] - pickedRects[j * 4 + 1]);
    }
  }
  let memberLo = new Float64Array(8);
  let memberHi = new Float64Array(8);
  for (let g = 0; g < n; g++) {
    const from = groups.start[g];
    const to = groups.start[g + 1];
    const m = to - from;
    if (!groupOk[g]) {
      stats.skipped += m;
      continue;
    }
    readRect(memberRects, from, rect);
    const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
    if (memberLo.length < m) {
      memberLo = new Float64Array(m);
      memberHi = new Float64Array(m);
    }
    for (let j = 0; j < m; j++) {
      memberLo[j] = allLo[from + j];
      memberHi[j] = allHi[from + j];
    }
    if (!combine(memberLo, memberHi, m, area, null, size)) {
      stats.skipped += m;
      continue;
    }
    keys[size] = table.imageIdOfSlot(groups.imageSlots[g]);
    weights[size] = m;
    writeRect(rects, size, rect);
    areas[size] = area;
    dims[size * 2] = cols.widths[groups.members[from]];
    dims[size * 2 + 1] = cols.heights[groups.members[from]];
    itemGroup[size] = g;
    size++;
  }
  stats.boundMs += performance.now() - t0;

  const membersOf = (item: number): Float64Array => {
    const g = itemGroup[item];
    return memberIds.subarray(groups.start[g], groups.start[g + 1]);
  };
  const refined = new Uint8Array(size);
  const r = newRect();
  let cellLo: Int32Array[] = [];
  let cellHi: Int32Array[] = [];
  const cellSums = [0, 0, 0, 0];
  const refineGroup = (item: number): void => {
    const g = itemGroup[item];
    const from = groups.start[g];
    const m = groups.start[g + 1] - from;
    readRect(rects, item, r);
    const area = areas[item];
    const slotsNow: number[] = [];
    for (let k = 0; k < m; k++) {
      const id = memberIds[from + k];
      const slot = table.version === version ? groups.members[from + k] : table.slotOf(id);
      if (slot < 0 || !table.isIndexed(slot) || table.widthAt(slot) !== dims[item * 2] || table.heightAt(slot) !== dims[item * 2 + 1]) return;
      slotsNow.push(slot);
    }
    let cells = 0;
    for (let k = 0; k < m; k++) {
      const slot = slotsNow[k];
      const b = bounds[groups.selector[from + k]];
      b.prepareCells(dims[item * 2], dims[item * 2 + 1], ENCODINGS.indexOf(table.encodingAt(slot)), r);
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
      memberLo[k] = bound[0];
      memberHi[k] = bound[1];
    }
    // Cells are the same for every member (same size and ROI): combine them cell by cell.
    const cellsOf = bounds[groups.selector[from]].cells;
    cellSums.fill(0);
    for (let c = 0; c < cells; c++) {
      let sLo = 0;
      let sHi = 0;
      let mxLo = 0;
      let mnHi = Infinity;
      for (let k = 0; k < m; k++) {
        sLo += cellLo[k][c];
        sHi += cellHi[k][c];
        mxLo = Math.max(mxLo, cellLo[k][c]);
        mnHi = Math.min(mnHi, cellHi[k][c]);
      }
      const rc = cellsOf.cellRects;
      const o = (rc[c * 4 + 2] - rc[c * 4]) * (rc[c * 4 + 3] - rc[c * 4 + 1]);
      cellSums[0] += Math.max(0, sLo - (m - 1) * o);
      cellSums[1] += mnHi;
      cellSums[2] += mxLo;
      cellSums[3] += Math.min(o, sHi);
    }
    const oldLo = lo[item];
    const oldHi = hi[item];
    if (combine(memberLo, memberHi, m, area, cellSums, item)) {
      lo[item] = Math.max(lo[item], oldLo);
      hi[item] = Math.min(hi[item], oldHi);
    } else {
      lo[item] = oldLo;
      hi[item] = oldHi;
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
      const from = groups.start[g];
      const group = Array.from(membersOf(item), (id) => masks.get(id));
      readRect(rects, item, r);
      const w = dims[item * 2];
      const h = dims[item * 2 + 1];
      // A member deleted or resized since planning leaves the group unanswerable.
      if (!group.every((mask): mask is Mask => mask !== undefined && mask.width === w && mask.height === h)) {
        values[k] = NaN;
        return;
      }
      const [intersection, union] = intersectAndUnion(
        group,
        group.map((_, j) => counters[groups.selector[from + j]]),
        r,
      );
      stats.pixelsCounted += group.length * areas[item];
      if (spec.measure === 'IOU') values[k] = union === 0 ? NaN : intersection / union;
      else {
        const count = spec.op === 'INTERSECT' ? intersection : union;
        values[k] = spec.measure === 'ROI_FRACTION' ? count / areas[item] : count;
      }
    });
    return values;
  };

  return {
    size,
    keys: keys.subarray(0, size),
    weights: weights.subarray(0, size),
    lo: lo.subarray(0, size),
    hi: hi.subarray(0, size),
    maybeSkipped: maybeSkipped.subarray(0, size),
    membersOf,
    stats,
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
