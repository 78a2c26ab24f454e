import type { Chi, MaskTable } from '../engine/index.js';
import { InvalidChiError, deserializeChi, sameConfig } from '../engine/index.js';
import type { Database } from '../db/client.js';
import { listImages } from '../db/repositories/images.js';
import type { MaskIndexRow } from '../db/repositories/masks.js';
import { streamMaskIndex } from '../db/repositories/masks.js';
import { listModels } from '../db/repositories/models.js';
import type { ImageRow, ModelRow } from '../db/schema.js';

/**
 * Registers images (new or updated) with the table. Only a load and the change log call it: rows
 * read outside the log's order could overwrite a newer change.
 */
export function putImageRows(table: MaskTable, rows: readonly ImageRow[]): void {
  for (const row of rows) {
    table.putImage({
      id: row.id,
      key: row.key,
      width: row.width ?? 0,
      height: row.height ?? 0,
      label: row.label,
      split: row.split,
      tags: row.tags,
      boxes: row.boxes,
    });
  }
}

export function putModelRows(table: MaskTable, rows: readonly ModelRow[]): void {
  for (const row of rows) table.putModel(row.id, row.name);
}

export function putMaskRows(table: MaskTable, rows: readonly MaskIndexRow[]): void {
  for (const row of rows) {
    const entry = { id: row.id, imageId: row.imageId, width: row.width, height: row.height, encoding: row.encoding, modelId: row.modelId, maskType: row.maskType, source: row.source };
    table.putMask(entry, storedChi(table, row.chi, row.width, row.height));
  }
}

/**
 * The stored CHI if this index can use it. One of an older format (CHI1), of other levels (the
 * configuration changed) or that does not fit the mask is rebuilt when the mask is next loaded.
 */
function storedChi(table: MaskTable, bytes: Uint8Array | null, width: number, height: number): Chi | null {
  if (!bytes) return null;
  try {
    const chi = deserializeChi(bytes);
    return sameConfig(chi, table.config) && chi.width === width && chi.height === height ? chi : null;
  } catch (error) {
    if (error instanceof InvalidChiError) return null;
    throw error;
  }
}

/**
 * Fills an empty table from the store's rows: every model, every image, then every mask's index
 * row, calling onMasks with the count so far after each batch. The caller reads the change log's
 * seq before, and applies the changes after it once this returns: a mask of an image committed
 * after the images were read is left to the log, where its insert follows that seq (seq order is
 * commit order).
 */
export async function loadTableFromRows(db: Database, table: MaskTable, onMasks?: (done: number) => void): Promise<void> {
  putModelRows(table, await listModels(db));
  for (let afterId: number | undefined; ; ) {
    const page = await listImages(db, { limit: 10_000, afterId });
    putImageRows(table, page.images);
    if (!page.hasNextPage) break;
    afterId = page.images[page.images.length - 1].id;
  }
  let done = 0;
  for await (const rows of streamMaskIndex(db)) {
    putMaskRows(table, rows.filter((r) => table.hasImage(r.imageId)));
    done += rows.length;
    onMasks?.(done);
  }
}
