import { asc, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { images, type ImageRow } from '../schema.js';
import { imageConditions, maskConditions, type MaskFilter } from './mask-where.js';
import { selectedImages } from './facets.js';

export interface ImageWindow {
  /** Every image the filter selects, not only this window's. */
  totalCount: number;
  images: ImageRow[];
}

/**
 * A window of the images a filter selects, in id order, by position: a virtualised grid asks for
 * the rows it scrolls to, anywhere in the list. With no mask condition an image without masks is
 * listed too; with one, the images having a mask it selects.
 */
export async function browseImages(db: Database, filter: MaskFilter | null | undefined, window: { offset: number; limit: number }): Promise<ImageWindow> {
  const where = filter && maskConditions(filter) ? selectedImages(filter) : filter ? imageConditions(filter) : undefined;
  const [{ total }] = await db.select({ total: sql<number>`count(*)`.mapWith(Number) }).from(images).where(where);
  const rows = window.limit === 0 ? [] : await db.select().from(images).where(where).orderBy(asc(images.id)).offset(window.offset).limit(window.limit);
  return { totalCount: total, images: rows };
}
