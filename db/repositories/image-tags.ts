import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.js';
import { images } from '../schema.js';
import { forEachChunk } from './batching.js';
import { lockChangeLog } from './changes.js';
import { browsedImages } from './image-browse.js';
import type { MaskFilter } from './mask-where.js';
import { textArray } from './mask-where.js';

/** Which images a tag change applies to: by key, or the images a filter selects (as browseImages lists them). */
export type ImageSelection = { keys: readonly string[] } | { filter: MaskFilter };

export interface TagChange {
  add: readonly string[];
  remove: readonly string[];
}

/**
 * Adds and removes tags (a tag both added and removed ends up removed); each image keeps its tags
 * sorted and distinct. One transaction: all selected images change or none. Only rows whose
 * tags actually change are written, so the change log's update trigger logs exactly those, and
 * every process's in-memory catalog refetches them. Returns how many images changed.
 */
export async function changeImageTags(db: Database, selection: ImageSelection, change: TagChange): Promise<number> {
  const tags = sql`array(select distinct t from unnest(array_cat(${images.tags}, ${textArray(change.add)})) as t where t <> all(${textArray(change.remove)}) order by t)`;
  const changed = sql`${images.tags} is distinct from ${tags}`;
  return db.transaction(async (tx) => {
    await lockChangeLog(tx);
    const update = (where: SQL | undefined) =>
      tx.update(images).set({ tags }).where(where ? sql`${where} and ${changed}` : changed).returning({ id: images.id });
    if ('filter' in selection) return (await update(browsedImages(selection.filter))).length;
    let count = 0;
    await forEachChunk(selection.keys, async (chunk) => {
      count += (await update(sql`${inArray(images.key, chunk)}`)).length;
    });
    return count;
  });
}
