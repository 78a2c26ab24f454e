import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { FIRST_SHARD_IMAGES, FOLDERS, SHARD_IMAGES, generateShard, type ShardResult, type ShardTask } from './shard.js';

/**
 * Makes the demo's files shard by shard in worker threads, so that the first shards can be
 * ingested while later ones are still being made.
 */

export interface GenerateOptions {
  seed: number;
  images: number;
  /** The demo directory, absolute. */
  dir: string;
  /** Worker threads; 0 generates on this thread, one shard after another. Default: one per core but one. */
  workers?: number;
  /**
   * Shards after the first are made once this settles: a server stores the first one meanwhile,
   * on a machine of two cores, without the threads taking the second core from its requests.
   */
  restAfter?: Promise<void>;
}

export interface Generation {
  /** Each shard's result, in index order; they settle in about that order. */
  readonly shards: readonly Promise<ShardResult>[];
  /** Stops the workers; shards not yet made are abandoned. */
  close(): Promise<void>;
}

const workerFile = new URL('./shard-worker.js', import.meta.url).href;

/**
 * One core is left to the thread that stores what is made (the ingest, in PGlite's case the
 * database itself): it is the slower side, and starving it would delay everything.
 */
const defaultWorkers = () => Math.max(1, availableParallelism() - 1);

/** A small first shard, then shards of SHARD_IMAGES. */
function shardTasks({ seed, images, dir }: GenerateOptions): ShardTask[] {
  const tasks: ShardTask[] = [];
  for (let start = 0; start < images; ) {
    const count = Math.min(tasks.length === 0 ? FIRST_SHARD_IMAGES : SHARD_IMAGES, images - start);
    tasks.push({ seed, start, count, dir });
    start += count;
  }
  return tasks;
}

/** Prepares the folders and starts making every shard. */
export async function startGeneration(options: GenerateOptions): Promise<Generation> {
  const { dir } = options;
  // The mask files of an earlier run (of another size) must not linger beside this run's; the
  // pictures stay, since a store seeded before may still show them.
  await Promise.all([FOLDERS.saliency, FOLDERS.segmentation, FOLDERS.fixations, FOLDERS.imageLists].map((folder) => rm(join(dir, folder), { recursive: true, force: true })));
  await Promise.all(Object.values(FOLDERS).map((folder) => mkdir(join(dir, folder), { recursive: true })));
  const tasks = shardTasks(options);
  const workers = options.workers ?? defaultWorkers();

  let stopped = false;
  const restAfter = options.restAfter ?? Promise.resolve();
  // The first shard at once, the others once restAfter settles; none after close().
  const when = (index: number, make: () => Promise<ShardResult>) =>
    (index === 0 ? Promise.resolve() : restAfter).then(() => (stopped ? Promise.reject(new Error('demo generation stopped')) : make()));
  let shards: Promise<ShardResult>[];
  let close: () => Promise<void>;
  if (workers === 0) {
    let previous: Promise<unknown> = Promise.resolve();
    shards = tasks.map((task, index) => {
      const made = previous.then(() => when(index, () => generateShard(task)));
      previous = made.catch(() => {});
      return made;
    });
    close = async () => {
      stopped = true;
    };
  } else {
    const pool = new Piscina<ShardTask, ShardResult>({ filename: workerFile, minThreads: workers, maxThreads: workers });
    shards = tasks.map((task, index) => when(index, () => pool.run(task)));
    close = () => {
      stopped = true;
      return pool.destroy();
    };
  }
  // Awaited in order by the caller; one failing while an earlier one is awaited must not go unhandled.
  for (const shard of shards) shard.catch(() => {});
  return { shards, close };
}
