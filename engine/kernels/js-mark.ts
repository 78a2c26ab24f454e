/**
 * Per-pixel member counts for INTERSECT / UNION aggregation, in plain JavaScript. Same conventions
 * as js-count.ts: rectangle inside the mask, interval in the array's own units (codes for u8/u16).
 */
import type { MaskData } from '../mask.js';

/** A hits buffer: one counter per pixel of the rectangle, row by row. */
export type Hits = Uint8Array | Uint16Array;

function markCodes(data: Uint8Array | Uint16Array, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number, hits: Hits): void {
  const first = Math.max(Math.ceil(lo), 0);
  const last = Math.min(Math.floor(hi), 65535);
  if (x1 <= x0 || y1 <= y0 || !(first <= last)) return;
  const span = last - first;
  let k = 0;
  for (let y = y0; y < y1; y++) {
    const end = y * width + x1;
    for (let i = y * width + x0; i < end; i++) {
      const d = data[i] - first;
      hits[k++] += ((d | (span - d)) >>> 31) ^ 1;
    }
  }
}

function markValues(data: Float32Array, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number, hits: Hits): void {
  if (x1 <= x0 || y1 <= y0 || !(lo <= hi)) return;
  let k = 0;
  for (let y = y0; y < y1; y++) {
    const end = y * width + x1;
    for (let i = y * width + x0; i < end; i++) {
      const v = data[i];
      hits[k++] += v >= lo && v <= hi ? 1 : 0;
    }
  }
}

/**
 * Adds 1 to hits[k] for each qualifying pixel, k = (y - y0) * (x1 - x0) + (x - x0): hits must hold
 * at least the rectangle's area, and its counters must not overflow (Uint8Array: ≤ 255 members).
 */
export function markRect(data: MaskData, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number, hits: Hits): void {
  if (data instanceof Float32Array) markValues(data, width, x0, y0, x1, y1, lo, hi, hits);
  else markCodes(data, width, x0, y0, x1, y1, lo, hi, hits);
}

let rowHits = new Uint16Array(0);

/**
 * Pixels of the rectangle qualifying in every member (out[0], the intersection) and in at least
 * one (out[1], the union), members all `width` pixels wide, member m qualifying on [lo[m], hi[m]]
 * in its own units; encodings may differ. One row at a time, so the hit counters stay in cache.
 */
export function intersectUnion(
  members: readonly MaskData[],
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  out: Int32Array | Float64Array,
): void {
  out[0] = 0;
  out[1] = 0;
  const n = members.length;
  const row = x1 - x0;
  if (n === 0 || row <= 0 || y1 <= y0) return;
  if (n > 65535) throw new RangeError(`intersectUnion: at most 65535 members, got ${n}`);
  if (rowHits.length < row) rowHits = new Uint16Array(row);
  const hits = rowHits;
  let intersection = 0;
  let union = 0;
  for (let y = y0; y < y1; y++) {
    hits.fill(0, 0, row);
    for (let m = 0; m < n; m++) {
      const data = members[m];
      if (data instanceof Float32Array) markValues(data, width, x0, y, x1, y + 1, lo[m], hi[m], hits);
      else markCodes(data, width, x0, y, x1, y + 1, lo[m], hi[m], hits);
    }
    for (let k = 0; k < row; k++) {
      const h = hits[k];
      intersection += h === n ? 1 : 0;
      union += h > 0 ? 1 : 0;
    }
  }
  out[0] = intersection;
  out[1] = union;
}
