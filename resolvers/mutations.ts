import { encodeGlobalID } from '@pothos/plugin-relay';
import { getImagesByIds, upsertImages } from '../db/repositories/images.js';
import { deleteMasks } from '../db/repositories/masks.js';
import { getModelsByIds, upsertModels } from '../db/repositories/models.js';
import type { Box, ImageRow, JsonObject, ModelRow } from '../db/schema.js';
import { localId } from './arguments.js';
import type { GraphQLContext } from './context.js';
import { badInput } from './errors.js';

const MAX_BATCH = 10_000;

export interface ImageArg {
  key: string;
  width: number;
  height: number;
  uri?: string | null;
  label?: string | null;
  split?: string | null;
  boxes?: readonly { name: string; x: number; y: number; width: number; height: number }[] | null;
  metadata?: unknown;
}

function jsonObject(value: unknown, name: string): JsonObject | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badInput(`${name} must be a JSON object`);
  return value as JsonObject;
}

function checkBatch(length: number, name: string): void {
  if (length > MAX_BATCH) throw badInput(`${name}: at most ${MAX_BATCH} per call, got ${length}`);
}

/** Validates image records as given by GraphQL or an import file; `where` names the record in messages. */
export function imageRecord(image: ImageArg, where: string) {
  if (!image.key) throw badInput(`${where}.key must not be empty`);
  for (const side of ['width', 'height'] as const) {
    if (!Number.isInteger(image[side]) || image[side] <= 0) throw badInput(`${where}.${side} must be a positive integer, got ${image[side]}`);
  }
  const boxes: Record<string, Box> = {};
  (image.boxes ?? []).forEach((b, j) => {
    if (!b.name) throw badInput(`${where}.boxes[${j}].name must not be empty`);
    if (boxes[b.name]) throw badInput(`${where}.boxes: the name '${b.name}' appears twice`);
    if (b.width < 0 || b.height < 0) throw badInput(`${where}.boxes[${j}] ('${b.name}') has a negative size`);
    boxes[b.name] = [b.x, b.y, b.width, b.height];
  });
  return {
    key: image.key,
    width: image.width,
    height: image.height,
    uri: image.uri ?? null,
    label: image.label ?? null,
    split: image.split ?? null,
    boxes,
    metadata: jsonObject(image.metadata, `${where}.metadata`),
  };
}

export async function resolveUpsertImages(images: readonly ImageArg[], ctx: GraphQLContext): Promise<ImageRow[]> {
  checkBatch(images.length, 'images');
  const records = images.map((image, i) => imageRecord(image, `images[${i}]`));
  const ids = await upsertImages(ctx.service.db, records);
  const rows = await getImagesByIds(ctx.service.db, ids);
  ctx.service.putImages(rows);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

export async function resolveUpsertModels(
  models: readonly { name: string; kind?: string | null; metadata?: unknown }[],
  ctx: GraphQLContext,
): Promise<ModelRow[]> {
  checkBatch(models.length, 'models');
  const records = models.map((m, i) => {
    if (!m.name) throw badInput(`models[${i}].name must not be empty`);
    return { name: m.name, kind: m.kind ?? null, metadata: jsonObject(m.metadata, `models[${i}].metadata`) ?? null };
  });
  const ids = await upsertModels(ctx.service.db, records);
  const rows = await getModelsByIds(ctx.service.db, ids);
  ctx.service.putModels(rows);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

export async function resolveDeleteMasks(ids: readonly (string | number)[], ctx: GraphQLContext) {
  checkBatch(ids.length, 'ids');
  const local = ids.map((id) => localId(id, 'Mask', 'ids'));
  const deleted = await deleteMasks(ctx.service.db, local);
  await ctx.service.catchUp();
  return { deletedIds: deleted.map((id) => encodeGlobalID('Mask', id)), count: deleted.length };
}
