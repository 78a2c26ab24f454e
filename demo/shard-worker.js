// A generator worker thread's entry. It registers tsx itself, as bin/masksearch.js does, and
// then loads the TypeScript: started with execArgv ['--import', 'tsx'] instead, the same
// shards took about 50% longer to make (measured with piscina 5.3 and tsx 4 on Node 20).
import { setPriority } from 'node:os';
import { register } from 'tsx/esm/api';

register();
const { generateShard } = await import('./shard.ts');
const photos = await import('./real/photos.ts');

/**
 * Background work (what comes after the demo's first files, see GeneratorJob in generate.ts)
 * runs at this niceness: on a machine of two cores a page opened on a fresh start gets the core
 * this thread would take from it, the thread still uses any the page leaves idle. Not the lowest
 * (19): on a machine loaded with other work the rest of the demo would then hardly be made.
 */
const BACKGROUND_NICENESS = 10;

let lowered = false;

/** The job's task, once the thread runs at the job's priority. */
function taskOf({ task, background }) {
  // On Linux setPriority(0, n) changes the calling thread alone; elsewhere it would change the whole server's process.
  if (background && !lowered && process.platform === 'linux') {
    setPriority(BACKGROUND_NICENESS);
    lowered = true;
  }
  return task;
}

/** Piscina's entry point. */
export default (job) => generateShard(taskOf(job));
/** The real demo's photos as PNG, a named task (see demo/generate.ts). */
export const writePhotos = (job) => photos.writePhotos(taskOf(job));
