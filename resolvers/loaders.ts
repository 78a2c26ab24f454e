import { getImagesByIds, getImagesByKeys } from '../db/repositories/images.js';
import { getMasksByIds, getMasksByImageIds } from '../db/repositories/masks.js';
import { getModelsByIds } from '../db/repositories/models.js';
import type { ImageRow, MaskRow, ModelRow } from '../db/schema.js';
import type { GraphQLContext } from './context.js';

/** What a loader holds for an id with no row: node(id:) answers null for it, other fields fail. */
export class MissingRowError extends Error {}

/** Rows in the order of the requested ids, an Error where one does not exist (as DataLoader expects). */
function inOrder<T extends { id: number }>(ids: readonly (string | number)[], rows: readonly T[], what: string): (T | Error)[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(Number(id)) ?? new MissingRowError(`${what} ${id} does not exist`));
}

/** Rows read for a request are kept for later ones (see search/row-cache.ts). */
export async function loadImages(ids: readonly (string | number)[], ctx: GraphQLContext): Promise<(ImageRow | Error)[]> {
  const cache = ctx.service.rows.images;
  const generation = cache.generation;
  const rows = await getImagesByIds(ctx.service.db, ids.map(Number));
  cache.keep(rows, generation);
  return inOrder(ids, rows, 'image');
}

export const loadModels = async (ids: readonly (string | number)[], ctx: GraphQLContext): Promise<(ModelRow | Error)[]> =>
  inOrder(ids, await getModelsByIds(ctx.service.db, ids.map(Number)), 'model');

export async function loadMasks(ids: readonly (string | number)[], ctx: GraphQLContext): Promise<(MaskRow | Error)[]> {
  const cache = ctx.service.rows.masks;
  const generation = cache.generation;
  const rows = await getMasksByIds(ctx.service.db, ids.map(Number));
  cache.keep(rows, generation);
  return inOrder(ids, rows, 'mask');
}

/**
 * A mask of a query result: its row from memory when a request before read it, else its id for
 * the request's batched loader. (Results name masks of the in-memory index, whose rows the
 * change log keeps current; node(id:) always reads the store.)
 */
export const resultMask = (id: number, ctx: GraphQLContext): MaskRow | string => ctx.service.rows.masks.get(id) ?? String(id);

/** The image of a mask, likewise. */
export const maskImage = (mask: MaskRow, ctx: GraphQLContext): ImageRow | string => ctx.service.rows.images.get(mask.imageId) ?? String(mask.imageId);

/** A model as the index names it, its other fields read when asked (modelRow); unknown to the index, its id. */
export interface ModelName {
  id: number;
  name: string;
}

export const maskModel = (mask: MaskRow, ctx: GraphQLContext): ModelName | string | null => {
  if (mask.modelId === null) return null;
  const name = ctx.service.table.modelNameOf(mask.modelId);
  return name === undefined ? String(mask.modelId) : { id: mask.modelId, name };
};

export async function loadMasksOfImages(imageIds: readonly (string | number)[], ctx: GraphQLContext): Promise<MaskRow[][]> {
  const rows = await getMasksByImageIds(ctx.service.db, imageIds.map(Number));
  const byImage = new Map<number, MaskRow[]>();
  for (const row of rows) byImage.set(row.imageId, [...(byImage.get(row.imageId) ?? []), row]);
  return imageIds.map((id) => (byImage.get(Number(id)) ?? []).sort((a, b) => a.id - b.id));
}

export async function loadImageByKey(key: string, ctx: GraphQLContext): Promise<ImageRow | null> {
  const [row] = await getImagesByKeys(ctx.service.db, [key]);
  return row ?? null;
}
