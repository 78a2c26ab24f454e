import { asc, sql, type SQL } from 'drizzle-orm';
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
 * The images a filter selects: with a mask condition, the images having a mask it selects (and
 * meeting its image conditions); without, every image meeting the image conditions, masks or not.
 */
export function browsedImages(filter: MaskFilter | null | undefined): SQL | undefined {
  if (!filter) return undefined;
  return maskConditions(filter) ? selectedImages(filter) : imageConditions(filter);
}

/**
 * A window of the images a filter selects (browsedImages), in id order, by position: a virtualised grid asks for
 * the rows it scrolls to, anywhere in the list. With no mask condition an image without masks is
 * listed too; with one, the images having a mask it selects.
 */
export async function browseImages(db: Database, filter: MaskFilter | null | undefined, window: { offset: number; limit: number }): Promise<ImageWindow> {
  const where = browsedImages(filter);
  const [{ total }] = await db.select({ total: sql<number>`count(*)`.mapWith(Number) }).from(images).where(where);
  const rows = window.limit === 0 ? [] : await db.select().from(images).where(where).orderBy(asc(images.id)).offset(window.offset).limit(window.limit);
  return { totalCount: total, images: rows };
}
