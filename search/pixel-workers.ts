import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { decodeMaskPixels } from '../db/pixel-codec.js';
import type { StoredPixels } from '../db/repositories/masks.js';
import type { Mask } from '../engine/mask.js';
import { batchBuffers, packStored, runs, type ScanTask } from './pixel-tasks.js';
import { InFlight } from './in-flight.js';
import type { StoreScanResult, StoreScanTask } from './store-scan.js';

// As for the ingest's encoders: the worker runs the TypeScript sources through tsx.
const workerFile = new URL('./pixel-worker.ts', import.meta.url).href;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Decoded bytes up to which a load is decoded on the calling thread: 1 MB takes 2.5–6 ms
 * (db/README.md: shuffle-lz4 decodes a 224² float32 mask, 200 KB, in 0.45–0.81 ms, an 8-bit
 * one, 50 KB, in 0.18–0.30 ms), about what a round trip to a worker busy with a scan's piece costs.
 */
export const INLINE_DECODE_BYTES = 1 << 20;

/**
 * The most pixels one task decodes: 16 MB of float32 values, some tens of ms, so that the tasks
 * of several queries take turns in the workers rather than wait behind one large load.
 */
export const TASK_PIXELS = 1 << 22;

/**
 * While the threads start, loads up to this many decoded bytes are decoded on the calling
 * thread: 16 MB takes 40–100 ms, and a thread 0.5–2 s to load its entry through tsx (measured:
 * the first query verifying 20 of the demo's photos waited 0.8–1.8 s for the threads).
 */
export const INLINE_DECODE_BYTES_WHILE_STARTING = 16 << 20;

/**
 * The threads are not started for decoding until loads decoded here above INLINE_DECODE_BYTES
 * have come to this many bytes: a server that now and then verifies a few masks (the demo's
 * first real-photo query loads 1.3 MB each time it runs) spares their start, 0.3–0.5 s of CPU
 * per thread, which on two cores it would take from the first answers.
 */
export const INLINE_BEFORE_THREADS_BYTES = 64 << 20;

const bytesPerValue = { u8: 1, u16: 2, f32: 4 } as const;
const decodedBytes = (p: StoredPixels): number => p.width * p.height * bytesPerValue[p.encoding];

/** What each worker thread is started with. */
export interface PixelWorkerData {
  /** The PostgreSQL store a thread reads scans from itself; none: scans come to it piece by piece. */
  databaseUrl?: string;
  /** Connections each thread opens to it. */
  scanConnections: number;
}

/**
 * Tasks one thread holds at once. A scan that reads from the store is one task until its last
 * piece is counted; with several tasks in a thread, the pieces of concurrent scans and the decodes
 * of indexed queries take turns there (between pieces), none queued behind a whole scan.
 */
export const TASKS_PER_WORKER = 32;

/** Connections each thread opens to the store: one scan's piece read while another's is read ahead. */
export const SCAN_CONNECTIONS = 2;

/**
 * Worker threads that decode stored pixels and count scans (on PostgreSQL reading the scans'
 * pixels too), so that none of it holds up the thread serving requests. The threads start with
 * the first scan or the first decode that needs them (see INLINE_BEFORE_THREADS_BYTES) and stay
 * until close().
 */
export class PixelWorkers {
  private pool: Piscina | undefined;
  /** Settled once a thread has loaded its entry; until then, see INLINE_DECODE_BYTES_WHILE_STARTING. */
  private loaded: Promise<void> | undefined;
  private started = false;
  private closed = false;
  /** Bytes of the loads above INLINE_DECODE_BYTES decoded here so far. */
  private inlineBytes = 0;
  private readonly inFlight = new InFlight('the pixel workers are closed');

