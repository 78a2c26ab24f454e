import { performance } from 'node:perf_hooks';
import type { EngineContext } from './context.js';
import { giveFloat64, giveUint8, takeFloat64, takeUint8 } from './buffer-pool.js';
import { loadMasks } from './load-masks.js';
import { CellCounter } from './cell-counter.js';
import { RangeCounter } from './range-counter.js';
import type { Mask } from './mask.js';
import { MaskBounds } from './mask-bounds.js';
import type { MaskTable } from './mask-table.js';
import type { Plan } from './plan.js';
import { FAILS, PASSES, SKIPPED, compare } from './plan.js';
import type { Rect, RoiSpec } from './roi.js';
import { clipBox, fullRect, newRect, readRect } from './roi.js';
import type { QueryStats } from './stats.js';
import type { ValueRange } from './value-range.js';
import { compileRange } from './value-range.js';
import type { MaskWhere } from './where.js';
import { selectSlots } from './where.js';
import type { VerifyItem } from './verify-thread.js';
import { VerifyThread } from './verify-thread.js';
import type { CandidateEntry } from './candidate-cache.js';
import { cachedCandidates, roiKey, whereKey } from './candidate-cache.js';
import type { Candidates } from './candidates.js';
import { candidatesOf } from './candidates.js';

export type Normalize = 'COUNT' | 'ROI_FRACTION';

/** Which masks and which value: CP(mask, roi, range), or CP / area(roi) when normalised. */
export interface CpSpec {
  roi: RoiSpec;
  range: ValueRange;
  normalize?: Normalize;
  /** Masks whose ROI area is below this are skipped. */
  minRoiArea?: number;
  /** The masks considered; all masks in the table when absent. */
  where?: MaskWhere | null;
  /** false: no bounds, every candidate counted whole (the scan baseline). */
  useIndex?: boolean;
}

/** The ROI of the mask at a slot, in its pixels; false when its image lacks the named box. */
export function maskRoiRect(table: MaskTable, roi: RoiSpec, slot: number, out: Rect): boolean {
  switch (roi.kind) {
    case 'full':
      fullRect(table.widthAt(slot), table.heightAt(slot), out);
      return true;
    case 'box':
      clipBox(roi, table.widthAt(slot), table.heightAt(slot), out);
      return true;
    case 'imageBox':
      return table.imageBoxRect(slot, roi.name, out);
  }
}

/**
 * The ROI of every slot, in one loop without per-mask calls: writes the kept slots and their rects
 * (4 per item) and returns how many were kept; the others (no such image box, area 0 when
 * normalising, below minArea) are skipped.
 */
function resolveRois(table: MaskTable, roi: RoiSpec, slots: Int32Array, normalize: boolean, minArea: number, outSlots: Int32Array, outRects: Int32Array): number {
  const { widths, heights } = table.columns();
  const byImage = roi.kind === 'imageBox' ? table.imageBoxRects(roi.name) : null;
  const rect = newRect();
  let W = -1;
  let H = -1;
  let size = 0;
  for (let s = 0; s < slots.length; s++) {
    const slot = slots[s];
    let x0: number, y0: number, x1: number, y1: number;
    if (byImage) {
      if (byImage.present[slot] === 0) continue;
      x0 = byImage.rects[slot * 4];
      y0 = byImage.rects[slot * 4 + 1];
      x1 = byImage.rects[slot * 4 + 2];
      y1 = byImage.rects[slot * 4 + 3];
    } else {
      if (widths[slot] !== W || heights[slot] !== H) {
        W = widths[slot];
        H = heights[slot];
        if (roi.kind === 'box') clipBox(roi, W, H, rect);
        else fullRect(W, H, rect);
      }
      x0 = rect.x0;
      y0 = rect.y0;
      x1 = rect.x1;
      y1 = rect.y1;
    }
    const area = (x1 - x0) * (y1 - y0);
    if ((normalize && area === 0) || area < minArea) continue;
    outSlots[size] = slot;
    outRects[size * 4] = x0;
    outRects[size * 4 + 1] = y0;
    outRects[size * 4 + 2] = x1;
    outRects[size * 4 + 3] = y1;
    size++;
  }
  return size;
}

/** The masks of a CP query and their ROIs, shared by queries that differ only in range, threshold, k or order. */
export function cpCandidates(table: MaskTable, spec: CpSpec): CandidateEntry<Candidates> {
  const normalize = spec.normalize === 'ROI_FRACTION';
  const minArea = spec.minRoiArea ?? 0;
  const key = `cp ${whereKey(spec.where)} ${roiKey(spec.roi)} ${normalize} ${minArea}`;
  return cachedCandidates(table, key, () => {
    const slots = selectSlots(table, spec.where);
    const kept = new Int32Array(slots.length);
    const rects = new Int32Array(slots.length * 4);
    const size = resolveRois(table, spec.roi, slots, normalize, minArea, kept, rects);
    return { value: candidatesOf(table, kept, rects, size), matched: slots.length, skipped: slots.length - size };
  });
}

/** Batches smaller than this are decided on the query's thread: a round trip to the other costs more. */
const THREAD_MIN_BATCH = 16;

/** The context's verification thread, when it is up, the table's planes are shared and the batch is worth a round trip. */
function threadFor(ctx: EngineContext, batch: number): VerifyThread | undefined {
  const thread = ctx.verifyThread;
  return thread?.alive && ctx.table.planesShared && batch >= THREAD_MIN_BATCH ? thread : undefined;
}

