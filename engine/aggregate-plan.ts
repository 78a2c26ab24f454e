import { RangeBoundsByEncoding } from './bounds.js';
import type { EngineContext } from './context.js';
import { loadMasks } from './context.js';
import { candidateSlots, emptyChiView, roiResolver } from './cp-plan.js';
import type { Mask } from './mask.js';
import type { Plan } from './plan.js';
import type { Rect, RoiSpec } from './roi.js';
import { newRect, readRect, writeRect } from './roi.js';
import type { QueryStats } from './stats.js';
import { aboveThreshold, compileRange } from './value-range.js';
import { markInRect, rangeKernel } from './count.js';
import type { RangeKernel } from './count.js';

export type AggregateOp = 'INTERSECT' | 'UNION';
export type AggregateMeasure = 'COUNT' | 'ROI_FRACTION' | 'IOU';

/** Masks grouped by image, each binarised at v > threshold, combined, measured in the ROI. */
export interface AggregateSpec {
  op: AggregateOp;
  threshold: number;
  roi: RoiSpec;
  measure: AggregateMeasure;
  minRoiArea?: number;
  candidates?: Iterable<number>;
}

export interface AggregatePlan extends Plan {
  /** Mask ids of the group that is plan item `item`. */
  membersOf(item: number): Float64Array;
}

let memberHits = new Uint16Array(0);

/** Pixels of rect set in every member (intersection) and in any member (union). */
function intersectAndUnion(members: readonly Mask[], rect: Rect, kernel: RangeKernel): [number, number] {
  const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
  if (area <= 0) return [0, 0];
  if (memberHits.length < area) memberHits = new Uint16Array(area);
  const hits = memberHits;
  hits.fill(0, 0, area);
  for (const mask of members) markInRect(mask, rect, kernel, hits);
  let intersection = 0;
  let union = 0;
  const n = members.length;
  for (let k = 0; k < area; k++) {
    if (hits[k] === n) intersection++;
    if (hits[k] > 0) union++;
  }
  return [intersection, union];
}

