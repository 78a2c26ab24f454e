import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { CountArray } from './chi.js';
import type { Mask, MaskData } from './mask.js';
import type { IndexLevels } from './mask-bounds.js';
import { ENCODINGS } from './mask-table.js';
import type { CompareOp } from './plan.js';
import type { Rect } from './roi.js';
import type { CompiledRange } from './value-range.js';
import type { CellJob } from './verify-job.js';
import { CLAIM, FAILED, FINISHED, ITEM_FIELDS, STARTED, sharedJobArrays } from './verify-job.js';
import type { ToVerifyWorker } from './verify-worker.js';

// The engine runs from its TypeScript sources: the thread registers tsx's hooks, then imports its entry.
// (`--import tsx` in execArgv does not reach a worker's own entry or its imports on Node 20: measured, "Unknown file extension".)
// Resolved when a thread starts, not on import: import.meta.resolve under tsx's hooks hangs in
// worker threads (measured: the ingest's encoder threads, which import the engine, never started).
const workerFile = new URL('./verify-worker.ts', import.meta.url).href;
const bootstrap = (): string =>
  `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerFile)}); })`;

/** One undecided mask for the thread: where its CHI is, its pixels, its ROI and the scale of its value. */
export interface VerifyItem {
  readonly slot: number;
  readonly mask: Mask;
  readonly rect: Rect;
  readonly scale: number;
}

/** The answers of the items the thread took (done[k] = 1), and what it counted. */
export interface SharedAnswers {
  readonly done: Uint8Array;
  readonly values: Float64Array;
  readonly passed: Uint8Array;
  readonly pixelsCounted: number;
  readonly earlyStopped: number;
  readonly indexBytesRead: number;
}

/**
 * How long share waits for a job the thread has started to finish (it finishes the mask in hand,
 * microseconds for a 224² one) before it takes the thread as failed and decides the rest itself.
 */
const FINISH_TIMEOUT_MS = 2000;

/**
 * A second thread that decides undecided masks of a filter beside the query's own thread, over
 * CHI planes and pixels both see (SharedArrayBuffers: MaskTable.sharePlanes, and pixels a loader
 * keeps in shared arenas). Nothing is copied per mask but its ROI; a pixel arena is sent once and
 * forgotten by the thread when this side lets it go. Whether it pays is measured by
 * `bench:engine --thread`, which runs every query with and without one (bench/README.md: on 2
 * cores it did not), so callers opt in.
 */
export class VerifyThread {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  #failure: Error | undefined;
  readonly #arenaIds = new WeakMap<SharedArrayBuffer, number>();
  #arenaCount = 0;
  readonly #forget: FinalizationRegistry<number>;
  #sentPlanes: readonly CountArray[] = [];
  #generation = -1;