export function planCp(ctx: EngineContext, spec: CpSpec, stats: QueryStats): Plan {
  const { table } = ctx;
  const range = compileRange(spec.range);
  const normalize = spec.normalize === 'ROI_FRACTION';
  const useIndex = spec.useIndex ?? true;
  const entry = cpCandidates(table, spec);
  const c = entry.value;
  stats.candidates += entry.matched;
  stats.skipped += entry.skipped;
  const t0 = performance.now();
  const { size, keys, rects, areas, dims, slots: itemSlots, version } = c;
  const bounds = new MaskBounds(table, range, stats);
  const lo = takeFloat64(size);
  // Exact bounds are one array: half the bytes written, and read by the top-k's passes.
  const exact = !range.empty && useIndex && bounds.exact(c);
  const hi = exact ? lo : takeFloat64(size);
  if (range.empty || !useIndex) {
    lo.fill(0);
    if (range.empty) hi.fill(0);
    else if (normalize) hi.fill(1);
    else hi.set(areas);
  } else bounds.first(c, lo, hi, normalize);
  stats.boundMs += performance.now() - t0;

  const counter = new CellCounter(bounds, new RangeCounter(range), stats);
  const refined = takeUint8(size).fill(0);
  const cellOut = new Float64Array(2);
  const r = newRect();
  /** The item's slot now, or −1 when its mask is gone or changed since planning. */
  const slotOf = (item: number): number => {
    if (table.version === version) return itemSlots[item];
    const slot = table.slotOf(keys[item]);
    return slot >= 0 && table.widthAt(slot) === dims[item * 2] && table.heightAt(slot) === dims[item * 2 + 1] ? slot : -1;
  };
  const scaleOf = (item: number): number => (normalize ? areas[item] : 1);

  const loadAll = async (items: readonly number[]) => {
    const masks = await loadMasks(ctx, items.map((i) => keys[i]));
    stats.verified += masks.size;
    return masks;
  };
  /** A mask deleted or replaced by another size since planning no longer answers this query. */
  const usable = (mask: Mask | undefined, item: number): mask is Mask =>
    mask !== undefined && mask.width === dims[item * 2] && mask.height === dims[item * 2 + 1];
  const indexedNow = (item: number, mask: Mask): boolean => {
    if (!useIndex) return false;
    const slot = slotOf(item);
    return slot >= 0 && table.isIndexed(slot) && table.widthAt(slot) === mask.width && table.heightAt(slot) === mask.height;
  };

  return {
    size,
    keys,
    weights: c.ones,
    totalWeight: size,
    lo,
    hi,
    stats,
    release() {
      giveFloat64(lo);
      if (hi !== lo) giveFloat64(hi);
      giveUint8(refined);
    },
    refine(item) {
      if (refined[item]) return;
      refined[item] = 1;
      const slot = slotOf(item);
      if (slot < 0 || !table.isIndexed(slot)) return;
      readRect(rects, item, r);
      bounds.prepareSums(table.widthAt(slot), table.heightAt(slot), table.columns().encodings[slot], r);
      bounds.refineSums(slot, cellOut);
      const scale = scaleOf(item);
      lo[item] = Math.max(lo[item], cellOut[0] / scale);
      hi[item] = Math.min(hi[item], cellOut[1] / scale);
      stats.refined++;
    },
    async evaluate(items) {
      const masks = await loadAll(items);
      const values = new Float64Array(items.length);
      items.forEach((item, k) => {
        const mask = masks.get(keys[item]);
        if (!usable(mask, item)) {
          values[k] = NaN;
          return;
        }
        readRect(rects, item, r);
        values[k] = counter.count(mask, slotOf(item), indexedNow(item, mask), r, 1) / scaleOf(item);
      });
      return values;
    },
    async decide(items, op, threshold) {
      const masks = await loadAll(items);
      const outcome = new Uint8Array(items.length);
      const values = new Float64Array(items.length);
      const decideHere = (item: number, k: number): void => {
        const mask = masks.get(keys[item]);
        if (!usable(mask, item)) {
          outcome[k] = SKIPPED;
          values[k] = NaN;
          return;
        }
        readRect(rects, item, r);
        const scale = scaleOf(item);
        const cp = counter.count(mask, slotOf(item), indexedNow(item, mask), r, scale, op, threshold);
        values[k] = cp / scale;
        outcome[k] = Number.isNaN(cp) ? (counter.passed ? PASSES : FAILS) : compare(op, cp / scale, threshold) ? PASSES : FAILS;
      };
      const thread = useIndex ? threadFor(ctx, items.length) : undefined;
      if (!thread) {
        items.forEach(decideHere);
        return { outcome, values };
      }
      const shared: VerifyItem[] = [];
      const positions: number[] = [];
      items.forEach((item, k) => {
        const mask = masks.get(keys[item]);
        if (!usable(mask, item) || !indexedNow(item, mask) || !VerifyThread.reads(mask.data)) return decideHere(item, k);
        const rect = newRect();
        readRect(rects, item, rect);
        shared.push({ slot: slotOf(item), mask, rect, scale: scaleOf(item) });
        positions.push(k);
      });
      // Synchronous: the table cannot change while both threads decide.
      const answers = thread.share(table, range, op, threshold, shared, (j) => decideHere(items[positions[j]], positions[j]));
      if (answers) {
        positions.forEach((k, j) => {
          if (!answers.done[j]) return;
          values[k] = answers.values[j];
          outcome[k] = answers.passed[j] ? PASSES : FAILS;
        });
        stats.pixelsCounted += answers.pixelsCounted;
        stats.earlyStopped += answers.earlyStopped;
        stats.indexBytesRead += answers.indexBytesRead;
      }
      return { outcome, values };
    },
  };
}
