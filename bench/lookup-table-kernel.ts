/**
 * The engine's counting kernel before the SIMD counters of engine/kernels/: a 256-entry lookup
 * table per u8 code, a code interval for u16, the interval itself for f32, one pixel at a time.
 * Kept as bench:kernels' reference point.
 */
import type { Mask } from '../engine/mask.js';
import type { Rect } from '../engine/roi.js';
import { firstCodeWhere } from '../engine/bins.js';
import type { CompiledRange } from '../engine/value-range.js';

/**
 * A range prepared for counting one encoding without per-pixel division: a 256-entry table for
 * u8 codes, a code interval for u16, the double interval itself for f32.
 */
export interface RangeKernel {
  readonly range: CompiledRange;
  readonly u8Table: Uint8Array;
  readonly u16First: number;
  readonly u16Last: number;
}

export function rangeKernel(range: CompiledRange): RangeKernel {
  const u8Table = new Uint8Array(256);
  if (!range.empty) {
    for (let k = 0; k < 256; k++) {
      const v = k / 255;
      u8Table[k] = v >= range.lo && v <= range.hi ? 1 : 0;
    }
  }
  const u16First = range.empty ? 1 : firstCodeWhere(65535, (k) => k / 65535 >= range.lo);
  const u16Last = range.empty ? 0 : firstCodeWhere(65535, (k) => k / 65535 > range.hi) - 1;
  return { range, u8Table, u16First, u16Last };
}

/** CP: the number of pixels of the mask inside rect whose value lies in the range. */
export function countInRect(mask: Mask, rect: Rect, kernel: RangeKernel): number {
  const { width, data } = mask;
  const { x0, x1, y0, y1 } = rect;
  if (x1 <= x0 || y1 <= y0 || kernel.range.empty) return 0;
  let n = 0;
  if (data instanceof Uint8Array) {
    const table = kernel.u8Table;
    for (let y = y0; y < y1; y++) {
      const end = y * width + x1;
      for (let i = y * width + x0; i < end; i++) n += table[data[i]];
    }
  } else if (data instanceof Uint16Array) {
    const first = kernel.u16First;
    const span = kernel.u16Last - first;
    if (span < 0) return 0;
    for (let y = y0; y < y1; y++) {
      const end = y * width + x1;
      for (let i = y * width + x0; i < end; i++) if ((data[i] - first) >>> 0 <= span) n++;
    }
  } else {
    const { lo, hi } = kernel.range;
    for (let y = y0; y < y1; y++) {
      const end = y * width + x1;
      for (let i = y * width + x0; i < end; i++) {
        const v = data[i];
        if (v >= lo && v <= hi) n++;
      }
    }
  }
  return n;
}

/**
 * Adds 1 to hits[k] for each qualifying pixel of rect, k running row by row over the rect: the
 * per-pixel member counts from which intersection and union are read.
 */
export function markInRect(mask: Mask, rect: Rect, kernel: RangeKernel, hits: Uint16Array): void {
  const { width, data } = mask;
  const { x0, x1, y0, y1 } = rect;
  if (x1 <= x0 || y1 <= y0 || kernel.range.empty) return;
  let k = 0;
  if (data instanceof Uint8Array) {
    const table = kernel.u8Table;
    for (let y = y0; y < y1; y++) {
      const end = y * width + x1;
      for (let i = y * width + x0; i < end; i++) hits[k++] += table[data[i]];
    }
  } else if (data instanceof Uint16Array) {
    const first = kernel.u16First;
    const span = kernel.u16Last - first;
    for (let y = y0; y < y1; y++) {
      const end = y * width + x1;
      for (let i = y * width + x0; i < end; i++) hits[k++] += (data[i] - first) >>> 0 <= span ? 1 : 0;
    }
  } else {
    const { lo, hi } = kernel.range;
    for (let y = y0; y < y1; y++) {
      const end = y * width + x1;
      for (let i = y * width + x0; i < end; i++) {
        const v = data[i];
        hits[k++] += v >= lo && v <= hi ? 1 : 0;
      }
    }
  }
}
