/**
 * Pixel counts over a rectangle [x0, x1) × [y0, y1) of a row-major mask `width` pixels wide, in
 * plain JavaScript: SWAR words for u8 (four pixels per 32-bit word), a branch-free loop for u16,
 * a plain loop for f32. The interval [lo, hi] is in the array's own units (see interval.ts):
 * code k qualifies iff lo <= k <= hi, value v iff lo <= v <= hi; a NaN end leaves it empty. The
 * rectangle must lie inside the mask (callers clip first).
 */
import type { MaskData } from '../mask.js';

const HIGH = 0x80808080 | 0;
const LOW7 = 0x7f7f7f7f;

// The u32 word view of the last buffer counted: a mask's cells are counted one call after another.
let wordsBuffer: ArrayBufferLike | null = null;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

function wordsOf(data: Uint8Array): Int32Array<ArrayBufferLike> {
  if (data.buffer !== wordsBuffer || words.length !== data.buffer.byteLength >>> 2) {
    wordsBuffer = data.buffer;
    words = new Int32Array(data.buffer, 0, data.buffer.byteLength >>> 2);
  }
  return words;
}

/**
 * u8 codes in [lo, hi], i.e. in [first, last] = [ceil(lo), floor(hi)] clipped to 0..255. Bytes
 * before the first 4-byte-aligned address of a row and after its last whole word are counted one
 * by one; whole words by two exact per-byte unsigned compares: for bytes a, b, bit 7 of
 * (a & ~b) | (~(a ^ b) & ((a | 0x80) - (b & 0x7f))) says a >= b, and no lane borrows from its
 * neighbour.
 */
export function countRectU8(data: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
  const first = Math.max(Math.ceil(lo), 0);
  const last = Math.min(Math.floor(hi), 255);
  if (x1 <= x0 || y1 <= y0 || !(first <= last)) return 0;
  const span = last - first;
  const w32 = wordsOf(data);
  const base = data.byteOffset;
  const F = Math.imul(first, 0x01010101);
  const L = Math.imul(last, 0x01010101);
  const fLow = F & LOW7;
  const lHigh = L | HIGH;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    let i = y * width + x0;
    const end = y * width + x1;
    for (; i < end && ((base + i) & 3) !== 0; i++) n += (data[i] - first) >>> 0 <= span ? 1 : 0;
    let w = (base + i) >> 2;
    const wordsEnd = (base + end) >> 2;
    while (w < wordsEnd) {
      // Byte lanes of acc hold up to 255 hits each before they are summed.
      const stop = Math.min(wordsEnd, w + 255);
      let acc = 0;
      for (; w < stop; w++) {
        const x = w32[w];
        const ge = (x & ~F) | (~(x ^ F) & (((x | HIGH) - fLow) | 0));
        const le = (L & ~x) | (~(L ^ x) & ((lHigh - (x & LOW7)) | 0));
        acc = (acc + ((ge & le & HIGH) >>> 7)) | 0;
      }
      acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff);
      n += (acc & 0xffff) + (acc >>> 16);
    }
    for (i = Math.max(i, wordsEnd * 4 - base); i < end; i++) n += (data[i] - first) >>> 0 <= span ? 1 : 0;
  }
  return n;
}

/** u16 codes in [lo, hi]: with first = ceil(lo), d - first and last - d are both >= 0 exactly when d qualifies, so one sign bit decides. */
export function countRectU16(data: Uint16Array, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
  const first = Math.max(Math.ceil(lo), 0);
  const last = Math.min(Math.floor(hi), 65535);
  if (x1 <= x0 || y1 <= y0 || !(first <= last)) return 0;
  const span = last - first;
  let misses = 0;
  for (let y = y0; y < y1; y++) {
    const end = y * width + x1;
    for (let i = y * width + x0; i < end; i++) {
      const d = data[i] - first;
      misses += (d | (span - d)) >>> 31;
    }
  }
  return (x1 - x0) * (y1 - y0) - misses;
}

/** f32 values v with lo <= v <= hi (a NaN never qualifies). A branch: on smooth masks it predicts well, and measured faster than a select. */
export function countRectF32(data: Float32Array, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
  if (x1 <= x0 || y1 <= y0 || !(lo <= hi)) return 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    const end = y * width + x1;
    for (let i = y * width + x0; i < end; i++) {
      const v = data[i];
      if (v >= lo && v <= hi) n++;
    }
  }
  return n;
}

/** The count for any encoding; lo and hi are codes for u8 and u16, values for f32. */
export function countRect(data: MaskData, width: number, x0: number, y0: number, x1: number, y1: number, lo: number, hi: number): number {
  if (data instanceof Uint8Array) return countRectU8(data, width, x0, y0, x1, y1, lo, hi);
  if (data instanceof Uint16Array) return countRectU16(data, width, x0, y0, x1, y1, lo, hi);
  return countRectF32(data, width, x0, y0, x1, y1, lo, hi);
}