  private constructor(worker: Worker, port: MessagePort) {
    this.#worker = worker;
    this.#port = port;
    this.#forget = new FinalizationRegistry((arena) => {
      if (!this.#failure) this.#send({ kind: 'forget', arena });
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the verification thread exited (code ${code})`)));
    // The thread never keeps the process alive: share waits for it synchronously.
    worker.unref();
    port.unref();
  }

  /** Starts the thread; settles once it has loaded its code. */
  static start(): Promise<VerifyThread> {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(bootstrap(), { eval: true, workerData: { port: port2 }, transferList: [port2] });
    return new Promise((resolve, reject) => {
      port1.once('message', () => resolve(new VerifyThread(worker, port1)));
      worker.once('error', reject);
    });
  }

  /** Whether the thread can read data in place: it lies on a SharedArrayBuffer. */
  static reads(data: MaskData): boolean {
    return data.buffer instanceof SharedArrayBuffer;
  }

  /** False once the thread has failed or stopped: callers decide on their own thread. */
  get alive(): boolean {
    return this.#failure === undefined;
  }

  /**
   * Decides items on both threads: each takes the next undecided item until none is left, this
   * thread calling decideHere(k) for those it takes. Returns the thread's answers (done[k] = 1 for
   * each it took), or null when the thread failed, in which case decideHere has been called for
   * every item. Synchronous: the thread finishes the mask in hand while this one waits, and a
   * thread that has not started by the time every item is taken is not waited for. The table's
   * planes must be shared and each mask's data readable in place (reads); the answers hold only
   * for the table as it is now.
   */
  share(table: IndexLevels, range: CompiledRange, op: CompareOp, threshold: number, items: readonly VerifyItem[], decideHere: (k: number) => void): SharedAnswers | null {
    const n = items.length;
    const job = this.#failure ? undefined : this.#job(table, range, op, threshold, items);
    if (job) this.#send({ kind: 'job', job }, [job.items.buffer as ArrayBuffer, job.scales.buffer as ArrayBuffer]);
    const state = job?.state ?? new Int32Array(1);
    const mine = new Uint8Array(n);
    for (let k = Atomics.add(state, CLAIM, 1); k < n; k = Atomics.add(state, CLAIM, 1)) {
      mine[k] = 1;
      decideHere(k);
    }
    if (job && Atomics.compareExchange(state, STARTED, 0, 2) !== 0 && !this.#finished(state)) {
      this.#fail(new Error(`the verification thread did not finish a job within ${FINISH_TIMEOUT_MS} ms`));
    }
    if (job && !this.#failure && Atomics.load(state, FAILED) === 0) {
      return { done: job.done, values: job.values, passed: job.passed, pixelsCounted: job.stats[0], earlyStopped: job.stats[1], indexBytesRead: job.stats[2] };
    }
    if (job && Atomics.load(state, FAILED) === 1) this.#fail(new Error('the verification thread failed a job'));
    for (let k = 0; k < n; k++) if (!mine[k]) decideHere(k);
    return null;
  }

  /** Waits for a started job to finish; false on timeout. */
  #finished(state: Int32Array): boolean {
    const deadline = performance.now() + FINISH_TIMEOUT_MS;
    while (Atomics.load(state, FINISHED) === 0) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(state, FINISHED, 0, left);
    }
    return true;
  }

  #job(table: IndexLevels, range: CompiledRange, op: CompareOp, threshold: number, items: readonly VerifyItem[]): CellJob {
    this.#sendPlanes(table);
    const n = items.length;
    const fields = new Int32Array(n * ITEM_FIELDS);
    const scales = new Float64Array(n);
    const arenas: [number, SharedArrayBuffer][] = [];
    for (let k = 0; k < n; k++) {
      const { slot, mask, rect, scale } = items[k];
      const buffer = mask.data.buffer as SharedArrayBuffer;
      let arena = this.#arenaIds.get(buffer);
      if (arena === undefined) {
        arena = this.#arenaCount++;
        this.#arenaIds.set(buffer, arena);
        this.#forget.register(buffer, arena);
        arenas.push([arena, buffer]);
      }
      const f = k * ITEM_FIELDS;
      fields[f] = slot;
      fields[f + 1] = mask.width;
      fields[f + 2] = mask.height;
      fields[f + 3] = ENCODINGS.indexOf(mask.encoding);
      fields[f + 4] = rect.x0;
      fields[f + 5] = rect.y0;
      fields[f + 6] = rect.x1;
      fields[f + 7] = rect.y1;
      fields[f + 8] = arena;
      fields[f + 9] = mask.data.byteOffset / mask.data.BYTES_PER_ELEMENT;
      scales[k] = scale;
    }
    return { generation: this.#generation, range, op, threshold, items: fields, scales, arenas, ...sharedJobArrays(n) };
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.#fail(new Error('the verification thread was closed'));
    await this.#worker.terminate();
  }

  #sendPlanes(table: IndexLevels): void {
    const planes = table.levels.flatMap((level) => level.planes);
    if (planes.length === this.#sentPlanes.length && planes.every((plane, i) => plane === this.#sentPlanes[i])) return;
    if (!planes.every((plane) => plane.buffer instanceof SharedArrayBuffer)) throw new Error('VerifyThread.decide: the table\'s planes are not shared (MaskTable.sharePlanes)');
    this.#generation++;
    this.#sentPlanes = planes;
    const levels = { generation: this.#generation, config: table.config, countBytes: table.countBytes, planes: table.levels.map((level) => [...level.planes]) };
    this.#send({ kind: 'levels', levels });
  }

  #send(message: ToVerifyWorker, transfer: ArrayBuffer[] = []): void {
    this.#port.postMessage(message, transfer);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
  }
}
