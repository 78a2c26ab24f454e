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

export const loadImages = async (ids: readonly (string | number)[], ctx: GraphQLContext): Promise<(ImageRow | Error)[]> =>
  inOrder(ids, await getImagesByIds(ctx.service.db, ids.map(Number)), 'image');

export const loadModels = async (ids: readonly (string | number)[], ctx: GraphQLContext): Promise<(ModelRow | Error)[]> =>
  inOrder(ids, await getModelsByIds(ctx.service.db, ids.map(Number)), 'model');

export const loadMasks = async (ids: readonly (string | number)[], ctx: GraphQLContext): Promise<(MaskRow | Error)[]> =>
  inOrder(ids, await getMasksByIds(ctx.service.db, ids.map(Number)), 'mask');

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
