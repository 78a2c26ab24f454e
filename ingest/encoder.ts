import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { ChiConfig, MaskData } from '../engine/index.js';
import type { PixelCodec } from '../db/pixel-codec.js';
import { encodeMask, type EncodeMaskResult, type EncodeMaskTask } from './encode-mask.js';

/** Turns decoded masks into stored form, in worker threads or, with no workers, in this one. */
export interface MaskEncoder {
  /** Reads `data` no longer than until the promise settles: the caller may then reuse its memory. */
  encode(width: number, height: number, data: MaskData): Promise<EncodeMaskResult>;
  /** How many masks may usefully be in flight at once. */
  readonly concurrency: number;
  /** Starts the worker threads if they are not yet; settles once encodes go to them (at once without workers). */
  whenStarted(): Promise<void>;
  close(): Promise<void>;
}

export interface MaskEncoderOptions {
  chi: ChiConfig;
  codec?: PixelCodec;
  /** Worker threads; 0 encodes on the calling thread. Default: one per core but one, at least one. */
  workers?: number;
}

export const defaultWorkerCount = (): number => Math.max(1, availableParallelism() - 1);

// Run from TypeScript sources (tsx, vitest) the worker needs the same loader; from compiled
// JavaScript it would not, and the flag is then harmless. Resolved here, not by the worker: the
// process may run in a folder (a user's project) where tsx is not installed.
const workerFile = new URL('./encode-worker.ts', import.meta.url).href;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Masks up to this many pixels are encoded on the calling thread until the pool's threads have
 * started: a 224×224 mask takes 2.5–4 ms there, while a thread takes 0.5 s on a quiet machine and
 * 1–2 s on a loaded one to load its entry through tsx (measured: the demo's first photos waited
 * that long for their first encode). Larger masks wait for a thread, so as not to hold up the caller.
 */
export const INLINE_WHILE_STARTING_PIXELS = 512 * 512;

/**
 * The threads start with the first mask after this many encoded on the calling thread (or the
 * first larger one): an ingest of a few masks (a server's first demo slices, 70 masks) spares the
 * start, 0.3–0.5 s of CPU per thread, which on two cores it would take from the first answers.
 */
export const INLINE_BEFORE_THREADS = 64;

export function createMaskEncoder(options: MaskEncoderOptions): MaskEncoder {
  const codec = options.codec;
  const workers = options.workers ?? defaultWorkerCount();
  const inline = (width: number, height: number, data: MaskData) => encodeMask({ width, height, data, chi: options.chi, codec });
  if (workers === 0) {
    return {
      concurrency: 1,
      whenStarted: async () => {},
      encode: async (width, height, data) => inline(width, height, data),
      close: async () => {},
    };
  }
  let pool: Piscina<EncodeMaskTask | null, EncodeMaskResult | true> | undefined;
  const sharedCopies = new SharedCopies();
  let loaded: Promise<void> | undefined;
  let starting = true;
  let closed = false;
  let inlineEncodes = 0;
  const start = (): Promise<void> => {
    pool ??= new Piscina({ filename: workerFile, minThreads: workers, maxThreads: workers, execArgv: ['--import', tsxLoader] });
    // A thread that cannot load the entry also ends the start: encodes then go to the pool, which reports why.
    loaded ??= pool.run(null, { name: 'ready' }).then(
      () => void (starting = false),
      () => void (starting = false),
    );
    return loaded;
  };
  return {
    concurrency: workers * 4,
    whenStarted: () => (closed ? Promise.resolve() : start()),
    async encode(width, height, data) {
      if (closed) throw new Error('the mask encoder is closed');
      if (starting && width * height <= INLINE_WHILE_STARTING_PIXELS) {
        if (++inlineEncodes > INLINE_BEFORE_THREADS) void start();
        return inline(width, height, data);
      }
      void start();
      // The worker reads a copy in shared memory: the caller's array may be a view into a file
      // buffer it still reads, and a fresh buffer per mask (200 KB for a float 224×224) would
      // cost the main thread its allocation and page faults, and garbage collections.
      const shared = sharedCopies.copyOf(data);
      try {
        return (await pool!.run({ width, height, data: shared, chi: options.chi, codec })) as EncodeMaskResult;
      } finally {
        sharedCopies.release(shared);
      }
    },
    async close() {
      closed = true;
      await pool?.destroy();
    },
  };
}

/** Shared buffers kept for reuse, at most this many bytes of them. */
const KEPT_SHARED_BYTES = 64 << 20;

/** Copies of mask data in shared memory, their buffers reused once released. */
class SharedCopies {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private keptBytes = 0;

  copyOf(data: MaskData): MaskData {
    let buffer = this.free.get(data.byteLength)?.pop();
    if (buffer) this.keptBytes -= buffer.byteLength;
    else buffer = new SharedArrayBuffer(data.byteLength);
    const copy = data instanceof Uint8Array ? new Uint8Array(buffer) : data instanceof Uint16Array ? new Uint16Array(buffer) : new Float32Array(buffer);
    copy.set(data);
    return copy;
  }

  release(copy: MaskData): void {
    const buffer = copy.buffer as SharedArrayBuffer;
    if (this.keptBytes + buffer.byteLength > KEPT_SHARED_BYTES) return;
    this.keptBytes += buffer.byteLength;
    const list = this.free.get(buffer.byteLength);
    if (list) list.push(buffer);
    else this.free.set(buffer.byteLength, [buffer]);
  }
}
