import type { StoredPixels } from '../db/repositories/masks.js';
import type { ScanCounter, ScanCounts, ScanJob } from '../engine/index.js';
import { QueryAbortedError } from '../engine/index.js';
import { runs, scanTask } from './pixel-tasks.js';
import { InFlight } from './in-flight.js';
import { TASK_PIXELS, type PixelWorkers } from './pixel-workers.js';
import type { StoreScanTask } from './store-scan.js';

/** Reads masks' pixels as stored, by id; ids not stored are absent. */
export type StoredPixelSource = (ids: readonly number[]) => Promise<ReadonlyMap<number, StoredPixels>>;

export interface ScanPieces {
  /** The most masks, and pixels, read and counted as one piece of a scan. */
  masks?: number;
  pixels?: number;
}

/**
 * A piece is one read from the store and one task for a worker. Each read costs a round trip,
 * which on a busy machine is most of a read's time: 2,000 masks of 64² read in pieces of 64 took
 * 400–800 ms, in pieces of 256 150–300 ms (load average 7–8, bench/README.md). Pieces stay small
 * enough to keep a scan cancellable and one piece's memory bounded.
 */
export const SCAN_PIECE_MASKS = 256;
export const SCAN_PIECE_PIXELS = TASK_PIXELS;

/**
 * CP scans counted in worker threads: this thread reads each piece's stored pixels (the store's
 * connection lives here) while a worker decodes and counts the piece before it, so the query's
 * thread does I/O only. A scan has one piece in a worker at a time, so concurrent scans take
 * turns piece by piece and no scan waits long behind another.
 */
export class WorkerScanCounter implements ScanCounter {
  private readonly inFlight = new InFlight('the scan counter is closed');

  constructor(
    private readonly read: StoredPixelSource,
    private readonly workers: PixelWorkers,
    private readonly pieceSize: ScanPieces = {},
  ) {}

  countWhole(job: ScanJob, signal?: AbortSignal): Promise<ScanCounts> {
    return this.inFlight.run(() => this.scan(job, signal));
  }

  /** Lets the scans under way finish; later scans are refused. */
  close(): Promise<void> {
    return this.inFlight.close();
  }

  private async scan(job: ScanJob, signal: AbortSignal | undefined): Promise<ScanCounts> {
    const counts = new Float64Array(job.ids.length).fill(NaN);
    let loaded = 0;
    let counting: Promise<void> = Promise.resolve();
    try {
      for (const [from, to] of this.pieces(job)) {
        throwIfAborted(signal);
        const stored = await this.read(Array.from(job.ids.subarray(from, to)));
        loaded += stored.size;
        await counting;
        throwIfAborted(signal);
        const { task, items } = scanTask(job, from, to, stored);
        if (items.length === 0) continue;
        counting = this.workers.count(task).then((pieceCounts) => items.forEach((item, m) => (counts[item] = pieceCounts[m])));
        // Awaited with the next piece or at the end; until then a failure must not count as unhandled.
        counting.catch(() => {});
      }
      await counting;
    } finally {
      // A scan ends only once no piece of it is left in a worker.
      await counting.catch(() => {});
    }
    return { counts, loaded };
  }

  private pieces(job: ScanJob): Generator<[number, number]> {
    const pixelsOf = (i: number) => job.dims[i * 2] * job.dims[i * 2 + 1];
    return runs(job.ids.length, pixelsOf, this.pieceSize.masks ?? SCAN_PIECE_MASKS, this.pieceSize.pixels ?? SCAN_PIECE_PIXELS);
  }
}

/**
 * CP scans read from the store and counted in a worker thread, which has connections of its own
 * (PostgreSQL): the query's thread hands the whole job over and gets the counts back, with no
 * read, row or piece of the scan passing through it, so a scan costs it two messages. Pieces and
 * their read-ahead are as WorkerScanCounter's; concurrent scans take turns in the worker piece
 * by piece. When the signal aborts, the worker stops before its next piece.
 */
export class StoreScanCounter implements ScanCounter {
  private readonly inFlight = new InFlight('the scan counter is closed');

  constructor(
    private readonly workers: PixelWorkers,
    private readonly pieceSize: ScanPieces = {},
  ) {
    if (!workers.readsStore) throw new Error('StoreScanCounter needs pixel workers that read the store');
  }

  countWhole(job: ScanJob, signal?: AbortSignal): Promise<ScanCounts> {
    return this.inFlight.run(() => this.scan(job, signal));
  }

  /** Lets the scans under way finish; later scans are refused. */
  close(): Promise<void> {
    return this.inFlight.close();
  }

  private async scan(job: ScanJob, signal: AbortSignal | undefined): Promise<ScanCounts> {
    throwIfAborted(signal);
    const abort = new Int32Array(new SharedArrayBuffer(4));
    const raise = () => Atomics.store(abort, 0, 1);
    signal?.addEventListener('abort', raise, { once: true });
    const task: StoreScanTask = {
      ids: job.ids,
      rects: job.rects,
      dims: job.dims,
      range: job.range,
      pieceMasks: this.pieceSize.masks ?? SCAN_PIECE_MASKS,
      piecePixels: this.pieceSize.pixels ?? SCAN_PIECE_PIXELS,
      abort,
    };
    try {
      const result = await this.workers.scan(task);
      if (result.outcome === 'aborted') throw new QueryAbortedError('the query was aborted');
      if (result.outcome === 'failed') throw Object.assign(new Error(result.message), { code: result.code });
      return { counts: result.counts, loaded: result.loaded };
    } finally {
      signal?.removeEventListener('abort', raise);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QueryAbortedError('the query was aborted');
}
