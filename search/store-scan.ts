import { decodeMaskPixelsInto, decodedByteLength } from '../db/pixel-codec.js';
import { RangeCounter } from '../engine/range-counter.js';
import type { ScanJob } from '../engine/scan-counter.js';
import { runs } from './pixel-tasks.js';
import type { StoredPixelSource } from './scan-workers.js';

/**
 * A CP scan that a worker thread reads from the store and counts on its own: the job, how to cut
 * it into pieces, and a flag the asking thread raises when the scan should stop.
 */
export interface StoreScanTask extends ScanJob {
  readonly pieceMasks: number;
  readonly piecePixels: number;
  /** One Int32 over a SharedArrayBuffer, set to 1 once the scan's client has gone. */
  readonly abort: Int32Array;
}

export type StoreScanResult =
  | { readonly outcome: 'counted'; readonly counts: Float64Array; readonly loaded: number }
  | { readonly outcome: 'aborted' }
  /** An error does not cross threads whole: its message and its code (a dropped connection's, say) do. */
  | { readonly outcome: 'failed'; readonly message: string; readonly code?: string };

/** The first string `code` along an error's causes (postgres.js's CONNECTION_CLOSED, a SQLSTATE). */
function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Counts job items [from, to) from their stored pixels into counts: the masks still stored at the
 * size the job was planned for, decoded and counted as RangeCounter counts; the others stay NaN.
 * Each mask is decoded into the same scratch buffer (grown as needed): it is counted and done
 * with before the next, and an allocation per mask was a tenth of a scan's time.
 */
function countPiece(task: StoreScanTask, counter: RangeCounter, from: number, to: number, stored: Awaited<ReturnType<StoredPixelSource>>, counts: Float64Array, scratch: { buffer: ArrayBuffer }): void {
  const rect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  for (let i = from; i < to; i++) {
    const pixels = stored.get(task.ids[i]);
    if (!pixels || pixels.width !== task.dims[i * 2] || pixels.height !== task.dims[i * 2 + 1]) continue;
    rect.x0 = task.rects[i * 4];
    rect.y0 = task.rects[i * 4 + 1];
    rect.x1 = task.rects[i * 4 + 2];
    rect.y1 = task.rects[i * 4 + 3];
    if (scratch.buffer.byteLength < decodedByteLength(pixels)) scratch.buffer = new ArrayBuffer(decodedByteLength(pixels));
    counts[i] = counter.count(decodeMaskPixelsInto(pixels.codec, pixels.bytes, pixels, scratch.buffer), rect);
  }
}

/**
 * Reads and counts a scan piece by piece, the next piece's read under way while this one is
 * counted. Between pieces the thread's event loop runs, so the pieces of concurrent scans (and
 * other tasks) take turns. The abort flag is checked as each read arrives, before the next read
 * starts: a scan whose client has gone reads nothing more.
 */
export async function scanStore(read: StoredPixelSource, task: StoreScanTask): Promise<StoreScanResult> {
  const counts = new Float64Array(task.ids.length).fill(NaN);
  const counter = new RangeCounter(task.range);
  const pixelsOf = (i: number) => task.dims[i * 2] * task.dims[i * 2 + 1];
  const pieces = [...runs(task.ids.length, pixelsOf, task.pieceMasks, task.piecePixels)];
  const readPiece = (p: number) => read(Array.from(task.ids.subarray(pieces[p][0], pieces[p][1])));
  const aborted = () => Atomics.load(task.abort, 0) !== 0;
  const scratch = { buffer: new ArrayBuffer(0) };
  let loaded = 0;
  let next = pieces.length > 0 ? readPiece(0) : undefined;
  try {
    for (let p = 0; p < pieces.length; p++) {
      const stored = await next!;
      next = undefined;
      if (aborted()) return { outcome: 'aborted' };
      next = p + 1 < pieces.length ? readPiece(p + 1) : undefined;
      loaded += stored.size;
      countPiece(task, counter, pieces[p][0], pieces[p][1], stored, counts, scratch);
    }
    return { outcome: 'counted', counts, loaded };
  } catch (error) {
    return { outcome: 'failed', message: error instanceof Error ? error.message : String(error), code: codeOf(error) };
  } finally {
    // A read begun for a piece that will not be counted: its outcome no longer matters.
    next?.catch(() => {});
  }
}
