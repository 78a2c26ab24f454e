import { countScanTask, type ScanTask } from './scan-task.js';

/** Piscina's entry point in a worker thread. */
export default function countInWorker(task: ScanTask): Float64Array {
  return countScanTask(task);
}
