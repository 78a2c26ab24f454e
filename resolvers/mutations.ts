import { encodeGlobalID } from '@pothos/plugin-relay';
import { getImagesByIds, upsertImages, type NewImage } from '../db/repositories/images.js';
import { deleteMasks } from '../db/repositories/masks.js';
import { getModelsByIds, upsertModels } from '../db/repositories/models.js';
import type { Box, ImageRow, JsonObject, ModelRow } from '../db/schema.js';
import { InvalidImageRecord, parseImageRecord } from '../ingest/image-records.js';
import { UriOutsideRoots } from '../ingest/image-roots.js';
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

/** An image argument as upsertImages stores it; the rules are shared with the CLI's import file. */
function imageRecord(image: ImageArg, where: string): NewImage {
  const boxes = new Map<string, Box>();
  for (const b of image.boxes ?? []) {
    if (boxes.has(b.name)) throw badInput(`${where}.boxes: the name '${b.name}' appears twice`);
    boxes.set(b.name, [b.x, b.y, b.width, b.height]);
  }
  try {
    return parseImageRecord({ ...image, boxes: Object.fromEntries(boxes) }, where);
  } catch (error) {
    throw error instanceof InvalidImageRecord ? badInput(error.message) : error;
  }
}

/** The uri must name a file under the server's image roots: a client may not point the server at any other file. */
function checkUri(record: NewImage, where: string, ctx: GraphQLContext): void {
  try {
    ctx.imageRoots.check(record.uri);
  } catch (error) {
    throw error instanceof UriOutsideRoots ? badInput(`${where}.uri: ${error.message}`, `${where}.uri`) : error;
  }
}

/** Overlays allocate an image's registered size: it is bounded like a mask's. */
function checkSize(record: NewImage, where: string, maxPixels: number): void {
  if ((record.width ?? 0) * (record.height ?? 0) > maxPixels) {
    throw badInput(`${where}: ${record.width}×${record.height} is more than the limit of ${maxPixels} pixels`, where);
  }
}

export async function resolveUpsertImages(images: readonly ImageArg[], ctx: GraphQLContext): Promise<ImageRow[]> {
  checkBatch(images.length, 'images');
  const records = images.map((image, i) => {
    const record = imageRecord(image, `images[${i}]`);
    checkUri(record, `images[${i}]`, ctx);
    checkSize(record, `images[${i}]`, ctx.maxPixels);
    return record;
  });
  const ids = await upsertImages(ctx.service.db, records);
  // Through the change log, like other processes' upserts: putting rows read here could
  // overwrite a newer change another process committed meanwhile.
  await ctx.service.catchUp();
  const rows = await getImagesByIds(ctx.service.db, ids);
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
