import { Piscina } from 'piscina';
import type { Mask } from '../engine/mask.js';
import { countScanTask, decodeBatch, type ScanTask, type StoredBatch } from './pixel-tasks.js';

/** Piscina's entry points in a worker thread (chosen by name). */
export function count(task: ScanTask): Float64Array {
  return countScanTask(task);
}

/** The decoded masks go back to the calling thread moved, not copied. */
export function decode(batch: StoredBatch) {
  const masks: Mask[] = decodeBatch(batch);
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return masks.map((mask) => mask.data.buffer);
    },
    get [Piscina.valueSymbol]() {
      return masks;
    },
  });
}
