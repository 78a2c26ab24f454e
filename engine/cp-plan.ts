import type { ChiView } from './bounds.js';
import { RangeBoundsByEncoding } from './bounds.js';
import { countInRect, rangeKernel } from './count.js';
import type { EngineContext } from './context.js';
import { loadMasks } from './context.js';
import type { MaskIndex } from './mask-index.js';
import type { Plan } from './plan.js';
import type { Rect, RoiSpec } from './roi.js';
import { clipBox, fullRect, newRect, readRect, writeRect } from './roi.js';
import type { QueryStats } from './stats.js';
import type { ValueRange } from './value-range.js';
import { compileRange } from './value-range.js';

export type Normalize = 'COUNT' | 'ROI_FRACTION';

/** Which masks and which value: CP(mask, roi, range), or CP / area(roi) when normalised. */
export interface CpSpec {
  roi: RoiSpec;
  range: ValueRange;
  normalize?: Normalize;
  /** Masks whose ROI area is below this are skipped. */
  minRoiArea?: number;
  /** Mask ids that matched the caller's metadata predicate; all masks in the index when absent. */
  candidates?: Iterable<number>;
}

/** The slots of the candidate masks, each once, in the order given. */
export function candidateSlots(index: MaskIndex, candidates: Iterable<number> | undefined): Int32Array {
  if (!candidates) {
    const all = new Int32Array(index.size);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  const seen = new Uint8Array(index.size);
  const slots: number[] = [];
  for (const id of candidates) {
    const slot = index.slotOf(id);
    if (slot >= 0 && !seen[slot]) {
      seen[slot] = 1;
      slots.push(slot);
    }
  }
  return Int32Array.from(slots);
}

/** The ROI of the one mask at a slot, in its pixels; false when its image lacks the named box. */
export function maskRoiRect(index: MaskIndex, roi: RoiSpec, slot: number, out: Rect): boolean {
  switch (roi.kind) {
    case 'full':
      fullRect(index.widthAt(slot), index.heightAt(slot), out);
      return true;
    case 'box':
      clipBox(roi, index.widthAt(slot), index.heightAt(slot), out);
      return true;
    case 'imageBox':
      return index.imageBoxRect(slot, roi.name, out);
  }
}

/**
 * maskRoiRect for every candidate of a query: named image boxes come from the index's cache of
 * resolved rectangles, built once per geometry change rather than scaled per mask per query.
 */
export function roiResolver(index: MaskIndex, roi: RoiSpec): (slot: number, out: Rect) => boolean {
  if (roi.kind !== 'imageBox') return (slot, out) => maskRoiRect(index, roi, slot, out);
  const { rects, present } = index.imageBoxRects(roi.name);
  return (slot, out) => present[slot] === 1 && (readRect(rects, slot, out), true);
}

export const emptyChiView = (): ChiView => ({ counts: new Uint8Array(0), base: 0, width: 0, height: 0, grid: 1, bins: 2 });

export function planCp(ctx: EngineContext, spec: CpSpec, stats: QueryStats): Plan {
  const { index } = ctx;
  const range = compileRange(spec.range);
  const normalize = spec.normalize === 'ROI_FRACTION';
  const minArea = spec.minRoiArea ?? 0;
  const resolve = roiResolver(index, spec.roi);
  const slots = candidateSlots(index, spec.candidates);
  stats.candidates += slots.length;

  const n = slots.length;
  const keys = new Float64Array(n);
  const rects = new Int32Array(n * 4);
  const areas = new Int32Array(n);
  const dims = new Int32Array(n * 2);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const rect = newRect();
  const view = emptyChiView();
  const bound = new Float64Array(2);
  const calculators = new RangeBoundsByEncoding(range, index.config.grid, index.config.bins);
  let size = 0;
  for (let s = 0; s < n; s++) {
    const slot = slots[s];
    if (!resolve(slot, rect)) {
      stats.skipped++;
      continue;
    }
    const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
    if ((normalize && area === 0) || area < minArea) {
      stats.skipped++;
      continue;
    }
    if (index.viewAt(slot, view)) calculators.for(index.encodingAt(slot)).bounds(view.counts, view.base, view.width, view.height, rect, bound);
    else {
      bound[0] = 0;
      bound[1] = range.empty ? 0 : area;
    }
    keys[size] = index.idAt(slot);
    writeRect(rects, size, rect);
    dims[size * 2] = index.widthAt(slot);
    dims[size * 2 + 1] = index.heightAt(slot);
    areas[size] = area;
    lo[size] = normalize ? bound[0] / area : bound[0];
    hi[size] = normalize ? bound[1] / area : bound[1];
    size++;
  }

  const kernel = rangeKernel(range);
  return {
    size,
    keys: keys.subarray(0, size),
    weights: new Int32Array(size).fill(1),
    lo: lo.subarray(0, size),
    hi: hi.subarray(0, size),
    stats,
    async evaluate(items) {
      const masks = await loadMasks(ctx, items.map((i) => keys[i]));
      stats.verified += masks.size;
      const values = new Float64Array(items.length);
      const r = newRect();
      items.forEach((item, k) => {
        const mask = masks.get(keys[item]);
        readRect(rects, item, r);
        // A mask deleted or replaced by another size since planning no longer answers this query.
        if (!mask || mask.width !== dims[item * 2] || mask.height !== dims[item * 2 + 1]) {
          values[k] = NaN;
          return;
        }
        const cp = countInRect(mask, r, kernel);
        values[k] = normalize ? cp / areas[item] : cp;
      });
      return values;
    },
  };
}
