import { encodeMask, type EncodeMaskTask } from './encode-mask.js';

/** Piscina's entry point in a worker thread. */
export default function encodeInWorker(task: EncodeMaskTask) {
  return encodeMask(task);
}
