/**
 * The semantics of design.md §2 written as plainly as possible, independent of the engine's
 * kernels, clipping and bounds: the reference every engine result is compared with.
 */
import type { Mask, ValueRange } from '../../engine/index.js';

export type BoxTuple = [number, number, number, number];

export interface RefImage {
  id: number;
  width: number;
  height: number;
  boxes: Record<string, BoxTuple>;
}

export interface RefMask {
  id: number;
  imageId: number;
  mask: Mask;
}

export type RefRoi = { kind: 'full' } | { kind: 'box'; x: number; y: number; width: number; height: number } | { kind: 'imageBox'; name: string };

const SCALE = { u8: 255, u16: 65535, f32: 1 } as const;

export const valueAt = (mask: Mask, row: number, col: number): number => mask.data[row * mask.width + col] / SCALE[mask.encoding];

export function satisfies(range: ValueRange, v: number): boolean {
  if (range.gt != null && !(v > range.gt)) return false;
  if (range.gte != null && !(v >= range.gte)) return false;
  if (range.lt != null && !(v < range.lt)) return false;
  if (range.lte != null && !(v <= range.lte)) return false;
  return true;
}

/** The ROI as the set [x0, x1) × [y0, y1) of mask pixels, or null when the mask is skipped. */
export function roiPixels(roi: RefRoi, mask: Mask, image: RefImage): [number, number, number, number] | null {
  let x0: number, y0: number, x1: number, y1: number;
  if (roi.kind === 'full') [x0, y0, x1, y1] = [0, 0, mask.width, mask.height];
  else if (roi.kind === 'box') [x0, y0, x1, y1] = [roi.x, roi.y, roi.x + roi.width, roi.y + roi.height];
  else {
    const box = image.boxes[roi.name];
    if (!box) return null;
    // Scale to the mask, rounding the edges outward.
    x0 = Math.floor((box[0] * mask.width) / image.width);
    y0 = Math.floor((box[1] * mask.height) / image.height);
    x1 = Math.ceil(((box[0] + box[2]) * mask.width) / image.width);
    y1 = Math.ceil(((box[1] + box[3]) * mask.height) / image.height);
  }
  const cx0 = Math.min(Math.max(x0, 0), mask.width);
  const cy0 = Math.min(Math.max(y0, 0), mask.height);
  const cx1 = Math.max(cx0, Math.min(Math.max(x1, 0), mask.width));
  const cy1 = Math.max(cy0, Math.min(Math.max(y1, 0), mask.height));
  return [cx0, cy0, cx1, cy1];
}

export function cp(mask: Mask, rect: [number, number, number, number], range: ValueRange): number {
  let n = 0;
  for (let y = rect[1]; y < rect[3]; y++) for (let x = rect[0]; x < rect[2]; x++) if (satisfies(range, valueAt(mask, y, x))) n++;
  return n;
}

export const areaOf = (r: [number, number, number, number]): number => (r[2] - r[0]) * (r[3] - r[1]);

export function compareOp(op: 'GT' | 'GTE' | 'LT' | 'LTE', v: number, t: number): boolean {
  return op === 'GT' ? v > t : op === 'GTE' ? v >= t : op === 'LT' ? v < t : v <= t;
}

export interface CpCase {
  roi: RefRoi;
  range: ValueRange;
  normalize: 'COUNT' | 'ROI_FRACTION';
  minRoiArea?: number;
}

/** Every candidate's value, or skipped. */
export function cpValues(masks: RefMask[], images: Map<number, RefImage>, q: CpCase): { id: number; value: number }[] {
  const out: { id: number; value: number }[] = [];
  for (const m of masks) {
    const rect = roiPixels(q.roi, m.mask, images.get(m.imageId)!);
    if (!rect) continue;
    const area = areaOf(rect);
    if ((q.normalize === 'ROI_FRACTION' && area === 0) || area < (q.minRoiArea ?? 0)) continue;
    const c = cp(m.mask, rect, q.range);
    out.push({ id: m.id, value: q.normalize === 'ROI_FRACTION' ? c / area : c });
  }
  return out;
}

export function bruteFilter(values: { id: number; value: number }[], op: 'GT' | 'GTE' | 'LT' | 'LTE', t: number) {
  return values.filter((v) => compareOp(op, v.value, t)).sort((a, b) => a.id - b.id);
}

export function bruteTopK<T extends { id: number; value: number }>(values: T[], k: number, order: 'ASC' | 'DESC'): T[] {
  return [...values]
    .sort((a, b) => (order === 'DESC' ? b.value - a.value : a.value - b.value) || a.id - b.id)
    .slice(0, k);
}