export function planAggregate(ctx: EngineContext, spec: AggregateSpec, stats: QueryStats): AggregatePlan {
  const { index } = ctx;
  const range = compileRange(aboveThreshold(spec.threshold));
  const kernel = rangeKernel(range);
  const resolve = roiResolver(index, spec.roi);
  const minArea = spec.minRoiArea ?? 0;
  const slots = candidateSlots(index, spec.candidates);
  stats.candidates += slots.length;

  // Group by image with a counting sort over image slots: no per-group allocation.
  const imageSlots = index.imageSlotCount;
  const groupEnd = new Int32Array(imageSlots + 1);
  for (const slot of slots) groupEnd[index.imageSlotAt(slot) + 1]++;
  let n = 0;
  for (let i = 1; i <= imageSlots; i++) {
    if (groupEnd[i] > 0) n++;
    groupEnd[i] += groupEnd[i - 1];
  }
  const grouped = new Int32Array(slots.length);
  const fill = groupEnd.slice(0, imageSlots);
  for (const slot of slots) grouped[fill[index.imageSlotAt(slot)]++] = slot;
  stats.groups = n;

  const keys = new Float64Array(n);
  const weights = new Int32Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const maybeSkipped = new Uint8Array(n);
  const rects = new Int32Array(n * 4);
  const areas = new Int32Array(n);
  const dims = new Int32Array(n * 2);
  const memberIds = new Float64Array(slots.length);
  const memberStart = new Int32Array(n + 1);
  const rect = newRect();
  const view = emptyChiView();
  const bound = new Float64Array(2);
  const calculators = new RangeBoundsByEncoding(range, index.config.grid, index.config.bins);
  let size = 0;
  let membersUsed = 0;
  for (let imageSlot = 0; imageSlot < imageSlots; imageSlot++) {
    if (groupEnd[imageSlot + 1] === groupEnd[imageSlot]) continue;
    const group = grouped.subarray(groupEnd[imageSlot], groupEnd[imageSlot + 1]);
    const image = index.imageIdAt(group[0]);
    const width = index.widthAt(group[0]);
    const height = index.heightAt(group[0]);
    // Pixel-wise aggregation needs one grid: an image whose masks differ in size is skipped.
    const sameSize = group.every((s) => index.widthAt(s) === width && index.heightAt(s) === height);
    if (!sameSize || !resolve(group[0], rect)) {
      stats.skipped += group.length;
      continue;
    }
    const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
    if ((spec.measure !== 'COUNT' && area === 0) || area < minArea) {
      stats.skipped += group.length;
      continue;
    }
    let sumLo = 0;
    let sumHi = 0;
    let maxLo = 0;
    let minHi = area;
    for (const slot of group) {
      if (index.viewAt(slot, view)) calculators.for(index.encodingAt(slot)).bounds(view.counts, view.base, view.width, view.height, rect, bound);
      else {
        bound[0] = 0;
        bound[1] = area;
      }
      sumLo += bound[0];
      sumHi += bound[1];
      maxLo = Math.max(maxLo, bound[0]);
      minHi = Math.min(minHi, bound[1]);
    }
    const m = group.length;
    const interLo = Math.max(0, sumLo - (m - 1) * area);
    const interHi = minHi;
    const unionLo = maxLo;
    const unionHi = Math.min(area, sumHi);
    let l: number;
    let h: number;
    if (spec.measure === 'IOU') {
      if (unionHi === 0) {
        stats.skipped += m;
        continue;
      }
      l = interLo / unionHi;
      h = unionLo > 0 ? Math.min(1, interHi / unionLo) : 1;
      maybeSkipped[size] = unionLo > 0 ? 0 : 1;
    } else {
      l = spec.op === 'INTERSECT' ? interLo : unionLo;
      h = spec.op === 'INTERSECT' ? interHi : unionHi;
      if (spec.measure === 'ROI_FRACTION') {
        l /= area;
        h /= area;
      }
    }
    keys[size] = image;
    weights[size] = m;
    lo[size] = l;
    hi[size] = h;
    writeRect(rects, size, rect);
    areas[size] = area;
    dims[size * 2] = width;
    dims[size * 2 + 1] = height;
    for (const slot of group) memberIds[membersUsed++] = index.idAt(slot);
    memberStart[size + 1] = membersUsed;
    size++;
  }

  const membersOf = (item: number): Float64Array => memberIds.subarray(memberStart[item], memberStart[item + 1]);
  return {
    size,
    keys: keys.subarray(0, size),
    weights: weights.subarray(0, size),
    lo: lo.subarray(0, size),
    hi: hi.subarray(0, size),
    maybeSkipped: maybeSkipped.subarray(0, size),
    membersOf,
    stats,
    async evaluate(items) {
      const ids = items.flatMap((item) => Array.from(membersOf(item)));
      const masks = await loadMasks(ctx, ids);
      stats.verified += masks.size;
      const values = new Float64Array(items.length);
      const r = newRect();
      items.forEach((item, k) => {
        const group = Array.from(membersOf(item), (id) => masks.get(id));
        readRect(rects, item, r);
        const loaded = group.filter((mask): mask is Mask => mask !== undefined);
        const w = dims[item * 2];
        const h = dims[item * 2 + 1];
        // A member deleted or resized since planning leaves the group unanswerable.
        if (loaded.length !== group.length || !loaded.every((mask) => mask.width === w && mask.height === h)) {
          values[k] = NaN;
          return;
        }
        const [intersection, union] = intersectAndUnion(loaded, r, kernel);
        if (spec.measure === 'IOU') values[k] = union === 0 ? NaN : intersection / union;
        else {
          const count = spec.op === 'INTERSECT' ? intersection : union;
          values[k] = spec.measure === 'ROI_FRACTION' ? count / areas[item] : count;
        }
      });
      return values;
    },
  };
}
