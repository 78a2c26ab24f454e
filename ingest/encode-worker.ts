import { encodeMask, type EncodeMaskTask } from './encode-mask.js';

/** Piscina's entry point in a worker thread. */
export default function encodeInWorker(task: EncodeMaskTask) {
  return encodeMask(task);
}

/** A task that does nothing: it settles once the thread has loaded this file (see createMaskEncoder). */
export function ready(): true {
  return true;
}
