import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { writePhotos, type PhotoTask } from './real/photos.js';
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
}

export interface Generation {
  /** Each shard's result, in index order; they settle in about that order. */
  readonly shards: readonly Promise<ShardResult>[];
  /**
   * Starts making the shards after the first, which until then waits: a server stores the first
   * one meanwhile, on a machine of two cores, without the threads taking the second core from
   * its requests. close() starts them too (to abandon them).
   */
  makeRest(): void;
  /** The real demo's photos as PNG files (see demo/real/photos.ts), made in the same threads, after the shards asked for before. */
  writePhotos(task: PhotoTask): Promise<Map<string, string>>;
  /** Stops the workers; shards not yet made are abandoned. Once: later calls settle with the first. */
  close(): Promise<void>;
}

const workerFile = new URL('./shard-worker.js', import.meta.url).href;

/**
 * What a thread is given: a task, and whether it is background work — anything asked for once
 * makeRest() is called, which the thread runs at a lower priority (see shard-worker.js).
 */
export interface GeneratorJob<T> {
  task: T;
  background: boolean;
}

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

/** Prepares the folders and starts making the first shard; the others follow makeRest(). */
export async function startGeneration(options: GenerateOptions): Promise<Generation> {
  const { dir } = options;
  // The mask files of an earlier run (of another size) must not linger beside this run's; the
  // pictures stay, since a store seeded before may still show them.
  await Promise.all([FOLDERS.saliency, FOLDERS.segmentation, FOLDERS.fixations, FOLDERS.imageLists].map((folder) => rm(join(dir, folder), { recursive: true, force: true })));
  await Promise.all(Object.values(FOLDERS).map((folder) => mkdir(join(dir, folder), { recursive: true })));
  const tasks = shardTasks(options);
  const workers = options.workers ?? defaultWorkers();

  let stopped = false;
  let restAsked = false;
  let allowRest!: () => void;
  const restAllowed = new Promise<void>((resolve) => (allowRest = resolve));
  const makeRest = () => {
    restAsked = true;
    allowRest();
  };
  // The first shard at once, the others once makeRest is called; none after close().
  const when = <T>(index: number, make: () => Promise<T>) =>
    (index === 0 ? Promise.resolve() : restAllowed).then(() => (stopped ? Promise.reject(new Error('demo generation stopped')) : make()));
  let shards: Promise<ShardResult>[];
  let photos: (task: PhotoTask) => Promise<Map<string, string>>;
  let close: () => Promise<void>;
  if (workers === 0) {
    let previous: Promise<unknown> = Promise.resolve();
    // One after another, in the order asked for, as a thread takes its tasks.
    const queue = <T>(make: () => Promise<T>) => {
      const made = previous.then(make);
      previous = made.catch(() => {});
      return made;
    };
    shards = tasks.map((task, index) => when(index, () => queue(() => generateShard(task))));
    photos = (task) => queue(() => writePhotos(task));
    close = async () => {
      stopped = true;
      makeRest();
    };
  } else {
    const pool = new Piscina<GeneratorJob<ShardTask | PhotoTask>, ShardResult | Map<string, string>>({ filename: workerFile, minThreads: workers, maxThreads: workers });
    shards = tasks.map((task, index) => when(index, () => pool.run({ task, background: index > 0 }) as Promise<ShardResult>));
    photos = (task) => pool.run({ task, background: restAsked }, { name: 'writePhotos' }) as Promise<Map<string, string>>;
    close = () => {
      stopped = true;
      makeRest();
      return pool.destroy();
    };
  }
  // Awaited in order by the caller; one failing while an earlier one is awaited must not go unhandled.
  for (const shard of shards) shard.catch(() => {});
  let closed: Promise<void> | undefined;
  return { shards, makeRest, writePhotos: photos, close: () => (closed ??= close()) };
}
