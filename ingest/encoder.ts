import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { ChiConfig, MaskData } from '../engine/index.js';
import type { PixelCodec } from '../db/pixel-codec.js';
import { encodeMask, type EncodeMaskResult, type EncodeMaskTask } from './encode-mask.js';

/** Turns decoded masks into stored form, in worker threads or, with no workers, in this one. */
export interface MaskEncoder {
  encode(width: number, height: number, data: MaskData): Promise<EncodeMaskResult>;
  /** How many masks may usefully be in flight at once. */
  readonly concurrency: number;
  /** Settles once encodes go to the worker threads (at once without workers). */
  readonly started: Promise<void>;
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
 * Masks up to this many pixels are encoded on the calling thread while the pool's threads start:
 * a 224×224 mask takes 2.5–4 ms there, while a thread takes 0.5 s on a quiet machine and 1–2 s
 * on a loaded one to load its entry through tsx (measured: the demo's first photos waited that
 * long for their first encode). Larger masks wait for a thread, so as not to hold up the caller.
 */
export const INLINE_WHILE_STARTING_PIXELS = 512 * 512;

export function createMaskEncoder(options: MaskEncoderOptions): MaskEncoder {
  const codec = options.codec;
  const workers = options.workers ?? defaultWorkerCount();
  const inline = (width: number, height: number, data: MaskData) => encodeMask({ width, height, data, chi: options.chi, codec });
  if (workers === 0) {
    return {
      concurrency: 1,
      started: Promise.resolve(),
      encode: async (width, height, data) => inline(width, height, data),
      close: async () => {},
    };
  }
  const pool = new Piscina<EncodeMaskTask | null, EncodeMaskResult | true>({
    filename: workerFile,
    minThreads: workers,
    maxThreads: workers,
    execArgv: ['--import', tsxLoader],
  });
  // Settles once a thread has loaded the entry. A thread that cannot load it also ends the
  // start: encodes then go to the pool, which reports why.
  let starting = true;
  let closed = false;
  const started = pool.run(null, { name: 'ready' }).then(
    () => void (starting = false),
    () => void (starting = false),
  );
  return {
    concurrency: workers * 4,
    started,
    async encode(width, height, data) {
      if (starting && !closed && width * height <= INLINE_WHILE_STARTING_PIXELS) return inline(width, height, data);
      // Transfer a private copy: the caller's array may be a view into a file buffer it still reads.
      const copy = data.slice();
      return pool.run({ width, height, data: copy, chi: options.chi, codec }, { transferList: [copy.buffer] }) as Promise<EncodeMaskResult>;
    },
    close() {
      closed = true;
      return pool.destroy();
    },
  };
}