export interface AggCase {
  op: 'INTERSECT' | 'UNION';
  threshold: number;
  roi: RefRoi;
  measure: 'COUNT' | 'ROI_FRACTION' | 'IOU';
  minRoiArea?: number;
}

type Member = { mask: RefMask; threshold: number };

/** A group's value, or null when it is skipped (sizes differ, no ROI, area rules, empty union for IoU). */
function groupValue(group: Member[], image: RefImage, q: AggCase): number | null {
  const { width, height } = group[0].mask.mask;
  if (group.some((m) => m.mask.mask.width !== width || m.mask.mask.height !== height)) return null;
  const rect = roiPixels(q.roi, group[0].mask.mask, image);
  if (!rect) return null;
  const area = areaOf(rect);
  if ((q.measure !== 'COUNT' && area === 0) || area < (q.minRoiArea ?? 0)) return null;
  let inter = 0;
  let union = 0;
  for (let y = rect[1]; y < rect[3]; y++) {
    for (let x = rect[0]; x < rect[2]; x++) {
      const set = group.map((m) => valueAt(m.mask.mask, y, x) > m.threshold);
      if (set.every(Boolean)) inter++;
      if (set.some(Boolean)) union++;
    }
  }
  if (q.measure === 'IOU') return union === 0 ? null : inter / union;
  const count = q.op === 'INTERSECT' ? inter : union;
  return q.measure === 'ROI_FRACTION' ? count / area : count;
}

/** Every image group's value (groups of masks of one size only), or skipped. */
export function aggregateValues(masks: RefMask[], images: Map<number, RefImage>, q: AggCase): { id: number; members: number[]; value: number }[] {
  const groups = new Map<number, RefMask[]>();
  for (const m of masks) groups.set(m.imageId, [...(groups.get(m.imageId) ?? []), m]);
  const out: { id: number; members: number[]; value: number }[] = [];
  for (const [imageId, group] of groups) {
    const value = groupValue(group.map((mask) => ({ mask, threshold: q.threshold })), images.get(imageId)!, q);
    if (value !== null) out.push({ id: imageId, members: group.map((m) => m.id).sort((a, b) => a - b), value });
  }
  return out;
}

/**
 * Groups by member selectors: per image, for each selector the mask of smallest id among those it
 * names, binarised at its threshold (default the query's); an image missing any member is skipped.
 */
export function memberAggregateValues(
  masks: RefMask[],
  images: Map<number, RefImage>,
  q: AggCase,
  selectors: { ids: number[]; threshold?: number }[],
): { id: number; members: number[]; value: number }[] {
  const out: { id: number; members: number[]; value: number }[] = [];
  for (const image of images.values()) {
    const of = masks.filter((m) => m.imageId === image.id);
    const group: Member[] = [];
    for (const sel of selectors) {
      const chosen = of.filter((m) => sel.ids.includes(m.id)).sort((a, b) => a.id - b.id)[0];
      if (!chosen) break;
      group.push({ mask: chosen, threshold: sel.threshold ?? q.threshold });
    }
    if (group.length < selectors.length || group.length === 0) continue;
    const value = groupValue(group, image, q);
    if (value !== null) out.push({ id: image.id, members: group.map((m) => m.mask.id).sort((a, b) => a - b), value });
  }
  return out;
}

/**
 * A CHI level's stored entries by design.md §3, counted directly: for row line i and column line
 * j (1..G) and bin b (1..B − 1), the pixels with row < ⌊i·H/G⌋, column < ⌊j·W/G⌋ and
 * min(B − 1, ⌊v·B⌋) ≥ b, through a 2-D prefix table per bin.
 */
export function chiLevelCounts(mask: Mask, grid: number, bins: number): number[] {
  const { width: W, height: H } = mask;
  const bin = (v: number) => Math.min(bins - 1, Math.floor(v * bins));
  const out: number[] = [];
  const prefix: Int32Array[] = [];
  for (let b = 1; b < bins; b++) {
    const p = new Int32Array((W + 1) * (H + 1));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inBin = bin(valueAt(mask, y, x)) >= b ? 1 : 0;
        p[(y + 1) * (W + 1) + x + 1] = inBin + p[y * (W + 1) + x + 1] + p[(y + 1) * (W + 1) + x] - p[y * (W + 1) + x];
      }
    }
    prefix.push(p);
  }
  for (let i = 1; i <= grid; i++) {
    const row = Math.floor((i * H) / grid);
    for (let j = 1; j <= grid; j++) {
      const col = Math.floor((j * W) / grid);
      for (let b = 1; b < bins; b++) out.push(prefix[b - 1][row * (W + 1) + col]);
    }
  }
  return out;
}
