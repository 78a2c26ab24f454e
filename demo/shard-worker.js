// A generator worker thread's entry. It registers tsx itself, as bin/masksearch.js does, and
// then loads the TypeScript: started with execArgv ['--import', 'tsx'] instead, the same
// shards took about 50% longer to make (measured with piscina 5.3 and tsx 4 on Node 20).
import { register } from 'tsx/esm/api';

register();
const { generateShard } = await import('./shard.ts');
const photos = await import('./real/photos.ts');

/** Piscina's entry point. */
export default generateShard;
/** The real demo's photos as PNG, a named task (see demo/generate.ts). */
export const writePhotos = photos.writePhotos;
