import { decodeMaskPixels } from '../db/pixel-codec.js';
import type { StoredPixels } from '../db/repositories/masks.js';
import type { Mask, MaskEncoding } from '../engine/mask.js';
import { RangeCounter } from '../engine/range-counter.js';
import type { ScanJob } from '../engine/scan-counter.js';
import type { CompiledRange } from '../engine/value-range.js';

/**
 * Stored pixels of some masks for a worker thread: their bytes back to back in one buffer, with
 * each mask's codec and shape. Every array owns its buffer, so all of them can be transferred
 * rather than copied.
 */
export interface StoredBatch {
  bytes: Uint8Array<ArrayBuffer>;
  /** Mask m's stored pixels are bytes [ends[m − 1] (0 for the first), ends[m]). */
  ends: Int32Array<ArrayBuffer>;
  codecs: string[];
  encodings: MaskEncoding[];
  /** Width and height of each mask. */
  sizes: Int32Array<ArrayBuffer>;
}

/** A piece of a scan: masks to count, each in its rectangle (x0, y0, x1, y1). */
export interface ScanTask extends StoredBatch {
  range: CompiledRange;
  rects: Int32Array<ArrayBuffer>;
}

/**
 * Splits items 0..n − 1 into consecutive runs [from, to) of at most maxItems items and, unless
 * one item alone exceeds it, at most maxPixels pixels.
 */
export function* runs(n: number, pixelsOf: (i: number) => number, maxItems: number, maxPixels: number): Generator<[number, number]> {
  let from = 0;
  let pixels = 0;
  for (let i = 0; i < n; i++) {
    const size = pixelsOf(i);
    if (i > from && (i - from === maxItems || pixels + size > maxPixels)) {
      yield [from, i];
      from = i;
      pixels = 0;
    }
    pixels += size;
  }
  if (from < n) yield [from, n];
}

/** The buffers a batch can hand over to another thread. */
export const batchBuffers = (batch: StoredBatch): ArrayBuffer[] => [batch.bytes.buffer, batch.ends.buffer, batch.sizes.buffer];

/** Packs stored pixels into one batch, in the order given. */
export function packStored(pixels: readonly StoredPixels[]): StoredBatch {
  const batch: StoredBatch = {
    bytes: new Uint8Array(pixels.reduce((sum, p) => sum + p.bytes.byteLength, 0)),
    ends: new Int32Array(pixels.length),
    codecs: [],
    encodings: [],
    sizes: new Int32Array(pixels.length * 2),
  };
  let end = 0;
  pixels.forEach((p, m) => {
    batch.bytes.set(p.bytes, end);
    end += p.bytes.byteLength;
    batch.ends[m] = end;
    batch.codecs.push(p.codec);
    batch.encodings.push(p.encoding);
    batch.sizes[m * 2] = p.width;
    batch.sizes[m * 2 + 1] = p.height;
  });
  return batch;
}

/**
 * The task for job items [from, to) from their stored pixels: the masks still stored at the size
 * the job was planned for (the others stay uncounted); items[m] is the job item of mask m.
 */
export function scanTask(job: ScanJob, from: number, to: number, stored: ReadonlyMap<number, StoredPixels>): { task: ScanTask; items: Int32Array } {
  const items: number[] = [];
  for (let i = from; i < to; i++) {
    const pixels = stored.get(job.ids[i]);
    if (pixels && pixels.width === job.dims[i * 2] && pixels.height === job.dims[i * 2 + 1]) items.push(i);
  }
  const rects = new Int32Array(items.length * 4);
  items.forEach((i, m) => rects.set(job.rects.subarray(i * 4, i * 4 + 4), m * 4));
  const batch = packStored(items.map((i) => stored.get(job.ids[i])!));
  return { task: { ...batch, range: job.range, rects }, items: Int32Array.from(items) };
}

/** Mask m of the batch, decoded; its data owns its buffer. */
function decodeAt(batch: StoredBatch, m: number): Mask {
  const start = m === 0 ? 0 : batch.ends[m - 1];
  const shape = { width: batch.sizes[m * 2], height: batch.sizes[m * 2 + 1], encoding: batch.encodings[m] };
  return decodeMaskPixels(batch.codecs[m], batch.bytes.subarray(start, batch.ends[m]), shape);
}

/** Every mask of the batch, decoded, in order. */
export const decodeBatch = (batch: StoredBatch): Mask[] => Array.from(batch.ends, (_, m) => decodeAt(batch, m));

/** The CP of each mask of the task, decoded and counted as the engine counts a scan on its own thread. */
export function countScanTask(task: ScanTask): Float64Array {
  const counter = new RangeCounter(task.range);
  const counts = new Float64Array(task.ends.length);
  const rect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  for (let m = 0; m < counts.length; m++) {
    rect.x0 = task.rects[m * 4];
    rect.y0 = task.rects[m * 4 + 1];
    rect.x1 = task.rects[m * 4 + 2];
    rect.y1 = task.rects[m * 4 + 3];
    counts[m] = counter.count(decodeAt(task, m), rect);
  }
  return counts;
}
