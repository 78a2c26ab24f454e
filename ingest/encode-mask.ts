import type { ChiConfig, MaskData } from '../engine/index.js';
import { buildChi, createMask, serializeChi } from '../engine/index.js';
import { encodeMaskPixels, type EncodedMask, type PixelCodec } from '../db/pixel-codec.js';

export interface EncodeMaskTask {
  width: number;
  height: number;
  data: MaskData;
  chi: ChiConfig;
  /** Default: the store's choice for the mask's encoding. */
  codec?: PixelCodec;
}

/** A mask ready to store: its pixels in the store's codec and its CHI bytes. */
export interface EncodedMaskWithChi {
  pixels: EncodedMask;
  chi: Uint8Array;
}

export type EncodeMaskResult = { ok: true; value: EncodedMaskWithChi } | { ok: false; reason: string };

/**
 * Validates a mask (size, values finite and in [0, 1]), builds its CHI and compresses its
 * pixels: the CPU-heavy part of an ingest, run in worker threads. A bad mask is a result, not a
 * throw, so the reason crosses the thread boundary as the engine worded it.
 */
export function encodeMask(task: EncodeMaskTask): EncodeMaskResult {
  let mask;
  try {
    mask = createMask(task.width, task.height, task.data);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, value: { pixels: encodeMaskPixels(mask, task.codec), chi: serializeChi(buildChi(mask, task.chi)) } };
}
