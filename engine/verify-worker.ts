import type { MessagePort } from 'node:worker_threads';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { IndexLevels } from './mask-bounds.js';
import type { CellJob, LevelsMessage } from './verify-job.js';
import { FAILED, FINISHED, STARTED, decideClaimed, levelsView } from './verify-job.js';

/**
 * The entry of a verification thread (engine/verify-thread.ts). Planes, arenas and jobs arrive on
 * the port given in workerData; a job's answers, stats and completion go into its shared arrays.
 */
export type ToVerifyWorker =
  | { readonly kind: 'levels'; readonly levels: LevelsMessage }
  | { readonly kind: 'job'; readonly job: CellJob }
  | { readonly kind: 'forget'; readonly arena: number };

/**
 * After a job the thread polls its port this long before it sleeps: a filter sends its batches a
 * fraction of a millisecond apart, and with a fixed half per thread the query's thread waited for
 * this one at the end of each batch (about 9 ms per run of bench query a), which suggested a slow
 * wake-up; the polling's own effect was not measured apart from the shared claim counter's.
 */
const SPIN_MS = 2;

const port = (workerData as { port: MessagePort }).port;
const arenas = new Map<number, SharedArrayBuffer>();
let levels: IndexLevels | undefined;
let generation = -1;

function handle(message: ToVerifyWorker): boolean {
  switch (message.kind) {
    case 'levels':
      levels = levelsView(message.levels);
      generation = message.levels.generation;
      return false;
    case 'forget':
      arenas.delete(message.arena);
      return false;
    case 'job':
      run(message.job);
      return true;
  }
}

function run(job: CellJob): void {
  for (const [n, buffer] of job.arenas) arenas.set(n, buffer);
  // The caller may have decided every mask already and stopped waiting for this thread to start.
  if (Atomics.compareExchange(job.state, STARTED, 0, 1) !== 0) return;
  try {
    if (!levels || job.generation !== generation) throw new Error(`planes of generation ${job.generation}, this thread has ${generation}`);
    decideClaimed(levels, arenas, job);
  } catch {
    Atomics.store(job.state, FAILED, 1);
  } finally {
    Atomics.store(job.state, FINISHED, 1);
    Atomics.notify(job.state, FINISHED);
  }
}

port.on('message', (message: ToVerifyWorker) => {
  if (!handle(message)) return;
  for (let until = performance.now() + SPIN_MS; performance.now() < until; ) {
    const next = receiveMessageOnPort(port);
    if (next && handle(next.message as ToVerifyWorker)) until = performance.now() + SPIN_MS;
  }
});
port.postMessage({ ready: true });
