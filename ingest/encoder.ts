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

export function createMaskEncoder(options: MaskEncoderOptions): MaskEncoder {
  const codec = options.codec;
  const workers = options.workers ?? defaultWorkerCount();
  if (workers === 0) {
    return {
      concurrency: 1,
      encode: async (width, height, data) => encodeMask({ width, height, data, chi: options.chi, codec }),
      close: async () => {},
    };
  }
  const pool = new Piscina<EncodeMaskTask, EncodeMaskResult>({
    filename: workerFile,
    minThreads: workers,
    maxThreads: workers,
    execArgv: ['--import', tsxLoader],
  });
  return {
    concurrency: workers * 4,
    encode(width, height, data) {
      // Transfer a private copy: the caller's array may be a view into a file buffer it still reads.
      const copy = data.slice();
      return pool.run({ width, height, data: copy, chi: options.chi, codec }, { transferList: [copy.buffer] });
    },
    close: () => pool.destroy(),
  };
}
