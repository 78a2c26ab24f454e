import { decodeMaskPixels } from '../db/pixel-codec.js';
import type { StoredPixels } from '../db/repositories/masks.js';
import type { MaskEncoding } from '../engine/mask.js';
import { RangeCounter } from '../engine/range-counter.js';
import type { ScanJob } from '../engine/scan-counter.js';
import type { CompiledRange } from '../engine/value-range.js';

/**
 * A piece of a scan for a worker thread: the stored pixels of its masks back to back in one
 * buffer, with each mask's shape and rectangle. Every array owns its buffer, so all of them can
 * be transferred rather than copied.
 */
export interface ScanTask {
  range: CompiledRange;
  bytes: Uint8Array<ArrayBuffer>;
  /** Mask m's stored pixels are bytes [ends[m − 1] (0 for the first), ends[m]). */
  ends: Int32Array<ArrayBuffer>;
  codecs: string[];
  encodings: MaskEncoding[];
  /** Width and height of each mask. */
  sizes: Int32Array<ArrayBuffer>;
  /** x0, y0, x1, y1 of each mask's rectangle. */
  rects: Int32Array<ArrayBuffer>;
}

/**
 * The task for job items [from, to) from their stored pixels: the masks still stored at the size
 * the job was planned for (the others stay uncounted); items[m] is the job item of mask m.
 */
export function scanTask(job: ScanJob, from: number, to: number, stored: ReadonlyMap<number, StoredPixels>): { task: ScanTask; items: Int32Array } {
  const items: number[] = [];
  let byteLength = 0;
  for (let i = from; i < to; i++) {
    const pixels = stored.get(job.ids[i]);
    if (pixels && pixels.width === job.dims[i * 2] && pixels.height === job.dims[i * 2 + 1]) {
      items.push(i);
      byteLength += pixels.bytes.byteLength;
    }
  }
  const task: ScanTask = {
    range: job.range,
    bytes: new Uint8Array(byteLength),
    ends: new Int32Array(items.length),
    codecs: [],
    encodings: [],
    sizes: new Int32Array(items.length * 2),
    rects: new Int32Array(items.length * 4),
  };
  let end = 0;
  items.forEach((i, m) => {
    const pixels = stored.get(job.ids[i])!;
    task.bytes.set(pixels.bytes, end);
    end += pixels.bytes.byteLength;
    task.ends[m] = end;
    task.codecs.push(pixels.codec);
    task.encodings.push(pixels.encoding);
    task.sizes[m * 2] = pixels.width;
    task.sizes[m * 2 + 1] = pixels.height;
    task.rects.set(job.rects.subarray(i * 4, i * 4 + 4), m * 4);
  });
  return { task, items: Int32Array.from(items) };
}

/** The CP of each mask of the task, decoded and counted as the engine counts a scan on its own thread. */
export function countScanTask(task: ScanTask): Float64Array {
  const counter = new RangeCounter(task.range);
  const counts = new Float64Array(task.ends.length);
  const rect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  for (let m = 0; m < counts.length; m++) {
    const start = m === 0 ? 0 : task.ends[m - 1];
    const shape = { width: task.sizes[m * 2], height: task.sizes[m * 2 + 1], encoding: task.encodings[m] };
    const mask = decodeMaskPixels(task.codecs[m], task.bytes.subarray(start, task.ends[m]), shape);
    rect.x0 = task.rects[m * 4];
    rect.y0 = task.rects[m * 4 + 1];
    rect.x1 = task.rects[m * 4 + 2];
    rect.y1 = task.rects[m * 4 + 3];
    counts[m] = counter.count(mask, rect);
  }
  return counts;
}
