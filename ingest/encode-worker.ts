import { move, transferableSymbol, valueSymbol } from 'piscina';
import { encodeMask, type EncodeMaskResult, type EncodeMaskTask } from './encode-mask.js';

/**
 * Piscina's entry point in a worker thread. The result's bytes are moved, not cloned: a clone
 * is copied twice, the second time on the main thread, the one an ingest is bound by. The pixels
 * get a buffer of their own first (a compressor's Buffer may share or not own its memory).
 */
export default function encodeInWorker(task: EncodeMaskTask): EncodeMaskResult | ReturnType<typeof move> {
  const result = encodeMask(task);
  if (!result.ok) return result;
  const pixels = { ...result.value.pixels, bytes: Uint8Array.prototype.slice.call(result.value.pixels.bytes) };
  const chi = result.value.chi;
  const moved: EncodeMaskResult = { ok: true, value: { pixels, chi } };
  return move({
    get [transferableSymbol]() {
      return chi.byteOffset === 0 && chi.byteLength === chi.buffer.byteLength ? [pixels.bytes.buffer, chi.buffer] : [pixels.bytes.buffer];
    },
    get [valueSymbol]() {
      return moved;
    },
  });
}

/** A task that does nothing: it settles once the thread has loaded this file (see createMaskEncoder). */
export function ready(): true {
  return true;
}