  constructor(
    readonly workers: number,
    private readonly store: { databaseUrl?: string } = {},
  ) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`pixel workers must be a positive integer, got ${workers}`);
  }

  /** Whether the threads read scans from the store themselves (PostgreSQL; PGlite lives in this thread only). */
  get readsStore(): boolean {
    return this.store.databaseUrl !== undefined;
  }

  /** A scan read from the store and counted in a thread (only when readsStore). */
  scan(task: StoreScanTask): Promise<StoreScanResult> {
    // Copied, not transferred: the job's arrays stay the caller's.
    return this.run(task, 'scan', []);
  }

  /** The CP of each mask of a scan's piece. */
  count(task: ScanTask): Promise<Float64Array> {
    return this.run(task, 'count', [...batchBuffers(task), task.rects.buffer]);
  }

  /**
   * Stored pixels decoded, by id: a load of more than INLINE_DECODE_BYTES in the workers, a
   * smaller one here, and, until the threads have started, one up to
   * INLINE_DECODE_BYTES_WHILE_STARTING here too (see INLINE_BEFORE_THREADS_BYTES). Throws as
   * decodeMaskPixels does for pixels it cannot decode.
   */
  async decode(stored: ReadonlyMap<number, StoredPixels>): Promise<Map<number, Mask>> {
    const ids = [...stored.keys()];
    const pixels = [...stored.values()];
    const bytes = pixels.reduce((sum, p) => sum + decodedBytes(p), 0);
    if (bytes <= INLINE_DECODE_BYTES || (bytes <= INLINE_DECODE_BYTES_WHILE_STARTING && this.decodeHere(bytes))) {
      return new Map(ids.map((id, m) => [id, decodeMaskPixels(pixels[m].codec, pixels[m].bytes, pixels[m])]));
    }
    const decoded: Mask[] = [];
    const tasks = Array.from(runs(pixels.length, (m) => pixels[m].width * pixels[m].height, Infinity, TASK_PIXELS), async ([from, to]) => {
      const batch = packStored(pixels.slice(from, to));
      const masks: Mask[] = await this.run(batch, 'decode', batchBuffers(batch));
      masks.forEach((mask, j) => (decoded[from + j] = mask));
    });
    await Promise.all(tasks);
    return new Map(ids.map((id, m) => [id, decoded[m]]));
  }

  /** Threads started so far (0 until the first task that needs them). */
  get threads(): number {
    return this.pool?.threads.length ?? 0;
  }

  /** Stops the threads once the tasks given are done; later tasks are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight.close();
    await this.pool?.destroy();
    this.pool = undefined;
  }

  /** Starts the threads if they are not there yet; settles once one has loaded its entry. */
  whenStarted(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // A thread that cannot load its entry ends the start too: tasks then go to the pool, which reports why.
    this.loaded ??= this.startedPool()
      .run(null, { name: 'ready' })
      .then(
        () => void (this.started = true),
        () => void (this.started = true),
      );
    return this.loaded;
  }

  /** Whether a load above INLINE_DECODE_BYTES is decoded here: until the threads have started (which it may set off). */
  private decodeHere(bytes: number): boolean {
    if (this.closed || this.started) return false;
    this.inlineBytes += bytes;
    if (this.pool || this.inlineBytes > INLINE_BEFORE_THREADS_BYTES) void this.whenStarted();
    return true;
  }

  private run<T>(task: object, name: 'count' | 'decode' | 'scan', transferList: ArrayBuffer[]): Promise<T> {
    return this.inFlight.run(() => this.startedPool().run(task, { name, transferList }));
  }

  /** The pool, its threads started now if they are not yet. */
  private startedPool(): Piscina {
    if (this.pool) return this.pool;
    const workerData: PixelWorkerData = { databaseUrl: this.store.databaseUrl, scanConnections: SCAN_CONNECTIONS };
    // A thread loads the pool's default entry point as it starts: it must be one the file exports.
    this.pool = new Piscina({
      filename: workerFile,
      name: 'count',
      minThreads: this.workers,
      maxThreads: this.workers,
      concurrentTasksPerWorker: TASKS_PER_WORKER,
      workerData,
      execArgv: ['--import', tsxLoader],
    });
    return this.pool;
  }
}
