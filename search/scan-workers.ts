import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { StoredPixels } from '../db/repositories/masks.js';
import type { ScanCounter, ScanCounts, ScanJob } from '../engine/index.js';
import { QueryAbortedError } from '../engine/index.js';
import { scanTask, type ScanTask } from './scan-task.js';

/** Reads masks' pixels as stored, by id; ids not stored are absent. */
export type StoredPixelSource = (ids: readonly number[]) => Promise<ReadonlyMap<number, StoredPixels>>;

export interface ScanWorkersOptions {
  /** Worker threads counting scans (at least one). */
  workers: number;
  /** The most masks, and pixels, read and counted as one piece of a scan. */
  pieceMasks?: number;
  piecePixels?: number;
}

/**
 * A piece is one read from the store and one task for a worker. Each read costs a round trip,
 * which on a busy machine is most of a read's time: 2,000 masks of 64² read in pieces of 64 took
 * 400–800 ms, in pieces of 256 150–300 ms (load average 7–8, bench/README.md). Pieces stay small
 * enough to keep a scan cancellable and one piece's memory bounded.
 */
export const SCAN_PIECE_MASKS = 256;
/** 4 M pixels: 16 MB of float32 values decoded at once, at most. */
export const SCAN_PIECE_PIXELS = 1 << 22;

// As for the ingest's encoders: the worker runs the TypeScript sources through tsx.
const workerFile = new URL('./scan-worker.ts', import.meta.url).href;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * CP scans counted in worker threads: this thread reads each piece's stored pixels (the store's
 * connection lives here) while a worker decodes and counts the piece before it, so the query's
 * thread does I/O only. A scan has one piece in a worker at a time, so concurrent scans take
 * turns piece by piece and no scan waits long behind another. The pool starts with the first scan.
 */
export class WorkerScanCounter implements ScanCounter {
  private pool: Piscina<ScanTask, Float64Array> | undefined;
  private readonly running = new Set<Promise<ScanCounts>>();
  private closed = false;

  constructor(
    private readonly read: StoredPixelSource,
    private readonly options: ScanWorkersOptions,
  ) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`scan workers must be a positive integer, got ${options.workers}`);
  }

  countWhole(job: ScanJob, signal?: AbortSignal): Promise<ScanCounts> {
    if (this.closed) return Promise.reject(new Error('the scan workers are closed'));
    const scan = this.scan(job, signal);
    this.running.add(scan);
    const forget = () => void this.running.delete(scan);
    scan.then(forget, forget);
    return scan;
  }

  /** Threads started so far (0 until the first scan). */
  get threads(): number {
    return this.pool?.threads.length ?? 0;
  }

  /** Lets the scans under way finish, then stops the threads; later scans are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.running);
    await this.pool?.destroy();
    this.pool = undefined;
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
        counting = this.count(task).then((pieceCounts) => items.forEach((item, m) => (counts[item] = pieceCounts[m])));
        // Awaited with the next piece or at the end; until then a failure must not count as unhandled.
        counting.catch(() => {});
      }
      await counting;
    } finally {
      // A scan ends only once no piece of it is left in a worker, so close() can stop them.
      await counting.catch(() => {});
    }
    return { counts, loaded };
  }

  private *pieces(job: ScanJob): Generator<[number, number]> {
    const maxMasks = this.options.pieceMasks ?? SCAN_PIECE_MASKS;
    const maxPixels = this.options.piecePixels ?? SCAN_PIECE_PIXELS;
    let from = 0;
    let pixels = 0;
    for (let i = 0; i < job.ids.length; i++) {
      const size = job.dims[i * 2] * job.dims[i * 2 + 1];
      if (i > from && (i - from === maxMasks || pixels + size > maxPixels)) {
        yield [from, i];
        from = i;
        pixels = 0;
      }
      pixels += size;
    }
    if (from < job.ids.length) yield [from, job.ids.length];
  }

  private count(task: ScanTask): Promise<Float64Array> {
    const { workers } = this.options;
    this.pool ??= new Piscina({ filename: workerFile, minThreads: workers, maxThreads: workers, execArgv: ['--import', tsxLoader] });
    return this.pool.run(task, { transferList: [task.bytes.buffer, task.ends.buffer, task.sizes.buffer, task.rects.buffer] });
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QueryAbortedError('the query was aborted');
}
